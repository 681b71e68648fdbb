// The server's bulk-load path (LOAD DATA LOCAL INFILE) for the location tables, as migrate uses
// it for tables that hold no row yet: whether the server takes it, whether a table is empty, and
// the statement for a table.
#pragma once

#include <string>
#include <string_view>

#include "core/failure.h"
#include "core/location/lww_table.h"
#include "core/sql/connection.h"

namespace gad::core::location {

// LOAD DATA for table's columns (a comma-separated list), fed tab-separated lines in binary
// character set. No last-writer-wins decision is made, so it is for tables that hold no row yet:
// IGNORE keeps a row written meanwhile, which is newer than any the git-annex branch holds.
std::string load_sql(std::string_view table, std::string_view columns);

// For a bulk load into table while it holds rows: makes stage, an empty temporary table (of this
// connection only) with table's columns and primary key and no other index, dropping a stage of
// that name first. LOAD DATA fills it; lww_merge_sql merges it into table; DROP TEMPORARY TABLE
// ends it.
Result<void> create_stage(sql::Connection& connection, const LwwTable& table,
                          std::string_view stage);

// Whether the server takes LOAD DATA LOCAL: Dolt is told to (it is off by default there; we run
// our Dolt servers ourselves), other servers say so in @@local_infile.
bool local_loading_allowed(sql::Connection& connection);

// Whether table holds no row.
Result<bool> table_empty(sql::Connection& connection, std::string_view table);

}  // namespace gad::core::location
