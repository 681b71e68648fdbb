#include "test_servers.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <chrono>
#include <fstream>
#include <random>
#include <thread>

#include "core/dolt/annex_repository.h"
#include "core/process.h"
#include "core/sql/connection.h"

namespace gad::test {

namespace fs = std::filesystem;
namespace bp = boost::process;

TempDir::TempDir() {
    std::random_device random;
    path_ = fs::temp_directory_path() / fmt::format("gad-unit-{:x}", random());
    fs::create_directories(path_);
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

namespace {

bool wait_for(const core::sql::DatabaseUrl& url) {
    for (int i = 0; i < 600; ++i) {
        if (fs::exists(*url.socket) && core::sql::Connection::open(url)) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

class MariaDbServer final : public TestServer {
  public:
    explicit MariaDbServer(std::string& why_not) {
        const std::string daemon = bp::search_path("mariadbd").string();
        const std::string install = bp::search_path("mariadb-install-db").string();
        if (daemon.empty() || install.empty()) {
            why_not = "mariadbd is not installed";
            return;
        }
        // Installed but failing to start is a failure of the test, not a reason to skip it. A
        // busy machine once made mariadb-install-db fail, so that step gets a second try.
        const fs::path data = dir_.path() / "data";
        const fs::path install_log = dir_.path() / "install.log";
        bool installed = false;
        for (int attempt = 0; attempt < 2 && !installed; ++attempt) {
            std::error_code ec;
            fs::remove_all(data, ec);
            fs::create_directories(data);
            installed = bp::system(install, "--datadir=" + data.string(),
                                   "--auth-root-authentication-method=normal", "--skip-test-db",
                                   (bp::std_out & bp::std_err) > install_log.string()) == 0;
        }
        if (!installed) {
            throw std::runtime_error("mariadb-install-db failed: " +
                                     core::last_line_of(install_log));
        }
        url_.socket = (dir_.path() / "mysqld.sock").string();
        const fs::path error_log = dir_.path() / "error.log";
        std::vector<std::string> args{"--no-defaults",
                                      "--datadir=" + data.string(),
                                      "--socket=" + *url_.socket,
                                      "--skip-networking",
                                      "--skip-grant-tables",
                                      "--innodb-buffer-pool-size=64M",
                                      "--log-error=" + error_log.string()};
        if (::getuid() == 0) args.push_back("--user=root");
        server_ = bp::child(daemon, bp::args(args), bp::std_out > bp::null, bp::std_err > bp::null);
        url_.database = "mysql";
        if (!wait_for(url_)) {
            throw std::runtime_error("mariadbd did not start: " + core::last_line_of(error_log));
        }
    }
    ~MariaDbServer() override {
        if (server_.running()) {
            ::kill(server_.id(), SIGTERM);
            std::error_code ec;
            if (!server_.wait_for(std::chrono::seconds(20), ec)) server_.terminate(ec);
        }
    }
    std::string name() const override { return "mariadb"; }
    bool is_dolt() const override { return false; }
    int server_pid(const core::sql::DatabaseUrl&) const override { return server_.id(); }
    core::sql::DatabaseUrl new_database(const std::string& name) override {
        auto connection = core::sql::Connection::open(url_);
        (void)connection->execute(fmt::format("CREATE DATABASE {}", name));
        core::sql::DatabaseUrl url = url_;
        url.database = name;
        return url;
    }

  private:
    TempDir dir_;
    core::sql::DatabaseUrl url_;
    bp::child server_;
};

// Dolt through the project's own shared-server code: one dolt-annex repository per database.
class DoltServer final : public TestServer {
  public:
    explicit DoltServer(std::string& why_not) {
        if (bp::search_path("dolt").empty()) why_not = "dolt is not installed";
    }
    std::string name() const override { return "dolt"; }
    bool is_dolt() const override { return true; }
    // The supervisor's state file beside the socket says "ready SUPERVISOR SERVER SOCKET".
    int server_pid(const core::sql::DatabaseUrl& url) const override {
        std::ifstream state(fs::path(url.socket.value_or("")).parent_path() / "server.state");
        std::string word;
        int supervisor = 0, server = 0;
        if (!(state >> word >> supervisor >> server) || word != "ready") {
            throw std::runtime_error("no ready dolt sql-server for " + url.to_string());
        }
        return server;
    }
    core::sql::DatabaseUrl new_database(const std::string& name) override {
        const fs::path root = dir_.path() / name;
        auto repository =
            core::dolt::AnnexRepository::init(root, "00000000-0000-4000-8000-000000000000", true);
        if (!repository) throw std::runtime_error(repository.error().message);
        auto lease = core::dolt::acquire_server(core::dolt::ServerOptions{
            repository->dolt_dir(), repository->state_dir(), std::chrono::milliseconds(500), {}});
        if (!lease) throw std::runtime_error(lease.error().message);
        core::sql::DatabaseUrl url = lease->url();
        leases_.push_back(std::move(*lease));
        return url;
    }

  private:
    TempDir dir_;
    std::vector<core::dolt::ServerLease> leases_;
};

}  // namespace

Frozen::Frozen(int pid) : pid_(pid) {
    if (::kill(pid_, SIGSTOP) != 0)
        throw std::runtime_error("cannot stop process " + std::to_string(pid));
}

void Frozen::thaw() {
    if (pid_ > 0) ::kill(pid_, SIGCONT);
    pid_ = 0;
}

std::unique_ptr<TestServer> start_server(const std::string& kind, std::string& why_not) {
    std::unique_ptr<TestServer> server;
    if (kind == "mariadb") server = std::make_unique<MariaDbServer>(why_not);
    if (kind == "dolt") server = std::make_unique<DoltServer>(why_not);
    if (!why_not.empty()) return nullptr;
    return server;
}

}  // namespace gad::test
