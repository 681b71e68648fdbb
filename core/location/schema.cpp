#include "core/location/schema.h"

#include <array>
#include <charconv>
#include <string_view>

namespace gad::core::location {

namespace {

// Version 1: repositories and key locations. Keys and UUIDs are compared byte for byte.
constexpr std::array<std::string_view, 3> kVersion1 = {
    "CREATE TABLE IF NOT EXISTS gad_meta ("
    " name VARCHAR(64) NOT NULL PRIMARY KEY,"
    " value VARCHAR(255) NOT NULL)",

    "CREATE TABLE IF NOT EXISTS repositories ("
    " uuid VARCHAR(36) COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,"
    " description VARCHAR(1024) NOT NULL DEFAULT '')",

    // status: '1' present, '0' missing, 'X' dead (git-annex's presence log values);
    // ts: the git-annex timestamp of the fact; a newer ts wins (git-annex's last-writer rule).
    "CREATE TABLE IF NOT EXISTS locations ("
    " annex_key VARBINARY(512) NOT NULL,"
    " uuid VARCHAR(36) COLLATE utf8mb4_bin NOT NULL,"
    " status CHAR(1) NOT NULL,"
    " ts DECIMAL(24,12) NOT NULL,"
    " PRIMARY KEY (annex_key, uuid),"
    " KEY locations_by_uuid (uuid, status))",
};

}  // namespace

Result<bool> ensure_schema(sql::Connection& connection) {
    auto rows = connection.query("SELECT value FROM gad_meta WHERE name = ?", {"schema_version"});
    if (rows && !rows->empty() && (*rows)[0][0]) {
        const std::string& text = *(*rows)[0][0];
        int version = 0;
        std::from_chars(text.data(), text.data() + text.size(), version);
        if (version > kSchemaVersion) {
            return fail(
                "the location database has schema version {}, newer than this program's {}: "
                "upgrade git-annex-dolt",
                version, kSchemaVersion);
        }
        if (version == kSchemaVersion) return false;
    }
    for (std::string_view statement : kVersion1) {
        if (auto done = connection.execute(statement); !done) return std::unexpected(done.error());
    }
    auto recorded = connection.run(
        "REPLACE INTO gad_meta (name, value) VALUES (?, ?)",
        {std::string_view("schema_version"), std::string_view(std::to_string(kSchemaVersion))});
    if (!recorded) return std::unexpected(recorded.error());
    return true;
}

}  // namespace gad::core::location
