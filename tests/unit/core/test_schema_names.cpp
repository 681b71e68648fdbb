// The location schema shares its database with other people's tables (dolt-annex's template tables
// `metadata`, `posts`, `submissions`; a user's own): ours are all named gad_*, created all or
// nothing, renamed from the unprefixed names of earlier versions, and a Dolt commit of ours
// commits nothing of theirs. Against real servers: Dolt and a private MariaDB.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/location/location_store.h"
#include "core/location/schema.h"
#include "core/location/tables.h"
#include "test_servers.h"

namespace gad::core::location {
namespace {

constexpr std::string_view kUuid = "11111111-2222-4333-8444-555555555555";
constexpr std::string_view kKey = "SHA256E-s3--abc";

class SchemaNamesTest : public testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        std::string why_not;
        server_ = test::start_server(GetParam(), why_not);
        if (!server_) GTEST_SKIP() << GetParam() << ": " << why_not;
        url_ = server_->new_database("shared");
    }

    Result<LocationStore> open_store() {
        auto connection = sql::Connection::open(url_);
        EXPECT_TRUE(connection) << connection.error().message;
        return LocationStore::open(std::move(*connection));
    }

    // Runs statements one by one, failing the test at the first that fails.
    void run(std::initializer_list<std::string_view> statements) {
        auto connection = sql::Connection::open(url_);
        ASSERT_TRUE(connection) << connection.error().message;
        for (std::string_view statement : statements) {
            auto done = connection->query(statement);
            ASSERT_TRUE(done) << statement << ": " << done.error().message;
        }
    }

    // The first column of each row of a query, joined by spaces.
    std::string column(std::string_view text) {
        auto connection = sql::Connection::open(url_);
        auto rows = connection->query(text);
        EXPECT_TRUE(rows) << text << ": " << rows.error().message;
        std::string out;
        for (const auto& row : rows ? *rows : sql::Rows{}) {
            out += (out.empty() ? "" : " ") + row[0].value_or("NULL");
        }
        return out;
    }

    std::vector<std::string> tables() {
        auto connection = sql::Connection::open(url_);
        auto rows = connection->query("SHOW TABLES");
        EXPECT_TRUE(rows) << rows.error().message;
        std::vector<std::string> names;
        for (const auto& row : rows ? *rows : sql::Rows{}) names.push_back(row[0].value_or(""));
        std::sort(names.begin(), names.end());
        return names;
    }

    std::unique_ptr<test::TestServer> server_;
    sql::DatabaseUrl url_;
};

bool has(const std::vector<std::string>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

// dolt-annex's template database carries tables named as our metadata table was (and a user may
// have a `locations`): ours go beside them, and theirs keep their columns, indexes and rows.
TEST_P(SchemaNamesTest, ForeignTablesOfOurOldNamesAreLeftAlone) {
    run(
        {"CREATE TABLE metadata (source VARCHAR(100) NOT NULL, id VARCHAR(100) NOT NULL,"
         " updated DATETIME, annex_key VARCHAR(200), PRIMARY KEY (source, id))",
         "INSERT INTO metadata VALUES ('e621', '1', '2024-01-02 03:04:05', 'SHA256E-s1--aa')",
         "CREATE TABLE locations (x INT PRIMARY KEY)"});
    const std::string columns_before = column("SHOW COLUMNS FROM metadata");
    const std::string indexes_before = column("SHOW INDEX FROM metadata");
    auto store = open_store();
    ASSERT_TRUE(store) << store.error().message;
    LocationChange change{std::string(kKey), std::string(kUuid), Presence::present,
                          Timestamp{100, 0}};
    ASSERT_TRUE(store->record(std::span(&change, 1)));
    EXPECT_EQ(column("SHOW COLUMNS FROM metadata"), columns_before);
    EXPECT_EQ(column("SHOW INDEX FROM metadata"), indexes_before);
    EXPECT_EQ(column("SELECT CONCAT(source, id, annex_key) FROM metadata"), "e6211SHA256E-s1--aa");
    EXPECT_EQ(column("SELECT COUNT(*) FROM locations"), "0");
    EXPECT_EQ(column("SELECT uuid FROM gad_locations"), kUuid);
    const auto names = tables();
    for (std::string_view ours : tables::kAllTables) EXPECT_TRUE(has(names, ours)) << ours;
}

// A store made before schema version 7 (unprefixed names) gets the gad_* names, rows and all; an
// unprefixed table that is not ours (other columns) keeps its name, and ours is made anew.
TEST_P(SchemaNamesTest, UnprefixedTablesOfAnOlderStoreAreRenamed) {
    {
        auto store = open_store();
        ASSERT_TRUE(store) << store.error().message;
        LocationChange change{std::string(kKey), std::string(kUuid), Presence::present,
                              Timestamp{100, 0}};
        ASSERT_TRUE(store->record(std::span(&change, 1)));
        ASSERT_TRUE(store->set_repository(kUuid, "old store"));
    }
    // Back to version 6 as earlier versions made it: the same tables, unprefixed.
    auto connection = sql::Connection::open(url_);
    ASSERT_TRUE(connection);
    for (std::string_view table : tables::kAllTables) {
        if (table == "gad_meta") continue;
        ASSERT_TRUE(connection->execute(
            fmt::format("RENAME TABLE {} TO {}", table, table.substr(std::size("gad_") - 1))));
    }
    run({"DROP TABLE chunks", "CREATE TABLE chunks (id INT PRIMARY KEY)",
         "INSERT INTO chunks VALUES (7)",
         "UPDATE gad_meta SET value = '6' WHERE name = 'schema_version'"});
    if (server_->is_dolt()) run({"CALL DOLT_COMMIT('-A', '-m', 'a version 6 store')"});

    auto store = open_store();
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_EQ(column("SELECT value FROM gad_meta WHERE name = 'schema_version'"),
              std::to_string(kSchemaVersion));
    EXPECT_EQ(column("SELECT CONCAT(annex_key, ' ', status) FROM gad_locations WHERE uuid = '" +
                     std::string(kUuid) + "'"),
              std::string(kKey) + " 1");
    EXPECT_EQ(column("SELECT description FROM gad_repositories"), "old store");
    EXPECT_EQ(column("SELECT id FROM chunks"), "7");
    EXPECT_EQ(column("SELECT COUNT(*) FROM gad_chunks"), "0");
    const auto names = tables();
    EXPECT_FALSE(has(names, "locations"));
    EXPECT_FALSE(has(names, "repositories"));
    if (server_->is_dolt()) {
        // The rename is committed whole: the old names' removal too.
        EXPECT_EQ(column("SELECT table_name FROM dolt_status"), "");
    }
}

// A creation that fails part of the way leaves none of what it made: here a user's own table
// holds one of our names, and the index we add to it cannot be made.
TEST_P(SchemaNamesTest, AFailedCreationLeavesNothingBehind) {
    run({"CREATE TABLE gad_metadata (id INT PRIMARY KEY)", "INSERT INTO gad_metadata VALUES (1)"});
    auto store = open_store();
    ASSERT_FALSE(store);
    EXPECT_EQ(tables(), std::vector<std::string>{"gad_metadata"});
    EXPECT_EQ(column("SELECT id FROM gad_metadata"), "1");
}

// On Dolt, our commits stage our tables only: rows dolt-annex (or anyone) left uncommitted in its
// own tables stay uncommitted, for it to commit.
TEST_P(SchemaNamesTest, DoltCommitsLeaveOtherTablesUncommitted) {
    if (!server_->is_dolt()) GTEST_SKIP() << "Dolt only";
    run({"CREATE TABLE posts (id INT PRIMARY KEY)", "CALL DOLT_COMMIT('-A', '-m', 'posts')",
         "INSERT INTO posts VALUES (1)"});
    auto store = open_store();
    ASSERT_TRUE(store) << store.error().message;
    LocationChange change{std::string(kKey), std::string(kUuid), Presence::present,
                          Timestamp{100, 0}};
    ASSERT_TRUE(store->record(std::span(&change, 1)));
    auto hash = store->dolt_commit("test: a location");
    ASSERT_TRUE(hash) << hash.error().message;
    ASSERT_TRUE(hash->has_value());
    EXPECT_EQ(column("SELECT CONCAT(table_name, ' ', staged, ' ', status) FROM dolt_status"),
              "posts 0 modified");
    EXPECT_EQ(column("SELECT COUNT(*) FROM posts AS OF 'HEAD'"), "0");
    EXPECT_EQ(column("SELECT COUNT(*) FROM gad_locations AS OF 'HEAD'"), "1");
}

INSTANTIATE_TEST_SUITE_P(Servers, SchemaNamesTest, testing::Values("dolt", "mariadb"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace gad::core::location
