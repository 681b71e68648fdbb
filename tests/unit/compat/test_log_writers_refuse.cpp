// The compat/logs writers never write a line that would not read back as written: entries with
// a value that could break or forge a line (core/annex_values.h) are left out, the others kept.
#include <gtest/gtest.h>

#include <string>

#include "compat/logs/chunk_log.h"
#include "compat/logs/map_log.h"
#include "compat/logs/metadata_log.h"
#include "compat/logs/presence_log.h"
#include "compat/logs/single_value_log.h"
#include "compat/logs/uuid_based_log.h"

namespace gad::compat::logs {
namespace {

using core::Timestamp;
using std::string_literals::operator""s;

constexpr const char* kU = "e605dca6-446a-11e0-8b2a-002170d25c55";

TEST(LogWritersRefuse, PresenceLog) {
    const std::vector<PresenceEntry> entries = {
        {Timestamp{1, 0}, '1', kU},
        {Timestamp{2, 0}, '1', "x\n9999999999s 1 fake"},
        {Timestamp{3, 0}, '1', "http://a/\r9999999999s 1 http://evil/"},
        {Timestamp{4, 0}, '1', "nul\0byte"s},
        {Timestamp{5, 0}, '\n', kU},
        {Timestamp{6, 0}, '2', kU},
        {Timestamp{7, 0}, 'X', "http://example.com/a b"},
    };
    const std::string text = format_presence_log(entries);
    EXPECT_EQ(text, std::string("1s 1 ") + kU + "\n7s X http://example.com/a b\n");
    EXPECT_EQ(parse_presence_log(text).entries.size(), 2u);
}

TEST(LogWritersRefuse, UuidBasedLog) {
    const std::vector<UuidBasedEntry> entries = {
        {kU, "laptop", Timestamp{1, 0}, true},
        {kU, "x timestamp=1s\n" + std::string(kU) + " HACKED", Timestamp{2, 0}, true},
        {"two words", "x", Timestamp{3, 0}, true},
        {"", "x", Timestamp{4, 0}, true},
        {"id\nx", "x", Timestamp{5, 0}, true},
        {kU, "cr\r", Timestamp{6, 0}, false},
    };
    EXPECT_EQ(format_uuid_based_log(entries), std::string(kU) + " laptop timestamp=1s\n");
}

TEST(LogWritersRefuse, MetadataLog) {
    const std::vector<MetadataEntry> entries = {
        {Timestamp{1, 0}, "tag", "ok", true},
        {Timestamp{1, 0}, "tag +forged", "x", true},
        {Timestamp{1, 0}, "+tag", "x", true},
        {Timestamp{1, 0}, "tag\n9999999999s", "x", true},
        {Timestamp{2, 0}, "f\tx", "x", true},  // the whole line goes: no empty "2s" line
        {Timestamp{3, 0}, "note", "two\nlines", true},
        {Timestamp{3, 0}, "nul", "a\0b"s, false},
    };
    const std::string text = format_metadata_log(entries);
    EXPECT_EQ(text, "1s tag +ok\n3s note +!dHdvCmxpbmVz nul -!YQBi\n");
    auto parsed = parse_metadata_log(text);
    EXPECT_TRUE(parsed.errors.empty());
    ASSERT_EQ(parsed.entries.size(), 3u);
    EXPECT_EQ(parsed.entries[1].value, "two\nlines");
    EXPECT_EQ(parsed.entries[2].value, "a\0b"s);
}

TEST(LogWritersRefuse, MapChunkAndSingleValueLogs) {
    EXPECT_EQ(format_map_log({{"annex.largefiles", "include=*.mp3", Timestamp{1, 0}},
                              {"a b", "x", Timestamp{2, 0}},
                              {"f", "v\n9s g h", Timestamp{3, 0}},
                              {"", "v", Timestamp{4, 0}}}),
              "1s annex.largefiles include=*.mp3\n");
    EXPECT_EQ(format_chunk_log({{Timestamp{1, 0}, kU, 10, 2},
                                {Timestamp{2, 0}, "u\n9s v", 10, 2},
                                {Timestamp{3, 0}, "u v", 10, 2}}),
              std::string("1s ") + kU + ":10 2\n");
    EXPECT_EQ(
        format_single_value_log({{Timestamp{1, 0}, "2"}, {Timestamp{2, 0}, "3\n9999999999s 0"}}),
        "1s 2\n");
}

}  // namespace
}  // namespace gad::compat::logs
