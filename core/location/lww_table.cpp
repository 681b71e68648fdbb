#include "core/location/lww_table.h"

#include <fmt/format.h>

namespace gad::core::location {

std::string lww_upsert_sql(const LwwTable& table, std::size_t rows) {
    std::string columns = fmt::format("{}, {}", fmt::join(table.identity, ", "), table.ts);
    if (!table.values.empty()) {
        columns = fmt::format("{}, {}, {}", fmt::join(table.identity, ", "),
                              fmt::join(table.values, ", "), table.ts);
    }
    std::string row = "(?";
    for (std::size_t i = 1; i < table.column_count(); ++i) row += ", ?";
    row += ")";

    std::string sql = fmt::format("INSERT INTO {} ({}) VALUES ", table.name, columns);
    sql.reserve(sql.size() + rows * (row.size() + 2) + 200);
    for (std::size_t i = 0; i < rows; ++i) {
        if (i != 0) sql += ", ";
        sql += row;
    }
    // MySQL assigns left to right: every value compares against the old ts before ts changes.
    // A newer ts wins; on an equal ts the smaller value (byte order) wins, as in git-annex, whose
    // union merge sorts a log's lines and then keeps the first line of the newest timestamp. So
    // the result does not depend on the order writes and merges arrive in.
    sql += " ON DUPLICATE KEY UPDATE ";
    for (std::string_view value : table.values) {
        sql += fmt::format(
            "{0} = IF(VALUES({1}) > {1} OR (VALUES({1}) = {1} AND "
            "CAST(VALUES({0}) AS BINARY) < CAST({0} AS BINARY)), VALUES({0}), {0}), ",
            value, table.ts);
    }
    sql += fmt::format("{0} = IF(VALUES({0}) > {0}, VALUES({0}), {0})", table.ts);
    return sql;
}

}  // namespace gad::core::location
