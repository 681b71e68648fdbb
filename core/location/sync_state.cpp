#include "core/location/sync_state.h"

namespace gad::core::location {

Result<std::map<std::string, std::string>> read_sync_state(sql::Connection& connection,
                                                           std::string_view annex_uuid) {
    std::map<std::string, std::string> state;
    auto rows = connection.query("SELECT name, value FROM gad_sync_state WHERE annex_uuid = ?",
                                 {annex_uuid});
    if (!rows) return std::unexpected(rows.error());
    for (const auto& row : *rows) {
        if (row[0] && row[1]) state[*row[0]] = *row[1];
    }
    return state;
}

Result<void> save_sync_state(sql::Connection& connection, std::string_view annex_uuid,
                             std::string_view name, std::string_view value) {
    auto saved =
        connection.run("REPLACE INTO gad_sync_state (annex_uuid, name, value) VALUES (?, ?, ?)",
                       {annex_uuid, name, value});
    if (!saved) return std::unexpected(saved.error());
    return {};
}

Result<std::uint64_t> count_log_migrations_by_others(sql::Connection& connection,
                                                     std::string_view annex_uuid,
                                                     std::string_view finished_after) {
    auto rows = connection.query(
        "SELECT COUNT(*) FROM gad_migrations WHERE annex_uuid <> ? AND logs_read > 0 AND finished "
        "> ?",
        {annex_uuid, finished_after});
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty() || !(*rows)[0][0]) return 0;
    return std::stoull(*(*rows)[0][0]);
}

}  // namespace gad::core::location
