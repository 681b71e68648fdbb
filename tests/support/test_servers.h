// Private database servers for tests: a mariadbd or a Dolt sql-server in a temporary directory,
// each on a unix socket, stopped and removed when the object goes away.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/dolt/server.h"
#include "core/sql/database_url.h"

namespace gad::test {

// A temporary directory removed with everything in it on destruction.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

class TestServer {
  public:
    virtual ~TestServer() = default;
    virtual std::string name() const = 0;
    // A new empty database on this server, and the URL to reach it.
    virtual core::sql::DatabaseUrl new_database(const std::string& name) = 0;
    virtual bool is_dolt() const = 0;
    // The process id of the server process answering at url (from new_database), for tests that
    // freeze it (SIGSTOP) or kill it.
    virtual int server_pid(const core::sql::DatabaseUrl& url) const = 0;
};

// Stops (SIGSTOP) a process for as long as it lives, and lets it go on (SIGCONT) when it goes,
// also when the test fails first.
class Frozen {
  public:
    explicit Frozen(int pid);
    ~Frozen() { thaw(); }
    Frozen(const Frozen&) = delete;
    Frozen& operator=(const Frozen&) = delete;
    void thaw();

  private:
    int pid_;
};

// "dolt" or "mariadb": starts that server, or returns nullptr with why when it is not installed;
// throws std::runtime_error (failing the test) when it is installed but does not start.
std::unique_ptr<TestServer> start_server(const std::string& kind, std::string& why_not);

}  // namespace gad::test
