#include <gtest/gtest.h>

#include <algorithm>

#include "annex_fixture.h"
#include "compat/logs/uuid_based_log.h"

namespace gad::compat::logs {
namespace {

using Config = std::vector<std::pair<std::string, std::string>>;

const UuidBasedEntry* find(const std::vector<UuidBasedEntry>& entries, std::string_view id) {
    const auto it = std::ranges::find(entries, id, &UuidBasedEntry::id);
    return it == entries.end() ? nullptr : &*it;
}

TEST(UuidBasedLog, ParsesTheInternalsExamples) {
    const auto uuid = parse_uuid_based_log(
        "e605dca6-446a-11e0-8b2a-002170d25c55 laptop timestamp=1317929189.157237s\n"
        "26339d22-446b-11e0-9101-002170d25c55 usb disk timestamp=1317929330.769997s\n");
    EXPECT_TRUE(uuid.errors.empty());
    ASSERT_EQ(uuid.entries.size(), 2u);
    EXPECT_EQ(
        uuid.entries[0],
        (UuidBasedEntry{
            "e605dca6-446a-11e0-8b2a-002170d25c55", "laptop", {1317929189, 157237000000}, true}));
    EXPECT_EQ(uuid.entries[1].value, "usb disk");

    const auto schedule = parse_uuid_based_log(
        "42bf2035-0636-461d-a367-49e9dfd361dd fsck self 30m every day at any time; fsck "
        "4b3ebc86-0faf-4892-83c5-ce00cbe30f0a 1h every year at any time "
        "timestamp=1385646997.053162s\n");
    ASSERT_EQ(schedule.entries.size(), 1u);
    EXPECT_EQ(schedule.entries[0].value,
              "fsck self 30m every day at any time; fsck 4b3ebc86-0faf-4892-83c5-ce00cbe30f0a 1h "
              "every year at any time");
}

TEST(UuidBasedLog, FollowsGitAnnexLegacyRules) {
    const auto parsed = parse_uuid_based_log(
        "u1 very old trusted line\n"
        "u2\n"
        "u3 timestamp=5s\n"
        "u4  timestamp=6s\n"
        "u5 desc timestamp=bogus\n"
        "u6 two  spaces  kept timestamp=7.25s\n"
        " u7 bug timestamp=8s\n"
        "u8 timestamp=1s is not last\n");
    ASSERT_EQ(parsed.entries.size(), 7u);
    EXPECT_EQ(parsed.entries[0], (UuidBasedEntry{"u1", "very old trusted line", {}, false}));
    EXPECT_EQ(parsed.entries[1], (UuidBasedEntry{"u2", "", {}, false}));
    EXPECT_EQ(parsed.entries[2], (UuidBasedEntry{"u3", "", {5, 0}, true}));
    EXPECT_EQ(parsed.entries[3], (UuidBasedEntry{"u4", "", {6, 0}, true}));
    // An invalid timestamp stays in the value, and the line counts as oldest.
    EXPECT_EQ(parsed.entries[4], (UuidBasedEntry{"u5", "desc timestamp=bogus", {}, false}));
    EXPECT_EQ(parsed.entries[5],
              (UuidBasedEntry{"u6", "two  spaces  kept", {7, 250000000000}, true}));
    EXPECT_EQ(parsed.entries[6], (UuidBasedEntry{"u8", "timestamp=1s is not last", {}, false}));
    ASSERT_EQ(parsed.errors.size(), 1u);
    EXPECT_EQ(parsed.errors[0].line, 7u);
}

TEST(UuidBasedLog, CompactsToTheNewestPerUuidLastWinningTies) {
    const auto parsed = parse_uuid_based_log(
        "b old timestamp=2s\n"
        "a first timestamp=3s\n"
        "b new timestamp=4s\n"
        "a second timestamp=3s\n"
        "b legacy\n"
        "c legacy\n");
    const auto compact = compact_uuid_based(parsed.entries);
    ASSERT_EQ(compact.size(), 3u);
    EXPECT_EQ(compact[0].value, "second");
    EXPECT_EQ(compact[1].value, "new");
    EXPECT_EQ(compact[2].value, "legacy");
}

TEST(UuidBasedLog, FormatsAsGitAnnexDoes) {
    const std::string text =
        "5ad701b6-c431-4809-9179-e537f47937da  timestamp=1795298436.978051035s\n"
        "fb53e54c-f025-4c37-919d-380de922101a mygroup other timestamp=1795298436.024662392s\n"
        "u1 no timestamp\n";
    EXPECT_EQ(format_uuid_based_log(parse_uuid_based_log(text).entries), text);
    EXPECT_EQ(format_uuid_based_log({{"u", "", {}, false}}), "u \n");
}

TEST(UuidBasedLog, InterpretsTrustSettings) {
    EXPECT_EQ(parse_trust_setting("1"), TrustLevel::trusted);
    EXPECT_EQ(parse_trust_setting("trusted"), TrustLevel::trusted);
    EXPECT_EQ(parse_trust_setting("0"), TrustLevel::untrusted);
    EXPECT_EQ(parse_trust_setting("untrusted"), TrustLevel::untrusted);
    EXPECT_EQ(parse_trust_setting("X"), TrustLevel::dead);
    EXPECT_EQ(parse_trust_setting("dead"), TrustLevel::dead);
    EXPECT_EQ(parse_trust_setting("?"), TrustLevel::semitrusted);
    EXPECT_EQ(parse_trust_setting("semitrusted"), TrustLevel::semitrusted);
    EXPECT_EQ(parse_trust_setting(""), TrustLevel::semitrusted);  // unlike a trust.log value
}

TEST(UuidBasedLog, InterpretsTrustLevels) {
    EXPECT_EQ(parse_trust_level("1"), TrustLevel::trusted);
    EXPECT_EQ(parse_trust_level("0"), TrustLevel::untrusted);
    EXPECT_EQ(parse_trust_level("X"), TrustLevel::dead);
    EXPECT_EQ(parse_trust_level("?"), TrustLevel::semitrusted);
    EXPECT_EQ(parse_trust_level("whatever"), TrustLevel::semitrusted);
    EXPECT_EQ(parse_trust_level("X extra"), TrustLevel::dead);
    EXPECT_EQ(parse_trust_level(""), TrustLevel::trusted);  // trust.log once listed trusted only
    for (auto level :
         {TrustLevel::trusted, TrustLevel::semitrusted, TrustLevel::untrusted, TrustLevel::dead}) {
        EXPECT_EQ(parse_trust_level(format_trust_level(level)), level);
    }
}

TEST(UuidBasedLog, InterpretsGroupLists) {
    EXPECT_EQ(parse_group_names("other mygroup  other"),
              (std::vector<std::string>{"mygroup", "other"}));
    EXPECT_TRUE(parse_group_names("").empty());
    EXPECT_EQ(format_group_names({"b", "a", "b"}), "a b");
}

TEST(UuidBasedLog, ParsesRemoteConfigWithGitAnnexEscapes) {
    EXPECT_EQ(
        parse_remote_config("encryption=none name=rs rsyncurl=/tmp/ga4/a&32;b&38;c type=rsync"),
        (Config{{"encryption", "none"},
                {"name", "rs"},
                {"rsyncurl", "/tmp/ga4/a b&c"},
                {"type", "rsync"}}));
    // Non-ASCII code points, literal '&' without a valid entity, '=' in values, no '='.
    EXPECT_EQ(
        parse_remote_config("a=&252;&12288;x b=&x&;&99999999999; c=k=v d"),
        (Config{
            {"a", "\xc3\xbc\xe3\x80\x80x"}, {"b", "&x&;&99999999999;"}, {"c", "k=v"}, {"d", ""}}));
    // A repeated key keeps its first place and its last value.
    EXPECT_EQ(parse_remote_config("x=1 y=2 x=3"), (Config{{"x", "3"}, {"y", "2"}}));
    // GHC's surrogate escapes stand for raw bytes.
    EXPECT_EQ(parse_remote_config("r=&56575;"), (Config{{"r", "\xff"}}));
}

TEST(UuidBasedLog, FormatsRemoteConfigSortedAndEscaped) {
    EXPECT_EQ(format_remote_config({{"type", "rsync"}, {"rsyncurl", "/a b&c"}, {"name", "rs"}}),
              "name=rs rsyncurl=/a&32;b&38;c type=rsync");
    EXPECT_EQ(format_remote_config({{"t",
                                     "a\tb\xc2\xa0"
                                     "c\xc3\xbc"}}),
              "t=a&9;b&160;c\xc3\xbc");
    const std::string value = "chunk=1KiB encryption=none name=dr type=directory";
    EXPECT_EQ(format_remote_config(parse_remote_config(value)), value);
}

TEST(UuidBasedLog, ReadsFilesGitAnnexWrote) {
    ANNEX_REPO_OR_SKIP(repo);
    for (const char* file : {"uuid.log", "trust.log", "group.log", "remote.log",
                             "preferred-content.log", "required-content.log"}) {
        const std::string text = repo->branch_file(file);
        const auto parsed = parse_uuid_based_log(text);
        EXPECT_TRUE(parsed.errors.empty()) << file;
        EXPECT_EQ(format_uuid_based_log(compact_uuid_based(parsed.entries)), text) << file;
        for (const auto& e : parsed.entries) EXPECT_TRUE(e.has_timestamp) << file;
    }

    const auto uuid = parse_uuid_based_log(repo->branch_file("uuid.log")).entries;
    ASSERT_NE(find(uuid, repo->here_uuid), nullptr);
    EXPECT_EQ(find(uuid, repo->here_uuid)->value, "described  with two spaces \xc3\xbc");
    ASSERT_NE(find(uuid, repo->dr_uuid), nullptr);
    EXPECT_EQ(find(uuid, repo->dr_uuid)->value, "dr");

    const auto trust =
        compact_uuid_based(parse_uuid_based_log(repo->branch_file("trust.log")).entries);
    ASSERT_NE(find(trust, repo->dr_uuid), nullptr);
    EXPECT_EQ(parse_trust_level(find(trust, repo->dr_uuid)->value), TrustLevel::trusted);
    EXPECT_EQ(parse_trust_level(find(trust, repo->here_uuid)->value), TrustLevel::untrusted);
    EXPECT_EQ(parse_trust_level(find(trust, repo->rs_uuid)->value), TrustLevel::dead);

    const auto group =
        compact_uuid_based(parse_uuid_based_log(repo->branch_file("group.log")).entries);
    ASSERT_NE(find(group, repo->here_uuid), nullptr);
    EXPECT_EQ(parse_group_names(find(group, repo->here_uuid)->value),
              (std::vector<std::string>{"mygroup", "other"}));

    const auto remote = parse_uuid_based_log(repo->branch_file("remote.log")).entries;
    ASSERT_NE(find(remote, repo->dr_uuid), nullptr);
    const Config dr = parse_remote_config(find(remote, repo->dr_uuid)->value);
    EXPECT_NE(std::ranges::find(dr, std::pair<std::string, std::string>{"chunk", "1KiB"}),
              dr.end());
    EXPECT_NE(std::ranges::find(dr, std::pair<std::string, std::string>{"type", "directory"}),
              dr.end());
    EXPECT_EQ(format_remote_config(dr), find(remote, repo->dr_uuid)->value);
    ASSERT_NE(find(remote, repo->rs_uuid), nullptr);
    const Config rs = parse_remote_config(find(remote, repo->rs_uuid)->value);
    EXPECT_NE(
        std::ranges::find(rs, std::pair<std::string, std::string>{"rsyncurl", "/nowhere/a b&c"}),
        rs.end());
    EXPECT_NE(find(remote, repo->rs_uuid)->value.find("rsyncurl=/nowhere/a&32;b&38;c"),
              std::string::npos);
    EXPECT_EQ(format_remote_config(rs), find(remote, repo->rs_uuid)->value);

    const auto wanted = parse_uuid_based_log(repo->branch_file("preferred-content.log")).entries;
    ASSERT_NE(find(wanted, repo->here_uuid), nullptr);
    EXPECT_EQ(find(wanted, repo->here_uuid)->value, "include=*.txt and exclude=foo");
    const auto required = parse_uuid_based_log(repo->branch_file("required-content.log")).entries;
    ASSERT_NE(find(required, repo->dr_uuid), nullptr);
    EXPECT_EQ(find(required, repo->dr_uuid)->value, "anything");
}

}  // namespace
}  // namespace gad::compat::logs
