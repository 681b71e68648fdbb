// The special remote's settings, read once from git-annex (GETCONFIG) into a plain struct.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/failure.h"
#include "core/sql/database_url.h"
#include "protocol/annex.h"
#include "protocol/messages.h"

namespace gad::bridge {

struct RemoteConfig {
    // directory=: the dolt-annex repository; empty with filestore=, whose repository (for the
    // location database) then lives under the git directory.
    std::filesystem::path directory;
    // filestore=: where objects are instead (core/filestore/backends.h: sftp://...), canonical.
    std::optional<std::string> filestore;
    std::optional<std::filesystem::path> identity_file;  // identityfile=
    std::optional<std::filesystem::path> known_hosts;    // knownhosts=
    std::optional<core::sql::DatabaseUrl>
        database;      // database=: an existing server instead of dolt/
    std::string name;  // name=: the remote's name, as its description
    std::chrono::milliseconds server_idle{std::chrono::seconds(30)};  // serveridle= (seconds)
    std::size_t commit_every = 1000;  // commitevery=: changes per Dolt commit
    std::chrono::milliseconds commit_after{std::chrono::seconds(10)};  // commitafter= (seconds)
    // dbtimeout= (seconds): how long the location database may take to connect, to answer each
    // read or write, and to take the last changes at exit, before the request fails.
    std::chrono::seconds db_timeout{30};
    // doltremote=: the Dolt remote (core/dolt/remote_url.h) a new store's database is cloned
    // from, and an existing one gets as its remote origin.
    std::optional<std::string> dolt_remote;
    // removepush=yes: a removal is final only once its absence is pushed to doltremote=.
    bool remove_push = false;

    // Whether filestore= names a filestore on another host (for cost and availability).
    bool remote_filestore() const;
};

// The settings LISTCONFIGS announces.
std::vector<protocol::Config> config_descriptions();

// Reads and checks the settings; fails with a message naming the parameter that is wrong.
// Relative paths (directory=, identityfile=, knownhosts=) are resolved against `base`, or, when
// it is empty, against the repository's top (git-annex runs the remote in whatever directory the
// command was started in, so the process's own working directory means nothing).
core::Result<RemoteConfig> read_config(protocol::Annex& annex,
                                       const std::filesystem::path& base = {});

// The path settings of `config` that `annex` holds as relative paths, stored again (SETCONFIG)
// as the absolute paths `config` resolved them to: what initremote and enableremote keep, as
// git-annex's directory remote keeps an absolute directory.
void keep_absolute_paths(protocol::Annex& annex, const RemoteConfig& config);

// remotesapi=PORT (initremote and enableremote only: the store keeps it, see
// core/dolt/remotesapi.h); nullopt when not given. Fails when it is no port, or comes with
// database=.
core::Result<std::optional<int>> read_remotesapi(protocol::Annex& annex,
                                                 const RemoteConfig& config);

// The name of the creds setting earlier versions kept the database password under (SETCREDS);
// bridge/credentials.h now keeps it in a file of the remote's own.
inline constexpr std::string_view kDatabaseCreds = "databasecreds";

// The environment variable a user sets at initremote to give the database password.
inline constexpr const char* kPasswordVariable = "GIT_ANNEX_DOLT_PASSWORD";

// The creds setting and environment variable for an SFTP password (keys are preferred), kept
// the same way.
inline constexpr std::string_view kSftpCreds = "sftpcreds";
inline constexpr const char* kSftpPasswordVariable = "GIT_ANNEX_DOLT_SFTP_PASSWORD";

}  // namespace gad::bridge
