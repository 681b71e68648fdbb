#include "bridge/remote_config.h"

#include <charconv>

#include "core/dolt/remote_url.h"
#include "core/dolt/remotesapi.h"
#include "core/filestore/backends.h"

namespace gad::bridge {

namespace {

core::Result<std::uint64_t> read_number(protocol::Annex& annex, std::string_view name,
                                        std::uint64_t fallback) {
    const std::string text = annex.get_config(name);
    if (text.empty()) return fallback;
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return core::fail("{}={} is not a whole number", name, text);
    }
    return value;
}

// doltremote= and removepush=, checked against the rest of config.
core::Result<RemoteConfig> read_dolt_remote(protocol::Annex& annex, RemoteConfig config) {
    if (std::string url = annex.get_config("doltremote"); !url.empty()) {
        auto checked = core::dolt::check_remote_url(url);
        if (!checked) return core::fail("doltremote=: {}", checked.error().message);
        if (config.database) {
            return core::fail(
                "doltremote= needs the store's own Dolt database: give it without database=");
        }
        config.dolt_remote = std::move(*checked);
    }
    const std::string push = annex.get_config("removepush");
    if (push != "" && push != "yes" && push != "no") {
        return core::fail("removepush={}: give yes or no", push);
    }
    config.remove_push = push == "yes";
    if (config.remove_push && !config.dolt_remote) {
        return core::fail("removepush=yes needs doltremote= (the Dolt remote to push removals to)");
    }
    return config;
}

}  // namespace

bool RemoteConfig::remote_filestore() const {
    return filestore && core::filestore::is_remote(*filestore);
}

std::vector<protocol::Config> config_descriptions() {
    return {
        {"directory", "the dolt-annex repository to store objects in (created if missing)"},
        {"filestore",
         "sftp://USER@HOST[:PORT]/PATH: keep objects on that host instead of in directory="},
        {"identityfile", "the SSH private key for filestore= (default: ssh-agent, ~/.ssh/id_*)"},
        {"knownhosts", "the known_hosts file for filestore= (default: ~/.ssh/known_hosts)"},
        {"database",
         "mysql://USER@HOST[:PORT]/DB[?socket=PATH]: keep locations in this server instead of "
         "the repository's own Dolt database (password: GIT_ANNEX_DOLT_PASSWORD at initremote)"},
        {"remotesapi",
         "PORT: the store's Dolt server also serves Dolt's remotes API on 127.0.0.1:PORT, for "
         "dolt clone/fetch/push of http://127.0.0.1:PORT/dolt"},
        {"serveridle", "seconds an unused dolt sql-server keeps running (default 30)"},
        {"commitevery", "location changes per Dolt commit (default 1000)"},
        {"commitafter", "seconds before pending location changes get a Dolt commit (default 10)"},
        {"dbtimeout",
         "seconds the location database may take to answer before a request fails (default 30)"},
        {"doltremote",
         "a Dolt remote (file:///PATH, http(s)://HOST/DB, aws://, gs://): a new store's database "
         "is cloned from it, an existing one gets it as remote origin; git-annex-dolt sync "
         "pulls from and pushes to it"},
        {"removepush",
         "yes: a removal is final only once its absence is pushed to doltremote= (default no)"},
    };
}

namespace {

// The top of the repository git-annex runs in: the parent of a .git directory, else the git
// directory itself (a bare repository).
std::filesystem::path repository_top(protocol::Annex& annex) {
    const std::filesystem::path git_dir =
        std::filesystem::absolute(annex.get_git_dir()).lexically_normal();
    const std::filesystem::path dir = git_dir.has_filename() ? git_dir : git_dir.parent_path();
    return dir.filename() == ".git" ? dir.parent_path() : dir;
}

}  // namespace

core::Result<RemoteConfig> read_config(protocol::Annex& annex, const std::filesystem::path& base) {
    std::optional<std::filesystem::path> top;  // Asked of git-annex only for a relative path.
    auto resolve = [&](const std::string& value) {
        const std::filesystem::path path(value);
        if (path.is_absolute()) return path.lexically_normal();
        if (!top) top = base.empty() ? repository_top(annex) : std::filesystem::absolute(base);
        return (*top / path).lexically_normal();
    };
    RemoteConfig config;
    if (std::string filestore = annex.get_config("filestore"); !filestore.empty()) {
        auto checked = core::filestore::check_filestore(filestore);
        if (!checked) return core::fail("filestore=: {}", checked.error().message);
        config.filestore = std::move(*checked);
    }
    const std::string directory = annex.get_config("directory");
    if (directory.empty() && !config.filestore) {
        return core::fail(
            "directory= is required (the dolt-annex repository to store objects in), "
            "or filestore=sftp://USER@HOST/PATH");
    }
    if (!directory.empty()) config.directory = resolve(directory);
    // The SSH settings only matter for filestore= (asking for them costs every PREPARE two
    // round trips with git-annex).
    if (config.filestore) {
        if (std::string file = annex.get_config("identityfile"); !file.empty()) {
            config.identity_file = resolve(file);
        }
        if (std::string file = annex.get_config("knownhosts"); !file.empty()) {
            config.known_hosts = resolve(file);
        }
    }
    if (std::string database = annex.get_config("database"); !database.empty()) {
        auto url = core::sql::DatabaseUrl::parse(database);
        if (!url) return core::fail("database=: {}", url.error().message);
        config.database = std::move(*url);
    }
    config.name = annex.get_config("name");
    auto idle = read_number(annex, "serveridle", 30);
    if (!idle) return std::unexpected(idle.error());
    config.server_idle = std::chrono::seconds(*idle);
    auto every = read_number(annex, "commitevery", 1000);
    if (!every) return std::unexpected(every.error());
    if (*every == 0) return core::fail("commitevery=0: must be at least 1");
    config.commit_every = *every;
    auto after = read_number(annex, "commitafter", 10);
    if (!after) return std::unexpected(after.error());
    config.commit_after = std::chrono::seconds(*after);
    auto timeout = read_number(annex, "dbtimeout", 30);
    if (!timeout) return std::unexpected(timeout.error());
    if (*timeout == 0) return core::fail("dbtimeout=0: must be at least 1 (seconds)");
    if (*timeout > 86400) return core::fail("dbtimeout={}: at most 86400 (seconds)", *timeout);
    config.db_timeout = std::chrono::seconds(*timeout);
    return read_dolt_remote(annex, std::move(config));
}

void keep_absolute_paths(protocol::Annex& annex, const RemoteConfig& config) {
    auto keep = [&annex](const char* name, const std::filesystem::path& resolved) {
        if (resolved.empty()) return;
        if (std::filesystem::path(annex.get_config(name)).is_relative()) {
            annex.set_config(name, resolved.string());
        }
    };
    keep("directory", config.directory);
    if (config.identity_file) keep("identityfile", *config.identity_file);
    if (config.known_hosts) keep("knownhosts", *config.known_hosts);
}

core::Result<std::optional<int>> read_remotesapi(protocol::Annex& annex,
                                                 const RemoteConfig& config) {
    const std::string text = annex.get_config("remotesapi");
    if (text.empty()) return std::nullopt;
    auto port = core::dolt::parse_remotesapi_port(text);
    if (!port) return std::unexpected(port.error());
    if (config.database) {
        return core::fail(
            "remotesapi={} needs the store's own Dolt database: it cannot be given with "
            "database=",
            text);
    }
    return *port;
}

}  // namespace gad::bridge
