#include "core/location/lww_table.h"

#include <fmt/format.h>

namespace gad::core::location {

std::string column_list(const LwwTable& table, std::string_view prefix) {
    std::string columns;
    for (auto group : {table.identity, table.values}) {
        for (std::string_view column : group) columns += fmt::format("{}{}, ", prefix, column);
    }
    return fmt::format("{}{}{}", columns, prefix, table.ts);
}

namespace {

// The ON DUPLICATE KEY UPDATE assignments, the new row's cells named by incoming(column) and
// the row in place's by current(column).
template <typename Incoming, typename Current>
std::string lww_assignments(const LwwTable& table, Incoming incoming, Current current) {
    // MySQL assigns left to right: every value compares against the old ts before ts changes.
    // A newer ts wins; on an equal ts the smaller value (byte order) wins, as in git-annex, whose
    // union merge sorts a log's lines and then keeps the first line of the newest timestamp. So
    // the result does not depend on the order writes and merges arrive in.
    const std::string new_ts = incoming(table.ts);
    const std::string old_ts = current(table.ts);
    std::string sql;
    for (std::string_view value : table.values) {
        const std::string new_value = incoming(value);
        const std::string old_value = current(value);
        sql += fmt::format(
            "{0} = IF({2} > {3} OR ({2} = {3} AND CAST({4} AS BINARY) < CAST({1} AS BINARY)), "
            "{4}, {1}), ",
            value, old_value, new_ts, old_ts, new_value);
    }
    sql += fmt::format("{0} = IF({1} > {2}, {1}, {2})", table.ts, new_ts, old_ts);
    return sql;
}

}  // namespace

std::string lww_upsert_sql(const LwwTable& table, std::size_t rows) {
    std::string row = "(?";
    for (std::size_t i = 1; i < table.column_count(); ++i) row += ", ?";
    row += ")";

    std::string sql = fmt::format("INSERT INTO {} ({}) VALUES ", table.name, column_list(table));
    sql.reserve(sql.size() + rows * (row.size() + 2) + 200);
    for (std::size_t i = 0; i < rows; ++i) {
        if (i != 0) sql += ", ";
        sql += row;
    }
    sql += " ON DUPLICATE KEY UPDATE ";
    sql += lww_assignments(
        table, [](std::string_view column) { return fmt::format("VALUES({})", column); },
        [](std::string_view column) { return std::string(column); });
    return sql;
}

std::string lww_merge_sql(const LwwTable& table, std::string_view stage) {
    // Dolt refuses VALUES() in INSERT ... SELECT; the stage's cells are named through its alias,
    // and the table's through its name, which ON DUPLICATE KEY UPDATE would otherwise leave
    // ambiguous.
    return fmt::format(
        "INSERT INTO {0} ({1}) SELECT {2} FROM {3} AS n ON DUPLICATE KEY UPDATE {4}", table.name,
        column_list(table), column_list(table, "n."), stage,
        lww_assignments(
            table, [](std::string_view column) { return fmt::format("n.{}", column); },
            [&](std::string_view column) { return fmt::format("{}.{}", table.name, column); }));
}

}  // namespace gad::core::location
