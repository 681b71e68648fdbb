// Opening the location database of a dolt-annex repository: either an existing MySQL-protocol
// server given by URL, or the repository's own Dolt database served by a shared dolt sql-server.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/dolt/annex_repository.h"
#include "core/dolt/server.h"
#include "core/location/location_store.h"
#include "core/location/peer_merge.h"
#include "core/sql/database_url.h"

namespace gad::core::location {

// A location database in use. Its password (for database= servers) opens connections and is
// not handed out: callers ask for connections, or for the end of a peer merge.
class LocationDatabase {
  public:
    std::optional<dolt::ServerLease>
        lease;  // held while store is used (declared first: outlives it)
    std::optional<LocationStore> store;
    std::string description;  // where the locations are, for messages and GETINFO
    sql::DatabaseUrl target;  // the database, on its server

    // Opens another connection to the same database, or to `database` on its server (a Dolt
    // revision database, DB/BRANCH) when given.
    Result<sql::Connection> open_connection(const std::string& database = {},
                                            sql::Timeouts timeouts = {}) const;
    // This database as one end of a peer merge (core/location/peer_merge.h).
    PeerEnd peer_end() const { return PeerEnd(target, password_, description); }

  private:
    friend Result<LocationDatabase> open_location_database(const sql::DatabaseUrl&,
                                                           const std::string&, sql::Timeouts);
    friend Result<LocationDatabase> open_location_database(const dolt::AnnexRepository&,
                                                           const std::optional<sql::DatabaseUrl>&,
                                                           const std::string&,
                                                           std::chrono::milliseconds,
                                                           sql::Timeouts);
    std::string password_;
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
