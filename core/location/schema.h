// The SQL schema of the location tables, shared by git-annex-remote-dolt and git-annex-dolt:
// created and upgraded by the program, its version kept in table gad_meta.
#pragma once

#include "core/failure.h"
#include "core/sql/connection.h"

namespace gad::core::location {

// The schema version this program writes.
inline constexpr int kSchemaVersion = 6;

// Creates missing tables and records the schema version; refuses a database whose schema is newer
// than this program's. Idempotent and cheap when the schema is current. Returns true when it
// changed the database (so a Dolt caller can commit the change).
Result<bool> ensure_schema(sql::Connection& connection);

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
