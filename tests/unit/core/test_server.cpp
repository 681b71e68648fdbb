// The shared dolt sql-server: one per directory, shared by leases, stopped when idle.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/process.hpp>
#include <fstream>
#include <optional>
#include <thread>

#include "core/dolt/annex_repository.h"
#include "core/dolt/server.h"
#include "core/sql/connection.h"
#include "test_servers.h"

namespace gad::core::dolt {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class DoltServerTest : public testing::Test {
  protected:
    void SetUp() override {
        std::string why_not;
        if (test::start_server("dolt", why_not) == nullptr) GTEST_SKIP() << why_not;
        auto repository =
            AnnexRepository::init(dir_.path(), "b48450d2-85e9-435d-b475-26d2e3be7111", true);
        ASSERT_TRUE(repository) << repository.error().message;
        options_ = ServerOptions{repository->dolt_dir(), repository->state_dir(), 600ms, {}};
    }
    pid_t supervisor() {
        std::ifstream in(options_.state_dir / "server.state");
        std::string word;
        pid_t pid = 0;
        in >> word >> pid;
        return word == "ready" ? pid : 0;
    }
    bool wait_until_stopped() {
        for (int i = 0; i < 100; ++i) {
            if (!fs::exists(options_.state_dir / "server.state")) return true;
            std::this_thread::sleep_for(100ms);
        }
        return false;
    }

    test::TempDir dir_;
    ServerOptions options_;
};

TEST_F(DoltServerTest, LeasesShareOneServerWhichStopsWhenIdle) {
    pid_t first_supervisor = 0;
    {
        auto a = acquire_server(options_);
        ASSERT_TRUE(a) << a.error().message;
        auto b = acquire_server(options_);
        ASSERT_TRUE(b) << b.error().message;
        EXPECT_EQ(a->url().socket, b->url().socket);
        first_supervisor = supervisor();
        EXPECT_GT(first_supervisor, 0);
        auto connection = sql::Connection::open(a->url());
        ASSERT_TRUE(connection) << connection.error().message;
        EXPECT_TRUE(connection->is_dolt());
        EXPECT_EQ(a->url().database, "dolt");
        // Held leases keep it running well past the idle time.
        std::this_thread::sleep_for(1500ms);
        EXPECT_EQ(supervisor(), first_supervisor);
    }
    ASSERT_TRUE(wait_until_stopped());
    EXPECT_FALSE(fs::exists(options_.state_dir / "mysql.sock"));
    // The next use starts a new one.
    auto c = acquire_server(options_);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_NE(supervisor(), first_supervisor);
    EXPECT_TRUE(sql::Connection::open(c->url()));
}

// dolt-annex, sent to this server by the store's config.json, takes no lease: its open session
// keeps the server up past the idle time; once it closes, the server stops.
TEST_F(DoltServerTest, AnOpenSessionWithoutALeaseKeepsTheServerUp) {
    std::optional<sql::Connection> session;
    pid_t first_supervisor = 0;
    {
        auto lease = acquire_server(options_);
        ASSERT_TRUE(lease) << lease.error().message;
        first_supervisor = supervisor();
        auto connection = sql::Connection::open(lease->url());
        ASSERT_TRUE(connection) << connection.error().message;
        session.emplace(std::move(*connection));
    }
    std::this_thread::sleep_for(2000ms);  // over three times the idle time
    EXPECT_EQ(supervisor(), first_supervisor);
    auto rows = session->query("SELECT active_branch()");
    ASSERT_TRUE(rows) << rows.error().message;
    session.reset();
    EXPECT_TRUE(wait_until_stopped());
}

TEST_F(DoltServerTest, ALeaseOnARunningServerHandsOverTheConnectionThatCheckedIt) {
    auto a = acquire_server(options_);
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_FALSE(a->take_connection());  // it started the server: nothing was checked
    auto b = acquire_server(options_);
    ASSERT_TRUE(b) << b.error().message;
    auto moved = std::move(*b);  // the connection goes with the lease
    auto connection = moved.take_connection();
    ASSERT_TRUE(connection);
    auto rows = connection->query("SELECT active_branch()");
    ASSERT_TRUE(rows) << rows.error().message;
    EXPECT_EQ((*rows)[0][0].value_or(""), "main");
    EXPECT_FALSE(moved.take_connection());  // once
}

TEST_F(DoltServerTest, AKilledServerIsReplacedByTheNextUse) {
    pid_t killed = 0;
    {
        auto a = acquire_server(options_);
        ASSERT_TRUE(a) << a.error().message;
        killed = supervisor();
        ::kill(killed, SIGKILL);
        // SIGKILL is delivered asynchronously: wait until it has died (a zombie, or reaped).
        for (int i = 0; i < 100; ++i) {
            std::ifstream stat(fmt::format("/proc/{}/stat", killed));
            std::string line;
            if (!std::getline(stat, line) || line.substr(line.rfind(')') + 2, 1) == "Z") break;
            std::this_thread::sleep_for(50ms);
        }
    }
    // The killed supervisor stays a zombie (our unreaped child) until we wait for it: that is
    // no supervisor. Its server must not be reused, or nothing would ever stop it when idle.
    auto b = acquire_server(options_);
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_TRUE(sql::Connection::open(b->url()));
    EXPECT_NE(supervisor(), killed);
    EXPECT_NE(supervisor(), 0);
}

// server.state may name pids that exited long ago and were given to other processes since (pid_max
// is 32768 here): those are anyone's programs, another store's Dolt server among them, and must
// never be signalled. Here a stale state names a `sleep` as supervisor and, as server, a process
// called dolt that works in another directory.
TEST_F(DoltServerTest, StalePidsNamingOtherProcessesAreNeverSignalled) {
    const fs::path elsewhere = dir_.path() / "elsewhere";
    fs::create_directories(elsewhere);
    fs::create_symlink(boost::process::search_path("sleep").string(), elsewhere / "dolt");
    boost::process::child other_dolt((elsewhere / "dolt").string(), "300",
                                     boost::process::start_dir = elsewhere.string());
    boost::process::child other_program(boost::process::search_path("sleep"), "300");
    fs::create_directories(options_.state_dir);
    {
        std::ofstream state(options_.state_dir / "server.state");
        ASSERT_TRUE(state) << "cannot write " << (options_.state_dir / "server.state");
        state << fmt::format("ready {} {} {}\n", other_program.id(), other_dolt.id(),
                             (options_.state_dir / "mysql.sock").string());
    }
    auto lease = acquire_server(options_);
    ASSERT_TRUE(lease) << lease.error().message;
    EXPECT_TRUE(sql::Connection::open(lease->url()));
    std::this_thread::sleep_for(200ms);  // a signal, had one been sent, has been delivered
    EXPECT_TRUE(other_program.running()) << "the process given the old supervisor's pid";
    EXPECT_TRUE(other_dolt.running()) << "the dolt process given the old server's pid";
    other_program.terminate();
    other_dolt.terminate();
}

TEST_F(DoltServerTest, ANonDatabaseDirectoryIsRefused) {
    auto lease =
        acquire_server(ServerOptions{dir_.path() / "annex", dir_.path() / "state", 1s, {}});
    ASSERT_FALSE(lease);
    EXPECT_NE(lease.error().message.find("not a Dolt database"), std::string::npos);
}

}  // namespace
}  // namespace gad::core::dolt
