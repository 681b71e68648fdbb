// One authenticated SSH connection and its SFTP channel (libssh), with host key checking and the
// agent/key/password authentication order; the only owner of ssh_session and sftp_session objects.
//
// libssh's headers stay out of this one (its types are only declared here), so that code using
// an SFTP filestore through core/filestore/ compiles without them; only core/ssh/ and
// core/filestore/sftp_* include libssh (tests/check/libssh_contained.sh checks it).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/failure.h"

// libssh's handle types (<libssh/libssh.h>, <libssh/sftp.h> define them).
struct ssh_session_struct;
struct sftp_session_struct;
struct sftp_file_struct;
struct sftp_attributes_struct;
struct sftp_dir_struct;

namespace gad::core::ssh {

// SSH_FX_OK: the SFTP status of a request that succeeded.
inline constexpr int kStatusOk = 0;

// Where to connect: host name or address (IPv6 without brackets), port and login user.
struct Endpoint {
    std::string user;
    std::string host;
    int port = 22;
};

// How to connect. ~/.ssh/config is not read: everything comes from the endpoint and these.
struct ConnectOptions {
    // Private key to try after the agent; when unset, ~/.ssh/id_ed25519, id_ecdsa, id_rsa.
    std::optional<std::filesystem::path> identity_file;
    // Known hosts file; when unset, ~/.ssh/known_hosts.
    std::optional<std::filesystem::path> known_hosts;
    // Tried last when set (git-annex creds); never logged nor put in a message.
    std::optional<std::string> password;
    // Limit for the TCP connection and SSH handshake.
    std::chrono::seconds connect_timeout{10};
    // Limit for any one wait on the server once connected (a stalled connection fails then).
    std::chrono::seconds io_timeout{120};
};

// The name of the user this process runs as (for URLs without a user): from the password
// database, else $USER; empty when neither tells.
std::string local_user();

// Owners of the objects an SFTP session hands out (closed or freed on destruction).
struct SftpFileClose {
    void operator()(sftp_file_struct* file) const noexcept;
};
struct SftpAttributesFree {
    void operator()(sftp_attributes_struct* attributes) const noexcept;
};
struct SftpDirClose {
    void operator()(sftp_dir_struct* dir) const noexcept;
};
using SftpFile = std::unique_ptr<sftp_file_struct, SftpFileClose>;
using SftpAttributes = std::unique_ptr<sftp_attributes_struct, SftpAttributesFree>;
using SftpDir = std::unique_ptr<sftp_dir_struct, SftpDirClose>;

class SshSession {
  public:
    // Connects, checks the host key against the known hosts file and authenticates (agent if
    // SSH_AUTH_SOCK is set, then the identity file(s), then the password), then starts SFTP.
    // Fails with Kind::unreachable when the host cannot be reached, Kind::error otherwise
    // (unknown or changed host key, showing its SHA256 fingerprint; authentication refused).
    static Result<std::unique_ptr<SshSession>> connect(const Endpoint& endpoint,
                                                       const ConnectOptions& options);

    ~SshSession();
    SshSession(const SshSession&) = delete;
    SshSession& operator=(const SshSession&) = delete;

    // The libssh handles, for SFTP calls; valid as long as this object.
    sftp_session_struct* sftp() const noexcept { return sftp_; }
    ssh_session_struct* ssh() const noexcept { return ssh_; }
    const Endpoint& endpoint() const noexcept { return endpoint_; }

    // False once the connection or the SFTP channel is gone (then only a new session helps).
    bool usable() const;

    // The SSH_FX_* status of the last failed SFTP call (SSH_FX_OK when it failed locally).
    int status() const;

    // A Failure for a failed SFTP call: `what` (e.g. "cannot create /x") followed by the cause:
    // the lost connection (Kind::unreachable), or the server's status and message.
    Failure failure(std::string_view what) const;

    // Largest data length one SFTP write or read request may carry on this server.
    std::size_t max_request() const noexcept { return max_request_; }

    // Whether the server offers the SFTP extension (e.g. "fsync@openssh.com", "1").
    bool has_extension(const char* name, const char* version) const;

    // Outcome of a request sent by this class itself: an SSH_FX_* code (SSH_FX_CONNECTION_LOST
    // when the connection failed) and the server's message.
    struct Status {
        int code = kStatusOk;
        std::string message;
        bool ok() const noexcept { return code == kStatusOk; }
    };

    // Requests libssh 0.10 lacks, written to the SFTP channel directly. While any of them is in
    // flight, no libssh SFTP call may be made on this session.

    // Renames from to to, replacing to atomically, with posix-rename@openssh.com; requires
    // has_extension("posix-rename@openssh.com", "1"). Waits for the answer.
    Status posix_rename(const std::string& from, const std::string& to);

    // Sends a write of data (at most max_request() bytes) at offset of file without waiting for
    // its answer (libssh's sftp_write waits for each, one round trip per request).
    Status send_write(sftp_file_struct* file, std::uint64_t offset,
                      std::span<const std::byte> data);
    // Writes sent and not answered yet.
    std::size_t writes_in_flight() const noexcept { return pending_.size(); }
    // Waits for the answer to the oldest write in flight.
    Status await_write();
    // Waits for every write in flight; the first failure among their answers.
    Status await_writes();

    // A Failure for a failed request of this class, like failure().
    Failure failure(std::string_view what, const Status& status) const;

  private:
    SshSession(Endpoint endpoint, ssh_session_struct* ssh);

    Endpoint endpoint_;
    ssh_session_struct* ssh_ = nullptr;
    sftp_session_struct* sftp_ = nullptr;
    std::size_t max_request_ = 32768;
    int io_timeout_ms_ = 120000;
    bool broken_ = false;                // a raw request left the channel in an unknown state
    std::deque<std::uint32_t> pending_;  // ids of raw writes in flight, oldest first
    // Raw request ids: far above the ids libssh's own counter (from 1) reaches.
    std::uint32_t next_id_ = 0x80000000u;

    Status send_packet(std::uint8_t type, std::uint32_t id, std::string_view head,
                       std::span<const std::byte> tail);
    Status read_status(std::uint32_t id);
    Status lost(std::string why);
    std::uint32_t take_id();
};

}  // namespace gad::core::ssh
