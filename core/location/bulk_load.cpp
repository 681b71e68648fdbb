#include "core/location/bulk_load.h"

#include <fmt/format.h>

namespace gad::core::location {

std::string load_sql(std::string_view table, std::string_view columns) {
    return fmt::format(
        "LOAD DATA LOCAL INFILE 'git-annex-dolt' IGNORE INTO TABLE {} CHARACTER SET binary "
        "FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n' ({})",
        table, columns);
}

Result<void> create_stage(sql::Connection& connection, const LwwTable& table,
                          std::string_view stage) {
    if (auto dropped = connection.execute(fmt::format("DROP TEMPORARY TABLE IF EXISTS {}", stage));
        !dropped) {
        return dropped;
    }
    // Not "LIKE table": it copies the secondary indexes, which Dolt then cannot drop from a
    // temporary table; the stage would keep them up to date row by row for nothing.
    return connection.execute(
        fmt::format("CREATE TEMPORARY TABLE {} (PRIMARY KEY ({})) SELECT {} FROM {} LIMIT 0", stage,
                    fmt::join(table.identity, ", "), column_list(table), table.name));
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
