// Opening the location database of a dolt-annex repository: either an existing MySQL-protocol
// server given by URL, or the repository's own Dolt database served by a shared dolt sql-server.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/dolt/annex_repository.h"
#include "core/dolt/server.h"
#include "core/location/location_store.h"
#include "core/sql/database_url.h"

namespace gad::core::location {

struct LocationDatabase {
    std::optional<dolt::ServerLease>
        lease;  // held while store is used (declared first: outlives it)
    std::optional<LocationStore> store;
    std::string description;  // where the locations are, for messages and GETINFO
    sql::DatabaseUrl target;  // how to open more connections to it
    // Still read by the dataset export and by peer merges (PeerEnd); other callers use
    // open_connection(). Goes private once those move (issue 16 item 1).
    std::string password;

    // Opens another connection to the same database (default timeouts).
    Result<sql::Connection> open_connection() const {
        return sql::Connection::open(target, password);
    }
};

// Connects to an existing server at url (with password), without a dolt-annex repository, and
// makes sure the schema exists.
Result<LocationDatabase> open_location_database(const sql::DatabaseUrl& url,
                                                const std::string& password,
                                                sql::Timeouts timeouts = {});

// Connects to url (with password) when given, else to repository's Dolt database through a
// shared server (stopped after idle unused); makes sure the schema exists. A server that does not
// answer within timeouts fails it, naming the database.
Result<LocationDatabase> open_location_database(const dolt::AnnexRepository& repository,
                                                const std::optional<sql::DatabaseUrl>& url,
                                                const std::string& password,
                                                std::chrono::milliseconds idle,
                                                sql::Timeouts timeouts = {});

// On Dolt, waits until the server has loaded its table statistics (CALL dolt_stats_wait()): a
// freshly started server plans large joins without them, as scans (a 100,000-file find then took
// minutes instead of seconds). Does nothing on other servers or Dolt versions without it.
void wait_for_statistics(sql::Connection& connection);

}  // namespace gad::core::location
