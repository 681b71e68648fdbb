#include "core/location/bulk_load.h"

#include <fmt/format.h>

namespace gad::core::location {

std::string load_sql(std::string_view table, std::string_view columns) {
    return fmt::format(
        "LOAD DATA LOCAL INFILE 'git-annex-dolt' IGNORE INTO TABLE {} CHARACTER SET binary "
        "FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n' ({})",
        table, columns);
}

std::string column_list(const LwwTable& table) {
    std::string columns;
    for (auto group : {table.identity, table.values}) {
        for (std::string_view column : group) columns += fmt::format("{}, ", column);
    }
    return columns + std::string(table.ts);
}

bool local_loading_allowed(sql::Connection& connection) {
    if (connection.is_dolt()) return bool(connection.execute("SET GLOBAL local_infile = 1"));
    auto rows = connection.query("SELECT @@local_infile");
    return rows && !rows->empty() && (*rows)[0][0] && *(*rows)[0][0] == "1";
}

Result<bool> table_empty(sql::Connection& connection, std::string_view table) {
    auto rows = connection.query(fmt::format("SELECT 1 FROM {} LIMIT 1", table));
    if (!rows) return std::unexpected(rows.error());
    return rows->empty();
}

}  // namespace gad::core::location
