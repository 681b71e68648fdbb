// Which location database a git-annex repository's git-annex-dolt commands use: a dolt-annex
// repository directory (its own Dolt database) or an existing MySQL-protocol server, chosen once
// with --to / --database and remembered in the repository's git config.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "compat/git/repository.h"
#include "core/dolt/annex_repository.h"
#include "core/location/database.h"
#include "core/sql/database_url.h"

namespace gad::compat {

using core::Result;

// The git config names that remember the choice.
inline constexpr std::string_view kRepositoryConfig = "git-annex-dolt.repository";
inline constexpr std::string_view kDatabaseConfig = "git-annex-dolt.database";

struct DatabaseChoice {
    std::optional<std::filesystem::path> repository;  // a dolt-annex repository directory
    std::optional<core::sql::DatabaseUrl> url;        // or a server
    std::string url_text;                             // the URL as the user wrote it
    // The environment variable holding the server's password.
    std::string password_variable = "GIT_ANNEX_DOLT_PASSWORD";
    // --doltremote (checked): a repository made now clones its database from it; an existing
    // one gets it as remote origin (core/location/remote_history.h).
    std::optional<std::string> dolt_remote;
};

// The choice given on the command line (to: a directory, database: a URL; at most one), else
// the one remembered in git config. Fails when there is neither, naming the flags to use.
Result<DatabaseChoice> choose_database(const git::Repository& repository,
                                       const std::optional<std::string>& to,
                                       const std::optional<std::string>& database);

// The other location database of git-annex-dolt sync --with WHERE: a mysql:// URL (password in
// GIT_ANNEX_DOLT_WITH_PASSWORD), a dolt-annex repository directory, or a git-annex repository
// whose git-annex-dolt database is chosen (git config). Fails naming WHERE when it is none.
Result<DatabaseChoice> choose_peer_database(const std::string& where);

// Records choice in the repository's git config, so later commands need no flags.
Result<void> remember_database(const git::Repository& repository, const DatabaseChoice& choice);

// The location database of choice, open. A dolt-annex repository directory is created (with a
// new UUID, its database cloned from the choice's dolt_remote if any) when it does not exist yet
// and create is true; dolt_remote becomes its remote origin (a new file:// one receives it). The
// password of a server comes from the choice's password_variable.
struct OpenDatabase {
    std::optional<core::dolt::AnnexRepository> repository;  // with a directory choice
    core::location::LocationDatabase database;
};
Result<OpenDatabase> open_database(const DatabaseChoice& choice, bool create);

}  // namespace gad::compat
