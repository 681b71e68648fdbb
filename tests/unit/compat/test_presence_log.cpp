#include <gtest/gtest.h>

#include <algorithm>

#include "annex_fixture.h"
#include "compat/logs/branch_file.h"
#include "compat/logs/presence_log.h"

namespace gad::compat::logs {
namespace {

constexpr std::string_view web_uuid = "00000000-0000-0000-0000-000000000001";

TEST(PresenceLog, ParsesTheInternalsExample) {
    const auto parsed = parse_presence_log(
        "1287290776.765152s 1 e605dca6-446a-11e0-8b2a-002170d25c55\n"
        "1287290767.478634s 0 26339d22-446b-11e0-9101-002170d25c55\n");
    EXPECT_TRUE(parsed.errors.empty());
    ASSERT_EQ(parsed.entries.size(), 2u);
    EXPECT_EQ(
        parsed.entries[0],
        (PresenceEntry{{1287290776, 765152000000}, '1', "e605dca6-446a-11e0-8b2a-002170d25c55"}));
    EXPECT_EQ(
        parsed.entries[1],
        (PresenceEntry{{1287290767, 478634000000}, '0', "26339d22-446b-11e0-9101-002170d25c55"}));
}

TEST(PresenceLog, KeepsUrlsWithSpacesAndOtherDownloadersVerbatim) {
    const auto parsed = parse_presence_log(
        "1795298443.41334975s 1 http://example.com/a b?c=1\n"
        "1795298443s 1 :quvi:https://example.com/v\n"
        "1795298451.814624164001s X u\n");
    ASSERT_EQ(parsed.entries.size(), 3u);
    EXPECT_EQ(parsed.entries[0].info, "http://example.com/a b?c=1");
    EXPECT_EQ(parsed.entries[1].info, ":quvi:https://example.com/v");
    EXPECT_EQ(parsed.entries[2].status, 'X');
    EXPECT_EQ(parsed.entries[2].ts, (core::Timestamp{1795298451, 814624164001}));
}

TEST(PresenceLog, ReportsAndSkipsCorruptLines) {
    const auto parsed = parse_presence_log(
        "garbage 1 u1\n"
        "\n"
        "1287290776s 2 u2\n"
        "1287290776s 1u3\n"
        "1287290776s\n"
        "1287290776s 1 u4\r\n"
        "12.5s 0 \n");
    ASSERT_EQ(parsed.entries.size(), 2u);
    EXPECT_EQ(parsed.entries[0].info, "u4");
    EXPECT_EQ(parsed.entries[1].info, "");  // git-annex accepts an empty info
    ASSERT_EQ(parsed.errors.size(), 4u);
    EXPECT_EQ(parsed.errors[0].line, 1u);
    EXPECT_NE(parsed.errors[0].message.find("'garbage 1 u1'"), std::string::npos);
    EXPECT_EQ(parsed.errors[1].line, 3u);
    EXPECT_NE(parsed.errors[1].message.find("status"), std::string::npos);
    EXPECT_EQ(parsed.errors[2].line, 4u);
    EXPECT_EQ(parsed.errors[3].line, 5u);
}

TEST(PresenceLog, CompactsToTheNewestLinePerInfoFirstWinningTies) {
    std::vector<PresenceEntry> entries = {
        {{10, 0}, '1', "b"}, {{20, 0}, '0', "b"}, {{15, 0}, '1', "a"},
        {{15, 0}, '0', "a"}, {{5, 0}, 'X', "b"},
    };
    const auto compact = compact_presence(entries);
    ASSERT_EQ(compact.size(), 2u);
    EXPECT_EQ(compact[0], (PresenceEntry{{15, 0}, '1', "a"}));
    EXPECT_EQ(compact[1], (PresenceEntry{{20, 0}, '0', "b"}));
}

TEST(PresenceLog, FormatsAsGitAnnexDoes) {
    const std::string text =
        "1287290767.478634s 0 26339d22-446b-11e0-9101-002170d25c55\n"
        "1287290776.765152s 1 e605dca6-446a-11e0-8b2a-002170d25c55\n"
        "1795298447s 1 http://x/a b\n";
    EXPECT_EQ(format_presence_log(parse_presence_log(text).entries), text);
    EXPECT_EQ(format_presence_log({}), "");
}

TEST(PresenceLog, ReadsLocationLogsGitAnnexWrote) {
    ANNEX_REPO_OR_SKIP(repo);
    const std::string big = repo->key_of("big.bin");
    const std::string text = repo->branch_file(branch_path_for_key(big, FileKind::location));
    const auto parsed = parse_presence_log(text);
    EXPECT_TRUE(parsed.errors.empty());
    auto compact = compact_presence(parsed.entries);
    ASSERT_EQ(compact.size(), 2u);
    for (const auto& e : compact) EXPECT_EQ(e.status, '1');
    std::vector<std::string> infos = {compact[0].info, compact[1].info};
    std::ranges::sort(infos);
    std::vector<std::string> expected = {repo->here_uuid, repo->dr_uuid};
    std::ranges::sort(expected);
    EXPECT_EQ(infos, expected);
    EXPECT_EQ(format_presence_log(compact), text);

    // registerurl adds the web remote; setpresentkey ... 0 marks the content missing here.
    const std::string small = repo->key_of("a_b.txt");
    const std::string small_text =
        repo->branch_file(branch_path_for_key(small, FileKind::location));
    const auto small_log = compact_presence(parse_presence_log(small_text).entries);
    ASSERT_EQ(small_log.size(), 2u);
    EXPECT_EQ(small_log[0].info, web_uuid);
    EXPECT_EQ(small_log[0].status, '1');
    EXPECT_EQ(small_log[1].info, repo->here_uuid);
    EXPECT_EQ(small_log[1].status, '0');
    EXPECT_EQ(format_presence_log(small_log), small_text);
}

TEST(PresenceLog, ReadsUrlLogsGitAnnexWrote) {
    ANNEX_REPO_OR_SKIP(repo);
    const std::string key = repo->key_of("a_b.txt");
    const std::string text = repo->branch_file(branch_path_for_key(key, FileKind::web));
    const auto parsed = parse_presence_log(text);
    EXPECT_TRUE(parsed.errors.empty());
    ASSERT_EQ(parsed.entries.size(), 1u);
    EXPECT_EQ(parsed.entries[0].status, '1');
    EXPECT_EQ(parsed.entries[0].info, "http://example.com/a b?c=1");
    EXPECT_EQ(format_presence_log(parsed.entries), text);
}

}  // namespace
}  // namespace gad::compat::logs
