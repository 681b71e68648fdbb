// remotesapi=PORT: the store's setting, and the shared server serving Dolt's remotes API on
// 127.0.0.1:PORT only (through the supervisor's relay into the server's own network namespace).
#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <string>

#include "core/dolt/annex_repository.h"
#include "core/dolt/remotesapi.h"
#include "core/dolt/server.h"
#include "test_servers.h"

namespace gad::core::dolt {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST(RemotesApiPort, TakesPortsDoltAccepts) {
    EXPECT_EQ(parse_remotesapi_port("1024").value_or(0), 1024);
    EXPECT_EQ(parse_remotesapi_port("50051").value_or(0), 50051);
    EXPECT_EQ(parse_remotesapi_port("65535").value_or(0), 65535);
    for (std::string_view bad : {"", "80", "1023", "65536", "http", "5005x", " 5005", "-1"}) {
        auto port = parse_remotesapi_port(bad);
        ASSERT_FALSE(port) << bad;
        EXPECT_NE(port.error().message.find(fmt::format("remotesapi={}", bad)), std::string::npos)
            << port.error().message;
    }
}

TEST(RemotesApiPort, IsKeptInTheStateDirectory) {
    test::TempDir dir;
    auto none = read_remotesapi_port(dir.path());
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none);
    ASSERT_TRUE(write_remotesapi_port(dir.path() / "state", 41234));
    auto port = read_remotesapi_port(dir.path() / "state");
    ASSERT_TRUE(port && *port);
    EXPECT_EQ(**port, 41234);
    std::ofstream(dir.path() / "state" / "remotesapi.port") << "garbage\n";
    auto bad = read_remotesapi_port(dir.path() / "state");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("remotesapi.port"), std::string::npos);
}

// A TCP port on 127.0.0.1 free right now.
int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
}

// The local addresses (as /proc/net/tcp{,6} write them) listening on port in this process's
// network namespace.
std::set<std::string> listeners(int port) {
    std::set<std::string> found;
    const std::string hex = fmt::format("{:04X}", port);
    for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        std::ifstream in(table);
        std::string line;
        std::getline(in, line);
        while (std::getline(in, line)) {
            std::istringstream fields(line);
            std::string slot, local, remote, state;
            fields >> slot >> local >> remote >> state;
            const auto colon = local.rfind(':');
            if (state == "0A" && local.substr(colon + 1) == hex)
                found.insert(local.substr(0, colon));
        }
    }
    return found;
}

class RemotesApiServerTest : public testing::Test {
  protected:
    void SetUp() override {
        std::string why_not;
        if (test::start_server("dolt", why_not) == nullptr) GTEST_SKIP() << why_not;
        auto repository =
            AnnexRepository::init(dir_.path(), "4c1f3a52-9f5e-4c43-9d1e-2b9b7b3c0a11", true);
        ASSERT_TRUE(repository) << repository.error().message;
        options_ = ServerOptions{repository->dolt_dir(), repository->state_dir(), 600ms, {}};
        port_ = free_port();
        ASSERT_TRUE(write_remotesapi_port(options_.state_dir, port_));
    }

    test::TempDir dir_;
    ServerOptions options_;
    int port_ = 0;
};

TEST_F(RemotesApiServerTest, ServesThePortOnLoopbackOnly) {
    auto lease = acquire_server(options_);
    if (!lease && lease.error().message.find("network namespace") != std::string::npos) {
        GTEST_SKIP() << lease.error().message;
    }
    ASSERT_TRUE(lease) << lease.error().message;
    EXPECT_EQ(listeners(port_), std::set<std::string>{"0100007F"});
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port_));
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    // An HTTP request reaches Dolt's remotes API through the relay and gets Dolt's answer.
    const std::string request = "GET /nonexistent HTTP/1.0\r\n\r\n";
    ASSERT_EQ(::write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
    char buffer[64] = {};
    const ssize_t got = ::read(fd, buffer, sizeof buffer - 1);
    ::close(fd);
    ASSERT_GT(got, 0);
    EXPECT_EQ(std::string(buffer, 5), "HTTP/");
}

TEST_F(RemotesApiServerTest, TakenPortFailsNamingIt) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port_));
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(::listen(fd, 1), 0);
    auto lease = acquire_server(options_);
    ::close(fd);
    ASSERT_FALSE(lease);
    EXPECT_NE(lease.error().message.find(fmt::format("remotesapi={}", port_)), std::string::npos)
        << lease.error().message;
}

}  // namespace
}  // namespace gad::core::dolt
