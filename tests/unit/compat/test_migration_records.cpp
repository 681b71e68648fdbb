// read_migration_records against real git histories (built with git's plumbing as git annex
// migrate builds them: migrate.tree/old/<n> and new/<n> in one commit, gone in the next) and a
// real MariaDB: records only in history are found, chains resolved, duplicates ignored, later
// runs read only new commits, and pairs that are no migration are refused.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "annex_fixture.h"
#include "compat/migrate/migration_records.h"
#include "core/location/key_migrations.h"
#include "core/location/location_store.h"

namespace gad::compat::migrate {
namespace {

namespace fs = std::filesystem;
using test::run_shell;
using test::shell_quote;

constexpr std::string_view kUuid = "11111111-2222-4333-8444-555555555555";
constexpr std::string_view kStore = "22222222-2222-4333-8444-555555555555";

// Keys of one 5-byte content under three backends (the digests need not be real here).
// Commit times are this plus the test's small numbers (git refuses dates before 1970's end).
constexpr std::int64_t kEpoch = 1700000000;

const std::string kA = "SHA256E-s5--" + std::string(64, 'a') + ".txt";
const std::string kB = "SHA512E-s5--" + std::string(128, 'b') + ".txt";
const std::string kC = "SHA384E-s5--" + std::string(96, 'c') + ".txt";
const std::string kD = "SHA256E-s5--" + std::string(64, 'd') + ".txt";
const std::string kE = "SHA512E-s5--" + std::string(128, 'e') + ".txt";

class MigrationRecords : public testing::Test {
  protected:
    void SetUp() override {
        std::string why_not;
        server_ = test::start_server("mariadb", why_not);
        if (!server_) GTEST_SKIP() << "mariadb: " << why_not;
        dir_ = fs::temp_directory_path() / fmt::format("gad-migrecords-{}", ::getpid());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        shell("git init -q");
        ASSERT_NO_FATAL_FAILURE(test::open_location_store(*server_, "migration_records", store_));
    }
    void TearDown() override {
        if (!dir_.empty()) fs::remove_all(dir_);
    }

    std::string shell(const std::string& command) {
        bool ok = false;
        std::string out = run_shell(dir_, command, &ok);
        EXPECT_TRUE(ok) << command;
        while (!out.empty() && out.back() == '\n') out.pop_back();
        return out;
    }

    // A commit on ref (its parent: ref's commit, if any) at time seconds whose tree holds
    // migrate.tree with old/<n> and new/<n> for each pair (contents as given), or only uuid.log
    // when pairs is empty: git annex migrate's two commits.
    void commit(const std::string& ref, std::int64_t time,
                const std::vector<std::pair<std::string, std::string>>& pairs) {
        std::string script = "set -e; u=$(printf 'x' | git hash-object -w --stdin); ";
        script += "root=\"100644 blob $u\tuuid.log\"; ";
        if (!pairs.empty()) {
            script += "old=''; new=''; ";
            for (std::size_t i = 0; i < pairs.size(); ++i) {
                script += fmt::format(
                    "o=$(printf '%s' {} | git hash-object -w --stdin); "
                    "n=$(printf '%s' {} | git hash-object -w --stdin); "
                    "old=\"${{old}}100644 blob $o\t{}\n\"; new=\"${{new}}100644 blob $n\t{}\n\"; ",
                    shell_quote(pairs[i].first), shell_quote(pairs[i].second), i + 1, i + 1);
            }
            script +=
                "ot=$(printf '%s' \"$old\" | git mktree); nt=$(printf '%s' \"$new\" | git mktree); "
                "mt=$(printf '040000 tree %s\tnew\n040000 tree %s\told\n' $nt $ot | git mktree); "
                "root=\"$root\n040000 tree $mt\tmigrate.tree\"; ";
        }
        script += fmt::format(
            "t=$(printf '%s\n' \"$root\" | git mktree); "
            "p=$(git rev-parse -q --verify {0} || true); "
            "c=$(GIT_COMMITTER_DATE='{1} +0000' git commit-tree $t ${{p:+-p $p}} -m m); "
            "git update-ref {0} $c",
            ref, kEpoch + time);
        shell(script);
    }

    MigrationRecordsSummary read() {
        auto repository = git::Repository::discover(dir_);
        EXPECT_TRUE(repository) << repository.error().message;
        auto summary = read_migration_records(*repository, kUuid, store_->connection());
        EXPECT_TRUE(summary) << summary.error().message;
        return summary ? *summary : MigrationRecordsSummary{};
    }

    std::vector<std::string> stand_ins(const std::string& key) {
        auto found = core::location::stand_ins_for(store_->connection(), key, kStore);
        EXPECT_TRUE(found) << found.error().message;
        std::vector<std::string> keys;
        if (found) {
            for (const auto& stand_in : *found) keys.push_back(stand_in.old_key);
        }
        std::sort(keys.begin(), keys.end());
        return keys;
    }

    std::unique_ptr<test::TestServer> server_;
    fs::path dir_;
    std::optional<core::location::LocationStore> store_;
};

std::string link_to(const std::string& key) {
    return ".git/annex/objects/Xx/Yy/" + key + "/" + key;
}

TEST(KeyOfRecord, SymlinkTargetsAndPointerFiles) {
    EXPECT_EQ(key_of_record(link_to(kA)), kA);
    EXPECT_EQ(key_of_record("/annex/objects/" + kB + "\n"), kB);
    EXPECT_EQ(key_of_record(kC), kC);
    EXPECT_EQ(key_of_record("../../not a key"), std::nullopt);
    EXPECT_EQ(key_of_record(""), std::nullopt);
}

TEST_F(MigrationRecords, FoundInHistoryOnlyAndReadOnce) {
    commit("refs/heads/git-annex", 1000, {});
    commit("refs/heads/git-annex", 1001, {{link_to(kA), link_to(kB)}, {link_to(kD), link_to(kE)}});
    commit("refs/heads/git-annex", 1002, {});  // git-annex removes the records at once
    MigrationRecordsSummary first = read();
    EXPECT_EQ(first.commits, 3u);
    EXPECT_EQ(first.records, 2u);
    EXPECT_EQ(first.added, 2u);
    EXPECT_EQ(first.refused, 0u);
    EXPECT_EQ(stand_ins(kB), std::vector<std::string>{kA});
    EXPECT_EQ(stand_ins(kE), std::vector<std::string>{kD});
    EXPECT_TRUE(stand_ins(kA).empty());

    // A later run walks only what is new.
    MigrationRecordsSummary again = read();
    EXPECT_EQ(again.commits, 0u);
    EXPECT_EQ(again.records, 0u);
    commit("refs/heads/git-annex", 1003, {});
    EXPECT_EQ(read().commits, 1u);
}

TEST_F(MigrationRecords, ChainsAcrossRunsAndRemoteBranches) {
    commit("refs/heads/git-annex", 1000, {{link_to(kA), link_to(kB)}});
    EXPECT_EQ(read().added, 1u);
    // B to C only on another clone's unmerged branch, recorded later.
    shell("git update-ref refs/remotes/other/git-annex refs/heads/git-annex");
    commit("refs/remotes/other/git-annex", 2000, {{link_to(kB), link_to(kC)}});
    MigrationRecordsSummary second = read();
    EXPECT_EQ(second.commits, 1u);  // the shared history is not walked again
    EXPECT_EQ(second.records, 1u);
    EXPECT_EQ(second.added, 2u);  // B to C, and A to C through B
    EXPECT_EQ(stand_ins(kC), (std::vector<std::string>{kA, kB}));
    auto standing = core::location::keys_standing_on(store_->connection(), kA, kStore);
    ASSERT_TRUE(standing) << standing.error().message;
    std::sort(standing->begin(), standing->end());
    EXPECT_EQ(*standing, (std::vector<std::string>{kC, kB}));  // sorted: SHA384E first
    // The chain is dated by its later migration.
    auto found = core::location::stand_ins_for(store_->connection(), kC, kStore);
    ASSERT_TRUE(found && found->size() == 2);
    for (const auto& stand_in : *found) EXPECT_EQ(stand_in.timestamp.seconds, kEpoch + 2000);
}

TEST_F(MigrationRecords, DuplicatesIgnoredKeepingTheEarliestTime) {
    commit("refs/heads/git-annex", 1000, {{link_to(kA), link_to(kB)}});
    shell("git update-ref refs/remotes/other/git-annex refs/heads/git-annex");
    commit("refs/heads/git-annex", 3000, {{link_to(kA), link_to(kB)}});
    commit("refs/remotes/other/git-annex", 2000, {{link_to(kA), link_to(kB)}});
    MigrationRecordsSummary summary = read();
    EXPECT_EQ(summary.records, 3u);
    EXPECT_EQ(summary.added, 1u);
    auto found = core::location::stand_ins_for(store_->connection(), kB, kStore);
    ASSERT_TRUE(found && found->size() == 1);
    EXPECT_EQ(found->front().timestamp.seconds, kEpoch + 1000);
}

TEST_F(MigrationRecords, RefusesPairsThatAreNoMigration) {
    const std::string other_size = "SHA512E-s6--" + std::string(128, 'f') + ".txt";
    commit("refs/heads/git-annex", 1000,
           {{link_to(kA), "not/a key"},
            {link_to(kA), link_to(kA)},
            {link_to(kA), link_to(other_size)},
            {link_to(kD), link_to(kE)}});
    MigrationRecordsSummary summary = read();
    EXPECT_EQ(summary.records, 4u);
    EXPECT_EQ(summary.refused, 3u);
    EXPECT_EQ(summary.added, 1u);
    EXPECT_EQ(summary.problems.size(), 3u);
    EXPECT_TRUE(stand_ins(other_size).empty());
    EXPECT_EQ(stand_ins(kE), std::vector<std::string>{kD});
}

TEST_F(MigrationRecords, ARemovedNewKeyIsNotStoodInFor) {
    commit("refs/heads/git-annex", 1000, {{link_to(kA), link_to(kB)}});
    read();
    auto& sql = store_->connection();
    // Gone from the store after the migration: no stand-in; before it: still one.
    ASSERT_TRUE(sql.run(
        "INSERT INTO gad_locations (annex_key, uuid, status, ts) VALUES (?, ?, '0', ? + 1500)",
        {std::string_view(kB), kStore, kEpoch}));
    EXPECT_TRUE(stand_ins(kB).empty());
    ASSERT_TRUE(sql.run("UPDATE gad_locations SET ts = ? + 500 WHERE annex_key = ?",
                        {kEpoch, std::string_view(kB)}));
    EXPECT_EQ(stand_ins(kB), std::vector<std::string>{kA});
}

// for_each_stand_in (the remote's in-memory copy, and migrate --rekey-store) reads what
// stand_ins_for finds key by key, for every key at once, and nothing above its limit.
TEST_F(MigrationRecords, EveryStandInAtOnceAsKeyByKey) {
    commit("refs/heads/git-annex", 1000, {{link_to(kA), link_to(kB)}, {link_to(kD), link_to(kE)}});
    commit("refs/heads/git-annex", 2000, {{link_to(kB), link_to(kC)}});
    read();
    ASSERT_TRUE(store_->connection().run(
        "INSERT INTO gad_locations (annex_key, uuid, status, ts) VALUES (?, ?, '0', ? + 1500)",
        {std::string_view(kE), kStore, kEpoch}));
    std::vector<std::string> all;
    auto read_all = core::location::for_each_stand_in(
        store_->connection(), kStore, 4,
        [&](std::string_view new_key, core::location::StandIn stand_in) -> core::Result<void> {
            all.push_back(std::string(new_key) + " " + stand_in.old_key);
            return {};
        });
    ASSERT_TRUE(read_all) << read_all.error().message;
    EXPECT_TRUE(*read_all);
    std::vector<std::string> by_key;
    for (const std::string& key : {kA, kB, kC, kD, kE}) {
        for (const std::string& old_key : stand_ins(key)) by_key.push_back(key + " " + old_key);
    }
    std::sort(all.begin(), all.end());
    std::sort(by_key.begin(), by_key.end());
    EXPECT_EQ(all, by_key);
    EXPECT_EQ(all.size(), 3u);  // B from A, C from A and B; E was removed after its migration
    // Four migrations (A-B, D-E, B-C, A-C) are more than a limit of 3: nothing is read.
    std::size_t visited = 0;
    auto over = core::location::for_each_stand_in(store_->connection(), kStore, 3,
                                                  [&](std::string_view, core::location::StandIn) {
                                                      ++visited;
                                                      return core::Result<void>{};
                                                  });
    ASSERT_TRUE(over) << over.error().message;
    EXPECT_FALSE(*over);
    EXPECT_EQ(visited, 0u);
}

// On Dolt, every stand-in of the whole table, also where a new key has location rows of other
// repositories only, before and after one with rows of both (Dolt's LEFT JOIN merge plan dropped
// the last of these).
TEST(StandInsOnDolt, EveryRowOfTheWholeTable) {
    std::string why_not;
    auto server = test::start_server("dolt", why_not);
    if (!server) GTEST_SKIP() << "dolt: " << why_not;
    auto connection = core::sql::Connection::open(server->new_database("stand_ins"));
    ASSERT_TRUE(connection) << connection.error().message;
    auto store = core::location::LocationStore::open(std::move(*connection));
    ASSERT_TRUE(store) << store.error().message;
    const std::string kF = "SHA256E-s5--" + std::string(64, 'f') + ".txt";
    const core::Timestamp migrated{kEpoch + 1000, 0}, before{kEpoch, 0};
    ASSERT_TRUE(core::location::record_key_migrations(
        store->connection(), {{kA, kB, migrated}, {kF, kC, migrated}, {kD, kE, migrated}}));
    // In key order C, B, E: C and E have rows of another repository only, B of both.
    const std::string other = "33333333-2222-4333-8444-555555555555";
    using core::location::Presence;
    const std::vector<core::location::LocationChange> rows{
        {kC, other, Presence::present, before},
        {kB, std::string(kStore), Presence::present, before},
        {kB, other, Presence::present, before},
        {kE, other, Presence::present, before}};
    ASSERT_TRUE(store->record(rows));
    std::vector<std::string> found;
    auto read = core::location::for_each_stand_in(
        store->connection(), kStore, 10,
        [&](std::string_view new_key, core::location::StandIn stand_in) -> core::Result<void> {
            found.push_back(std::string(new_key) + " " + stand_in.old_key);
            return {};
        });
    ASSERT_TRUE(read) << read.error().message;
    std::sort(found.begin(), found.end());
    EXPECT_EQ(found, (std::vector<std::string>{kC + " " + kF, kB + " " + kA, kE + " " + kD}));
}

}  // namespace
}  // namespace gad::compat::migrate
