// The SQL schema of the location tables, shared by git-annex-remote-dolt and git-annex-dolt:
// created and upgraded by the program, its version kept in table gad_meta.
#pragma once

#include "core/failure.h"
#include "core/sql/connection.h"

namespace gad::core::location {

// The schema version this program writes.
inline constexpr int kSchemaVersion = 4;

// Creates missing tables and records the schema version; refuses a database whose schema is newer
// than this program's. Idempotent and cheap when the schema is current. Returns true when it
// changed the database (so a Dolt caller can commit the change).
Result<bool> ensure_schema(sql::Connection& connection);

}  // namespace gad::core::location
