#include "core/location/legacy_names.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <initializer_list>
#include <string_view>

namespace gad::core::location {

namespace {

// An unprefixed table of schema versions 1 to 6, and columns only ours had together.
struct LegacyTable {
    std::string_view name;
    std::initializer_list<std::string_view> columns;
};

const std::array<LegacyTable, 13>& legacy_tables() {
    static const std::array<LegacyTable, 13> all = {{
        {"repositories", {"uuid", "description"}},
        {"locations", {"annex_key", "uuid", "status", "ts"}},
        {"annex_settings", {"name", "value", "ts"}},
        {"urls", {"annex_key", "url", "status", "ts"}},
        {"metadata", {"annex_key", "field", "value", "status", "ts"}},
        {"chunks", {"annex_key", "uuid", "chunk_size", "chunk_count", "ts"}},
        {"remote_state", {"annex_key", "uuid", "state", "ts"}},
        {"annexed_files", {"annex_uuid", "path", "annex_key"}},
        {"migration_sources", {"annex_uuid", "source", "object"}},
        {"migrations", {"annex_uuid", "branch_commit", "finished", "logs_read"}},
        {"sync_state", {"annex_uuid", "name", "value"}},
        {"peer_merges", {"peer_id", "peer_commit", "description", "merged"}},
        {"key_migrations", {"new_key", "old_key", "ts"}},
    }};
    return all;
}

bool contains(const std::vector<std::string>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

// True when table has every one of columns.
Result<bool> has_columns(sql::Connection& connection, std::string_view table,
                         std::initializer_list<std::string_view> columns) {
    auto rows = connection.query(fmt::format("SHOW COLUMNS FROM `{}`", table));
    if (!rows) return std::unexpected(rows.error());
    std::vector<std::string> present;
    for (const sql::Row& row : *rows) {
        if (!row.empty() && row[0]) present.push_back(*row[0]);
    }
    return std::all_of(columns.begin(), columns.end(),
                       [&](std::string_view column) { return contains(present, column); });
}

}  // namespace

Result<std::vector<std::string>> table_names(sql::Connection& connection) {
    auto rows = connection.query("SHOW TABLES");
    if (!rows) return std::unexpected(rows.error());
    std::vector<std::string> names;
    for (const sql::Row& row : *rows) {
        if (!row.empty() && row[0]) names.push_back(*row[0]);
    }
    return names;
}

Result<std::vector<std::string>> rename_legacy_tables(sql::Connection& connection) {
    auto names = table_names(connection);
    if (!names) return std::unexpected(names.error());
    std::vector<std::string> renamed;
    for (const LegacyTable& table : legacy_tables()) {
        const std::string prefixed = fmt::format("gad_{}", table.name);
        if (!contains(*names, table.name) || contains(*names, prefixed)) continue;
        auto ours = has_columns(connection, table.name, table.columns);
        if (!ours) return std::unexpected(ours.error());
        if (!*ours) continue;
        auto done =
            connection.execute(fmt::format("RENAME TABLE `{}` TO `{}`", table.name, prefixed));
        if (!done) {
            restore_legacy_names(connection, renamed);
            return std::unexpected(done.error());
        }
        renamed.emplace_back(table.name);
    }
    return renamed;
}

void restore_legacy_names(sql::Connection& connection, const std::vector<std::string>& renamed) {
    for (const std::string& name : renamed) {
        (void)connection.execute(fmt::format("RENAME TABLE `gad_{}` TO `{}`", name, name));
    }
}

}  // namespace gad::core::location
