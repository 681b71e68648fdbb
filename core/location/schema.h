// The SQL schema of the location tables, shared by git-annex-remote-dolt and git-annex-dolt:
// created and upgraded by the program, its version kept in table gad_meta.
#pragma once

#include <string>
#include <vector>

#include "core/failure.h"
#include "core/sql/connection.h"

namespace gad::core::location {

// The schema version this program writes.
inline constexpr int kSchemaVersion = 9;

// What ensure_schema changed: whether it changed anything (so a Dolt caller commits it), and the
// old names of the tables it renamed (legacy_names.h), whose removal that commit must stage too.
struct SchemaChange {
    bool changed = false;
    std::vector<std::string> renamed;
};

// Creates missing tables (all named gad_*, tables.h) and records the schema version; refuses a
// database whose schema is newer than this program's. Idempotent and cheap when the schema is
// current. All or nothing, under a server lock: when a step fails, the tables it created are
// dropped and renamed ones get their names back. Touches no table that is not ours.
Result<SchemaChange> ensure_schema(sql::Connection& connection);

// Drops the secondary indexes of table, before a bulk load into it in primary-key order, where
// building an index afterwards (sorted, at once) is faster than keeping it up to date row by row
// (on Dolt, 2.4 s against 6.7 s for 266,000 locations): all but those whose entries then arrive
// in order anyway. restore_secondary_indexes must follow.
Result<void> drop_secondary_indexes(sql::Connection& connection, std::string_view table);

// Creates every secondary index of the location tables (or of only_table, when given) that is
// missing and used on this kind of server (the timestamp indexes are Dolt's only): after a bulk
// load, or after one that failed half-way. Cheap when none is missing.
Result<void> restore_secondary_indexes(sql::Connection& connection,
                                       std::string_view only_table = {});

// The ORDER BY columns that read one repository's annexed_files rows (WHERE annex_uuid = ?, the
// uuid a bound parameter) in path order straight from the primary key, without a sort: Dolt sorts
// unless they are the whole key, MariaDB unless they are the path alone (1M files: 20 s, against
// 1 s, when it sorts).
std::string_view annexed_files_path_order(sql::Connection& connection);

}  // namespace gad::core::location
