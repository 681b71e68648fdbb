// A private OpenSSH server for tests: /usr/sbin/sshd on a free 127.0.0.1 port, with generated
// host and client keys in a temporary directory, serving SFTP to the current user.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "test_servers.h"

namespace gad::test {

struct TestSshdOptions {
    bool read_only = false;  // internal-sftp -R: every change is refused (permission denied)
};

class TestSshd {
  public:
    using Options = TestSshdOptions;

    // Starts sshd; nullptr with why_not set when sshd or ssh-keygen is missing or sshd does not
    // come up. As root, creates sshd's privilege separation directory /run/sshd if missing.
    static std::unique_ptr<TestSshd> start(std::string& why_not, Options options = {});

    // Stops the server and its connections, and removes the directory.
    ~TestSshd();
    TestSshd(const TestSshd&) = delete;
    TestSshd& operator=(const TestSshd&) = delete;

    int port() const { return port_; }
    const std::string& user() const { return user_; }
    // The temporary directory holding configuration, keys and log.
    const std::filesystem::path& directory() const { return dir_.path(); }
    // A private key the server accepts for user().
    std::filesystem::path client_key() const { return dir_.path() / "client_key"; }
    // A known_hosts file listing the server's host key as [127.0.0.1]:port.
    std::filesystem::path known_hosts() const { return dir_.path() / "known_hosts"; }
    // The host key as known_hosts lists it: "ssh-ed25519 AAAA...".
    const std::string& host_key() const { return host_key_; }

    // Kills the processes serving connections, keeping the listener (a connection breaks);
    // returns how many were killed.
    int cut_connections();
    // Stops the listener and every connection (the host goes away).
    void stop();
    // Starts the server again on the same port with the same keys; false with why_not if not.
    bool restart(std::string& why_not);
    // What sshd wrote so far (for failure messages).
    std::string log() const;

    // The command line of the sftp client running batch file against this server, with the
    // same key and known hosts.
    std::vector<std::string> sftp_batch_command(const std::filesystem::path& batch) const;

    // Runs a program (argv[0] looked up on PATH) with output discarded; its exit status, or -1
    // when it cannot be started.
    static int run_quietly(const std::vector<std::string>& argv);

  private:
    TestSshd() = default;
    bool launch(std::string& why_not);

    TempDir dir_;
    Options options_;
    std::string user_;
    std::string host_key_;
    int port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace gad::test
