// Tests of core/annex_values.h: which values may enter a git-annex log line, with literal
// examples of each kind, and how a refusal is counted and shown.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/annex_values.h"

namespace gad::core::annex_values {
namespace {

using std::string_literals::operator""s;

bool ok(Kind kind, std::string_view value) { return check(kind, value).has_value(); }
std::string why(Kind kind, std::string_view value) {
    auto checked = check(kind, value);
    return checked ? std::string("(accepted)") : checked.error().message;
}

TEST(AnnexValues, UuidsGitAnnexMakesAndItsSpecialOnes) {
    EXPECT_TRUE(ok(Kind::uuid, "e605dca6-446a-11e0-8b2a-002170d25c55"));  // internals.html
    EXPECT_TRUE(ok(Kind::uuid, "26339d22-446b-11e0-9101-002170d25c55"));
    EXPECT_TRUE(ok(Kind::uuid, "00000000-0000-0000-0000-000000000001"));  // web
    EXPECT_TRUE(ok(Kind::uuid, "00000000-0000-0000-0000-000000000002"));  // bittorrent
    EXPECT_TRUE(ok(Kind::uuid, "E605DCA6-446A-11E0-8B2A-002170D25C55"));  // isUUID takes upper case
}

TEST(AnnexValues, UuidsRefused) {
    const std::vector<std::string> bad = {
        "",
        "e605dca6-446a-11e0-8b2a-002170d25c5",    // 35
        "e605dca6-446a-11e0-8b2a-002170d25c555",  // 37
        "e605dca6446a-11e0-8b2a-002170d25c55-",   // dash moved
        "g605dca6-446a-11e0-8b2a-002170d25c55",   // not hex
        "e605dca6-446a-11e0-8b2a-002170d25c5\n",
        "e605dca6-446a-11e0-8b2a-002170d25c55\n1 1 26339d22-446b-11e0-9101-002170d25c55",
        "e605dca6-446a-11e0-8b2a-00217\r\n25c55",
        "e605dca6-446a-11e0-8b2a-002170d25c5\0"s,
        " 605dca6-446a-11e0-8b2a-002170d25c55",
        "web",
    };
    for (const auto& uuid : bad) {
        EXPECT_EQ(why(Kind::uuid, uuid), "not a git-annex UUID (8-4-4-4-12 hexadecimal digits)")
            << escaped(uuid);
    }
}

TEST(AnnexValues, KeysInBranchLogsAndKeysThatBecomeFiles) {
    const std::string sha =
        "SHA256E-s5--2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824.txt";
    const std::string url = "URL--http&c%%example.com%dir%file";
    const std::string url_slash = "URL--http://example.com/dir/file";
    EXPECT_TRUE(ok(Kind::key, sha));
    EXPECT_TRUE(ok(Kind::stored_key, sha));
    EXPECT_TRUE(ok(Kind::key, url));
    EXPECT_TRUE(ok(Kind::key, url_slash));          // git-annex's branch holds such keys
    EXPECT_FALSE(ok(Kind::stored_key, url_slash));  // never a file name
    EXPECT_TRUE(ok(Kind::key, "WORM-s3-m1700000000--my file"));
    EXPECT_TRUE(ok(Kind::key, "URL--" + std::string(400, 'x')));
    EXPECT_FALSE(ok(Kind::stored_key, "URL--" + std::string(400, 'x')));

    EXPECT_EQ(why(Kind::key, "SHA256E-s5--abc\n1 1 e605dca6-446a-11e0-8b2a-002170d25c55"),
              "not a git-annex key: control character \\x0a at byte 15");
    EXPECT_EQ(why(Kind::key, "SHA256E-s5--abc\rdef"),
              "not a git-annex key: control character \\x0d at byte 15");
    EXPECT_EQ(why(Kind::key, "SHA256E-s5--a\0b"s),
              "not a git-annex key: control character \\x00 at byte 13");
    EXPECT_EQ(why(Kind::key, ""), "not a git-annex key: the key is empty");
    EXPECT_EQ(why(Kind::key, "no-separator"), "not a git-annex key: no '--' before the name");
    EXPECT_EQ(why(Kind::stored_key, "SHA256E-s1--.."), "not a git-annex key: the name is '..'");
    EXPECT_EQ(why(Kind::stored_key, "SHA256E-s1--a/../b"), "not a git-annex key: '/' at byte 13");
    // A long bad key: the reason still comes without the key itself.
    EXPECT_EQ(why(Kind::key, "SHA256E-s1--" + std::string(300, 'a') + "\n"),
              "not a git-annex key: control character \\x0a at byte 312");
}

TEST(AnnexValues, Urls) {
    EXPECT_TRUE(ok(Kind::url, "http://example.com/a b?c=d"));  // spaces: the rest of the line
    EXPECT_TRUE(ok(Kind::url, ":quvi:http://example.com/v"));
    EXPECT_TRUE(ok(Kind::url, "https://example.com/\xc3\xa9t\xc3\xa9"));
    EXPECT_EQ(why(Kind::url, ""), "empty");
    EXPECT_EQ(why(Kind::url, "http://a/\n1700000000s 1 http://evil/"),
              "contains a line feed (byte 9)");
    EXPECT_EQ(why(Kind::url, "http://a/\r"), "contains a carriage return (byte 9)");
    EXPECT_EQ(why(Kind::url, "http://a/\0x"s), "contains a NUL byte (byte 9)");
}

TEST(AnnexValues, Descriptions) {
    EXPECT_TRUE(ok(Kind::description, ""));
    EXPECT_TRUE(ok(Kind::description, "laptop"));
    EXPECT_TRUE(ok(Kind::description, "joey@laptop:~/annex (with\ttab) caf\xc3\xa9"));
    EXPECT_EQ(why(Kind::description,
                  "x\ne605dca6-446a-11e0-8b2a-002170d25c55 HACKED timestamp=9999999999s"),
              "contains a line feed (byte 1)");
    EXPECT_EQ(why(Kind::description, "x\r"), "contains a carriage return (byte 1)");
    EXPECT_EQ(why(Kind::description, "\0"s), "contains a NUL byte (byte 0)");
}

TEST(AnnexValues, MetadataFields) {
    EXPECT_TRUE(ok(Kind::metadata_field, "author"));
    EXPECT_TRUE(ok(Kind::metadata_field, "tag"));
    EXPECT_TRUE(ok(Kind::metadata_field, "e605dca6-446a-11e0-8b2a-002170d25c55:foo"));  // .log.rmet
    EXPECT_TRUE(ok(Kind::metadata_field, "caf\xc3\xa9"));
    EXPECT_TRUE(ok(Kind::metadata_field, "x+y-z"));
    EXPECT_EQ(why(Kind::metadata_field, ""), "empty");
    EXPECT_EQ(why(Kind::metadata_field, "+tag"), "starts with '+'");
    EXPECT_EQ(why(Kind::metadata_field, "-tag"), "starts with '-'");
    EXPECT_EQ(why(Kind::metadata_field, "tag +fake"), "contains a space (byte 3)");
    EXPECT_EQ(why(Kind::metadata_field, "tag\n1s x +y"), "contains \\x0a (byte 3)");
    EXPECT_EQ(why(Kind::metadata_field, "tag\t"), "contains \\x09 (byte 3)");
    EXPECT_EQ(why(Kind::metadata_field, "caf\xe9"), "not UTF-8");
}

TEST(AnnexValues, PresenceStatusAndOtherText) {
    for (const char* status : {"1", "0", "X"}) EXPECT_TRUE(ok(Kind::presence_status, status));
    for (const char* status : {"", "2", "x", "10", "\n", "1\n"}) {
        EXPECT_EQ(why(Kind::presence_status, status), "not 1, 0 or X") << escaped(status);
    }
    EXPECT_TRUE(ok(Kind::text, "type=external externaltype=dolt encryption=none"));
    EXPECT_TRUE(ok(Kind::text, ""));
    EXPECT_EQ(why(Kind::text, "a\nb"), "contains a line feed (byte 1)");
}

TEST(AnnexValues, EscapedIsOnePrintableLine) {
    EXPECT_EQ(escaped("plain value"), "plain value");
    EXPECT_EQ(escaped("a\nb\r\0c"s), "a\\x0ab\\x0d\\x00c");
    EXPECT_EQ(escaped("it's a \\ back"), "it\\'s a \\\\ back");
    EXPECT_EQ(escaped("\x1b[31mred"), "\\x1b[31mred");
    EXPECT_EQ(escaped("caf\xc3\xa9"), "caf\\xc3\\xa9");
    EXPECT_EQ(escaped(std::string(10, 'a'), 4), "aaaa... (10 bytes)");
}

TEST(AnnexValues, GateCountsAndReportsOnlyRefusals) {
    std::vector<std::string> lines;
    int where_calls = 0;
    Gate gate([&](const Refusal& refusal) { lines.push_back(refusal.line()); });
    auto where = [&] {
        ++where_calls;
        return std::string("location of key SHA256E-s1--a\x1b");
    };
    EXPECT_TRUE(gate.admit(Kind::uuid, "e605dca6-446a-11e0-8b2a-002170d25c55", where));
    EXPECT_TRUE(gate.admit(Kind::url, "http://example.com/", where));
    EXPECT_EQ(where_calls, 0);
    EXPECT_FALSE(gate.admit(Kind::uuid, "e605dca6\n1 1 x", where));
    EXPECT_FALSE(gate.admit(Kind::description, "it's\r\nfake", [] { return ""; }));
    EXPECT_EQ(gate.refused(), 2u);
    EXPECT_EQ(where_calls, 1);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0],
              "refused repository UUID 'e605dca6\\x0a1 1 x' (location of key SHA256E-s1--a\\x1b): "
              "not a git-annex UUID (8-4-4-4-12 hexadecimal digits)");
    EXPECT_EQ(lines[1],
              "refused repository description 'it\\'s\\x0d\\x0afake': contains a carriage return "
              "(byte 4)");
    Gate silent;
    EXPECT_FALSE(silent.admit(Kind::key, "", [] { return ""; }));
    EXPECT_EQ(silent.refused(), 1u);
}

}  // namespace
}  // namespace gad::core::annex_values
