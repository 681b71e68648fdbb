#include <gtest/gtest.h>

#include "annex_fixture.h"
#include "compat/logs/map_log.h"

namespace gad::compat::logs {
namespace {

TEST(MapLog, ParsesTheInternalsExamples) {
    const auto config = parse_map_log("1317929189.157237s annex.autocommit false\n");
    ASSERT_EQ(config.entries.size(), 1u);
    EXPECT_EQ(config.entries[0],
              (MapLogEntry{"annex.autocommit", "false", {1317929189, 157237000000}}));

    const auto rmt = parse_map_log(
        "1287290776.765152s e605dca6-446a-11e0-8b2a-002170d25c55 blah blah\n"
        "1287290767.478634s 26339d22-446b-11e0-9101-002170d25c55 foo=bar\n");
    ASSERT_EQ(rmt.entries.size(), 2u);
    EXPECT_EQ(rmt.entries[0].field, "e605dca6-446a-11e0-8b2a-002170d25c55");
    EXPECT_EQ(rmt.entries[0].value, "blah blah");
    EXPECT_EQ(rmt.entries[1].value, "foo=bar");
}

TEST(MapLog, AcceptsEmptyValuesAndReportsMissingFields) {
    const auto parsed = parse_map_log(
        "5s annex.largefiles \n"
        "6s onlyfield\n"
        "x field value\n"
        "7s  value with empty field\n");
    ASSERT_EQ(parsed.entries.size(), 2u);
    EXPECT_EQ(parsed.entries[0], (MapLogEntry{"annex.largefiles", "", {5, 0}}));
    EXPECT_EQ(parsed.entries[1], (MapLogEntry{"", "value with empty field", {7, 0}}));
    ASSERT_EQ(parsed.errors.size(), 2u);
    EXPECT_EQ(parsed.errors[0].line, 2u);
    EXPECT_EQ(parsed.errors[1].line, 3u);
}

TEST(MapLog, CompactsToTheNewestPerFieldLastWinningTies) {
    const auto parsed = parse_map_log("5s b one\n5s a first\n4s b older\n5s a second\n");
    const auto compact = compact_map_log(parsed.entries);
    ASSERT_EQ(compact.size(), 2u);
    EXPECT_EQ(compact[0], (MapLogEntry{"a", "second", {5, 0}}));
    EXPECT_EQ(compact[1], (MapLogEntry{"b", "one", {5, 0}}));
    EXPECT_EQ(format_map_log(compact), "5s a second\n5s b one\n");
}

TEST(MapLog, ReadsConfigAndGroupPreferredContentGitAnnexWrote) {
    ANNEX_REPO_OR_SKIP(repo);
    const std::string config = repo->branch_file("config.log");
    const auto parsed = parse_map_log(config);
    EXPECT_TRUE(parsed.errors.empty());
    const auto compact = compact_map_log(parsed.entries);
    ASSERT_EQ(compact.size(), 1u);
    EXPECT_EQ(compact[0].field, "annex.largefiles");
    EXPECT_EQ(compact[0].value, "anything");
    EXPECT_EQ(format_map_log(compact), config);

    const std::string groupwanted = repo->branch_file("group-preferred-content.log");
    const auto groups = compact_map_log(parse_map_log(groupwanted).entries);
    ASSERT_EQ(groups.size(), 1u);
    EXPECT_EQ(groups[0].field, "mygroup");
    EXPECT_EQ(groups[0].value, "present");
    EXPECT_EQ(format_map_log(groups), groupwanted);
}

}  // namespace
}  // namespace gad::compat::logs
