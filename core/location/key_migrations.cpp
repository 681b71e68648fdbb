#include "core/location/key_migrations.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/location/tables.h"

namespace gad::core::location {

namespace {

constexpr std::size_t kRowsPerStatement = 256;
// Chains longer than this many migrations are not followed further (each round doubles the
// length of the chains resolved, so this is far beyond any real history).
constexpr int kMaxClosureRounds = 32;

// The condition under which a migration's old key still stands in for its new key in the
// repository of the joined locations row l (of the new key): no row, present, or a fact older
// than the migration.
constexpr std::string_view kStillStanding = "(l.status IS NULL OR l.status = '1' OR l.ts < m.ts)";

Result<std::uint64_t> count_rows(sql::Connection& connection) {
    auto rows = connection.query("SELECT COUNT(*) FROM gad_key_migrations");
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty() || !(*rows)[0][0]) return 0;
    return std::stoull(*(*rows)[0][0]);
}

Result<void> insert_direct(sql::Connection& connection,
                           const std::vector<KeyMigration>& migrations) {
    std::vector<std::string> timestamps;
    std::vector<sql::Param> params;
    for (std::size_t start = 0; start < migrations.size(); start += kRowsPerStatement) {
        const std::size_t count = std::min(kRowsPerStatement, migrations.size() - start);
        timestamps.clear();
        params.clear();
        std::string sql = "INSERT INTO gad_key_migrations (old_key, new_key, ts) VALUES ";
        for (std::size_t i = 0; i < count; ++i) {
            timestamps.push_back(migrations[start + i].timestamp.to_decimal());
            sql += i == 0 ? "(?, ?, ?)" : ", (?, ?, ?)";
        }
        for (std::size_t i = 0; i < count; ++i) {
            const KeyMigration& migration = migrations[start + i];
            params.insert(params.end(),
                          {std::string_view(migration.old_key), std::string_view(migration.new_key),
                           std::string_view(timestamps[i])});
        }
        sql +=
            " ON DUPLICATE KEY UPDATE gad_key_migrations.ts = LEAST(gad_key_migrations.ts, "
            "VALUES(ts))";
        if (auto ran = connection.run(sql, params); !ran) return std::unexpected(ran.error());
    }
    return {};
}

// Adds A to C for every A to B and B to C until no pair is added. (Read, then written like any
// other pair: Dolt refuses VALUES() in INSERT ... SELECT ... ON DUPLICATE KEY UPDATE.)
Result<void> close_chains(sql::Connection& connection, std::uint64_t rows) {
    for (int round = 0; round < kMaxClosureRounds; ++round) {
        auto implied = connection.query(
            "SELECT a.old_key, b.new_key, GREATEST(a.ts, b.ts) FROM gad_key_migrations a"
            " JOIN gad_key_migrations b ON b.old_key = a.new_key WHERE a.old_key <> b.new_key");
        if (!implied) return std::unexpected(implied.error());
        std::vector<KeyMigration> pairs;
        for (const auto& row : *implied) {
            if (!row[0] || !row[1] || !row[2]) continue;
            auto timestamp = Timestamp::parse(*row[2]);
            if (!timestamp) continue;
            pairs.push_back({*row[0], *row[1], *timestamp});
        }
        if (auto inserted = insert_direct(connection, pairs); !inserted) return inserted;
        auto now = count_rows(connection);
        if (!now) return std::unexpected(now.error());
        if (*now == rows) return {};
        rows = *now;
    }
    return {};
}

Result<std::uint64_t> record_in_transaction(sql::Connection& connection,
                                            const std::vector<KeyMigration>& migrations) {
    auto before = count_rows(connection);
    if (!before) return std::unexpected(before.error());
    if (auto inserted = insert_direct(connection, migrations); !inserted) {
        return std::unexpected(inserted.error());
    }
    auto after = count_rows(connection);
    if (!after) return std::unexpected(after.error());
    if (*after != *before) {
        if (auto closed = close_chains(connection, *after); !closed) {
            return std::unexpected(closed.error());
        }
        after = count_rows(connection);
        if (!after) return std::unexpected(after.error());
    }
    if (auto committed = connection.execute("COMMIT"); !committed) {
        return std::unexpected(committed.error());
    }
    return *after - *before;
}

}  // namespace

Result<std::uint64_t> record_key_migrations(sql::Connection& connection,
                                            const std::vector<KeyMigration>& migrations) {
    if (migrations.empty()) return 0;
    if (auto begun = connection.execute("START TRANSACTION"); !begun) {
        return std::unexpected(begun.error());
    }
    auto recorded = record_in_transaction(connection, migrations);
    if (!recorded) (void)connection.execute("ROLLBACK");
    return recorded;
}

Result<std::vector<StandIn>> stand_ins_for(sql::Connection& connection, std::string_view new_key,
                                           std::string_view uuid) {
    auto rows = connection.query(
        fmt::format("SELECT m.old_key, m.ts FROM gad_key_migrations m LEFT JOIN gad_locations l"
                    " ON l.annex_key = m.new_key AND l.uuid = ? WHERE m.new_key = ? AND {}"
                    " ORDER BY m.ts DESC",
                    kStillStanding),
        {uuid, new_key});
    if (!rows) return std::unexpected(rows.error());
    std::vector<StandIn> out;
    for (const auto& row : *rows) {
        if (!row[0] || !row[1]) continue;
        auto timestamp = Timestamp::parse(*row[1]);
        if (!timestamp) continue;
        out.push_back({*row[0], *timestamp});
    }
    return out;
}

Result<bool> for_each_stand_in(sql::Connection& connection, std::string_view uuid,
                               std::uint64_t limit, const StandInVisitor& visit) {
    auto rows = count_rows(connection);
    if (!rows) return std::unexpected(rows.error());
    if (*rows > limit) return false;
    // kStillStanding's rule as NOT EXISTS: over the whole table, Dolt 1.86.4 plans the LEFT JOIN
    // as a LeftOuterMergeJoin that drops a left row whose new key has rows of other repositories
    // only (K1..K3 with rows of another repository for K1 and K3, and of both for K2, gave K1 and
    // K2 alone); the anti-join gives every row.
    auto visited = connection.for_each(
        "SELECT m.new_key, m.old_key, m.ts FROM gad_key_migrations m WHERE NOT EXISTS (SELECT 1"
        " FROM gad_locations l WHERE l.annex_key = m.new_key AND l.uuid = ? AND l.status <> '1'"
        " AND l.ts >= m.ts)",
        {uuid}, [&](const sql::Row& row) -> Result<void> {
            if (!row[0] || !row[1] || !row[2]) return {};
            auto timestamp = Timestamp::parse(*row[2]);
            if (!timestamp) return {};
            return visit(*row[0], StandIn{*row[1], *timestamp});
        });
    if (!visited) return std::unexpected(visited.error());
    return true;
}

Result<std::vector<std::string>> keys_standing_on(sql::Connection& connection,
                                                  std::string_view old_key, std::string_view uuid) {
    auto rows = connection.query(
        fmt::format("SELECT m.new_key FROM gad_key_migrations m LEFT JOIN gad_locations l"
                    " ON l.annex_key = m.new_key AND l.uuid = ? WHERE m.old_key = ? AND {}",
                    kStillStanding),
        {uuid, old_key});
    if (!rows) return std::unexpected(rows.error());
    std::vector<std::string> out;
    for (const auto& row : *rows) {
        if (row[0]) out.push_back(*row[0]);
    }
    return out;
}

Result<std::uint64_t> record_migrated_locations(sql::Connection& connection) {
    // One row per new key and store, dated by its earliest migration from a key the store holds;
    // written where the store has no row for the new key, or an older absence.
    auto rows = connection.query(
        "SELECT c.new_key, c.uuid, c.ts FROM ("
        "  SELECT m.new_key AS new_key, o.uuid AS uuid, MIN(m.ts) AS ts FROM gad_key_migrations m"
        "  JOIN gad_locations o ON o.annex_key = m.old_key AND o.status = '1'"
        "  JOIN gad_repositories r ON r.uuid = o.uuid"
        "  WHERE CONCAT(' ', r.remote_config, ' ') LIKE '% externaltype=dolt %'"
        "  GROUP BY m.new_key, o.uuid) c"
        " LEFT JOIN gad_locations n ON n.annex_key = c.new_key AND n.uuid = c.uuid"
        " WHERE n.annex_key IS NULL OR (n.ts < c.ts AND n.status <> '1')");
    if (!rows) return std::unexpected(rows.error());
    std::vector<sql::Param> params;
    std::uint64_t written = 0;
    for (std::size_t start = 0; start < rows->size(); start += kRowsPerStatement) {
        const std::size_t count = std::min(kRowsPerStatement, rows->size() - start);
        params.clear();
        for (std::size_t i = start; i < start + count; ++i) {
            const sql::Row& row = (*rows)[i];
            if (!row[0] || !row[1] || !row[2]) continue;
            params.insert(params.end(), {std::string_view(*row[0]), std::string_view(*row[1]),
                                         std::string_view("1"), std::string_view(*row[2])});
        }
        if (params.empty()) continue;
        const std::size_t batch = params.size() / tables::kLocations.column_count();
        auto ran = connection.run(lww_upsert_sql(tables::kLocations, batch), params);
        if (!ran) return std::unexpected(ran.error());
        written += batch;
    }
    return written;
}

}  // namespace gad::core::location
