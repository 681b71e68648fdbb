// Migrated keys served from the objects of older keys (git annex migrate): when the filestore
// does not hold a key, the key_migrations table may name an older key whose object it holds and
// whose content is the same. Looked up on a connection of its own, opened on first need, so a
// key held directly costs nothing extra. The table's stand-ins for this remote are read whole at
// the first lookup and kept in memory (a query per key cost as much as the rest of CHECKPRESENT),
// read again when they grow old, and forgotten per key as this process records removals; a
// table of more than kMaxIndexed migrations is asked one key at a time instead.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/filestore/filestore.h"
#include "core/key.h"
#include "core/location/database.h"
#include "core/location/key_migrations.h"

namespace gad::bridge {

class StandIns {
  public:
    // Above this many migrations the table is not kept in memory (about 400 bytes each).
    static constexpr std::uint64_t kMaxIndexed = 50'000;

    // For the remote of repository uuid, whose locations are in database (which must outlive
    // this), with timeouts for each query; max_indexed as kMaxIndexed (tests make it small).
    StandIns(const core::location::LocationDatabase& database, std::string uuid,
             core::sql::Timeouts timeouts, std::uint64_t max_indexed = kMaxIndexed)
        : database_(&database),
          uuid_(std::move(uuid)),
          timeouts_(timeouts),
          max_indexed_(max_indexed) {}

    // An older key whose object filestore holds and that stands in for key (which filestore does
    // not hold), or nullopt: from memory (or one indexed query), then a look in the filestore per
    // candidate.
    core::Result<std::optional<core::Key>> find(const core::Key& key,
                                                core::filestore::Filestore& filestore);

    // The newer keys old_key's object stands in for that filestore does not hold themselves:
    // what removing that object takes away too. One indexed query.
    core::Result<std::vector<std::string>> standing_on(const core::Key& old_key,
                                                       core::filestore::Filestore& filestore);

    // This process records key gone from the remote: no older key stands in for it any more.
    void ended(const std::string& key);

  private:
    using Clock = std::chrono::steady_clock;

    // Runs query on the connection (opened when first needed), under the lock.
    template <typename Query>
    auto with_connection(Query&& query) -> decltype(query(std::declval<core::sql::Connection&>()));

    // key's stand-ins, newest migration first: from memory, read again first when it is old.
    core::Result<std::vector<core::location::StandIn>> candidates(core::sql::Connection& connection,
                                                                  const std::string& key);
    // Reads every stand-in into memory (indexed_ stays false when there are too many).
    core::Result<void> load(core::sql::Connection& connection);

    const core::location::LocationDatabase* database_;
    std::string uuid_;
    core::sql::Timeouts timeouts_;
    std::uint64_t max_indexed_;
    std::mutex mutex_;
    std::optional<core::sql::Connection> connection_;
    // What load() read (when indexed_), by new key, and when and how fast it was read.
    std::unordered_map<std::string, std::vector<core::location::StandIn>> index_;
    bool indexed_ = false;
    std::optional<Clock::time_point> loaded_at_;
    Clock::duration load_took_{};
};

}  // namespace gad::bridge
