// Key migrations git-annex recorded (git annex migrate): which older key's content is also a
// newer key's, in table key_migrations, with chains (A to B to C) resolved so that one indexed
// lookup by the newest key finds every older one. Read by the remote, to serve a migrated key
// from the object of an older one, and by sync, to record where migrated keys are. The SQL
// against key_migrations is here.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/failure.h"
#include "core/sql/connection.h"
#include "core/timestamp.h"

namespace gad::core::location {

// One migration: old_key's content is new_key's too, since when (git-annex's commit time).
struct KeyMigration {
    std::string old_key;
    std::string new_key;
    Timestamp timestamp;
};

// Adds migrations (duplicates ignored: a pair keeps its earliest time), then the pairs their
// chains imply (A to C from A to B and B to C, dated by the later of the two), in one
// transaction. Returns how many pairs the table gained, chains included.
Result<std::uint64_t> record_key_migrations(sql::Connection& connection,
                                            const std::vector<KeyMigration>& migrations);

// An older key whose object may stand in for new_key in repository uuid: the older keys new_key
// was migrated from, newest migration first, unless the table records new_key as gone from uuid
// (missing or dead) since the migration. One indexed query.
struct StandIn {
    std::string old_key;
    Timestamp timestamp;  // of the migration
};
Result<std::vector<StandIn>> stand_ins_for(sql::Connection& connection, std::string_view new_key,
                                           std::string_view uuid);

// Every stand-in in repository uuid at once (stand_ins_for's rule for every new key): visit is
// called with each new key and one older key of it, in no particular order. Returns false, having
// read no pair, when the table holds more than limit migrations. A count, then one query.
using StandInVisitor = std::function<Result<void>(std::string_view new_key, StandIn stand_in)>;
Result<bool> for_each_stand_in(sql::Connection& connection, std::string_view uuid,
                               std::uint64_t limit, const StandInVisitor& visit);

// The newer keys that old_key's object stands in for in repository uuid (stand_ins_for's rule
// the other way round): what removing that object takes away too. One indexed query.
Result<std::vector<std::string>> keys_standing_on(sql::Connection& connection,
                                                  std::string_view old_key, std::string_view uuid);

// For every migration whose old key a store of git-annex-remote-dolt (a repository whose remote
// configuration says externaltype=dolt) holds present, records its new key present there too,
// dated by the migration, unless the table holds a newer fact for that new key and store.
// Returns how many location rows it wrote.
Result<std::uint64_t> record_migrated_locations(sql::Connection& connection);

}  // namespace gad::core::location
