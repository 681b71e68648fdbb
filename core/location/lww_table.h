// Tables whose rows follow git-annex's last-writer-wins rule: each row has identity columns, value
// columns and a timestamp column, and a write replaces the values only when its timestamp is newer.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace gad::core::location {

struct LwwTable {
    std::string_view name;
    std::span<const std::string_view> identity;  // the primary key
    std::span<const std::string_view> values;
    std::string_view ts = "ts";

    // Columns in the order rows are bound: identity, values, ts.
    std::size_t column_count() const { return identity.size() + values.size() + 1; }
};

// table's identity, value and timestamp columns, comma-separated, in that order, each preceded by
// prefix (a table alias and its dot, or nothing).
std::string column_list(const LwwTable& table, std::string_view prefix = {});

// "INSERT INTO name (identity..., values..., ts) VALUES (?, ...), ... ON DUPLICATE KEY UPDATE ..."
// for rows rows: a newer ts replaces the values and ts; on an equal ts a smaller value (compared
// as bytes) replaces the value, which makes the outcome independent of the order of writes (see
// the .cpp); an older ts leaves the row as it is. Works on Dolt and MariaDB.
std::string lww_upsert_sql(const LwwTable& table, std::size_t rows);

// "INSERT INTO name (identity..., values..., ts) SELECT ... FROM stage AS n ON DUPLICATE KEY
// UPDATE ...": every row of stage, a table with name's columns, merged into name by the rule of
// lww_upsert_sql, in one statement (a staged bulk load into a table that holds rows).
std::string lww_merge_sql(const LwwTable& table, std::string_view stage);

}  // namespace gad::core::location
