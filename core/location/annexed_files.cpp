#include "core/location/annexed_files.h"

#include <fmt/format.h>

#include "core/location/schema.h"

namespace gad::core::location {

Result<std::uint64_t> count_annexed_files(sql::Connection& connection,
                                          std::string_view annex_uuid) {
    auto rows = connection.query("SELECT COUNT(*) FROM gad_annexed_files WHERE annex_uuid = ?",
                                 {annex_uuid});
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty() || !(*rows)[0][0]) return 0;
    return std::stoull(*(*rows)[0][0]);
}

Result<void> for_each_annexed_file(sql::Connection& connection, std::string_view annex_uuid,
                                   std::string_view under, const FileVisitor& visit) {
    std::string sql = "SELECT f.path, f.annex_key FROM gad_annexed_files f WHERE f.annex_uuid = ?";
    std::vector<sql::Param> params{annex_uuid};
    const std::string low = std::string(under) + "/";
    const std::string high = std::string(under) + "0";  // '0' follows '/'
    if (!under.empty()) {
        sql += " AND f.path >= ? AND f.path < ?";
        params.insert(params.end(), {std::string_view(low), std::string_view(high)});
    }
    sql += fmt::format(" ORDER BY {}", annexed_files_path_order(connection));
    return connection.for_each(sql, params, [&](const sql::Row& row) -> Result<void> {
        if (!row[0] || !row[1]) return {};
        return visit(*row[0], *row[1]);
    });
}

Result<std::vector<std::pair<std::string, std::string>>> annexed_files_at(
    sql::Connection& connection, std::string_view annex_uuid, std::string_view path) {
    // The file itself, or every file under the directory ('0' follows '/').
    const std::string low = path.empty() ? "" : std::string(path) + "/";
    const std::string high = path.empty() ? "\xff" : std::string(path) + "0";
    auto rows = connection.query(
        "SELECT path, annex_key FROM gad_annexed_files WHERE annex_uuid = ? AND "
        "(path = ? OR (path >= ? AND path < ?)) ORDER BY path",
        {annex_uuid, path, std::string_view(low), std::string_view(high)});
    if (!rows) return std::unexpected(rows.error());
    std::vector<std::pair<std::string, std::string>> files;
    for (const auto& row : *rows) {
        if (row[0] && row[1]) files.emplace_back(*row[0], *row[1]);
    }
    return files;
}

Result<void> clear_annexed_files(sql::Connection& connection, std::string_view annex_uuid) {
    auto cleared =
        connection.run("DELETE FROM gad_annexed_files WHERE annex_uuid = ?", {annex_uuid});
    if (!cleared) return std::unexpected(cleared.error());
    return {};
}

std::string annexed_files_upsert_sql(std::size_t rows) {
    std::string sql = "INSERT INTO gad_annexed_files (annex_uuid, path, annex_key) VALUES ";
    for (std::size_t i = 0; i < rows; ++i) sql += i == 0 ? "(?, ?, ?)" : ", (?, ?, ?)";
    return sql + " ON DUPLICATE KEY UPDATE annex_key = VALUES(annex_key)";
}

std::string annexed_file_delete_sql() {
    return "DELETE FROM gad_annexed_files WHERE annex_uuid = ? AND path = ?";
}

}  // namespace gad::core::location
