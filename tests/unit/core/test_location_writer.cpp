// LocationWriter's waits against real servers (Dolt through our shared server, and a private
// MariaDB): a removal waits for its own SQL transaction, concurrent ones share one (group
// commit), a frozen server fails them within the connection's timeout leaving the table as it
// was, and the writer's final flush is bounded.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "core/location/location_writer.h"
#include "test_servers.h"

namespace gad::core::location {
namespace {

using namespace std::chrono_literals;
constexpr std::string_view kUuid = "11111111-2222-4333-8444-555555555555";

class LocationWriterTest : public testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        std::string why_not;
        server_ = test::start_server(GetParam(), why_not);
        if (!server_) GTEST_SKIP() << GetParam() << ": " << why_not;
        url_ = server_->new_database("locations");
    }

    LocationStore open_store(std::chrono::seconds timeout = 30s) {
        auto connection = sql::Connection::open(url_, {}, sql::Timeouts::all(timeout));
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

    std::string count(std::string_view where) {
        return query(fmt::format("SELECT COUNT(*) FROM gad_locations WHERE {}", where))[0][0]
            .value();
    }

    static LocationChange change(std::string key, Presence presence) {
        return {std::move(key), std::string(kUuid), presence, Timestamp::now()};
    }

    std::unique_ptr<test::TestServer> server_;
    sql::DatabaseUrl url_;
};

TEST_P(LocationWriterTest, ARemovalWaitsForItsTransactionButNotForTheDoltCommit) {
    LocationWriter writer(open_store(), WriterOptions{.commit_after = std::chrono::hours(1),
                                                      .commit_prefix = "test writer",
                                                      .gather = std::chrono::hours(1)});
    const std::string dolt_log_before =
        server_->is_dolt() ? query("SELECT COUNT(*) FROM dolt_log")[0][0].value() : "";
    ASSERT_TRUE(
        writer.record_now(change("WORM--a", Presence::present), LocationWriter::Reason::store));
    const auto start = std::chrono::steady_clock::now();
    auto removed =
        writer.record_now(change("WORM--a", Presence::missing), LocationWriter::Reason::remove);
    ASSERT_TRUE(removed) << removed.error().message;
    // Without waiting for the hour of gathering, and seen by every other connection at once.
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    EXPECT_EQ(count("annex_key = 'WORM--a' AND status = '0'"), "1");
    EXPECT_EQ(writer.stats().transactions, 2u);
    if (server_->is_dolt()) {
        // The Dolt commit follows on the writer's schedule (here: at the end), not per removal.
        EXPECT_EQ(query("SELECT COUNT(*) FROM dolt_log")[0][0].value(), dolt_log_before);
    }
}

TEST_P(LocationWriterTest, ConcurrentRemovalsShareTransactions) {
    LocationWriter writer(open_store(), WriterOptions{.commit_after = std::chrono::hours(1)});
    constexpr int kThreads = 8, kEach = 25;
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) {
                if (!writer.record_now(change(fmt::format("WORM--t{}-{}", t, i), Presence::missing),
                                       LocationWriter::Reason::remove)) {
                    ++failures;
                }
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(count("status = '0'"), std::to_string(kThreads * kEach));
    const auto stats = writer.stats();
    EXPECT_EQ(stats.changes, std::size_t{kThreads * kEach});
    // Each waits for its own transaction, but the ones that arrive while a transaction runs
    // share the next one: far fewer transactions than removals.
    EXPECT_LE(stats.transactions, std::size_t{kThreads * kEach / 2}) << stats.transactions;
}

TEST_P(LocationWriterTest, AFrozenServerFailsTheWaitInTimeAndChangesNothing) {
    auto writer = std::make_unique<LocationWriter>(
        open_store(2s), WriterOptions{.commit_after = std::chrono::hours(1), .exit_timeout = 2s});
    ASSERT_TRUE(
        writer->record_now(change("WORM--kept", Presence::present), LocationWriter::Reason::store));
    {
        test::Frozen frozen(server_->server_pid(url_));
        const auto start = std::chrono::steady_clock::now();
        auto removed = writer->record_now(change("WORM--kept", Presence::missing),
                                          LocationWriter::Reason::remove);
        const auto took = std::chrono::steady_clock::now() - start;
        ASSERT_FALSE(removed);
        EXPECT_LT(took, 8s);  // 2 s per read, at most: not 3 times that, nor 600 s
        EXPECT_NE(removed.error().message.find("2 s"), std::string::npos)
            << removed.error().message;
        // A store queued now is lost with the connection, and the writer's end is bounded.
        writer->record_later(change("WORM--later", Presence::present),
                             LocationWriter::Reason::store);
        const auto exit_start = std::chrono::steady_clock::now();
        writer.reset();
        EXPECT_LT(std::chrono::steady_clock::now() - exit_start, 6s);
    }
    // Thawed: the removal never happened.
    EXPECT_EQ(count("annex_key = 'WORM--kept' AND status = '1'"), "1");
    EXPECT_EQ(count("status = '0'"), "0");
}

TEST_P(LocationWriterTest, TheFinalFlushIsBoundedWhenTheServerFreezesMidway) {
    // Frozen while nothing is waited for: only the destructor notices, and gives up in time.
    auto writer = std::make_unique<LocationWriter>(
        open_store(30s), WriterOptions{.commit_after = std::chrono::hours(1), .exit_timeout = 2s});
    writer->record_later(change("WORM--pending", Presence::present), LocationWriter::Reason::store);
    test::Frozen frozen(server_->server_pid(url_));
    const auto start = std::chrono::steady_clock::now();
    writer.reset();  // the connection's own timeout (30 s) is longer: the exit deadline cuts it
    EXPECT_LT(std::chrono::steady_clock::now() - start, 6s);
}

TEST_P(LocationWriterTest, ConnectingToAFrozenServerFailsWithinTheTimeout) {
    test::Frozen frozen(server_->server_pid(url_));
    const auto start = std::chrono::steady_clock::now();
    auto connection = sql::Connection::open(url_, {}, sql::Timeouts::all(2s));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 8s);
    ASSERT_FALSE(connection);
    EXPECT_NE(connection.error().message.find(url_.to_string()), std::string::npos)
        << connection.error().message;
}

INSTANTIATE_TEST_SUITE_P(Servers, LocationWriterTest, testing::Values("dolt", "mariadb"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace gad::core::location
