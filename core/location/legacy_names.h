// The names our tables had before schema version 7 (locations, urls, metadata, ...: no prefix),
// and their renaming to today's gad_* names, so that stores made by earlier versions keep working.
#pragma once

#include <string>
#include <vector>

#include "core/failure.h"
#include "core/sql/connection.h"

namespace gad::core::location {

// Renames each unprefixed table of ours to its gad_* name: only a table that has our columns (a
// dolt-annex `metadata` or a user's `locations` has others and is left alone) and whose gad_*
// name is free. Returns the old names of the tables renamed (a Dolt commit must stage them too).
Result<std::vector<std::string>> rename_legacy_tables(sql::Connection& connection);

// Renames tables that rename_legacy_tables renamed (their old names) back, undoing it when the
// upgrade it was part of failed. Best effort: failures are ignored.
void restore_legacy_names(sql::Connection& connection, const std::vector<std::string>& renamed);

// The tables of the connection's database (SHOW TABLES).
Result<std::vector<std::string>> table_names(sql::Connection& connection);

}  // namespace gad::core::location
