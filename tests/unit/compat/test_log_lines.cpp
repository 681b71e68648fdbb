#include <gtest/gtest.h>

#include "compat/logs/log_lines.h"

namespace gad::compat::logs {
namespace {

std::vector<std::pair<std::size_t, std::string>> lines_of(std::string_view text) {
    std::vector<std::pair<std::size_t, std::string>> out;
    for (const Line& line : split_lines(text)) out.emplace_back(line.number, line.text);
    return out;
}

TEST(LogLines, SplitsOnAnyRunOfCrAndLfAndSkipsEmptyLines) {
    using V = std::vector<std::pair<std::size_t, std::string>>;
    EXPECT_EQ(lines_of("a\nb\n"), (V{{1, "a"}, {2, "b"}}));
    EXPECT_EQ(lines_of("a\r\nb"), (V{{1, "a"}, {2, "b"}}));
    EXPECT_EQ(lines_of("a\r\r\n\n\nb\r"), (V{{1, "a"}, {4, "b"}}));
    EXPECT_EQ(lines_of("\n\na"), (V{{3, "a"}}));
    EXPECT_TRUE(lines_of("").empty());
    EXPECT_TRUE(lines_of("\r\n\n").empty());
}

TEST(LogLines, ErrorsQuoteTheLineTruncatedAndEscaped) {
    const Line line{7, "bad\x01text"};
    const LineError error = line_error(line, "bad timestamp");
    EXPECT_EQ(error.line, 7u);
    EXPECT_EQ(error.message, "line 7: bad timestamp: 'bad\\x01text'");
    const std::string longer(200, 'x');
    const LineError truncated = line_error(Line{1, longer}, "too long");
    EXPECT_LT(truncated.message.size(), 110u);
    EXPECT_TRUE(truncated.message.ends_with("...'"));
}

TEST(LogLines, ParsesTimestampsExactly) {
    EXPECT_EQ(parse_log_timestamp("1287290776.765152s"),
              (core::Timestamp{1287290776, 765152000000}));
    EXPECT_EQ(parse_log_timestamp("1795298451.814624164001s"),
              (core::Timestamp{1795298451, 814624164001}));
    EXPECT_EQ(parse_log_timestamp("12"), (core::Timestamp{12, 0}));
    EXPECT_FALSE(parse_log_timestamp("12x"));
    EXPECT_FALSE(parse_log_timestamp(""));
}

TEST(LogLines, SplitsWordsOnHaskellWhiteSpace) {
    using V = std::vector<std::string_view>;
    EXPECT_EQ(split_words("  a b\t\tc\n"), (V{"a", "b", "c"}));
    EXPECT_EQ(split_words("a\xc2\xa0"
                          "b\xe2\x80\x83"
                          "c\xe3\x80\x80"),
              (V{"a", "b", "c"}));
    // Other non-ASCII text is not white space.
    EXPECT_EQ(split_words("\xc3\xbc \xe2\x80\x8b"), (V{"\xc3\xbc", "\xe2\x80\x8b"}));
    EXPECT_TRUE(split_words(" \t ").empty());
}

struct Entry {
    std::string id;
    core::Timestamp ts;
    int tag = 0;
};

TEST(LogLines, NewestPerKeepsTheNewestAndFirstOnTiesInFirstAppearanceOrder) {
    std::vector<Entry> entries = {
        {"b", {5, 0}, 1}, {"a", {3, 0}, 2}, {"b", {7, 0}, 3}, {"a", {3, 0}, 4}, {"b", {6, 0}, 5},
    };
    const auto first = newest_per(entries, [](const Entry& e) { return e.id; });
    ASSERT_EQ(first.size(), 2u);
    EXPECT_EQ(first[0].id, "b");
    EXPECT_EQ(first[0].tag, 3);
    EXPECT_EQ(first[1].id, "a");
    EXPECT_EQ(first[1].tag, 2);

    const auto last = newest_per(
        entries, [](const Entry& e) { return e.id; }, TieBreak::last_wins);
    EXPECT_EQ(last[1].tag, 4);
    EXPECT_EQ(last[0].tag, 3);
}

TEST(LogLines, NewestPerComparesToThePicosecond) {
    std::vector<Entry> entries = {
        {"a", {10, 2}, 1}, {"a", {10, 1}, 2}, {"a", {9, 999999999999}, 3}};
    const auto kept = newest_per(entries, [](const Entry& e) { return e.id; });
    ASSERT_EQ(kept.size(), 1u);
    EXPECT_EQ(kept[0].tag, 1);
    EXPECT_TRUE(newest_per(std::vector<Entry>{}, [](const Entry& e) { return e.id; }).empty());
}

}  // namespace
}  // namespace gad::compat::logs
