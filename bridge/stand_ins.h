// Migrated keys served from the objects of older keys (git annex migrate): when the filestore
// does not hold a key, the key_migrations table may name an older key whose object it holds and
// whose content is the same. Looked up on a connection of its own, opened on first need, so a
// key held directly costs nothing extra.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/filestore/filestore.h"
#include "core/key.h"
#include "core/location/database.h"

namespace gad::bridge {

class StandIns {
  public:
    // For the remote of repository uuid, whose locations are in database (which must outlive
    // this), with timeouts for each query.
    StandIns(const core::location::LocationDatabase& database, std::string uuid,
             core::sql::Timeouts timeouts)
        : database_(&database), uuid_(std::move(uuid)), timeouts_(timeouts) {}

    // An older key whose object filestore holds and that stands in for key (which filestore does
    // not hold), or nullopt: one indexed query, then a look in the filestore per candidate.
    core::Result<std::optional<core::Key>> find(const core::Key& key,
                                                core::filestore::Filestore& filestore);

    // The newer keys old_key's object stands in for that filestore does not hold themselves:
    // what removing that object takes away too. One indexed query.
    core::Result<std::vector<std::string>> standing_on(const core::Key& old_key,
                                                       core::filestore::Filestore& filestore);

  private:
    // Runs query on the connection (opened when first needed), under the lock.
    template <typename Query>
    auto with_connection(Query&& query) -> decltype(query(std::declval<core::sql::Connection&>()));

    const core::location::LocationDatabase* database_;
    std::string uuid_;
    core::sql::Timeouts timeouts_;
    std::mutex mutex_;
    std::optional<core::sql::Connection> connection_;
};

}  // namespace gad::bridge
