#include <gtest/gtest.h>

#include <algorithm>

#include "annex_fixture.h"
#include "compat/logs/branch_file.h"

namespace gad::compat::logs {
namespace {

constexpr std::string_view url_key = "URL--https://example.org/a%20b&c=1.pdf";
constexpr std::string_view url_file = "251/5ac/URL--https&c%%example.org%a&s20b&ac=1.pdf";
constexpr std::string_view sha_key =
    "SHA256E-s3000--275b1600e8349c70616b9934f349ce9cf6e184a72b2c3984a3500e4d691ea9bf.bin";

void expect_kind(std::string_view path, FileKind kind, std::string_view key = "") {
    const BranchFile file = classify_branch_path(path);
    EXPECT_EQ(file.kind, kind) << path;
    EXPECT_EQ(file.key, key) << path;
}

TEST(BranchFile, ClassifiesTopLevelLogs) {
    expect_kind("uuid.log", FileKind::uuid);
    expect_kind("remote.log", FileKind::remote);
    expect_kind("trust.log", FileKind::trust);
    expect_kind("group.log", FileKind::group);
    expect_kind("preferred-content.log", FileKind::preferred_content);
    expect_kind("required-content.log", FileKind::required_content);
    expect_kind("group-preferred-content.log", FileKind::group_preferred_content);
    expect_kind("numcopies.log", FileKind::numcopies);
    expect_kind("mincopies.log", FileKind::mincopies);
    expect_kind("config.log", FileKind::config);
    expect_kind("cluster.log", FileKind::cluster);
    expect_kind("proxy.log", FileKind::proxy);
    expect_kind("maxsize.log", FileKind::maxsize);
    expect_kind("export.log", FileKind::export_log);
    for (const char* other : {
             "difference.log",
             "activity.log",
             "multicast.log",
             "schedule.log",
             "transitions.log",
         }) {
        expect_kind(other, FileKind::other_known);
    }
    expect_kind("export.tree/dir/file.log", FileKind::other_known);
    expect_kind("migrate.tree/old", FileKind::other_known);
    expect_kind("remote/web/abc/def/KEY.log", FileKind::other_known);
    expect_kind("README", FileKind::unknown);
    expect_kind("uuid.log.web", FileKind::unknown);
    expect_kind("sub/uuid.log", FileKind::unknown);
}

TEST(BranchFile, ClassifiesPerKeyLogsBySuffix) {
    const std::string dir = "0df/5dc/";
    const std::string key(sha_key);
    expect_kind(dir + key + ".log", FileKind::location, sha_key);
    expect_kind(dir + key + ".log.web", FileKind::web, sha_key);
    expect_kind(dir + key + ".log.met", FileKind::metadata, sha_key);
    expect_kind(dir + key + ".log.cnk", FileKind::chunk, sha_key);
    expect_kind(dir + key + ".log.rmt", FileKind::remote_state, sha_key);
    expect_kind(dir + key + ".log.rmet", FileKind::remote_metadata, sha_key);
    expect_kind(dir + key + ".log.cid", FileKind::content_identifier, sha_key);
    expect_kind(dir + key + ".log.ek", FileKind::other_known, sha_key);
    expect_kind(dir + key + ".log.xyz", FileKind::unknown);
    expect_kind(dir + key, FileKind::unknown);
    // One hash level (annex.tune.branchhash1).
    expect_kind("0df/" + key + ".log", FileKind::location, sha_key);
    // A key whose own name ends in ".log": only the last suffix is the log's.
    expect_kind("abc/def/WORM-s1--notes.log.log", FileKind::location, "WORM-s1--notes.log");
    expect_kind("abc/def/WORM-s1--notes.log.web.log", FileKind::location, "WORM-s1--notes.log.web");
    // Not under hash directories.
    expect_kind("ABC/def/" + key + ".log", FileKind::unknown);
    expect_kind("abcd/def/" + key + ".log", FileKind::unknown);
    expect_kind("abc/def/ghi/" + key + ".log", FileKind::unknown);
    expect_kind("abc/def/.log", FileKind::unknown);
    // A name that unescapes to no key at all (a lone '&', found by fuzz_branch_file) names no
    // key's log: a per-key log with an empty key would reach the tables as a key "".
    expect_kind("221/&.log", FileKind::unknown);
    expect_kind("abc/def/&&.log.web", FileKind::unknown);
}

TEST(BranchFile, NamesWhatGitAnnexKnowsAFileNotMigratedAs) {
    const std::string key = "SHA256E-s1--0123.txt";
    const std::string dir = "abc/def/";
    EXPECT_EQ(classify_branch_path("export.log").kind, FileKind::export_log);
    EXPECT_EQ(classify_branch_path("transitions.log").known_as, "transitions.log");
    EXPECT_EQ(classify_branch_path(dir + key + ".log.ek").known_as, ".log.ek");
    EXPECT_EQ(classify_branch_path("export.tree/dir/file.log").known_as, "export.tree/");
    EXPECT_EQ(classify_branch_path("migrate.tree/old/1").known_as, "migrate.tree/");
    // Migrated kinds and unknown files have no such name.
    EXPECT_EQ(classify_branch_path("uuid.log").known_as, "");
    EXPECT_EQ(classify_branch_path(dir + key + ".log").known_as, "");
    EXPECT_EQ(classify_branch_path("no-such.log").known_as, "");
}

TEST(BranchFile, UnescapesKeysAsFileKeyDoes) {
    expect_kind(std::string(url_file) + ".log", FileKind::location, url_key);
    EXPECT_EQ(unescape_key_file_name("a&&cb&"), "a:b");
    EXPECT_EQ(unescape_key_file_name("a&xb&%c"), "axb/c");
    EXPECT_EQ(escape_key_file_name(url_key), url_file.substr(8));
    for (std::string_view key : {url_key, std::string_view("K--&&a%s:c/&"), sha_key}) {
        EXPECT_EQ(unescape_key_file_name(escape_key_file_name(key)), key);
    }
}

TEST(BranchFile, BuildsBranchPathsForKeys) {
    EXPECT_EQ(branch_path_for_key(url_key, FileKind::location), std::string(url_file) + ".log");
    EXPECT_EQ(branch_path_for_key(sha_key, FileKind::web),
              "0df/5dc/" + std::string(sha_key) + ".log.web");
    EXPECT_EQ(branch_path_for_key(sha_key, FileKind::chunk, 1),
              "0df/" + std::string(sha_key) + ".log.cnk");
    EXPECT_EQ(branch_path_for_key("WORM-s3-m1795298397--a_b.txt", FileKind::metadata),
              "227/f08/WORM-s3-m1795298397--a_b.txt.log.met");
    // Chunk keys hash as their whole key, as git-annex's nonChunkKey does.
    const std::string chunk_key =
        "SHA256E-s3000-S1024-C2--275b1600e8349c70616b9934f349ce9cf6e184a72b2c3984a3500e4d691ea9bf."
        "bin";
    EXPECT_TRUE(branch_path_for_key(chunk_key, FileKind::location).starts_with("0df/5dc/"));
    EXPECT_EQ(branch_path_for_key("ignored", FileKind::uuid), "uuid.log");
    EXPECT_EQ(branch_path_for_key("ignored", FileKind::group_preferred_content),
              "group-preferred-content.log");
    EXPECT_EQ(branch_path_for_key(sha_key, FileKind::other_known), "");
    EXPECT_EQ(branch_path_for_key(sha_key, FileKind::unknown), "");
    for (auto kind : {FileKind::location, FileKind::web, FileKind::metadata, FileKind::chunk,
                      FileKind::remote_state}) {
        const BranchFile file = classify_branch_path(branch_path_for_key(url_key, kind));
        EXPECT_EQ(file.kind, kind);
        EXPECT_EQ(file.key, url_key);
    }
}

TEST(BranchFile, DecodesJournalFileNames) {
    EXPECT_EQ(journal_name_to_branch_path("uuid.log"), "uuid.log");
    EXPECT_EQ(journal_name_to_branch_path("227_f08_WORM-s3-m1795298397--a__b.txt.log.met"),
              "227/f08/WORM-s3-m1795298397--a_b.txt.log.met");
    EXPECT_EQ(journal_name_to_branch_path("abc_def_K--x____y.log"), "abc/def/K--x__y.log");
    // git-annex's fileJournal reads "___" as "_/".
    EXPECT_EQ(journal_name_to_branch_path("a___b"), "a_/b");
    EXPECT_EQ(journal_name_to_branch_path(""), std::nullopt);
    EXPECT_EQ(journal_name_to_branch_path("."), std::nullopt);
    EXPECT_EQ(journal_name_to_branch_path(".."), std::nullopt);
    EXPECT_EQ(journal_name_to_branch_path("_abc"), std::nullopt);
    EXPECT_EQ(journal_name_to_branch_path("abc_"), std::nullopt);
    EXPECT_EQ(branch_path_to_journal_name("227/f08/WORM--a_b.log"), "227_f08_WORM--a__b.log");
    const std::string path = branch_path_for_key(url_key, FileKind::web);
    EXPECT_EQ(journal_name_to_branch_path(branch_path_to_journal_name(path)), path);
}

TEST(BranchFile, ClassifiesEveryFileOfABranchGitAnnexWrote) {
    ANNEX_REPO_OR_SKIP(repo);
    const auto paths = repo->branch_paths();
    ASSERT_FALSE(paths.empty());
    int per_key = 0;
    for (const auto& path : paths) {
        const BranchFile file = classify_branch_path(path);
        EXPECT_NE(file.kind, FileKind::unknown) << path;
        EXPECT_NE(file.kind, FileKind::other_known) << path;
        if (!file.key.empty()) {
            ++per_key;
            EXPECT_EQ(branch_path_for_key(file.key, file.kind), path);
        }
    }
    EXPECT_EQ(per_key, 6);  // 3 location logs, a web, a metadata and a chunk log
    const std::string weird = repo->key_of("we&ird:na%me.txt");
    EXPECT_NE(std::ranges::find(paths, branch_path_for_key(weird, FileKind::location)),
              paths.end());
}

TEST(BranchFile, DecodesTheJournalGitAnnexWrites) {
    ANNEX_REPO_OR_SKIP(repo);
    // With annex.alwayscommit false, changes stay in .git/annex/journal.
    bool ok = false;
    test::run_shell(
        repo->path(),
        "git -c annex.alwayscommit=false annex metadata -s journal=yes 'we&ird:na%me.txt'", &ok);
    ASSERT_TRUE(ok);
    const std::string key = repo->key_of("we&ird:na%me.txt");
    const std::string expected = branch_path_for_key(key, FileKind::metadata);
    std::vector<std::string> found;
    for (const auto& entry :
         std::filesystem::directory_iterator(repo->path() / ".git/annex/journal")) {
        const auto path = journal_name_to_branch_path(entry.path().filename().string());
        ASSERT_TRUE(path) << entry.path();
        found.push_back(*path);
    }
    EXPECT_NE(std::ranges::find(found, expected), found.end()) << expected;
}

}  // namespace
}  // namespace gad::compat::logs
