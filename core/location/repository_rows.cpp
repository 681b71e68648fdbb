#include "core/location/repository_rows.h"

namespace gad::core::location {

Result<std::vector<RepositoryRow>> read_repository_rows(sql::Connection& connection) {
    auto rows = connection.query(
        "SELECT uuid, description, description_ts > 0 OR description <> '', trust, "
        "remote_config, cluster_nodes, proxied_remotes FROM gad_repositories",
        {});
    if (!rows) return std::unexpected(rows.error());
    std::vector<RepositoryRow> out;
    for (const auto& row : *rows) {
        if (!row[0]) continue;
        out.push_back({*row[0], row[1].value_or(""), row[2].value_or("0") != "0",
                       row[3].value_or("?"), row[4].value_or(""), row[5].value_or(""),
                       row[6].value_or("")});
    }
    return out;
}

Result<std::vector<std::pair<std::string, std::optional<std::string>>>>
read_repository_descriptions(sql::Connection& connection) {
    auto rows = connection.query("SELECT uuid, description FROM gad_repositories", {});
    if (!rows) return std::unexpected(rows.error());
    std::vector<std::pair<std::string, std::optional<std::string>>> out;
    for (auto& row : *rows) {
        if (row[0]) out.emplace_back(std::move(*row[0]), std::move(row[1]));
    }
    return out;
}

Result<void> name_repository_if_unnamed(sql::Connection& connection, std::string_view uuid,
                                        std::string_view description) {
    auto named = connection.run(
        "INSERT INTO gad_repositories (uuid, description) VALUES (?, ?) "
        "ON DUPLICATE KEY UPDATE "
        "description = IF(description = '', VALUES(description), description)",
        {uuid, description});
    if (!named) return std::unexpected(named.error());
    return {};
}

}  // namespace gad::core::location
