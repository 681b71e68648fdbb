#include "core/dolt/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/dolt/remotesapi.h"
#include "core/log.h"
#include "core/process.h"
#include "core/sql/connection.h"

namespace gad::core::dolt {

namespace fs = std::filesystem;
namespace bp = boost::process;
using namespace std::chrono_literals;

namespace {

constexpr auto kStartTimeout = 60s;
constexpr auto kPoll = 50ms;

// What the supervisor last wrote to STATE_DIR/server.state.
struct State {
    bool ready = false;
    bool failed = false;
    pid_t supervisor = 0;
    pid_t server = 0;
    std::string socket;
    std::string message;
};

fs::path state_file(const ServerOptions& options) { return options.state_dir / "server.state"; }

State read_state(const ServerOptions& options) {
    State state;
    std::ifstream in(state_file(options));
    std::string word;
    if (!(in >> word)) return state;
    if (word == "ready") {
        in >> state.supervisor >> state.server;
        in.ignore(1);
        std::getline(in, state.socket);
        state.ready = in.good() || in.eof();
    } else if (word == "failed") {
        in >> state.supervisor;
        in.ignore(1);
        std::getline(in, state.message);
        state.failed = true;
    }
    return state;
}

void write_state(const ServerOptions& options, const std::string& text) {
    const fs::path path = state_file(options);
    const fs::path temporary = path.string() + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << text << '\n';
    }
    fs::rename(temporary, path);
}

int open_lock(const fs::path& path) {
    return ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
}

// Unix sockets take paths of at most 107 bytes: a long state directory gets a socket in /tmp,
// named by the md5 of the directory so every process finds the same one.
fs::path socket_path(const ServerOptions& options) { return server_socket_path(options.state_dir); }

sql::DatabaseUrl url_for(const ServerOptions& options, const fs::path& socket) {
    sql::DatabaseUrl url;
    url.user = "root";
    url.database = fs::absolute(options.dolt_dir).lexically_normal().filename().string();
    if (url.database.empty()) {
        url.database = fs::absolute(options.dolt_dir).parent_path().filename().string();
    }
    url.socket = socket.string();
    return url;
}

// A zombie (a process that exited and that its parent has not waited for yet) is not alive:
// kill(pid, 0) succeeds on it, so /proc/PID/stat's state says so. A supervisor killed while its
// parent, a remote, still runs is one; its server would otherwise be reused and never stopped.
bool process_alive(pid_t pid) {
    if (pid <= 0 || (::kill(pid, 0) != 0 && errno != EPERM)) return false;
    std::ifstream stat(fmt::format("/proc/{}/stat", pid));
    std::string line;
    if (!std::getline(stat, line)) return true;    // no /proc: trust kill()
    const std::size_t name_end = line.rfind(')');  // the name may hold spaces and parentheses
    return name_end == std::string::npos || name_end + 2 >= line.size() ||
           line[name_end + 2] != 'Z';
}

// The pids server.state names may have been given to other processes since (pid_max is often
// 32768), so a pid is taken for ours only when the process is what we started: signalling it
// otherwise could stop anyone's program, another store's Dolt server among them. Without /proc
// there is nothing more to check than that it is alive.

// Whether pid is a live supervisor of options' database (its arguments as spawn_supervisor
// passed them).
bool is_our_supervisor(pid_t pid, const ServerOptions& options) {
    if (!process_alive(pid)) return false;
    std::ifstream in(fmt::format("/proc/{}/cmdline", pid), std::ios::binary);
    if (!in) return !fs::exists("/proc/self");
    std::vector<std::string> args;
    for (std::string arg; std::getline(in, arg, '\0');) args.push_back(arg);
    std::error_code ec;
    return args.size() >= 3 && args[1] == kSupervisorFlag &&
           fs::equivalent(args[2], options.dolt_dir, ec);
}

// Whether pid is a live dolt process working in options' database directory (a server of ours,
// or one that dolt-annex started there).
bool is_our_server(pid_t pid, const ServerOptions& options) {
    if (!process_alive(pid)) return false;
    std::error_code ec;
    const fs::path cwd = fs::read_symlink(fmt::format("/proc/{}/cwd", pid), ec);
    if (ec) return !fs::exists("/proc/self");
    std::ifstream comm(fmt::format("/proc/{}/comm", pid));
    std::string name;
    return comm >> name && name == "dolt" && fs::equivalent(cwd, options.dolt_dir, ec);
}

// A TCP port on 127.0.0.1 that nothing listens on right now (dolt sql-server always listens on
// TCP besides the socket, and refuses ports under 1024).
int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    int port = 0;
    if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
        port = ntohs(address.sin_port);
    }
    if (fd >= 0) ::close(fd);
    return port;
}

std::atomic<bool> stop_requested{false};

extern "C" void on_stop_signal(int) { stop_requested = true; }

}  // namespace

fs::path server_socket_path(const fs::path& state_dir) {
    const std::string dir = fs::absolute(state_dir).lexically_normal().string();
    fs::path preferred = fs::path(dir) / "mysql.sock";
    if (preferred.string().size() < 100) return preferred;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned length = 0;
    EVP_Digest(dir.data(), dir.size(), digest, &length, EVP_md5(), nullptr);
    std::string hex;
    for (unsigned i = 0; i < 8; ++i) hex += fmt::format("{:02x}", digest[i]);
    return fs::temp_directory_path() / fmt::format("git-annex-dolt-{}.sock", hex);
}

ServerLease::ServerLease(ServerLease&& other) noexcept
    : lease_fd_(std::exchange(other.lease_fd_, -1)),
      url_(std::move(other.url_)),
      connection_(std::exchange(other.connection_, std::nullopt)) {}

ServerLease& ServerLease::operator=(ServerLease&& other) noexcept {
    if (this != &other) {
        if (lease_fd_ >= 0) ::close(lease_fd_);
        lease_fd_ = std::exchange(other.lease_fd_, -1);
        url_ = std::move(other.url_);
        connection_ = std::exchange(other.connection_, std::nullopt);
    }
    return *this;
}

ServerLease::~ServerLease() {
    if (lease_fd_ >= 0) ::close(lease_fd_);
}

namespace {

// start.lock (serialising starts) and lease.lock (held shared for as long as the server is used).
struct Locks {
    int start_fd = -1, lease_fd = -1;
    // Closes both (on failure; a lease keeps lease_fd).
    void close_both() const {
        if (start_fd >= 0) ::close(start_fd);
        if (lease_fd >= 0) ::close(lease_fd);
    }
};
// Makes the state directory, checks that the Dolt database is one, and takes start.lock
// exclusive and lease.lock shared.
Result<Locks> take_locks(const ServerOptions& options) {
    std::error_code ec;
    fs::create_directories(options.state_dir, ec);
    if (ec) return fail("cannot create {}: {}", options.state_dir.string(), ec.message());
    if (!fs::is_directory(options.dolt_dir / ".dolt")) {
        return fail("{} is not a Dolt database (no .dolt inside)", options.dolt_dir.string());
    }
    const Locks locks{open_lock(options.state_dir / "start.lock"),
                      open_lock(options.state_dir / "lease.lock")};
    if (locks.start_fd < 0 || locks.lease_fd < 0 || ::flock(locks.start_fd, LOCK_EX) != 0 ||
        ::flock(locks.lease_fd, LOCK_SH) != 0) {
        std::string reason = std::strerror(errno);
        locks.close_both();
        return fail("cannot lock {}: {}", options.state_dir.string(), reason);
    }
    return locks;
}

// A connection to the server state names, when its supervisor and server run and it answers;
// nullopt when there is none to use (a supervisor whose server died or does not answer is
// stopped first, and waited for, so that its clean-up cannot remove the new server's socket).
// Fails when the server runs but its answer times out.
Result<std::optional<sql::Connection>> running_server(const ServerOptions& options,
                                                      const State& state) {
    if (!state.ready || !is_our_supervisor(state.supervisor, options)) return std::nullopt;
    if (is_our_server(state.server, options) && fs::exists(state.socket)) {
        auto connection =
            sql::Connection::open(url_for(options, state.socket), {}, options.timeouts);
        if (connection) return std::move(*connection);
        if (connection.error().kind == Failure::Kind::timeout) {
            return fail(Failure::Kind::timeout,
                        "Dolt database {}: its dolt sql-server (pid {}) does not answer: {}",
                        options.dolt_dir.string(), state.server, connection.error().message);
        }
    }
    ::kill(state.supervisor, SIGTERM);
    for (int i = 0; i < 200 && process_alive(state.supervisor); ++i) {
        ::waitpid(state.supervisor, nullptr, WNOHANG);
        std::this_thread::sleep_for(kPoll);
    }
    if (is_our_supervisor(state.supervisor, options)) ::kill(state.supervisor, SIGKILL);
    return std::nullopt;
}

// A connection to a server that is not ours but answers on our socket: dolt-annex started it
// (the store's config.json names this socket), and it holds the database, so no server of ours
// could start; nullopt when there is none. A server of ours whose supervisor died is not one: it
// is named in the state, and the new supervisor stops it.
std::optional<sql::Connection> foreign_server(const ServerOptions& options, const State& state) {
    if (is_our_server(state.server, options) || !fs::exists(socket_path(options))) {
        return std::nullopt;
    }
    auto connection =
        sql::Connection::open(url_for(options, socket_path(options)), {}, options.timeouts);
    if (!connection) return std::nullopt;
    return std::move(*connection);
}

// Starts a supervisor, detached into its own session, with no tie to our stdin/stdout (which
// are git-annex's pipes); returns its pid.
Result<pid_t> spawn_supervisor(const ServerOptions& options) {
    // Only now is `dolt` needed (looking for it first costs a running server's every user
    // 0.45 ms, most of it Boost.Filesystem setting up its locale).
    if (bp::search_path("dolt").empty()) {
        return fail(Failure::Kind::unreachable,
                    "dolt is not installed (no `dolt` on PATH); install Dolt or use database=URL");
    }
    // The old state stays for the new supervisor to read: a server whose supervisor was
    // killed is named there, and still holds the database until it is stopped.
    std::error_code spawn_error;
    bp::child child(
        fs::read_symlink("/proc/self/exe").string(), std::string(kSupervisorFlag),
        fs::absolute(options.dolt_dir).string(), fs::absolute(options.state_dir).string(),
        std::to_string(options.idle.count()), bp::std_in<bp::null, bp::std_out> bp::null,
        bp::std_err > bp::null, bp::extend::on_exec_setup = [](auto&) { ::setsid(); }, spawn_error);
    if (spawn_error) {
        return fail("cannot start the Dolt server supervisor: {}", spawn_error.message());
    }
    const pid_t supervisor = child.id();
    child.detach();
    return supervisor;
}

// The state supervisor writes once its server is ready; fails when it reports a failure, exits
// or takes longer than kStartTimeout.
Result<State> wait_until_ready(const ServerOptions& options, pid_t supervisor) {
    const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(kPoll);
        ::waitpid(supervisor, nullptr, WNOHANG);  // reap it if it already exited
        State state = read_state(options);
        if (state.supervisor == supervisor && state.ready) return state;
        if (state.supervisor == supervisor && state.failed) {
            return fail(Failure::Kind::unreachable, "dolt sql-server did not start: {}",
                        state.message);
        }
        if (!process_alive(supervisor)) break;
    }
    return fail(Failure::Kind::unreachable,
                "dolt sql-server for {} did not start within {} s (see {})",
                options.dolt_dir.string(), kStartTimeout.count(),
                (options.state_dir / "server.log").string());
}

}  // namespace

Result<ServerLease> acquire_server(const ServerOptions& options) {
    auto locks = take_locks(options);
    if (!locks) return std::unexpected(locks.error());
    State state = read_state(options);
    auto running = running_server(options, state);
    if (running && *running) {
        ::close(locks->start_fd);
        return ServerLease(locks->lease_fd, url_for(options, state.socket), std::move(**running));
    }
    if (running) {
        if (auto foreign = foreign_server(options, state)) {
            ::close(locks->start_fd);
            return ServerLease(locks->lease_fd, url_for(options, socket_path(options)),
                               std::move(*foreign));
        }
    }
    auto supervisor =
        running ? spawn_supervisor(options) : Result<pid_t>(std::unexpected(running.error()));
    auto ready = supervisor ? wait_until_ready(options, *supervisor)
                            : Result<State>(std::unexpected(supervisor.error()));
    if (!ready) {
        locks->close_both();
        return std::unexpected(ready.error());
    }
    ::close(locks->start_fd);
    return ServerLease(locks->lease_fd, url_for(options, ready->socket));
}

namespace {

// Stops a server left behind by a supervisor that was killed: it would hold the database.
void stop_left_behind_server(const ServerOptions& options) {
    State old = read_state(options);
    if (!is_our_server(old.server, options)) return;
    ::kill(old.server, SIGTERM);
    for (int i = 0; i < 200 && process_alive(old.server); ++i) std::this_thread::sleep_for(kPoll);
}

// Starts dolt sql-server on socket (and a free port; and Dolt's remotes API on remotesapi_port),
// logging to log, up to three times, until it accepts connections; nullopt (with failure saying
// why) when it never did.
std::optional<bp::child> start_server(const ServerOptions& options, const fs::path& socket,
                                      const fs::path& log, std::optional<int> remotesapi_port,
                                      std::string& failure) {
    const std::string dolt = bp::search_path("dolt").string();
    for (int attempt = 0; attempt < 3; ++attempt) {
        std::error_code ec;
        fs::remove(socket, ec);
        std::vector<std::string> args{
            "sql-server", "--host",        "127.0.0.1",  "--port", std::to_string(free_port()),
            "--socket",   socket.string(), "--loglevel", "warning"};
        if (remotesapi_port) {
            args.insert(args.end(), {"--remotesapi-port", std::to_string(*remotesapi_port)});
        }
        bp::child child(bp::exe = dolt, bp::args = args, bp::start_dir = options.dolt_dir.string(),
                        bp::std_in<bp::null, (bp::std_out & bp::std_err)> log.string(), ec);
        if (ec) {
            failure = fmt::format("cannot run {}: {}", dolt, ec.message());
            return std::nullopt;
        }
        const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
        while (std::chrono::steady_clock::now() < deadline && child.running() && !stop_requested) {
            if (fs::exists(socket) && sql::Connection::open(url_for(options, socket))) {
                return std::optional<bp::child>(std::move(child));
            }
            std::this_thread::sleep_for(kPoll);
        }
        failure = fmt::format("dolt sql-server exited: {}", last_line_of(log));
        if (child.running()) {
            ::kill(child.id(), SIGKILL);
            child.wait();
            failure = "dolt sql-server did not accept connections in time";
        }
    }
    return std::nullopt;
}

// Whether anyone but this check is connected to the server: a client that takes no lease
// (dolt-annex, which the store's config.json sends to this server, or a user's mysql) uses it as
// long as its session is open. Unknown (a server that does not answer) counts as no.
bool has_other_sessions(const ServerOptions& options, const fs::path& socket) {
    auto connection = sql::Connection::open(url_for(options, socket), {},
                                            sql::Timeouts::all(std::chrono::seconds(5)));
    if (!connection) return false;
    auto rows = connection->query("SELECT COUNT(*) FROM information_schema.processlist");
    return rows && !rows->empty() && !rows->front().empty() && rows->front()[0] &&
           std::stoll(*rows->front()[0]) > 1;
}

// Returns once the server is stopped, has exited or its database is gone, or once for
// options.idle nobody has held a lease, nor a remotes API connection through relay, nor an open
// session; then holds lease.lock exclusive (lease_fd), so that no new user can slip in while it
// stops.
void wait_while_used(const ServerOptions& options, const fs::path& socket, bp::child& server,
                     int lease_fd, const RemotesApiRelay* relay) {
    auto idle_since = std::chrono::steady_clock::now();
    while (!stop_requested && server.running()) {
        std::this_thread::sleep_for(200ms);
        if (!fs::is_directory(options.dolt_dir)) break;
        if (relay != nullptr && relay->active() > 0) {
            idle_since = std::chrono::steady_clock::now();
        } else if (lease_fd >= 0 && ::flock(lease_fd, LOCK_EX | LOCK_NB) == 0) {
            if (std::chrono::steady_clock::now() - idle_since >= options.idle) {
                if (!has_other_sessions(options, socket)) break;
                idle_since = std::chrono::steady_clock::now();
            }
            ::flock(lease_fd, LOCK_UN);
        } else {
            idle_since = std::chrono::steady_clock::now();
        }
    }
}

// The relay for the store's remotes API port (remotesapi.h), which has moved this thread into a
// network namespace of its own; null when the store serves none.
Result<std::unique_ptr<RemotesApiRelay>> remotesapi_relay(const ServerOptions& options) {
    auto port = read_remotesapi_port(options.state_dir);
    if (!port) return std::unexpected(port.error());
    if (!*port) return std::unique_ptr<RemotesApiRelay>();
    return RemotesApiRelay::listen_then_isolate(**port);
}

// Stops the server (SIGTERM, then after 30 s for good) and reaps it.
void stop_server(bp::child& server) {
    std::error_code ec;
    if (!server.running()) {
        server.wait(ec);
        return;
    }
    ::kill(server.id(), SIGTERM);
    if (!server.wait_for(std::chrono::seconds(30), ec)) {
        server.terminate(ec);
        server.wait(ec);
    }
}

}  // namespace

int run_supervisor(const ServerOptions& options) {
    std::signal(SIGTERM, on_stop_signal);
    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGHUP, SIG_IGN);
    const pid_t self = ::getpid();
    const fs::path log = options.state_dir / "server.log";
    const fs::path socket = socket_path(options);

    stop_left_behind_server(options);
    auto relay = remotesapi_relay(options);
    if (!relay) {
        write_state(options, fmt::format("failed {} {}", self, relay.error().message));
        return 1;
    }
    std::string failure;
    std::optional<bp::child> server =
        start_server(options, socket, log,
                     *relay ? std::optional<int>((*relay)->port()) : std::nullopt, failure);
    if (!server) {
        write_state(options, fmt::format("failed {} {}", self, failure));
        return 1;
    }
    if (*relay) (*relay)->start();
    write_state(options, fmt::format("ready {} {} {}", self, server->id(), socket.string()));

    const int lease_fd = open_lock(options.state_dir / "lease.lock");
    wait_while_used(options, socket, *server, lease_fd, relay->get());
    stop_server(*server);
    std::error_code ec;
    fs::remove(socket, ec);
    fs::remove(state_file(options), ec);
    if (lease_fd >= 0) ::close(lease_fd);
    return 0;
}

int maybe_run_supervisor(int argc, char** argv) {
    if (argc < 2 || std::string_view(argv[1]) != kSupervisorFlag) return -1;
    if (argc != 5) {
        log::error("usage: {} {} DOLT_DIR STATE_DIR IDLE_MS", argv[0], kSupervisorFlag);
        return 2;
    }
    ServerOptions options;
    options.dolt_dir = argv[2];
    options.state_dir = argv[3];
    options.idle = std::chrono::milliseconds(std::stoll(argv[4]));
    return run_supervisor(options);
}

}  // namespace gad::core::dolt
