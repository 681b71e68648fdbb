// Key locations and repositories in SQL tables (Dolt or MariaDB/MySQL) through one connection.
// Every write follows git-annex's rule: for each (key, repository) the newest timestamp wins.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/failure.h"
#include "core/location/presence.h"
#include "core/sql/connection.h"

namespace gad::core::location {

// The author of every Dolt commit this project makes.
inline constexpr std::string_view kCommitAuthor = "git-annex-dolt <git-annex-dolt@localhost>";

class LocationStore {
  public:
    // Takes over an open connection and makes sure the schema exists (committing it on Dolt).
    static Result<LocationStore> open(sql::Connection connection);

    // Records changes in one transaction; a change older than what the table holds for its
    // (key, uuid) is ignored; on an equal timestamp the smaller status wins (git-annex's order).
    // Retries serialization failures.
    Result<void> record(std::span<const LocationChange> changes);

    // The presence the table holds for (key, uuid), or nullopt when it has no row.
    Result<std::optional<Presence>> presence(std::string_view key, std::string_view uuid);

    // The presence the table holds for (key, uuid) and the timestamp it was recorded with, or
    // nullopt when it has no row.
    struct Row {
        Presence presence;
        Timestamp timestamp;
    };
    Result<std::optional<Row>> row(std::string_view key, std::string_view uuid);

    // Inserts the repository or updates its description when one is given.
    Result<void> set_repository(std::string_view uuid, std::string_view description);

    // On Dolt, makes a Dolt commit of what is uncommitted in our tables (tables.h) with message,
    // leaving every other table's changes uncommitted; does nothing on other servers or when
    // nothing changed. Returns the commit hash, or nullopt when none was made.
    Result<std::optional<std::string>> dolt_commit(std::string_view message);

    // True when the server is Dolt.
    bool is_dolt() { return connection_.is_dolt(); }

    sql::Connection& connection() { return connection_; }

  private:
    explicit LocationStore(sql::Connection connection) : connection_(std::move(connection)) {}
    Result<void> record_once(std::span<const LocationChange> changes);

    sql::Connection connection_;
    // Tables renamed by the schema upgrade (their old names), whose removal the next Dolt commit
    // stages.
    std::vector<std::string> unstaged_renames_;
};

// Stages (DOLT_ADD) every table of ours and the old names in renamed, and nothing else.
Result<void> stage_location_tables(sql::Connection& connection,
                                   const std::vector<std::string>& renamed = {});

}  // namespace gad::core::location
