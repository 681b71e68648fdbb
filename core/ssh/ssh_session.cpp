#include "core/ssh/ssh_session.h"

#include <libssh/libssh.h>
#include <libssh/sftp.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

static_assert(gad::core::ssh::kStatusOk == SSH_FX_OK);

namespace gad::core::ssh {

namespace fs = std::filesystem;

void SftpFileClose::operator()(sftp_file file) const noexcept { sftp_close(file); }
void SftpAttributesFree::operator()(sftp_attributes attributes) const noexcept {
    sftp_attributes_free(attributes);
}
void SftpDirClose::operator()(sftp_dir dir) const noexcept { sftp_closedir(dir); }

namespace {

struct KeyFree {
    void operator()(ssh_key key) const noexcept { ssh_key_free(key); }
};
using KeyPtr = std::unique_ptr<ssh_key_struct, KeyFree>;

// Owns an ssh_session until it is handed to an SshSession.
struct SessionFree {
    void operator()(ssh_session session) const noexcept {
        ssh_disconnect(session);
        ssh_free(session);
    }
};
using SessionPtr = std::unique_ptr<ssh_session_struct, SessionFree>;

const passwd* own_passwd(std::vector<char>& buffer, passwd& entry) {
    passwd* result = nullptr;
    buffer.resize(16384);
    if (::getpwuid_r(::geteuid(), &entry, buffer.data(), buffer.size(), &result) != 0) {
        return nullptr;
    }
    return result;
}

fs::path home_directory() {
    if (const char* home = std::getenv("HOME"); home && *home) return home;
    std::vector<char> buffer;
    passwd entry{};
    if (const passwd* own = own_passwd(buffer, entry); own && own->pw_dir) return own->pw_dir;
    return "/";
}

// "host" for port 22, else "[host]:port": how known_hosts files name the server.
std::string known_hosts_name(const Endpoint& endpoint) {
    if (endpoint.port == 22) return endpoint.host;
    return fmt::format("[{}]:{}", endpoint.host, endpoint.port);
}

// "ssh-ed25519 SHA256:..." for the key the server offered.
std::string describe_server_key(ssh_session session) {
    ssh_key raw = nullptr;
    if (ssh_get_server_publickey(session, &raw) != SSH_OK) return "an unreadable key";
    KeyPtr key(raw);
    unsigned char* hash = nullptr;
    size_t length = 0;
    if (ssh_get_publickey_hash(key.get(), SSH_PUBLICKEY_HASH_SHA256, &hash, &length) != 0) {
        return "an unreadable key";
    }
    char* fingerprint = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, length);
    ssh_clean_pubkey_hash(&hash);
    const char* type = ssh_key_type_to_char(ssh_key_type(key.get()));
    std::string text = fmt::format("{} {}", type ? type : "unknown-type",
                                   fingerprint ? fingerprint : "(no fingerprint)");
    ssh_string_free_char(fingerprint);
    return text;
}

Result<void> check_host_key(ssh_session session, const Endpoint& endpoint,
                            const fs::path& known_hosts) {
    const enum ssh_known_hosts_e state = ssh_session_is_known_server(session);
    if (state == SSH_KNOWN_HOSTS_OK) return {};
    const std::string name = known_hosts_name(endpoint);
    const std::string file = known_hosts.string();
    const std::string key = describe_server_key(session);
    switch (state) {
        case SSH_KNOWN_HOSTS_UNKNOWN:
        case SSH_KNOWN_HOSTS_NOT_FOUND:
            return fail(
                "host key of {} is not known ({} is not in {}{}); if it is the server's key, "
                "accept it with: ssh-keyscan -p {} {} >> {} (or set knownhosts= to a file that "
                "lists it)",
                name, key, file, state == SSH_KNOWN_HOSTS_NOT_FOUND ? ", which does not exist" : "",
                endpoint.port, endpoint.host, file);
        case SSH_KNOWN_HOSTS_CHANGED:
            return fail(
                "host key of {} has CHANGED: the server offers {}, which is not the key {} lists "
                "for it; refusing to connect (if the change is expected, remove the old entry with "
                "ssh-keygen -R '{}' -f {} and accept the new key)",
                name, key, file, name, file);
        case SSH_KNOWN_HOSTS_OTHER:
            return fail(
                "host key of {} does not match: the server offers {}, but {} lists a key of "
                "another type for it; refusing to connect (if the change is expected, remove the "
                "old entry with ssh-keygen -R '{}' -f {} and accept the new key)",
                name, key, file, name, file);
        default:
            return fail("cannot check the host key of {} against {}: {}", name, file,
                        ssh_get_error(session));
    }
}

Result<void> authenticate(ssh_session session, const Endpoint& endpoint,
                          const ConnectOptions& options) {
    std::vector<std::string> tried;
    // SSH_AUTH_ERROR means the connection failed, not the credentials.
    auto broken = [&] {
        return fail(Failure::Kind::unreachable, "connection to {} lost while authenticating: {}",
                    endpoint.host, ssh_get_error(session));
    };

    if (const char* agent = std::getenv("SSH_AUTH_SOCK"); agent && *agent) {
        tried.push_back("agent");
        const int rc = ssh_userauth_agent(session, nullptr);
        if (rc == SSH_AUTH_SUCCESS) return {};
        if (rc == SSH_AUTH_ERROR && !ssh_is_connected(session)) return broken();
    }

    std::vector<fs::path> keys;
    if (options.identity_file) {
        keys.push_back(*options.identity_file);
    } else {
        const fs::path ssh_dir = home_directory() / ".ssh";
        for (const char* name : {"id_ed25519", "id_ecdsa", "id_rsa"}) {
            std::error_code ec;
            if (fs::exists(ssh_dir / name, ec)) keys.push_back(ssh_dir / name);
        }
    }
    for (const fs::path& path : keys) {
        ssh_key raw = nullptr;
        if (ssh_pki_import_privkey_file(path.c_str(), nullptr, nullptr, nullptr, &raw) != SSH_OK) {
            std::error_code ec;
            tried.push_back(fmt::format(
                "{} ({})", path.string(),
                fs::exists(path, ec) ? "cannot load it: encrypted or unreadable" : "no such file"));
            continue;
        }
        KeyPtr key(raw);
        tried.push_back(path.string());
        const int rc = ssh_userauth_publickey(session, nullptr, key.get());
        if (rc == SSH_AUTH_SUCCESS) return {};
        if (rc == SSH_AUTH_ERROR && !ssh_is_connected(session)) return broken();
    }

    if (options.password) {
        tried.push_back("password");
        const int rc = ssh_userauth_password(session, nullptr, options.password->c_str());
        if (rc == SSH_AUTH_SUCCESS) return {};
        if (rc == SSH_AUTH_ERROR && !ssh_is_connected(session)) return broken();
    }

    std::string list;
    for (const std::string& item : tried) list += (list.empty() ? "" : ", ") + item;
    if (list.empty()) list = "nothing: no agent, no key in ~/.ssh, no password";
    return fail("authentication refused by {} for {} (tried: {})", endpoint.host, endpoint.user,
                list);
}

std::string sftp_status_name(int code) {
    switch (code) {
        case SSH_FX_EOF:
            return "unexpected end of file";
        case SSH_FX_NO_SUCH_FILE:
            return "no such file or directory";
        case SSH_FX_PERMISSION_DENIED:
            return "permission denied";
        case SSH_FX_FAILURE:
            return "the server reported a failure";
        case SSH_FX_BAD_MESSAGE:
            return "the server refused the request as malformed";
        case SSH_FX_OP_UNSUPPORTED:
            return "the server does not support the operation";
        case SSH_FX_NO_SUCH_PATH:
            return "no such path";
        case SSH_FX_FILE_ALREADY_EXISTS:
            return "the file already exists";
        case SSH_FX_WRITE_PROTECT:
            return "the file system is write-protected";
        case SSH_FX_NO_MEDIA:
            return "no medium";
        default:
            return fmt::format("SFTP error {}", code);
    }
}

}  // namespace

std::string local_user() {
    std::vector<char> buffer;
    passwd entry{};
    if (const passwd* own = own_passwd(buffer, entry); own && own->pw_name) return own->pw_name;
    if (const char* user = std::getenv("USER"); user && *user) return user;
    return {};
}

Result<std::unique_ptr<SshSession>> SshSession::connect(const Endpoint& endpoint,
                                                        const ConnectOptions& options) {
    SessionPtr session(ssh_new());
    if (!session) return fail("cannot create an SSH session (out of memory)");
    ssh_session raw = session.get();

    const fs::path known_hosts =
        options.known_hosts ? *options.known_hosts : home_directory() / ".ssh" / "known_hosts";
    bool process_config = false;
    int nodelay = 1;  // small read requests must not wait for Nagle's algorithm
    long timeout = static_cast<long>(options.connect_timeout.count());
    const unsigned int port = static_cast<unsigned int>(endpoint.port);
    if (ssh_options_set(raw, SSH_OPTIONS_PROCESS_CONFIG, &process_config) != SSH_OK ||
        ssh_options_set(raw, SSH_OPTIONS_HOST, endpoint.host.c_str()) != SSH_OK ||
        ssh_options_set(raw, SSH_OPTIONS_PORT, &port) != SSH_OK ||
        ssh_options_set(raw, SSH_OPTIONS_USER, endpoint.user.c_str()) != SSH_OK ||
        ssh_options_set(raw, SSH_OPTIONS_KNOWNHOSTS, known_hosts.c_str()) != SSH_OK ||
        ssh_options_set(raw, SSH_OPTIONS_NODELAY, &nodelay) != SSH_OK ||
        ssh_options_set(raw, SSH_OPTIONS_TIMEOUT, &timeout) != SSH_OK) {
        return fail("cannot set up an SSH session for {}@{}:{}: {}", endpoint.user, endpoint.host,
                    endpoint.port, ssh_get_error(raw));
    }
    if (ssh_connect(raw) != SSH_OK) {
        return fail(Failure::Kind::unreachable, "cannot connect to {}:{}: {}", endpoint.host,
                    endpoint.port, ssh_get_error(raw));
    }
    if (auto known = check_host_key(raw, endpoint, known_hosts); !known) {
        return std::unexpected(known.error());
    }
    if (auto auth = authenticate(raw, endpoint, options); !auth)
        return std::unexpected(auth.error());

    std::unique_ptr<SshSession> result(new SshSession(endpoint, session.release()));
    long io_timeout = static_cast<long>(options.io_timeout.count());
    ssh_options_set(result->ssh_, SSH_OPTIONS_TIMEOUT, &io_timeout);
    result->io_timeout_ms_ = static_cast<int>(options.io_timeout.count() * 1000);
    result->sftp_ = sftp_new(result->ssh_);
    if (!result->sftp_ || sftp_init(result->sftp_) != SSH_OK) {
        return fail(
            ssh_is_connected(result->ssh_) ? Failure::Kind::error : Failure::Kind::unreachable,
            "cannot start SFTP on {}: {}", endpoint.host, ssh_get_error(result->ssh_));
    }
    // OpenSSH's sftp-server takes messages up to 256 KiB (it says so in limits@openssh.com): data
    // of 255 KiB per request. libssh 0.10 does not split larger writes, so the caller must.
    if (ssh_get_openssh_version(result->ssh_) > 0 ||
        result->has_extension("limits@openssh.com", "1")) {
        result->max_request_ = 255 * 1024;
    }
    return result;
}

SshSession::SshSession(Endpoint endpoint, ssh_session ssh)
    : endpoint_(std::move(endpoint)), ssh_(ssh) {}

SshSession::~SshSession() {
    if (sftp_) sftp_free(sftp_);
    ssh_disconnect(ssh_);
    ssh_free(ssh_);
}

bool SshSession::usable() const {
    if (broken_ || !ssh_is_connected(ssh_) || !sftp_ || !sftp_->channel) return false;
    return ssh_channel_is_open(sftp_->channel) && !ssh_channel_is_eof(sftp_->channel);
}

int SshSession::status() const { return sftp_get_error(sftp_); }

bool SshSession::has_extension(const char* name, const char* version) const {
    return sftp_extension_supported(sftp_, name, version) == 1;
}

Failure SshSession::failure(std::string_view what) const {
    if (!usable()) {
        return Failure{Failure::Kind::unreachable,
                       fmt::format("{}: connection to {}:{} lost ({})", what, endpoint_.host,
                                   endpoint_.port, ssh_get_error(ssh_))};
    }
    const int code = status();
    std::string detail = ssh_get_error(ssh_);
    // libssh reports a status as "SFTP server: <message>"; keep the server's words only when they
    // say more than the status itself.
    constexpr std::string_view prefix = "SFTP server: ";
    if (std::string_view(detail).starts_with(prefix)) detail.erase(0, prefix.size());
    if (code == SSH_FX_OK)
        return Failure{Failure::Kind::error, fmt::format("{}: {}", what, detail)};
    std::string message = fmt::format("{}: {}", what, sftp_status_name(code));
    if (!detail.empty() && detail != "Failure" && detail != "No such file" &&
        detail != "Permission denied") {
        message += fmt::format(" ({})", detail);
    }
    return Failure{Failure::Kind::error, std::move(message)};
}

Failure SshSession::failure(std::string_view what, const Status& status) const {
    if (status.code == SSH_FX_CONNECTION_LOST || !usable()) {
        return Failure{Failure::Kind::unreachable,
                       fmt::format("{}: connection to {}:{} lost ({})", what, endpoint_.host,
                                   endpoint_.port, status.message)};
    }
    std::string message = fmt::format("{}: {}", what, sftp_status_name(status.code));
    if (!status.message.empty() && status.message != "Failure") {
        message += fmt::format(" ({})", status.message);
    }
    return Failure{Failure::Kind::error, std::move(message)};
}

// The raw requests rely on libssh reading exactly one SFTP packet at a time from the channel
// (so it holds no buffered bytes of ours) and on nothing of libssh's being in flight meanwhile.
namespace {

void put32(std::string& out, std::uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((value >> shift) & 0xff));
}

void put64(std::string& out, std::uint64_t value) {
    put32(out, static_cast<std::uint32_t>(value >> 32));
    put32(out, static_cast<std::uint32_t>(value));
}

void put_string(std::string& out, std::string_view text) {
    put32(out, static_cast<std::uint32_t>(text.size()));
    out.append(text);
}

std::uint32_t get32(const char* data) {
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) value = (value << 8) | static_cast<unsigned char>(data[i]);
    return value;
}

}  // namespace

std::uint32_t SshSession::take_id() {
    const std::uint32_t id = next_id_++;
    if (next_id_ == 0) next_id_ = 0x80000000u;
    return id;
}

SshSession::Status SshSession::lost(std::string why) {
    broken_ = true;  // the stream may be mid-packet: only a new session is safe
    pending_.clear();
    return Status{SSH_FX_CONNECTION_LOST, std::move(why)};
}

SshSession::Status SshSession::send_packet(std::uint8_t type, std::uint32_t id,
                                           std::string_view head, std::span<const std::byte> tail) {
    if (broken_) return Status{SSH_FX_CONNECTION_LOST, "the connection was lost"};
    std::string packet;
    packet.reserve(9 + head.size());
    put32(packet, static_cast<std::uint32_t>(1 + 4 + head.size() + tail.size()));
    packet.push_back(static_cast<char>(type));
    put32(packet, id);
    packet.append(head);
    ssh_channel channel = sftp_->channel;
    if (ssh_channel_write(channel, packet.data(), static_cast<std::uint32_t>(packet.size())) !=
        static_cast<int>(packet.size())) {
        return lost(ssh_get_error(ssh_));
    }
    if (!tail.empty() &&
        ssh_channel_write(channel, tail.data(), static_cast<std::uint32_t>(tail.size())) !=
            static_cast<int>(tail.size())) {
        return lost(ssh_get_error(ssh_));
    }
    return {};
}

SshSession::Status SshSession::read_status(std::uint32_t id) {
    ssh_channel channel = sftp_->channel;
    auto read_exact = [&](char* data, std::size_t size) {
        for (std::size_t done = 0; done < size;) {
            const int got = ssh_channel_read_timeout(
                channel, data + done, static_cast<std::uint32_t>(size - done), 0, io_timeout_ms_);
            if (got <= 0) return false;  // error, end of channel, or no answer in time
            done += static_cast<std::size_t>(got);
        }
        return true;
    };
    char header[4];
    if (!read_exact(header, 4))
        return lost(fmt::format("no answer from the server ({})", ssh_get_error(ssh_)));
    const std::uint32_t size = get32(header);
    if (size < 9 || size > 65536) return lost("malformed answer from the server");
    std::string reply(size, '\0');
    if (!read_exact(reply.data(), size)) return lost("no answer from the server");
    if (static_cast<unsigned char>(reply[0]) != SSH_FXP_STATUS || get32(reply.data() + 1) != id) {
        return lost("unexpected answer from the server");
    }
    Status status{static_cast<int>(get32(reply.data() + 5)), {}};
    if (size >= 13) {
        const std::uint32_t text = get32(reply.data() + 9);
        if (text <= size - 13) status.message = reply.substr(13, text);
    }
    return status;
}

SshSession::Status SshSession::posix_rename(const std::string& from, const std::string& to) {
    std::string head;
    put_string(head, "posix-rename@openssh.com");
    put_string(head, from);
    put_string(head, to);
    const std::uint32_t id = take_id();
    if (Status sent = send_packet(SSH_FXP_EXTENDED, id, head, {}); !sent.ok()) return sent;
    return read_status(id);
}

SshSession::Status SshSession::send_write(sftp_file file, std::uint64_t offset,
                                          std::span<const std::byte> data) {
    std::string head;
    put_string(head, std::string_view(static_cast<const char*>(ssh_string_data(file->handle)),
                                      ssh_string_len(file->handle)));
    put64(head, offset);
    put32(head, static_cast<std::uint32_t>(data.size()));
    const std::uint32_t id = take_id();
    if (Status sent = send_packet(SSH_FXP_WRITE, id, head, data); !sent.ok()) return sent;
    pending_.push_back(id);
    return {};
}

SshSession::Status SshSession::await_write() {
    if (pending_.empty()) return {};
    const std::uint32_t id = pending_.front();
    Status status = read_status(id);
    if (!pending_.empty()) pending_.pop_front();
    return status;
}

SshSession::Status SshSession::await_writes() {
    Status first;
    while (!pending_.empty()) {
        Status status = await_write();
        if (first.ok() && !status.ok()) first = std::move(status);
    }
    return first;
}

}  // namespace gad::core::ssh
