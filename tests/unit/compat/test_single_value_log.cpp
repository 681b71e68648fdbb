#include <gtest/gtest.h>

#include "annex_fixture.h"
#include "compat/logs/single_value_log.h"

namespace gad::compat::logs {
namespace {

TEST(SingleValueLog, ParsesAndFormats) {
    const std::string text = "1795298436.25650142s 2\n1795298437s some value\n";
    const auto parsed = parse_single_value_log(text);
    EXPECT_TRUE(parsed.errors.empty());
    ASSERT_EQ(parsed.entries.size(), 2u);
    EXPECT_EQ(parsed.entries[0], (SingleValueEntry{{1795298436, 256501420000}, "2"}));
    EXPECT_EQ(parsed.entries[1].value, "some value");
    EXPECT_EQ(format_single_value_log(parsed.entries), text);
}

TEST(SingleValueLog, ReportsCorruptLines) {
    const auto parsed = parse_single_value_log("nope 2\n5s\n\n6s 3\n");
    ASSERT_EQ(parsed.entries.size(), 1u);
    ASSERT_EQ(parsed.errors.size(), 2u);
    EXPECT_EQ(parsed.errors[0].line, 1u);
    EXPECT_EQ(parsed.errors[1].line, 2u);
}

TEST(SingleValueLog, TheNewestNumberWinsTheLargerOnTies) {
    const auto parsed = parse_single_value_log("10s 3\n20s 2\n20s 1\n30s many\n");
    EXPECT_EQ(newest_number(parsed.entries), 2);
    EXPECT_EQ(newest_number(parse_single_value_log("1s 1\n1s 4\n1s 2\n").entries), 4);
    EXPECT_EQ(newest_number({}), std::nullopt);
    EXPECT_EQ(parse_number_value(" 2 copies"), 2);
    EXPECT_EQ(parse_number_value("-1"), -1);
    EXPECT_EQ(parse_number_value("x2"), std::nullopt);
}

TEST(SingleValueLog, ReadsNumcopiesAndMincopiesGitAnnexWrote) {
    ANNEX_REPO_OR_SKIP(repo);
    const std::string numcopies = repo->branch_file("numcopies.log");
    const auto parsed = parse_single_value_log(numcopies);
    EXPECT_TRUE(parsed.errors.empty());
    EXPECT_EQ(newest_number(parsed.entries), 2);
    EXPECT_EQ(format_single_value_log(parsed.entries), numcopies);
    const std::string mincopies = repo->branch_file("mincopies.log");
    EXPECT_EQ(newest_number(parse_single_value_log(mincopies).entries), 1);
    EXPECT_EQ(format_single_value_log(parse_single_value_log(mincopies).entries), mincopies);
}

}  // namespace
}  // namespace gad::compat::logs
