// LocationStore and LocationWriter against real servers: Dolt (through our shared server) and a
// private MariaDB. Every test runs on both.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "core/location/location_store.h"
#include "core/location/location_writer.h"
#include "core/location/schema.h"
#include "test_servers.h"

namespace gad::core::location {
namespace {

constexpr std::string_view kUuid = "11111111-2222-4333-8444-555555555555";
constexpr std::string_view kOther = "99999999-2222-4333-8444-555555555555";

Timestamp at(std::int64_t seconds, std::uint64_t picoseconds = 0) {
    return Timestamp{seconds, picoseconds};
}

class LocationStoreTest : public testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        std::string why_not;
        server_ = test::start_server(GetParam(), why_not);
        if (!server_) GTEST_SKIP() << GetParam() << ": " << why_not;
        url_ = server_->new_database("gad_locations");
    }

    LocationStore open_store() {
        auto connection = sql::Connection::open(url_);
        EXPECT_TRUE(connection) << connection.error().message;
        auto store = LocationStore::open(std::move(*connection));
        EXPECT_TRUE(store) << store.error().message;
        return std::move(*store);
    }

    sql::Rows query(std::string_view text) {
        auto connection = sql::Connection::open(url_);
        auto rows = connection->query(text);
        EXPECT_TRUE(rows) << rows.error().message;
        return rows ? *rows : sql::Rows{};
    }

    std::unique_ptr<test::TestServer> server_;
    sql::DatabaseUrl url_;
};

TEST_P(LocationStoreTest, NewestTimestampWinsAndEqualTakesTheSmallerStatus) {
    LocationStore store = open_store();
    const std::string key = "SHA256E-s3--abc";
    auto record = [&](Presence presence, Timestamp when) {
        LocationChange change{key, std::string(kUuid), presence, when};
        auto done = store.record(std::span(&change, 1));
        ASSERT_TRUE(done) << done.error().message;
    };
    record(Presence::present, at(100, 5));
    EXPECT_EQ(store.presence(key, kUuid).value(), Presence::present);
    record(Presence::missing, at(100, 4));  // older by a picosecond: ignored
    EXPECT_EQ(store.presence(key, kUuid).value(), Presence::present);
    record(Presence::dead, at(100, 5));  // equal, and 'X' sorts after '1': the row stays
    EXPECT_EQ(store.presence(key, kUuid).value(), Presence::present);
    // Equal, and '0' sorts before '1': git-annex's sorted union keeps the "0" line first.
    record(Presence::missing, at(100, 5));
    EXPECT_EQ(store.presence(key, kUuid).value(), Presence::missing);
    record(Presence::present, at(100, 5));  // and once '0' holds, an equal '1' cannot undo it
    EXPECT_EQ(store.presence(key, kUuid).value(), Presence::missing);
    record(Presence::dead, at(100, 6));
    EXPECT_EQ(store.presence(key, kUuid).value(), Presence::dead);
    EXPECT_FALSE(store.presence(key, kOther).value().has_value());
    auto rows = query("SELECT ts FROM gad_locations");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0][0].value(), "100.000000000006");
}

TEST_P(LocationStoreTest, LargeBatchesInOneTransaction) {
    LocationStore store = open_store();
    std::vector<LocationChange> changes;
    for (int i = 0; i < 1000; ++i) {
        changes.push_back({fmt::format("WORM-s{}--file{}", i, i),
                           std::string(i % 2 ? kUuid : kOther),
                           i % 3 ? Presence::present : Presence::missing, at(1000 + i)});
    }
    ASSERT_TRUE(store.record(changes));
    auto rows = query("SELECT COUNT(*), SUM(status = '1') FROM gad_locations");
    EXPECT_EQ(rows[0][0].value(), "1000");
    EXPECT_EQ(rows[0][1].value(), "666");
}

TEST_P(LocationStoreTest, SchemaIsCreatedOnceAndANewerOneIsRefused) {
    { LocationStore store = open_store(); }
    auto connection = sql::Connection::open(url_);
    EXPECT_EQ(ensure_schema(*connection).value().changed,
              false);  // already current: nothing changed
    ASSERT_TRUE(
        connection->execute("UPDATE gad_meta SET value = '99' WHERE name = 'schema_version'"));
    auto refused = ensure_schema(*connection);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("schema version 99"), std::string::npos)
        << refused.error().message;
}

TEST_P(LocationStoreTest, DoltCommitsOnlyOnDoltAndOnlyWhenSomethingChanged) {
    LocationStore store = open_store();
    LocationChange change{"MD5-s1--x", std::string(kUuid), Presence::present, at(5)};
    ASSERT_TRUE(store.record(std::span(&change, 1)));
    auto hash = store.dolt_commit("test: one change");
    ASSERT_TRUE(hash) << hash.error().message;
    EXPECT_EQ(hash->has_value(), server_->is_dolt());
    auto again = store.dolt_commit("test: nothing");
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_FALSE(again->has_value());
    if (server_->is_dolt()) {
        auto log = query("SELECT message FROM dolt_log LIMIT 1");
        EXPECT_EQ(log[0][0].value(), "test: one change");
    }
}

TEST_P(LocationStoreTest, WriterGroupsChangesAndCommitsByCount) {
    {
        LocationWriter writer(open_store(), WriterOptions{.commit_every = 50,
                                                          .commit_after = std::chrono::hours(1),
                                                          .commit_prefix = "test writer"});
        // Three phases of 40 changes; record_now ends each phase once its changes are written.
        // 80 changes pass commit_every, so one Dolt commit comes by count, the rest at the end.
        int n = 0;
        for (int phase = 0; phase < 3; ++phase) {
            for (int i = 0; i < 39; ++i, ++n) {
                writer.record_later({fmt::format("WORM--k{}", n), std::string(kUuid),
                                     Presence::present, Timestamp::now()},
                                    LocationWriter::Reason::store);
            }
            ASSERT_TRUE(writer.record_now({fmt::format("WORM--k{}", n++), std::string(kUuid),
                                           Presence::present, Timestamp::now()},
                                          LocationWriter::Reason::store));
        }
        std::atomic<int> removed_written{0};
        writer.record_later({"WORM--k0", std::string(kUuid), Presence::missing, Timestamp::now()},
                            LocationWriter::Reason::remove, [&](const Result<void>& written) {
                                removed_written = written ? 1 : -1;
                            });
        ASSERT_TRUE(
            writer.record_now({"WORM--k1", std::string(kUuid), Presence::missing, Timestamp::now()},
                              LocationWriter::Reason::remove));
        EXPECT_EQ(removed_written.load(), 1);
    }  // the destructor writes and commits the rest
    auto rows = query("SELECT COUNT(*), SUM(status = '0') FROM gad_locations");
    EXPECT_EQ(rows[0][0].value(), "120");
    EXPECT_EQ(rows[0][1].value(), "2");
    if (server_->is_dolt()) {
        auto log = query("SELECT message FROM dolt_log WHERE message LIKE 'test writer%'");
        EXPECT_GE(log.size(), 2u);  // at least one by count, and the last one at the end
        EXPECT_LE(log.size(), 3u);  // never one commit per change
        auto last = query("SELECT message FROM dolt_log LIMIT 1");
        EXPECT_NE(last[0][0].value().find("removed 2"), std::string::npos) << last[0][0].value();
        // Nothing is left uncommitted in the working set.
        auto dirty = query("SELECT COUNT(*) FROM dolt_status");
        EXPECT_EQ(dirty[0][0].value(), "0");
    }
}

TEST_P(LocationStoreTest, WriterGathersChangesUnlessOneIsWaitedFor) {
    LocationWriter writer(open_store(), WriterOptions{.commit_after = std::chrono::hours(1),
                                                      .gather = std::chrono::seconds(3)});
    std::atomic<int> written{0};
    writer.record_later({"WORM--gathered", std::string(kUuid), Presence::present, Timestamp::now()},
                        LocationWriter::Reason::store,
                        [&](const Result<void>& result) { written = result ? 1 : -1; });
    // Still waiting for company (3 s), so not in the table yet.
    EXPECT_EQ(query("SELECT COUNT(*) FROM gad_locations")[0][0].value(), "0");
    EXPECT_EQ(written.load(), 0);
    // A change someone waits for is written at once, with those gathered before it.
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(
        writer.record_now({"WORM--waited", std::string(kUuid), Presence::present, Timestamp::now()},
                          LocationWriter::Reason::store));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
    EXPECT_EQ(written.load(), 1);
    EXPECT_EQ(query("SELECT COUNT(*) FROM gad_locations")[0][0].value(), "2");
}

TEST_P(LocationStoreTest, ReconcileRepairsOnlyRowsThatDisagree) {
    LocationStore store = open_store();
    std::vector<LocationChange> initial{
        {"WORM--agrees", std::string(kUuid), Presence::present, at(10)},
        {"WORM--wrong", std::string(kUuid), Presence::present, at(10)},
    };
    ASSERT_TRUE(store.record(initial));
    LocationWriter writer(std::move(store), WriterOptions{});
    writer.reconcile("WORM--agrees", std::string(kUuid), Presence::present, [] { return true; });
    writer.reconcile("WORM--wrong", std::string(kUuid), Presence::missing, [] { return true; });
    writer.reconcile("WORM--unknown", std::string(kUuid), Presence::present, [] { return true; });
    // Changed again before the write: no repair.
    writer.reconcile("WORM--raced", std::string(kUuid), Presence::present, [] { return false; });
    ASSERT_TRUE(writer.flush());
    auto rows = query("SELECT annex_key, status, ts > 11 FROM gad_locations ORDER BY annex_key");
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0][0].value(), "WORM--agrees");
    EXPECT_EQ(rows[0][2].value(), "0");  // untouched
    EXPECT_EQ(rows[1][0].value(), "WORM--unknown");
    EXPECT_EQ(rows[1][1].value(), "1");
    EXPECT_EQ(rows[2][0].value(), "WORM--wrong");
    EXPECT_EQ(rows[2][1].value(), "0");
    EXPECT_EQ(rows[2][2].value(), "1");  // repaired with the current time
}

TEST_P(LocationStoreTest, ConcurrentWritersFromManyConnections) {
    { LocationStore store = open_store(); }
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            auto connection = sql::Connection::open(url_);
            auto store = LocationStore::open(std::move(*connection));
            for (int i = 0; i < 50; ++i) {
                // All threads write the same keys: the newest timestamp must win everywhere.
                LocationChange change{fmt::format("WORM--shared{}", i), std::string(kUuid),
                                      t == 3 ? Presence::dead : Presence::present,
                                      at(t == 3 ? 2000 : 1000 + t)};
                if (!store->record(std::span(&change, 1))) ++failures;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), 0);
    auto rows = query("SELECT COUNT(*), SUM(status = 'X') FROM gad_locations");
    EXPECT_EQ(rows[0][0].value(), "50");
    EXPECT_EQ(rows[0][1].value(), "50");
}

TEST_P(LocationStoreTest, LoadDataReadsBackEveryByteAndReadsNoLocalFile) {
    LocationStore store = open_store();
    sql::Connection& connection = store.connection();
    if (connection.is_dolt()) {
        ASSERT_TRUE(connection.execute("SET GLOBAL local_infile = 1"));
    }
    const std::string tricky = std::string("a\tb\\c\nd\re") + '\0' + "f\xff";
    std::string data;
    sql::append_load_field(data, tricky);
    data += "\t";
    sql::append_load_field(data, kUuid);
    data += "\t1\t12.5\n";
    const std::string load =
        "LOAD DATA LOCAL INFILE '/etc/passwd' IGNORE INTO TABLE gad_locations CHARACTER SET binary "
        "FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n' (annex_key, uuid, status, ts)";
    auto loaded = connection.load_data(load, data);
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(*loaded, 1u);
    auto rows = connection.query("SELECT annex_key, ts FROM gad_locations WHERE uuid = ?", {kUuid});
    ASSERT_TRUE(rows) << rows.error().message;
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_EQ((*rows)[0][0].value(), tricky);
    EXPECT_EQ((*rows)[0][1].value(), "12.500000000000");
    // Outside load_data the server is given nothing, whatever file it names.
    auto refused = connection.execute(load);
    EXPECT_FALSE(refused);
}

TEST_P(LocationStoreTest, SecondaryIndexesDroppedForALoadAndRestored) {
    LocationStore store = open_store();
    auto indexes = [&](std::string_view table) {
        std::set<std::string> names;
        for (const auto& row : query(fmt::format("SHOW INDEX FROM {}", table)))
            names.insert(*row[2]);
        return names;
    };
    // The timestamp indexes are Dolt's only (MariaDB scans for new facts faster than it builds
    // them).
    const bool dolt = server_->is_dolt();
    EXPECT_EQ(indexes("gad_locations").count("locations_by_ts"), dolt ? 1u : 0u);
    EXPECT_EQ(indexes("gad_urls").count("urls_by_ts"), dolt ? 1u : 0u);
    EXPECT_TRUE(indexes("gad_locations").count("locations_by_uuid"));
    ASSERT_TRUE(drop_secondary_indexes(store.connection(), "gad_locations"));
    ASSERT_TRUE(drop_secondary_indexes(store.connection(), "gad_annexed_files"));
    EXPECT_FALSE(indexes("gad_locations").count("locations_by_ts"));
    // Its entries arrive in order in a load in primary-key order: it is kept up to date instead.
    EXPECT_TRUE(indexes("gad_locations").count("locations_by_uuid"));
    EXPECT_FALSE(indexes("gad_annexed_files").count("annexed_files_by_key"));
    EXPECT_TRUE(indexes("gad_metadata").count("metadata_by_field"));           // not asked for
    ASSERT_TRUE(drop_secondary_indexes(store.connection(), "gad_locations"));  // none left: no-op
    ASSERT_TRUE(restore_secondary_indexes(store.connection()));
    EXPECT_EQ(indexes("gad_locations").count("locations_by_ts"), dolt ? 1u : 0u);
    EXPECT_TRUE(indexes("gad_annexed_files").count("annexed_files_by_key"));
    ASSERT_TRUE(restore_secondary_indexes(store.connection()));  // all there: no-op
}

TEST_P(LocationStoreTest, AnnexedFilesPathOrderIsTheKeysOwnWithoutASort) {
    LocationStore store = open_store();
    sql::Connection& connection = store.connection();
    for (int i = 0; i < 300; ++i) {
        for (std::string_view uuid :
             {kUuid, std::string_view("00000000-0000-0000-0000-000000000002")}) {
            ASSERT_TRUE(connection.run(
                "INSERT INTO gad_annexed_files (annex_uuid, path, annex_key) VALUES (?, ?, ?)",
                {uuid, fmt::format("d{}/f{}", i % 7, (i * 37) % 300), "WORM--k"}));
        }
    }
    const std::string select =
        fmt::format("SELECT path FROM gad_annexed_files WHERE annex_uuid = ? ORDER BY {}",
                    annexed_files_path_order(connection));
    // On MariaDB the uuid bound as the programs bind it (it sorted 1M rows for "annex_uuid,
    // path" only then); Dolt explains no prepared statement, nor plans one differently.
    auto plan =
        server_->is_dolt()
            ? connection.query("EXPLAIN PLAN " + select.substr(0, select.find('?')) +
                               fmt::format("'{}'", kUuid) + select.substr(select.find('?') + 1))
            : connection.query("EXPLAIN " + select, {kUuid});
    ASSERT_TRUE(plan) << plan.error().message;
    std::string text;
    for (const auto& row : *plan) {
        for (const auto& cell : row) text += cell.value_or("") + " ";
    }
    EXPECT_EQ(text.find("filesort"), std::string::npos) << text;  // MariaDB's EXPLAIN
    EXPECT_EQ(text.find("Sort("), std::string::npos) << text;     // Dolt's
    auto rows = connection.query(select, {kUuid});
    ASSERT_TRUE(rows) << rows.error().message;
    ASSERT_EQ(rows->size(), 300u);
    for (std::size_t i = 1; i < rows->size(); ++i) {
        ASSERT_LT(*(*rows)[i - 1][0], *(*rows)[i][0]) << i;
    }
}

INSTANTIATE_TEST_SUITE_P(Servers, LocationStoreTest, testing::Values("dolt", "mariadb"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace gad::core::location
