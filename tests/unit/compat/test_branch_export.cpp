// export_to_branch against a real git-annex repository and a real MariaDB: values that could
// forge a git-annex log line are refused, counted and reported, and the rows beside them are
// written. Against real Dolt: facts older than the export's watermark that arrive later (a
// clone's migration, pulled or merged long after it ran) reach the branch.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "annex_fixture.h"
#include "compat/logs/branch_file.h"
#include "compat/logs/metadata_log.h"
#include "compat/logs/presence_log.h"
#include "compat/logs/uuid_based_log.h"
#include "compat/sync/branch_export.h"
#include "core/location/location_store.h"
#include "core/location/migration_record.h"

namespace gad::compat::sync {
namespace {

namespace fs = std::filesystem;
using test::run_shell;
using test::shell_quote;
using std::string_literals::operator""s;

constexpr std::string_view kKey =
    "SHA256E-s5--2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824.txt";
constexpr std::string_view kGood = "11111111-2222-4333-8444-555555555555";
constexpr std::string_view kOther = "22222222-2222-4333-8444-555555555555";

// A git-annex repository in a temporary directory (removed at the end) and a location store on a
// server of kind; the test is skipped when git-annex or the server is missing.
class BranchExportTest : public testing::Test {
  protected:
    void open(const std::string& kind, const std::string& database) {
        if (!test::on_path("git-annex")) GTEST_SKIP() << "git-annex is not on PATH";
        std::string why_not;
        server_ = test::start_server(kind, why_not);
        if (!server_) GTEST_SKIP() << kind << ": " << why_not;
        dir_ = fs::temp_directory_path() / fmt::format("gad-{}-{}", database, ::getpid());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        bool ok = false;
        run_shell(dir_, "git init -q && git annex init -q here", &ok);
        ASSERT_TRUE(ok) << "git init / git annex init in " << dir_;
        const std::string here = run_shell(dir_, "git config annex.uuid");
        annex_uuid_ = here.substr(0, here.find('\n'));
        auto repository = git::Repository::discover(dir_);
        ASSERT_TRUE(repository) << repository.error().message;
        repository_.emplace(std::move(*repository));
        ASSERT_NO_FATAL_FAILURE(test::open_location_store(*server_, database, store_));
    }

    void TearDown() override {
        if (!dir_.empty()) fs::remove_all(dir_);
    }

    std::unique_ptr<test::TestServer> server_;
    fs::path dir_;
    std::string annex_uuid_;
    std::optional<git::Repository> repository_;
    std::optional<core::location::LocationStore> store_;
};

TEST_F(BranchExportTest, RefusesValuesThatWouldForgeLogLines) {
    ASSERT_NO_FATAL_FAILURE(open("mariadb", "export_refusals"));
    if (IsSkipped()) return;
    const fs::path& dir = dir_;
    const std::string& annex_uuid = annex_uuid_;
    git::Repository* repository = &*repository_;
    core::location::LocationStore* store = &*store_;
    auto& sql = store->connection();
    const std::string key(kKey), good(kGood), other(kOther);
    const std::vector<std::pair<std::string, std::vector<std::string>>> rows = {
        {"INSERT INTO gad_locations (annex_key, uuid, status, ts) VALUES (?, ?, ?, 100)",
         {key, good, "1"}},
        {"INSERT INTO gad_locations (annex_key, uuid, status, ts) VALUES (?, ?, ?, 100)",
         {key, "x\n9999999999s 1 fake-repository", "1"}},
        {"INSERT INTO gad_locations (annex_key, uuid, status, ts) VALUES (?, ?, ?, 100)",
         {key, other, "\n"}},
        {"INSERT INTO gad_locations (annex_key, uuid, status, ts) VALUES (?, ?, ?, 100)",
         {"SHA256E-s1--a\n9999999999s 1 x", good, "1"}},
        {"INSERT INTO gad_urls (annex_key, url, status, ts) VALUES (?, ?, ?, 100)",
         {key, "http://example.com/a\r9999999999s 1 http://evil.example/", "1"}},
        {"INSERT INTO gad_urls (annex_key, url, status, ts) VALUES (?, ?, ?, 100)",
         {key, "http://example.com/good", "1"}},
        {"INSERT INTO gad_metadata (annex_key, field, value, status, ts) VALUES (?, ?, ?, ?, 100)",
         {key, "tag +forged", "x", "1"}},
        {"INSERT INTO gad_metadata (annex_key, field, value, status, ts) VALUES (?, ?, ?, ?, 100)",
         {key, "note", "two\nlines\0nul"s, "1"}},
        {"INSERT INTO gad_repositories (uuid, description) VALUES (?, ?)",
         {good, "good repository"}},
        {"INSERT INTO gad_repositories (uuid, description) VALUES (?, ?)",
         {other, "x timestamp=1s\n" + annex_uuid + " HACKED timestamp=9999999999s"}},
        {"INSERT INTO gad_repositories (uuid, description) VALUES (?, ?)",
         {"bad\nuuid", "whatever"}},
    };
    for (const auto& [statement, values] : rows) {
        std::vector<core::sql::Param> params(values.begin(), values.end());
        auto ran = sql.run(statement, params);
        ASSERT_TRUE(ran) << statement << ": " << ran.error().message;
    }

    std::vector<std::string> lines;
    auto exported = export_to_branch(
        *repository, annex_uuid, sql, /*full=*/true,
        [&](const core::annex_values::Refusal& refusal) { lines.push_back(refusal.line()); });
    ASSERT_TRUE(exported) << exported.error().message;
    EXPECT_EQ(exported->refused, 7u);
    EXPECT_EQ(lines.size(), 7u);
    for (const std::string& line : lines) {
        EXPECT_EQ(line.find_first_of(std::string_view("\r\n\0", 3)), std::string::npos) << line;
    }
    EXPECT_EQ(exported->locations, 1u);
    EXPECT_EQ(exported->urls, 1u);
    EXPECT_EQ(exported->metadata, 1u);
    EXPECT_EQ(exported->repositories, 1u);
    ASSERT_FALSE(exported->commit.empty());

    auto show = [&](const std::string& path) {
        return run_shell(dir, "git show " + shell_quote(std::string(kExportRef) + ":" + path));
    };
    const std::string location = show(logs::branch_path_for_key(key, logs::FileKind::location));
    auto presence = logs::parse_presence_log(location);
    EXPECT_TRUE(presence.errors.empty()) << location;
    ASSERT_EQ(presence.entries.size(), 1u) << location;
    EXPECT_EQ(presence.entries[0].info, good);

    const std::string web = show(logs::branch_path_for_key(key, logs::FileKind::web));
    EXPECT_EQ(web, "100s 1 http://example.com/good\n");

    const std::string met = show(logs::branch_path_for_key(key, logs::FileKind::metadata));
    auto metadata = logs::parse_metadata_log(met);
    EXPECT_TRUE(metadata.errors.empty()) << met;
    ASSERT_EQ(metadata.entries.size(), 1u) << met;
    EXPECT_EQ(metadata.entries[0].field, "note");
    EXPECT_EQ(metadata.entries[0].value, "two\nlines\0nul"s);
    EXPECT_EQ(met.find('\0'), std::string::npos);

    const std::string uuid_log = show("uuid.log");
    EXPECT_EQ(uuid_log.find("HACKED"), std::string::npos) << uuid_log;
    EXPECT_NE(uuid_log.find(good + " good repository timestamp="), std::string::npos) << uuid_log;
}

// A clone (kOther) migrated its git-annex branch long ago and pushed later; this repository pulls
// its rows, dated by that branch, after exporting newer ones: the next export carries them,
// although they and the migration's record are older than anything the watermark lets through.
TEST_F(BranchExportTest, OldFactsArrivingAfterAnExportReachTheBranchOnDolt) {
    ASSERT_NO_FATAL_FAILURE(open("dolt", "export_old_facts"));
    if (IsSkipped()) return;
    const fs::path& dir = dir_;
    const std::string& annex_uuid = annex_uuid_;
    git::Repository* repository = &*repository_;
    core::location::LocationStore* store = &*store_;
    auto& sql = store->connection();
    const std::string key(kKey), old_key = "SHA256E-s3--old", good(kGood), other(kOther);
    auto locate = [&](const std::string& which, const std::string& ts) {
        auto ran = sql.run(
            "INSERT INTO gad_locations (annex_key, uuid, status, ts) VALUES (?, ?, "
            "'1', ?)",
            {which, good, ts});
        ASSERT_TRUE(ran) << ran.error().message;
        ASSERT_TRUE(store->dolt_commit("test rows"));
    };
    auto export_and_merge = [&]() -> ExportSummary {
        auto exported = export_to_branch(*repository, annex_uuid, sql, /*full=*/false,
                                         [](const core::annex_values::Refusal&) {});
        EXPECT_TRUE(exported) << exported.error().message;
        // git-annex merges the export (a fast-forward: its parent is the local branch).
        if (exported && !exported->commit.empty()) {
            bool ok = false;
            run_shell(dir, "git update-ref refs/heads/git-annex " + std::string(kExportRef), &ok);
            EXPECT_TRUE(ok);
        }
        return exported ? *exported : ExportSummary{};
    };

    locate(key, core::Timestamp::now().to_decimal());
    EXPECT_EQ(export_and_merge().locations, 1u);
    EXPECT_EQ(export_and_merge().locations, 0u);  // nothing new: the watermark moved

    // The pull: the clone's migration record and the fact it migrated, both from long ago.
    ASSERT_TRUE(core::location::record_migration(sql, other, {{"refs/heads/git-annex", "abc"}},
                                                 "abc", "200", 5));
    locate(old_key, "100");
    const ExportSummary late = export_and_merge();
    EXPECT_EQ(late.locations, 1u);
    const std::string log = run_shell(
        dir, "git show " + shell_quote("git-annex:" + logs::branch_path_for_key(
                                                          old_key, logs::FileKind::location)));
    EXPECT_EQ(log, "100s 1 " + good + "\n");
    EXPECT_EQ(export_and_merge().locations, 0u);
}

}  // namespace
}  // namespace gad::compat::sync
