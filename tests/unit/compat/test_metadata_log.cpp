#include <gtest/gtest.h>

#include "annex_fixture.h"
#include "compat/logs/branch_file.h"
#include "compat/logs/metadata_log.h"

namespace gad::compat::logs {
namespace {

using Entries = std::vector<MetadataEntry>;
using Current = std::vector<CurrentField>;

TEST(MetadataLog, ParsesTheInternalsExample) {
    const std::string text =
        "1287290776.765152s tag +foo +bar author +joey\n"
        "1291237510.141453s tag -bar +baz\n";
    const auto parsed = parse_metadata_log(text);
    EXPECT_TRUE(parsed.errors.empty());
    const core::Timestamp t1{1287290776, 765152000000};
    const core::Timestamp t2{1291237510, 141453000000};
    EXPECT_EQ(parsed.entries, (Entries{{t1, "tag", "foo", true},
                                       {t1, "tag", "bar", true},
                                       {t1, "author", "joey", true},
                                       {t2, "tag", "bar", false},
                                       {t2, "tag", "baz", true}}));
    EXPECT_EQ(current_metadata(parsed.entries),
              (Current{{"author", {"joey"}}, {"tag", {"baz", "foo"}}}));
}

TEST(MetadataLog, ParsesPerRemoteMetadataTheSameWay) {
    const auto parsed = parse_metadata_log(
        "1287290776.765152s e605dca6-446a-11e0-8b2a-002170d25c55:foo +bar\n"
        "1291237510.141453s 26339d22-446b-11e0-9101-002170d25c55:x -1 "
        "26339d22-446b-11e0-9101-002170d25c55:x +2\n");
    EXPECT_TRUE(parsed.errors.empty());
    ASSERT_EQ(parsed.entries.size(), 3u);
    EXPECT_EQ(parsed.entries[1].field, "26339d22-446b-11e0-9101-002170d25c55:x");
    EXPECT_FALSE(parsed.entries[1].set);
    EXPECT_EQ(parsed.entries[2].value, "2");
}

TEST(MetadataLog, DecodesBase64Values) {
    const auto parsed = parse_metadata_log(
        "1795298443.183794909s note +!aGFzIHNwYWNlcyDDvA== tag +one x +!IWJhbmc= \xc3\x9cn\xc3\xaf "
        "+v\n");
    EXPECT_TRUE(parsed.errors.empty());
    const core::Timestamp t{1795298443, 183794909000};
    EXPECT_EQ(parsed.entries, (Entries{{t, "note", "has spaces \xc3\xbc", true},
                                       {t, "tag", "one", true},
                                       {t, "x", "!bang", true},
                                       {t, "\xc3\x9cn\xc3\xaf", "v", true}}));
}

TEST(MetadataLog, FollowsGitAnnexWordRules) {
    const auto parsed = parse_metadata_log(
        "1s +notavalue f + -gone g\n"
        "2s only fields here\n");
    EXPECT_TRUE(parsed.errors.empty());
    // The first word is always a field; "+" alone sets the empty value; fields may be bare.
    EXPECT_EQ(parsed.entries, (Entries{{{1, 0}, "f", "", true}, {{1, 0}, "f", "gone", false}}));
}

TEST(MetadataLog, ReportsCorruptLines) {
    const auto parsed = parse_metadata_log(
        "bad tag +x\n"
        "5s\n"
        "6s tag +ok other +!not*base64\n"
        "7s tag +!YQ\n"
        "8s tag +fine\n");
    EXPECT_EQ(parsed.entries, (Entries{{{8, 0}, "tag", "fine", true}}));
    ASSERT_EQ(parsed.errors.size(), 4u);
    EXPECT_EQ(parsed.errors[0].line, 1u);
    EXPECT_EQ(parsed.errors[1].line, 2u);
    EXPECT_EQ(parsed.errors[2].line, 3u);
    EXPECT_NE(parsed.errors[2].message.find("+!not*base64"), std::string::npos);
    EXPECT_EQ(parsed.errors[3].line, 4u);
}

TEST(MetadataLog, TheNewestChangeOfEachValueWinsIgnoringFieldCase) {
    // The example of Logs/MetaData.hs: a later unset wins over a merged older set.
    const auto merged = parse_metadata_log(
        "100s foo +x bar +y\n"
        "150s bar -y baz +w\n"
        "200s foo -x\n");
    EXPECT_EQ(current_metadata(merged.entries), (Current{{"baz", {"w"}}}));

    const auto cased = parse_metadata_log(
        "1s Tag +a +b\n"
        "2s tag -a\n"
        "2s TAG +c\n"
        "3s other +z\n"
        "3s other -z\n");
    EXPECT_EQ(current_metadata(cased.entries), (Current{{"TAG", {"b", "c"}}}));
}

TEST(MetadataLog, Base64EncodesExactlyWhatGitAnnexDoes) {
    EXPECT_EQ(format_metadata_value("plain", true), "+plain");
    EXPECT_EQ(format_metadata_value("a b", false), "-!YSBi");
    EXPECT_EQ(format_metadata_value("a\rb", true), "+!YQ1i");
    EXPECT_EQ(format_metadata_value("a\nb", true), "+!YQpi");
    EXPECT_EQ(format_metadata_value("!bang", true), "+!IWJhbmc=");
    EXPECT_EQ(format_metadata_value("mid!dle", true), "+mid!dle");
    // Tabs and other white space are written raw, as git-annex 10 does.
    EXPECT_EQ(format_metadata_value("a\tb", true), "+a\tb");
    EXPECT_EQ(format_metadata_value("a\xc2\xa0"
                                    "b",
                                    true),
              "+a\xc2\xa0"
              "b");
    EXPECT_EQ(format_metadata_value("", true), "+");
}

TEST(MetadataLog, FormatsOneLinePerTimestampSorted) {
    const Entries entries = {
        {{2, 0}, "tag", "b", false}, {{1, 0}, "x", "v v", true}, {{1, 0}, "Tag", "z", true},
        {{1, 0}, "tag", "a", true},  {{2, 0}, "tag", "c", true}, {{1, 0}, "x", "v v", false},
    };
    EXPECT_EQ(format_metadata_log(entries), "1s Tag +a +z x -!diB2\n2s tag -b +c\n");
    const std::string text =
        "1795298443.183794909s note +!aGFzIHNwYWNlcyDDvA== tag +one x +!IWJhbmc= \xc3\x9cn\xc3\xaf "
        "+v\n"
        "1795298443.262277808s tag -one +two\n";
    EXPECT_EQ(format_metadata_log(parse_metadata_log(text).entries), text);
}

TEST(MetadataLog, ReadsAMetadataLogGitAnnexWrote) {
    ANNEX_REPO_OR_SKIP(repo);
    const std::string key = repo->key_of("a_b.txt");
    const std::string text = repo->branch_file(branch_path_for_key(key, FileKind::metadata));
    const auto parsed = parse_metadata_log(text);
    EXPECT_TRUE(parsed.errors.empty());
    EXPECT_EQ(current_metadata(parsed.entries), (Current{{"note", {"has spaces \xc3\xbc"}},
                                                         {"tag", {"two"}},
                                                         {"x", {"!bang"}},
                                                         {"\xc3\x9cn\xc3\xaf", {"v"}}}));
    EXPECT_EQ(format_metadata_log(parsed.entries), text);
}

}  // namespace
}  // namespace gad::compat::logs
