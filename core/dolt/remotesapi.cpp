#include "core/dolt/remotesapi.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/dolt/annex_repository.h"

namespace gad::core::dolt {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view kPortFile = "remotesapi.port";

sockaddr_in loopback(int port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    return address;
}

bool write_proc_file(const char* path, const std::string& text) {
    const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    return written;
}

// Moves the calling thread into a new network namespace: as root directly, otherwise inside a
// new user namespace that maps our own user and group. Returns 0 or the first errno.
int new_network_namespace() {
    if (::unshare(CLONE_NEWNET) == 0) return 0;
    const int first = errno;
    const uid_t uid = ::geteuid();
    const gid_t gid = ::getegid();
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) return first;
    write_proc_file("/proc/self/setgroups", "deny");
    if (!write_proc_file("/proc/self/uid_map", fmt::format("{} {} 1", uid, uid)) ||
        !write_proc_file("/proc/self/gid_map", fmt::format("{} {} 1", gid, gid))) {
        return errno != 0 ? errno : first;
    }
    return 0;
}

// Brings the loopback interface of the current network namespace up (a new one starts down).
int loopback_up() {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno;
    ifreq request{};
    std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
    int error = 0;
    if (::ioctl(fd, SIOCGIFFLAGS, &request) != 0) {
        error = errno;
    } else {
        request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP | IFF_RUNNING);
        if (::ioctl(fd, SIOCSIFFLAGS, &request) != 0) error = errno;
    }
    ::close(fd);
    return error;
}

// A connection to 127.0.0.1:port in the calling thread's network namespace, retried for a few
// seconds (the server may still be setting up its listener); -1 when none could be made.
int connect_inside(int port) {
    const sockaddr_in address = loopback(port);
    for (int attempt = 0; attempt < 100; ++attempt) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return -1;
        if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) {
            return fd;
        }
        ::close(fd);
        std::this_thread::sleep_for(50ms);
    }
    return -1;
}

// Copies from one socket to the other until end of file or an error, then ends the other's
// sending side, so that its peer sees the end too.
void pump(int from, int to) {
    char buffer[64 * 1024];
    for (;;) {
        const ssize_t got = ::read(from, buffer, sizeof buffer);
        if (got <= 0) break;
        ssize_t sent = 0;
        while (sent < got) {
            const ssize_t n =
                ::send(to, buffer + sent, static_cast<std::size_t>(got - sent), MSG_NOSIGNAL);
            if (n <= 0) {
                ::shutdown(from, SHUT_RD);
                ::shutdown(to, SHUT_WR);
                return;
            }
            sent += n;
        }
    }
    ::shutdown(to, SHUT_WR);
}

// Relays one accepted connection both ways until both sides have ended.
void relay_connection(int outside, int port, std::shared_ptr<std::atomic<int>> active) {
    const int inside = connect_inside(port);
    if (inside >= 0) {
        std::thread back(pump, inside, outside);
        pump(outside, inside);
        back.join();
        ::close(inside);
    }
    ::close(outside);
    --*active;
}

}  // namespace

Result<int> parse_remotesapi_port(std::string_view text) {
    int port = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || port < 1024 ||
        port > 65535) {
        return fail("remotesapi={} is not a TCP port from 1024 to 65535", text);
    }
    return port;
}

Result<std::optional<int>> read_remotesapi_port(const fs::path& state_dir) {
    std::ifstream in(state_dir / kPortFile);
    if (!in) return std::nullopt;
    std::string text;
    std::getline(in, text);
    auto port = parse_remotesapi_port(text);
    if (!port) {
        return fail("{}: {}", (state_dir / kPortFile).string(), port.error().message);
    }
    return *port;
}

Result<void> write_remotesapi_port(const fs::path& state_dir, int port) {
    std::error_code ec;
    fs::create_directories(state_dir, ec);
    if (ec) return fail("cannot create {}: {}", state_dir.string(), ec.message());
    return write_file_atomically(state_dir / kPortFile, fmt::format("{}\n", port));
}

RemotesApiRelay::RemotesApiRelay(int listen_fd, int port) : listen_fd_(listen_fd), port_(port) {}

RemotesApiRelay::~RemotesApiRelay() {
    if (listen_fd_ >= 0) {
        ::shutdown(listen_fd_, SHUT_RDWR);  // ends the accepting thread's accept()
        ::close(listen_fd_);
    }
}

Result<std::unique_ptr<RemotesApiRelay>> RemotesApiRelay::listen_then_isolate(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail("remotesapi={}: cannot make a socket: {}", port, std::strerror(errno));
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    const sockaddr_in address = loopback(port);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(fd, 64) != 0) {
        const int error = errno;
        ::close(fd);
        return fail("remotesapi={}: cannot listen on 127.0.0.1:{}: {}", port, port,
                    std::strerror(error));
    }
    int error = new_network_namespace();
    if (error == 0) error = loopback_up();
    if (error != 0) {
        ::close(fd);
        return fail(
            "remotesapi={}: cannot give dolt sql-server a network namespace of its own (needed "
            "to keep Dolt's remotes API, which listens on every interface, on 127.0.0.1): {}",
            port, std::strerror(error));
    }
    return std::unique_ptr<RemotesApiRelay>(new RemotesApiRelay(fd, port));
}

void RemotesApiRelay::start() {
    // The threads are made by this (isolated) thread, so they connect inside the namespace.
    std::thread([fd = listen_fd_, port = port_, active = active_] {
        for (;;) {
            const int outside = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (outside < 0) {
                if (errno == EINTR || errno == ECONNABORTED) continue;
                return;
            }
            ++*active;
            std::thread(relay_connection, outside, port, active).detach();
        }
    }).detach();
}

}  // namespace gad::core::dolt
