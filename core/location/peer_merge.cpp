#include "core/location/peer_merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "core/dolt/annex_repository.h"
#include "core/dolt/written_mark.h"
#include "core/location/location_store.h"
#include "core/location/lww_table.h"
#include "core/location/tables.h"
#include "core/timestamp.h"

namespace gad::core::location {

namespace {

constexpr std::size_t kRowsPerStatement = 400;
constexpr int kAttempts = 5;

// A table merged by the rule: its identity columns and, for each value it holds, the LWW view
// writing that value with its own timestamp column (the repositories table has six).
struct MergedTable {
    std::string_view name;
    std::vector<LwwTable> groups;

    // identity..., then value and ts of each group, each column name with prefix.
    std::string columns(std::string_view prefix) const {
        std::string out;
        for (std::string_view column : names()) {
            if (!out.empty()) out += ", ";
            out += fmt::format("{}{}", prefix, column);
        }
        return out;
    }

    // The column names of columns(""), in order.
    std::vector<std::string_view> names() const {
        std::vector<std::string_view> out(groups.front().identity.begin(),
                                          groups.front().identity.end());
        for (const LwwTable& group : groups) {
            out.insert(out.end(), group.values.begin(), group.values.end());
            out.push_back(group.ts);
        }
        return out;
    }
};

const std::vector<MergedTable>& merged_tables() {
    using namespace tables;
    static const std::vector<MergedTable> all = {
        {"gad_locations", {kLocations}},
        {"gad_urls", {kUrls}},
        {"gad_metadata", {kMetadata}},
        {"gad_chunks", {kChunks}},
        {"gad_remote_state", {kRemoteState}},
        {"gad_annex_settings", {kAnnexSettings}},
        {"gad_repositories",
         {kRepositoryDescription, kRepositoryTrust, kRepositoryGroups, kRepositoryRemoteConfig,
          kRepositoryPreferred, kRepositoryRequired}},
    };
    return all;
}

// Writes rows of one merged table (as MergedTable::columns lists them) into a connection by the
// rule, many rows per statement.
class RuleWriter {
  public:
    RuleWriter(sql::Connection& connection, const MergedTable& table)
        : connection_(connection), table_(table), pending_(table.groups.size()) {}

    Result<void> add(const sql::Row& row) {
        const std::size_t identity = table_.groups.front().identity.size();
        std::size_t column = identity;
        for (std::size_t g = 0; g < table_.groups.size(); ++g) {
            const std::size_t values = table_.groups[g].values.size();
            auto& cells = pending_[g];
            cells.insert(cells.end(), row.begin(), row.begin() + identity);
            cells.insert(cells.end(), row.begin() + column, row.begin() + column + values + 1);
            column += values + 1;
            if (cells.size() >= kRowsPerStatement * table_.groups[g].column_count()) {
                if (auto flushed = flush(g); !flushed) return flushed;
            }
        }
        return {};
    }

    Result<void> finish() {
        for (std::size_t g = 0; g < pending_.size(); ++g) {
            if (auto flushed = flush(g); !flushed) return flushed;
        }
        return {};
    }

  private:
    Result<void> flush(std::size_t g) {
        auto& cells = pending_[g];
        if (cells.empty()) return {};
        const LwwTable& group = table_.groups[g];
        std::vector<sql::Param> params;
        params.reserve(cells.size());
        for (const auto& cell : cells) {
            if (cell) {
                params.emplace_back(std::string_view(*cell));
            } else {
                params.emplace_back(nullptr);
            }
        }
        auto ran =
            connection_.run(lww_upsert_sql(group, cells.size() / group.column_count()), params);
        cells.clear();
        if (!ran) return std::unexpected(ran.error());
        return {};
    }

    sql::Connection& connection_;
    const MergedTable& table_;
    std::vector<std::vector<std::optional<std::string>>> pending_;  // per group, row after row
};

using dolt::is_dolt_hash;

Result<std::string> single_value(sql::Connection& connection, std::string_view sql) {
    auto rows = connection.query(sql);
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty() || rows->front().empty() || !rows->front()[0]) {
        return fail("the server answered nothing to {}", sql);
    }
    return *rows->front()[0];
}

Result<std::string> dolt_head(sql::Connection& connection) {
    auto head = single_value(connection, "SELECT HASHOF('HEAD')");
    if (head && !is_dolt_hash(*head)) return fail("unexpected Dolt commit hash '{}'", *head);
    return head;
}

Result<void> rollback_after(sql::Connection& connection, Failure failure) {
    (void)connection.execute("ROLLBACK");
    return std::unexpected(std::move(failure));
}

// Streams theirs' rows of every merged table into write(table, row): its changes from
// `from` to `to` when from is given (Dolt), else everything (at `to` on Dolt).
Result<std::size_t> read_peer(
    sql::Connection& theirs, const std::optional<std::string>& from, const std::string& to,
    const std::function<Result<void>(const MergedTable&, const sql::Row&)>& write) {
    std::size_t rows = 0;
    for (const MergedTable& table : merged_tables()) {
        std::string sql;
        if (from) {
            sql = fmt::format(
                "SELECT {} FROM dolt_diff('{}', '{}', '{}') WHERE diff_type <> 'removed'",
                table.columns("to_"), *from, to, table.name);
        } else if (!to.empty()) {
            sql = fmt::format("SELECT {} FROM {} AS OF '{}'", table.columns(""), table.name, to);
        } else {
            sql = fmt::format("SELECT {} FROM {}", table.columns(""), table.name);
        }
        auto read = theirs.for_each(sql, {}, [&](const sql::Row& row) -> Result<void> {
            ++rows;
            return write(table, row);
        });
        if (!read) return std::unexpected(read.error());
    }
    return rows;
}

// Writes what read_peer streams into connection, one RuleWriter per table at a time (read_peer
// goes table by table).
// Rows whose values check_peer_row refuses are left out.
struct RuleSink {
    sql::Connection& connection;
    annex_values::Gate& gate;
    std::string_view peer;
    std::optional<RuleWriter> writer;
    const MergedTable* table = nullptr;
    std::vector<std::string_view> names;

    Result<void> operator()(const MergedTable& next, const sql::Row& row) {
        if (table != &next) {
            if (auto done = finish(); !done) return done;
            writer.emplace(connection, next);
            table = &next;
            names = next.names();
        }
        if (!check_peer_row(gate, next.name, names, row, peer)) return {};
        return writer->add(row);
    }
    Result<void> finish() { return writer ? writer->finish() : Result<void>{}; }
};

Result<void> record_peer(sql::Connection& ours, std::string_view peer_id,
                         std::string_view peer_commit, std::string_view description) {
    const std::string now = Timestamp::now().to_decimal();
    auto ran = ours.run(
        "REPLACE INTO gad_peer_merges (peer_id, peer_commit, description, merged) VALUES (?, ?, ?, "
        "?)",
        {peer_id, peer_commit, description.substr(0, 1024), std::string_view(now)});
    if (!ran) return std::unexpected(ran.error());
    return {};
}

Result<PeerMergeSummary> merge_once(const PeerEnd& ours_end, const PeerEnd& theirs_end,
                                    const annex_values::RefusalSink& refused_sink) {
    auto ours_connection = sql::Connection::open(ours_end.url, ours_end.password);
    if (!ours_connection) return std::unexpected(ours_connection.error());
    auto ours = LocationStore::open(std::move(*ours_connection));
    if (!ours) return std::unexpected(ours.error());
    auto theirs_connection = sql::Connection::open(theirs_end.url, theirs_end.password);
    if (!theirs_connection) {
        return fail(theirs_connection.error().kind, "{}: {}", theirs_end.description,
                    theirs_connection.error().message);
    }
    auto theirs = LocationStore::open(std::move(*theirs_connection));
    if (!theirs) return std::unexpected(theirs.error());

    auto our_id = database_id(ours->connection());
    if (!our_id) return std::unexpected(our_id.error());
    auto their_id = database_id(theirs->connection());
    if (!their_id) return std::unexpected(their_id.error());
    if (*our_id == *their_id) {
        return fail(
            "{} and {} are the same location database (id {}), or one is a copy of the "
            "other",
            ours_end.description, theirs_end.description, *our_id);
    }

    // What theirs holds, committed, and the commit to read it at.
    std::string their_head;
    if (theirs->is_dolt()) {
        auto committed =
            theirs->dolt_commit("git-annex-dolt sync --with: changes not yet committed");
        if (!committed) return std::unexpected(committed.error());
        auto head = dolt_head(theirs->connection());
        if (!head) return std::unexpected(head.error());
        their_head = *head;
    }
    std::optional<std::string> merged_before;
    {
        auto rows =
            ours->connection().query("SELECT peer_commit FROM gad_peer_merges WHERE peer_id = ?",
                                     {std::string_view(*their_id)});
        if (!rows) return std::unexpected(rows.error());
        if (!rows->empty() && (*rows)[0][0] && is_dolt_hash(*(*rows)[0][0])) {
            merged_before = *(*rows)[0][0];
        }
    }

    PeerMergeSummary summary;
    std::vector<annex_values::Refusal> pending_refusals;
    auto report_refusals = [&] {
        if (refused_sink) {
            for (const auto& refusal : pending_refusals) refused_sink(refusal);
        }
    };
    const std::string message =
        fmt::format("git-annex-dolt sync --with {}: merge its locations (up to {})",
                    theirs_end.description, their_head.empty() ? "now" : their_head);

    // Reads theirs into connection (already in a transaction): only the changes since the last
    // merge when that commit is still known there, else everything.
    auto read_into = [&](sql::Connection& connection) -> Result<void> {
        if (merged_before && *merged_before == their_head) {
            summary.incremental = true;
            return {};
        }
        auto read_from = [&](const std::optional<std::string>& from) -> Result<std::size_t> {
            // Refusals are reported once the read is done: a read retried whole (below) does
            // not report them twice.
            std::vector<annex_values::Refusal> refusals;
            annex_values::Gate gate(
                [&](const annex_values::Refusal& refusal) { refusals.push_back(refusal); });
            RuleSink sink{connection, gate, theirs_end.description, std::nullopt, nullptr, {}};
            auto read = read_peer(theirs->connection(), from, their_head, std::ref(sink));
            if (!read) return read;
            if (auto done = sink.finish(); !done) return std::unexpected(done.error());
            summary.refused = gate.refused();
            pending_refusals = std::move(refusals);
            return read;
        };
        Result<std::size_t> read = std::unexpected(Failure{});
        if (merged_before && !their_head.empty()) {
            read = read_from(merged_before);
            summary.incremental = bool(read);
        }
        if (!summary.incremental) {
            // The commit merged last is gone there (or theirs is no Dolt server): read it all.
            (void)connection.execute("ROLLBACK");
            if (auto begun = connection.execute("START TRANSACTION"); !begun) return begun;
            if (!theirs->is_dolt()) {
                if (auto snap = theirs->connection().execute(
                        "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
                    !snap) {
                    return snap;
                }
            }
            read = read_from(std::nullopt);
            if (!theirs->is_dolt()) (void)theirs->connection().execute("COMMIT");
        }
        if (!read) return std::unexpected(read.error());
        summary.rows_read = *read;
        return {};
    };

    if (!ours->is_dolt()) {
        sql::Connection& connection = ours->connection();
        if (auto begun = connection.execute("START TRANSACTION"); !begun)
            return std::unexpected(begun.error());
        if (auto done = read_into(connection); !done)
            return std::unexpected(rollback_after(connection, done.error()).error());
        if (auto done = record_peer(connection, *their_id, their_head, theirs_end.description);
            !done) {
            return std::unexpected(rollback_after(connection, done.error()).error());
        }
        if (auto done = connection.execute("COMMIT"); !done) return std::unexpected(done.error());
        report_refusals();
        return summary;
    }

    // Dolt: theirs' facts on a branch made from ours' head, then merged into ours' branch.
    if (auto committed = ours->dolt_commit("git-annex-dolt sync --with: changes not yet committed");
        !committed) {
        return std::unexpected(committed.error());
    }
    auto our_branch = single_value(ours->connection(), "SELECT active_branch()");
    if (!our_branch) return std::unexpected(our_branch.error());
    const std::string side = fmt::format("gad-with-{}", *their_id);
    if (auto made = ours->connection().query(
            fmt::format("CALL DOLT_BRANCH('-f', '{}', '{}')", side, *our_branch));
        !made) {
        return std::unexpected(made.error());
    }
    auto drop_side = [&] {
        (void)ours->connection().query(fmt::format("CALL DOLT_BRANCH('-D', '{}')", side));
    };
    bool side_changed = false;
    {
        auto database = single_value(ours->connection(), "SELECT DATABASE()");
        if (!database) return std::unexpected(database.error());
        sql::DatabaseUrl side_url = ours_end.url;
        side_url.database = fmt::format("{}/{}", *database, side);
        auto side_connection = sql::Connection::open(side_url, ours_end.password);
        if (!side_connection) return std::unexpected(side_connection.error());
        auto side_store = LocationStore::open(std::move(*side_connection));
        if (!side_store) return std::unexpected(side_store.error());
        sql::Connection& on_side = side_store->connection();
        if (auto begun = on_side.execute("START TRANSACTION"); !begun) {
            return std::unexpected(begun.error());
        }
        if (auto done = read_into(on_side); !done) {
            drop_side();
            return std::unexpected(rollback_after(on_side, done.error()).error());
        }
        auto committed = side_store->dolt_commit(message);
        if (!committed) {
            drop_side();
            return std::unexpected(committed.error());
        }
        side_changed = committed->has_value();
    }
    auto record = [&]() -> Result<void> {
        return record_peer(ours->connection(), *their_id, their_head, theirs_end.description);
    };
    if (side_changed) {
        auto conflicts = merge_branch(ours->connection(), side, message, record);
        drop_side();
        if (!conflicts) return std::unexpected(conflicts.error());
        summary.conflicts = *conflicts;
    } else {
        drop_side();
        if (auto done = record(); !done) return std::unexpected(done.error());
        auto committed = ours->dolt_commit(message);
        if (!committed) return std::unexpected(committed.error());
    }
    auto head = dolt_head(ours->connection());
    if (!head) return std::unexpected(head.error());
    summary.commit = *head;
    report_refusals();
    return summary;
}

}  // namespace

bool check_peer_row(annex_values::Gate& gate, std::string_view table,
                    const std::vector<std::string_view>& columns, const sql::Row& row,
                    std::string_view peer) {
    using annex_values::Kind;
    bool all = true;
    for (std::size_t i = 0; i < columns.size() && i < row.size(); ++i) {
        const std::string_view column = columns[i];
        if (!row[i] || column == "ts" || column.ends_with("_ts")) continue;
        Kind kind = Kind::text;
        if (column == "annex_key") {
            kind = Kind::key;
        } else if (column == "uuid") {
            kind = Kind::uuid;
        } else if (column == "url") {
            kind = Kind::url;
        } else if (column == "field") {
            kind = Kind::metadata_field;
        } else if (column == "status") {
            kind = Kind::presence_status;
        } else if (column == "description") {
            kind = Kind::description;
        } else if (column == "value" && table == "gad_metadata") {
            continue;
        }
        all = gate.admit(kind, *row[i], [&] {
            return fmt::format("column {} of a row of table {} from {}", column, table, peer);
        }) && all;
    }
    return all;
}

Result<std::string> database_id(sql::Connection& connection) {
    const std::string fresh = dolt::new_uuid();
    auto inserted =
        connection.run("INSERT IGNORE INTO gad_meta (name, value) VALUES ('database_id', ?)",
                       {std::string_view(fresh)});
    if (!inserted) return std::unexpected(inserted.error());
    auto rows = connection.query("SELECT value FROM gad_meta WHERE name = 'database_id'", {});
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty() || !(*rows)[0][0]) return fail("the location database has no database_id");
    return *(*rows)[0][0];
}

Result<std::size_t> merge_branch(sql::Connection& connection, std::string_view branch,
                                 std::string_view message,
                                 const std::function<Result<void>()>& before_commit) {
    if (auto begun = connection.execute("START TRANSACTION"); !begun)
        return std::unexpected(begun.error());
    if (auto merged = connection.query(fmt::format("CALL DOLT_MERGE('{}')", branch)); !merged) {
        return std::unexpected(rollback_after(connection, merged.error()).error());
    }
    auto conflicted = connection.query("SELECT `table`, num_conflicts FROM dolt_conflicts");
    if (!conflicted) return std::unexpected(rollback_after(connection, conflicted.error()).error());
    std::size_t resolved = 0;
    for (const sql::Row& row : *conflicted) {
        const std::string name = row[0].value_or("");
        auto table = std::find_if(merged_tables().begin(), merged_tables().end(),
                                  [&](const MergedTable& t) { return t.name == name; });
        if (table == merged_tables().end()) {
            return std::unexpected(
                rollback_after(
                    connection,
                    Failure{Failure::Kind::error, fmt::format("merging {}: rows of table '{}' "
                                                              "conflict, and no rule resolves them",
                                                              branch, name)})
                    .error());
        }
        // Their side of each conflicting row, written by the rule over ours (which the merge
        // left in the table); a side that removed the row has nothing to offer.
        auto theirs = connection.query(
            fmt::format("SELECT {} FROM dolt_conflicts_{} WHERE their_diff_type <> 'removed'",
                        table->columns("their_"), table->name),
            {});
        if (!theirs) return std::unexpected(rollback_after(connection, theirs.error()).error());
        RuleWriter writer(connection, *table);
        for (const sql::Row& their_row : *theirs) {
            if (auto done = writer.add(their_row); !done) {
                return std::unexpected(rollback_after(connection, done.error()).error());
            }
        }
        if (auto done = writer.finish(); !done) {
            return std::unexpected(rollback_after(connection, done.error()).error());
        }
        if (auto done =
                connection.execute(fmt::format("DELETE FROM dolt_conflicts_{}", table->name));
            !done) {
            return std::unexpected(rollback_after(connection, done.error()).error());
        }
        resolved += theirs->size();
    }
    if (auto done = before_commit(); !done) {
        return std::unexpected(rollback_after(connection, done.error()).error());
    }
    if (auto staged = stage_location_tables(connection); !staged) {
        return std::unexpected(rollback_after(connection, staged.error()).error());
    }
    auto committed =
        connection.query("CALL DOLT_COMMIT('-m', ?, '--author', ?)", {message, kCommitAuthor});
    if (!committed) return std::unexpected(rollback_after(connection, committed.error()).error());
    return resolved;
}

Result<PeerMergeSummary> merge_from_peer(const PeerEnd& ours, const PeerEnd& theirs,
                                         const annex_values::RefusalSink& refused_sink) {
    for (int attempt = 1;; ++attempt) {
        auto merged = merge_once(ours, theirs, refused_sink);
        if (merged || attempt == kAttempts || merged.error().kind != Failure::Kind::transient) {
            return merged;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20 << attempt));
    }
}

}  // namespace gad::core::location
