#include "core/location/location_store.h"

#include <chrono>
#include <thread>

#include "core/location/schema.h"
#include "core/location/tables.h"

namespace gad::core::location {

namespace {

constexpr std::size_t kRowsPerStatement = 256;
constexpr int kAttempts = 8;

}  // namespace

Result<LocationStore> LocationStore::open(sql::Connection connection) {
    LocationStore store(std::move(connection));
    auto changed = ensure_schema(store.connection_);
    if (!changed) return std::unexpected(changed.error());
    if (changed->changed) {
        store.unstaged_renames_ = std::move(changed->renamed);
        auto committed = store.dolt_commit(
            fmt::format("git-annex-dolt: create location schema v{}", kSchemaVersion));
        if (!committed) return std::unexpected(committed.error());
    }
    return store;
}

Result<void> LocationStore::record(std::span<const LocationChange> changes) {
    if (changes.empty()) return {};
    for (int attempt = 1;; ++attempt) {
        auto done = record_once(changes);
        if (done || attempt == kAttempts || done.error().kind != Failure::Kind::transient) {
            return done;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5 << attempt));
    }
}

Result<void> LocationStore::record_once(std::span<const LocationChange> changes) {
    if (auto begun = connection_.execute("START TRANSACTION"); !begun) return begun;
    std::vector<std::string> timestamps;
    std::vector<sql::Param> params;
    for (std::size_t start = 0; start < changes.size(); start += kRowsPerStatement) {
        const auto batch =
            changes.subspan(start, std::min(kRowsPerStatement, changes.size() - start));
        timestamps.clear();
        timestamps.reserve(batch.size());
        params.clear();
        for (const LocationChange& change : batch) {
            timestamps.push_back(change.timestamp.to_decimal());
        }
        static constexpr char kStatus[3][2] = {"1", "0", "X"};
        for (std::size_t i = 0; i < batch.size(); ++i) {
            const LocationChange& change = batch[i];
            const char* status = change.presence == Presence::present   ? kStatus[0]
                                 : change.presence == Presence::missing ? kStatus[1]
                                                                        : kStatus[2];
            params.insert(params.end(),
                          {std::string_view(change.key), std::string_view(change.uuid),
                           std::string_view(status, 1), std::string_view(timestamps[i])});
        }
        if (auto ran = connection_.run(lww_upsert_sql(tables::kLocations, batch.size()), params);
            !ran) {
            (void)connection_.execute("ROLLBACK");
            return std::unexpected(ran.error());
        }
    }
    if (auto committed = connection_.execute("COMMIT"); !committed) {
        (void)connection_.execute("ROLLBACK");
        return committed;
    }
    return {};
}

Result<std::optional<Presence>> LocationStore::presence(std::string_view key,
                                                        std::string_view uuid) {
    auto rows = connection_.query(
        "SELECT status FROM gad_locations WHERE annex_key = ? AND uuid = ?", {key, uuid});
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty() || !(*rows)[0][0] || (*rows)[0][0]->empty()) {
        return std::optional<Presence>{};
    }
    return presence_from_char((*(*rows)[0][0])[0]);
}

Result<std::optional<LocationStore::Row>> LocationStore::row(std::string_view key,
                                                             std::string_view uuid) {
    auto rows = connection_.query(
        "SELECT status, ts FROM gad_locations WHERE annex_key = ? AND uuid = ?", {key, uuid});
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty() || !(*rows)[0][0] || (*rows)[0][0]->empty() || !(*rows)[0][1]) {
        return std::optional<Row>{};
    }
    auto presence = presence_from_char((*(*rows)[0][0])[0]);
    auto timestamp = Timestamp::parse(*(*rows)[0][1]);
    if (!presence || !timestamp) {
        return fail("locations row of {} for {} unreadable: status {}, ts {}", key, uuid,
                    *(*rows)[0][0], *(*rows)[0][1]);
    }
    return std::optional<Row>(Row{*presence, *timestamp});
}

Result<void> LocationStore::set_repository(std::string_view uuid, std::string_view description) {
    auto ran =
        description.empty()
            ? connection_.run("INSERT IGNORE INTO gad_repositories (uuid) VALUES (?)", {uuid})
            : connection_.run(
                  "INSERT INTO gad_repositories (uuid, description) VALUES (?, ?)"
                  " ON DUPLICATE KEY UPDATE description = VALUES(description)",
                  {uuid, description});
    if (!ran) return std::unexpected(ran.error());
    return {};
}

Result<void> stage_location_tables(sql::Connection& connection,
                                   const std::vector<std::string>& renamed) {
    std::string tables;
    for (std::string_view table : tables::kAllTables) {
        tables += fmt::format("{}'{}'", tables.empty() ? "" : ", ", table);
    }
    for (const std::string& table : renamed) tables += fmt::format(", '{}'", table);
    auto staged = connection.query(fmt::format("CALL DOLT_ADD({})", tables));
    if (!staged) return std::unexpected(staged.error());
    return {};
}

Result<std::optional<std::string>> LocationStore::dolt_commit(std::string_view message) {
    if (!connection_.is_dolt()) return std::optional<std::string>{};
    for (int attempt = 1;; ++attempt) {
        // Only our tables: what else the branch holds uncommitted (dolt-annex's rows, a user's
        // tables) is theirs to commit.
        auto staged = stage_location_tables(connection_, unstaged_renames_);
        auto rows =
            staged ? connection_.query("CALL DOLT_COMMIT('--skip-empty', '-m', ?, '--author', ?)",
                                       {message, kCommitAuthor})
                   : Result<sql::Rows>(std::unexpected(staged.error()));
        if (rows) unstaged_renames_.clear();
        if (rows) {
            if (rows->empty() || rows->front().empty() || !rows->front()[0] ||
                rows->front()[0]->empty()) {
                return std::optional<std::string>{};
            }
            return std::optional<std::string>(*rows->front()[0]);
        }
        if (attempt == kAttempts || rows.error().kind != Failure::Kind::transient) {
            return std::unexpected(rows.error());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5 << attempt));
    }
}

}  // namespace gad::core::location
