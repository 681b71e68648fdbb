// A `dolt sql-server` for one Dolt database directory, shared by every process that uses it and
// stopped when idle. A detached supervisor process (a hidden mode of our programs) owns the
// server; each user holds a shared lock on a lease file for as long as it uses the server, and the
// supervisor stops the server once it can take that lock exclusively for the idle period.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>

#include "core/failure.h"
#include "core/sql/connection.h"
#include "core/sql/database_url.h"

namespace gad::core::dolt {

struct ServerOptions {
    std::filesystem::path dolt_dir;   // the database directory (holds .dolt/)
    std::filesystem::path state_dir;  // lock, state and log files of the supervisor
    std::chrono::milliseconds idle{std::chrono::seconds(30)};  // stop after this long unused
    sql::Timeouts timeouts;  // of the connections to the server (a frozen one fails them)
};

// The unix socket on which the server for state_dir listens: state_dir/mysql.sock, or a socket
// in the temporary directory named by the md5 of state_dir when that path is too long for one.
// The store's config.json names it too, so that dolt-annex uses the same server (and a server
// dolt-annex starts there is one acquire_server uses).
std::filesystem::path server_socket_path(const std::filesystem::path& state_dir);

// The supervisor's hidden command-line flag: `PROGRAM --dolt-supervisor DOLT_DIR STATE_DIR
// IDLE_MS`.
inline constexpr std::string_view kSupervisorFlag = "--dolt-supervisor";

// A use of a running server: the server stays up at least until this is destroyed.
class ServerLease {
  public:
    ServerLease(ServerLease&& other) noexcept;
    ServerLease& operator=(ServerLease&& other) noexcept;
    ServerLease(const ServerLease&) = delete;
    ServerLease& operator=(const ServerLease&) = delete;
    ~ServerLease();

    // Where to connect: the unix socket, user root, database named after the directory.
    const sql::DatabaseUrl& url() const { return url_; }

    // The connection that found a running server answering, for the caller's own use (once; a
    // connection of its own saves opening another); nullopt after the first call, or when the
    // server was started for this lease.
    std::optional<sql::Connection> take_connection() {
        return std::exchange(connection_, std::nullopt);
    }

  private:
    friend Result<ServerLease> acquire_server(const ServerOptions&);
    ServerLease(int lease_fd, sql::DatabaseUrl url, std::optional<sql::Connection> connection = {})
        : lease_fd_(lease_fd), url_(std::move(url)), connection_(std::move(connection)) {}
    int lease_fd_ = -1;
    sql::DatabaseUrl url_;
    std::optional<sql::Connection> connection_;
};

// Returns a lease on the server for options.dolt_dir, starting the supervisor (and so the
// server) when none runs. A server someone else started on the same socket (dolt-annex, told
// by the store's config.json) is used as it is: it stops when its owner stops it, not when idle.
// Fails with a message naming the cause when `dolt` is missing, the server does not come up within
// a minute, or a running one does not answer within options.timeouts (frozen: it is left alone,
// since it still holds the database).
Result<ServerLease> acquire_server(const ServerOptions& options);

// The supervisor's main loop: starts `dolt sql-server`, writes the state file, and stops the
// server once it has been unused for options.idle or its directory is gone. Returns an exit code.
int run_supervisor(const ServerOptions& options);

// Handles `argv` if it is a supervisor invocation (argv[1] == kSupervisorFlag); returns the exit
// code then, or -1 when argv is an ordinary invocation.
int maybe_run_supervisor(int argc, char** argv);

}  // namespace gad::core::dolt
