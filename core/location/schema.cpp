#include "core/location/schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <span>
#include <string_view>
#include <vector>

#include "core/location/legacy_names.h"
#include "core/location/tables.h"

namespace gad::core::location {

namespace {

// Version 1: repositories and key locations. Keys and UUIDs are compared byte for byte.
constexpr std::array<std::string_view, 3> kVersion1 = {
    "CREATE TABLE IF NOT EXISTS gad_meta ("
    " name VARCHAR(64) NOT NULL PRIMARY KEY,"
    " value VARCHAR(255) NOT NULL)",

    "CREATE TABLE IF NOT EXISTS gad_repositories ("
    " uuid VARCHAR(36) COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,"
    " description VARCHAR(1024) NOT NULL DEFAULT '')",

    // status: '1' present, '0' missing, 'X' dead (git-annex's presence log values);
    // ts: the git-annex timestamp of the fact; a newer ts wins (git-annex's last-writer rule).
    "CREATE TABLE IF NOT EXISTS gad_locations ("
    " annex_key VARBINARY(512) NOT NULL,"
    " uuid VARCHAR(36) COLLATE utf8mb4_bin NOT NULL,"
    " status CHAR(1) NOT NULL,"
    " ts DECIMAL(24,12) NOT NULL,"
    " PRIMARY KEY (annex_key, uuid),"
    " KEY locations_by_uuid (uuid, status))",
};

// Version 2: everything else the git-annex branch knows (git-annex-dolt migrate), with the
// same rule: every fact carries the git-annex timestamp it was recorded with, and a newer one
// wins. Per-repository settings get one value and one timestamp column each.
constexpr std::array<std::string_view, 9> kVersion2 = {
    "ALTER TABLE gad_repositories"
    " ADD COLUMN description_ts DECIMAL(24,12) NOT NULL DEFAULT 0,"
    " ADD COLUMN trust CHAR(1) NOT NULL DEFAULT '?',"
    " ADD COLUMN trust_ts DECIMAL(24,12) NOT NULL DEFAULT 0,"
    " ADD COLUMN groups_list VARCHAR(4096) NOT NULL DEFAULT '',"
    " ADD COLUMN groups_list_ts DECIMAL(24,12) NOT NULL DEFAULT 0,"
    " ADD COLUMN remote_config TEXT,"
    " ADD COLUMN remote_config_ts DECIMAL(24,12) NOT NULL DEFAULT 0,"
    " ADD COLUMN preferred_content TEXT,"
    " ADD COLUMN preferred_content_ts DECIMAL(24,12) NOT NULL DEFAULT 0,"
    " ADD COLUMN required_content TEXT,"
    " ADD COLUMN required_content_ts DECIMAL(24,12) NOT NULL DEFAULT 0",

    // Settings not tied to one repository: numcopies, mincopies, config.<name> (config.log),
    // groupwanted.<group> (group-preferred-content.log).
    "CREATE TABLE IF NOT EXISTS gad_annex_settings ("
    " name VARBINARY(512) NOT NULL PRIMARY KEY,"
    " value TEXT NOT NULL,"
    " ts DECIMAL(24,12) NOT NULL)",

    // KEY.log.web: status '1' registered, '0' removed.
    "CREATE TABLE IF NOT EXISTS gad_urls ("
    " annex_key VARBINARY(512) NOT NULL,"
    " url VARBINARY(2048) NOT NULL,"
    " status CHAR(1) NOT NULL,"
    " ts DECIMAL(24,12) NOT NULL,"
    " PRIMARY KEY (annex_key, url))",

    // KEY.log.met: one row per (field, value); status '1' set, '0' unset.
    "CREATE TABLE IF NOT EXISTS gad_metadata ("
    " annex_key VARBINARY(512) NOT NULL,"
    " field VARBINARY(255) NOT NULL,"
    " value VARBINARY(2048) NOT NULL,"
    " status CHAR(1) NOT NULL,"
    " ts DECIMAL(24,12) NOT NULL,"
    " PRIMARY KEY (annex_key, field, value),"
    " KEY metadata_by_field (field, value))",

    // KEY.log.cnk: the chunks a repository holds of a key, for each chunk size.
    "CREATE TABLE IF NOT EXISTS gad_chunks ("
    " annex_key VARBINARY(512) NOT NULL,"
    " uuid VARCHAR(36) COLLATE utf8mb4_bin NOT NULL,"
    " chunk_size BIGINT UNSIGNED NOT NULL,"
    " chunk_count BIGINT UNSIGNED NOT NULL,"
    " ts DECIMAL(24,12) NOT NULL,"
    " PRIMARY KEY (annex_key, uuid, chunk_size))",

    // KEY.log.rmt: a special remote's own state for a key.
    "CREATE TABLE IF NOT EXISTS gad_remote_state ("
    " annex_key VARBINARY(512) NOT NULL,"
    " uuid VARCHAR(36) COLLATE utf8mb4_bin NOT NULL,"
    " state TEXT NOT NULL,"
    " ts DECIMAL(24,12) NOT NULL,"
    " PRIMARY KEY (annex_key, uuid))",

    // The annexed files of a git-annex repository's branch: path -> key.
    "CREATE TABLE IF NOT EXISTS gad_annexed_files ("
    " annex_uuid VARCHAR(36) COLLATE utf8mb4_bin NOT NULL,"
    " path VARBINARY(2048) NOT NULL,"
    " annex_key VARBINARY(512) NOT NULL,"
    " PRIMARY KEY (annex_uuid, path),"
    " KEY annexed_files_by_key (annex_key))",

    // What a git-annex repository's last complete migration read: for each source (the
    // git-annex branch, unmerged refs/remotes/*/git-annex, the annexed files' branch) the git
    // object it was at. Written last, in the migration's final transaction.
    "CREATE TABLE IF NOT EXISTS gad_migration_sources ("
    " annex_uuid VARCHAR(36) COLLATE utf8mb4_bin NOT NULL,"
    " source VARBINARY(512) NOT NULL,"
    " object CHAR(40) NOT NULL,"
    " PRIMARY KEY (annex_uuid, source))",

    "CREATE TABLE IF NOT EXISTS gad_migrations ("
    " annex_uuid VARCHAR(36) COLLATE utf8mb4_bin NOT NULL,"
    " branch_commit CHAR(40) NOT NULL,"
    " finished DECIMAL(24,12) NOT NULL,"
    " logs_read BIGINT NOT NULL,"
    " PRIMARY KEY (annex_uuid, finished))",
};

// Version 3: what git-annex-dolt sync last wrote back into a git-annex repository's branch.
constexpr std::array<std::string_view, 1> kVersion3 = {
    "CREATE TABLE IF NOT EXISTS gad_sync_state ("
    " annex_uuid VARCHAR(36) COLLATE utf8mb4_bin NOT NULL,"
    " name VARCHAR(64) NOT NULL,"
    " value VARCHAR(255) NOT NULL,"
    " PRIMARY KEY (annex_uuid, name))",
};

// Version 4: git-annex-dolt sync --with, merging other location databases. The database's own
// identity (gad_meta database_id, made on first use) names it to its peers; for each peer, the
// peer's commit merged last (empty when the peer is not Dolt and is read whole each time).
constexpr std::array<std::string_view, 1> kVersion4 = {
    "CREATE TABLE IF NOT EXISTS gad_peer_merges ("
    " peer_id VARCHAR(36) COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,"
    " peer_commit VARCHAR(64) NOT NULL,"
    " description VARCHAR(1024) NOT NULL,"
    " merged DECIMAL(24,12) NOT NULL)",
};

// Version 6: key migrations git-annex recorded (git annex migrate), chains resolved: old_key's
// object is also new_key's content since ts. Looked up by new key (the remote, for a key it does
// not hold) and by old key (what removing an object takes away).
constexpr std::array<std::string_view, 1> kVersion6 = {
    "CREATE TABLE IF NOT EXISTS gad_key_migrations ("
    " new_key VARBINARY(512) NOT NULL,"
    " old_key VARBINARY(512) NOT NULL,"
    " ts DECIMAL(24,12) NOT NULL,"
    " PRIMARY KEY (new_key, old_key),"
    " KEY key_migrations_by_old (old_key))",
};

// The secondary indexes the statements above create, for dropping and restoring around bulk loads;
// a table's are next to each other.
struct SecondaryIndex {
    std::string_view table, name, columns;
    // Kept through a bulk load: its entries arrive in a few ascending runs when rows come in
    // primary-key order (locations: one per uuid and status), so keeping it up to date costs less
    // than building it afterwards (MariaDB, 2.6M locations: a load 4.5 s slower against a build of
    // 11.6 s; Dolt, 1M: 26.9 s against 21.9 + 6.3 s).
    bool kept_through_loads = false;
    // Only on Dolt: the *_by_ts ones (schema version 5), which let git-annex-dolt sync find the
    // facts newer than its last export without scanning the tables (8 s of a sync at 1,000,000
    // keys on Dolt). MariaDB scans 2.6M locations for them in 1.6 s, while the index cost 9.5 s
    // of every migration there (its entries, the timestamp and whole primary key, arrive in no
    // order: kept through a load, it took that load from 13 s to 150 s).
    bool dolt_only = false;
};
constexpr std::array<SecondaryIndex, 6> kSecondaryIndexes = {{
    {"gad_locations", "locations_by_uuid", "uuid, status", true},
    {"gad_locations", "locations_by_ts", "ts", false, true},
    {"gad_urls", "urls_by_ts", "ts", false, true},
    {"gad_metadata", "metadata_by_field", "field, value"},
    {"gad_metadata", "metadata_by_ts", "ts", false, true},
    {"gad_annexed_files", "annexed_files_by_key", "annex_key"},
}};

// The names of table's indexes (SHOW INDEX's Key_name), one per index column.
Result<std::vector<std::string>> index_names(sql::Connection& connection, std::string_view table) {
    auto rows = connection.query(fmt::format("SHOW INDEX FROM {}", table));
    if (!rows) return std::unexpected(rows.error());
    std::vector<std::string> names;
    for (const sql::Row& row : *rows) {
        if (row.size() > 2 && row[2]) names.push_back(*row[2]);
    }
    return names;
}

}  // namespace

Result<void> drop_secondary_indexes(sql::Connection& connection, std::string_view table) {
    auto names = index_names(connection, table);
    if (!names) return std::unexpected(names.error());
    for (const SecondaryIndex& index : kSecondaryIndexes) {
        if (index.table != table || index.kept_through_loads) continue;
        if (std::find(names->begin(), names->end(), index.name) == names->end()) continue;
        auto dropped =
            connection.execute(fmt::format("ALTER TABLE {} DROP INDEX {}", table, index.name));
        if (!dropped) return dropped;
    }
    return {};
}

Result<void> restore_secondary_indexes(sql::Connection& connection, std::string_view only_table) {
    // One ALTER TABLE per table for all its missing indexes, so that a server can build them in
    // one scan (MariaDB, 1,000,000 keys: all six 22.3 s one by one, 18.8 s this way).
    for (auto first = kSecondaryIndexes.begin(); first != kSecondaryIndexes.end();) {
        const auto last =
            std::find_if(first, kSecondaryIndexes.end(),
                         [&](const SecondaryIndex& index) { return index.table != first->table; });
        if (!only_table.empty() && first->table != only_table) {
            first = last;
            continue;
        }
        auto names = index_names(connection, first->table);
        if (!names) return std::unexpected(names.error());
        std::string additions;
        for (auto index = first; index != last; ++index) {
            if (std::find(names->begin(), names->end(), index->name) != names->end()) continue;
            if (index->dolt_only && !connection.is_dolt()) continue;
            additions += fmt::format("{}ADD INDEX {} ({})", additions.empty() ? "" : ", ",
                                     index->name, index->columns);
        }
        if (!additions.empty()) {
            auto added =
                connection.execute(fmt::format("ALTER TABLE {} {}", first->table, additions));
            if (!added) return added;
        }
        first = last;
    }
    return {};
}

namespace {

// The schema version gad_meta records, 0 when it records none (or does not exist yet).
Result<int> recorded_version(sql::Connection& connection) {
    // As text, not prepared: one round trip instead of three, at every program start.
    auto rows = connection.query("SELECT value FROM gad_meta WHERE name = 'schema_version'");
    if (!rows || rows->empty() || !(*rows)[0][0]) return 0;
    const std::string& text = *(*rows)[0][0];
    int version = 0;
    std::from_chars(text.data(), text.data() + text.size(), version);
    if (version > kSchemaVersion) {
        return fail(
            "the location database has schema version {}, newer than this program's {}: "
            "upgrade git-annex-dolt",
            version, kSchemaVersion);
    }
    return version;
}

// A server-wide named lock (GET_LOCK) on this database's schema, held while it lives, so that two
// programs starting at once do not create or upgrade it together.
class SchemaLock {
  public:
    explicit SchemaLock(sql::Connection& connection) : connection_(connection) {}
    ~SchemaLock() {
        if (held_) (void)connection_.query(fmt::format("SELECT RELEASE_LOCK({})", kName));
    }
    SchemaLock(const SchemaLock&) = delete;
    SchemaLock& operator=(const SchemaLock&) = delete;

    Result<void> acquire() {
        auto rows = connection_.query(fmt::format("SELECT GET_LOCK({}, 120)", kName));
        if (!rows) return std::unexpected(rows.error());
        if (rows->empty() || !(*rows)[0][0] || *(*rows)[0][0] != "1") {
            return fail("another program held the lock on the location schema for 2 minutes");
        }
        held_ = true;
        return {};
    }

  private:
    static constexpr std::string_view kName = "CONCAT('git-annex-dolt schema ', DATABASE())";
    sql::Connection& connection_;
    bool held_ = false;
};

// Version 8: the newer per-repository logs of git-annex 10.2024: cluster.log's nodes of a
// cluster, proxy.log's remotes a repository proxies, maxsize.log's maximum sizes.
constexpr std::string_view kVersion8 =
    "ALTER TABLE gad_repositories"
    " ADD COLUMN cluster_nodes TEXT,"
    " ADD COLUMN cluster_nodes_ts DECIMAL(24,12) NOT NULL DEFAULT 0,"
    " ADD COLUMN proxied_remotes TEXT,"
    " ADD COLUMN proxied_remotes_ts DECIMAL(24,12) NOT NULL DEFAULT 0,"
    " ADD COLUMN max_size TEXT,"
    " ADD COLUMN max_size_ts DECIMAL(24,12) NOT NULL DEFAULT 0";

// Version 9: KEY.log.cid, the content identifiers of import remotes (git annex import --from);
// KEY.log.rmet, special remotes' per-key metadata; export.log, what was exported where.
constexpr std::array<std::string_view, 3> kVersion9 = {
    "CREATE TABLE IF NOT EXISTS gad_content_identifiers ("
    " annex_key VARBINARY(512) NOT NULL,"
    " uuid VARCHAR(36) COLLATE utf8mb4_bin NOT NULL,"
    " content_ids TEXT NOT NULL,"
    " ts DECIMAL(24,12) NOT NULL,"
    " PRIMARY KEY (annex_key, uuid))",
    "CREATE TABLE IF NOT EXISTS gad_remote_metadata ("
    " annex_key VARBINARY(512) NOT NULL,"
    " field VARBINARY(255) NOT NULL,"
    " value VARBINARY(2048) NOT NULL,"
    " status CHAR(1) NOT NULL,"
    " ts DECIMAL(24,12) NOT NULL,"
    " PRIMARY KEY (annex_key, field, value))",
    "CREATE TABLE IF NOT EXISTS gad_exports ("
    " from_uuid VARCHAR(36) COLLATE utf8mb4_bin NOT NULL,"
    " to_uuid VARCHAR(36) COLLATE utf8mb4_bin NOT NULL,"
    " trees TEXT NOT NULL,"
    " ts DECIMAL(24,12) NOT NULL,"
    " PRIMARY KEY (from_uuid, to_uuid))",
};

// Runs the statements of every version, in order; each only makes what is missing.
Result<void> upgrade(sql::Connection& connection) {
    // The CREATE statements only create what is missing: they run at every upgrade, so that a
    // table of ours that was missing, or was someone else's under an old name, is made.
    for (std::string_view statement : kVersion1) {
        if (auto done = connection.execute(statement); !done) return done;
    }
    for (std::string_view statement : kVersion2) {
        // The ALTER only when the columns are missing (a concurrent upgrade may have added them).
        if (statement.starts_with("ALTER") &&
            connection.execute("SELECT trust FROM gad_repositories LIMIT 0")) {
            continue;
        }
        if (auto done = connection.execute(statement); !done) return done;
    }
    for (std::string_view statement : kVersion3) {
        if (auto done = connection.execute(statement); !done) return done;
    }
    for (std::string_view statement : kVersion4) {
        if (auto done = connection.execute(statement); !done) return done;
    }
    for (std::string_view statement : kVersion6) {
        if (auto done = connection.execute(statement); !done) return done;
    }
    // The ALTER only when the columns are missing (a concurrent upgrade may have added them).
    if (!connection.execute("SELECT cluster_nodes FROM gad_repositories LIMIT 0")) {
        if (auto done = connection.execute(kVersion8); !done) return done;
    }
    for (std::string_view statement : kVersion9) {
        if (auto done = connection.execute(statement); !done) return done;
    }
    // Version 5: the ts indexes. (Version 7, the gad_ names, is rename_legacy_tables.)
    return restore_secondary_indexes(connection);
}

// Undoes a failed creation or upgrade: the renamed tables get their old names back, and the tables
// of ours that did not exist before are dropped, so nothing half-made is left behind.
void undo_upgrade(sql::Connection& connection, const std::vector<std::string>& before,
                  const std::vector<std::string>& renamed) {
    restore_legacy_names(connection, renamed);
    for (std::string_view table : tables::kAllTables) {
        if (std::find(before.begin(), before.end(), table) != before.end()) continue;
        (void)connection.execute(fmt::format("DROP TABLE IF EXISTS `{}`", table));
    }
}

}  // namespace

Result<SchemaChange> ensure_schema(sql::Connection& connection) {
    auto version = recorded_version(connection);
    if (!version) return std::unexpected(version.error());
    if (*version == kSchemaVersion) return SchemaChange{};
    SchemaLock lock(connection);
    if (auto locked = lock.acquire(); !locked) return std::unexpected(locked.error());
    version = recorded_version(connection);  // another program may have done it meanwhile
    if (!version) return std::unexpected(version.error());
    if (*version == kSchemaVersion) return SchemaChange{};
    auto before = table_names(connection);
    if (!before) return std::unexpected(before.error());
    SchemaChange change;
    change.changed = true;
    if (*version >= 1) {
        auto renamed = rename_legacy_tables(connection);
        if (!renamed) return std::unexpected(renamed.error());
        change.renamed = std::move(*renamed);
    }
    auto done = upgrade(connection);
    if (done) {
        auto recorded = connection.run(
            "REPLACE INTO gad_meta (name, value) VALUES (?, ?)",
            {std::string_view("schema_version"), std::string_view(std::to_string(kSchemaVersion))});
        if (!recorded) done = std::unexpected(recorded.error());
    }
    if (!done) {
        undo_upgrade(connection, *before, change.renamed);
        return std::unexpected(done.error());
    }
    return change;
}

std::string_view annexed_files_path_order(sql::Connection& connection) {
    return connection.is_dolt() ? "annex_uuid, path" : "path";
}

}  // namespace gad::core::location
