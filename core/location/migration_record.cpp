#include "core/location/migration_record.h"

namespace gad::core::location {

Result<std::map<std::string, std::string>> read_migration_sources(sql::Connection& connection,
                                                                  std::string_view annex_uuid) {
    std::map<std::string, std::string> sources;
    auto rows = connection.query(
        "SELECT source, object FROM gad_migration_sources WHERE annex_uuid = ?", {annex_uuid});
    if (!rows) return std::unexpected(rows.error());
    for (const auto& row : *rows) {
        if (row[0] && row[1]) sources.emplace(*row[0], *row[1]);
    }
    return sources;
}

namespace {

Result<void> record(sql::Connection& connection, std::string_view annex_uuid,
                    const std::vector<std::pair<std::string, std::string>>& sources,
                    std::string_view branch_commit, std::string_view finished,
                    std::int64_t logs_read) {
    if (auto begun = connection.execute("START TRANSACTION"); !begun) return begun;
    auto cleared =
        connection.run("DELETE FROM gad_migration_sources WHERE annex_uuid = ?", {annex_uuid});
    if (!cleared) return std::unexpected(cleared.error());
    for (const auto& [source, object] : sources) {
        auto added = connection.run(
            "INSERT INTO gad_migration_sources (annex_uuid, source, object) VALUES (?, ?, ?)",
            {annex_uuid, std::string_view(source), std::string_view(object)});
        if (!added) return std::unexpected(added.error());
    }
    auto logged = connection.run(
        "INSERT INTO gad_migrations (annex_uuid, branch_commit, finished, logs_read) "
        "VALUES (?, ?, ?, ?)",
        {annex_uuid, branch_commit, finished, logs_read});
    if (!logged) return std::unexpected(logged.error());
    return connection.execute("COMMIT");
}

}  // namespace

Result<void> record_migration(sql::Connection& connection, std::string_view annex_uuid,
                              const std::vector<std::pair<std::string, std::string>>& sources,
                              std::string_view branch_commit, std::string_view finished,
                              std::int64_t logs_read) {
    auto recorded = record(connection, annex_uuid, sources, branch_commit, finished, logs_read);
    if (!recorded) (void)connection.execute("ROLLBACK");
    return recorded;
}

}  // namespace gad::core::location
