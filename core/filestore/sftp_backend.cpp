// The backends.h row of SFTP filestores (declared in sftp_filestore.h): sftp:// URLs, and
// dolt-annex's "sftp" filestore entries in repos/*.repo files.
#include <charconv>

#include "core/filestore/sftp_filestore.h"
#include "core/json.h"

namespace gad::core::filestore {

namespace fs = std::filesystem;

namespace {

ssh::ConnectOptions connect_options(const FilestoreOptions& options) {
    ssh::ConnectOptions connect;
    connect.identity_file = options.identity_file;
    connect.known_hosts = options.known_hosts;
    connect.password = options.password;
    return connect;
}

Result<std::string> sftp_check(std::string_view where) {
    auto url = SftpUrl::parse(where);
    if (!url) return std::unexpected(url.error());
    return url->to_string();
}

Result<std::unique_ptr<Filestore>> sftp_open(std::string_view where,
                                             const FilestoreOptions& options) {
    auto url = SftpUrl::parse(where);
    if (!url) return std::unexpected(url.error());
    auto opened = SftpFilestore::open(*url, connect_options(options));
    if (!opened) return std::unexpected(opened.error());
    return std::unique_ptr<Filestore>(std::move(*opened));
}

Result<void> sftp_create(std::string_view where, const FilestoreOptions& options) {
    auto url = SftpUrl::parse(where);
    if (!url) return std::unexpected(url.error());
    return SftpFilestore::create_root(*url, connect_options(options));
}

// dolt-annex's "sftp" filestore, with client_key when an SSH key file is given.
Result<std::string> sftp_repo_entry(std::string_view where, const FilestoreOptions& options) {
    auto url = SftpUrl::parse(where);
    if (!url) return std::unexpected(url.error());
    const std::string key =
        options.identity_file
            ? fmt::format(R"(, "client_key": {})", json_string(options.identity_file->string()))
            : std::string();
    return fmt::format(R"({{"type": "sftp", "connection": )"
                       R"({{"user": {}, "hostname": {}, "port": {}{}, "path": {}}}}})",
                       json_string(url->user), json_string(url->host), url->port, key,
                       json_string(url->path));
}

Result<RepoFilestore> sftp_from_repo_entry(std::string_view entry, const fs::path&) {
    SftpUrl url;
    const auto user = json_field(entry, "user");
    const auto host = json_field(entry, "hostname");
    const auto path = json_field(entry, "path");
    if (!user || !host || !path) {
        return fail("sftp filestore entry {} lacks its user, hostname or path", entry);
    }
    url.user = *user;
    url.host = *host;
    url.path = *path;
    if (const auto port = json_field(entry, "port")) {
        const char* const last = port->data() + port->size();
        const auto [end, error] = std::from_chars(port->data(), last, url.port);
        if (error != std::errc{} || end != last) {
            return fail("sftp filestore entry {} has an invalid port", entry);
        }
    }
    RepoFilestore filestore{url.to_string(), {}};
    if (const auto key = json_field(entry, "client_key")) filestore.options.identity_file = *key;
    return filestore;
}

std::string sftp_login(std::string_view where) {
    auto url = SftpUrl::parse(where);
    return url ? url->user : std::string();
}

// As SftpFilestore::locate: the URL of the object in the store.
std::string sftp_locate(std::string_view where, const Key& key) {
    auto url = SftpUrl::parse(where);
    return url ? url->to_string(key.hashdir_lower() + key.to_string()) : std::string();
}

}  // namespace

const Backend kSftpBackend{
    .type = "sftp",
    .scheme = "sftp://",
    .remote = true,
    .check = sftp_check,
    .open = sftp_open,
    .create = sftp_create,
    .repo_entry = sftp_repo_entry,
    .from_repo_entry = sftp_from_repo_entry,
    .login = sftp_login,
    .locate = sftp_locate,
};

}  // namespace gad::core::filestore
