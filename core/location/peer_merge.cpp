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
#include "core/location/peer_history.h"
#include "core/location/peer_rows.h"
#include "core/location/tables.h"
#include "core/timestamp.h"

namespace gad::core::location {

namespace {

constexpr int kAttempts = 5;
using dolt::is_dolt_hash;

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

// Both ends open, and theirs' database id (each location database has its own).
struct OpenEnds {
    LocationStore ours, theirs;
    std::string their_id;
};
// Opens both ends; fails when they are one database (or one is a copy of the other).
Result<OpenEnds> open_ends(const PeerEnd& ours_end, const PeerEnd& theirs_end) {
    auto ours_connection = ours_end.open(ours_end.url);
    if (!ours_connection) return std::unexpected(ours_connection.error());
    auto ours = LocationStore::open(std::move(*ours_connection));
    if (!ours) return std::unexpected(ours.error());
    auto theirs_connection = theirs_end.open(theirs_end.url);
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
        // One database, or a copy: a Dolt clone of a database that already had its id (gad_meta
        // is versioned, so clones of one origin inherit it). Only the first is refused; a copy
        // makes ours take a new id, so that each names its peers apart.
        auto same = same_database(ours->connection(), theirs->connection());
        if (!same) return std::unexpected(same.error());
        if (*same) {
            return fail("{} and {} are the same location database (id {})", ours_end.description,
                        theirs_end.description, *our_id);
        }
        auto renewed = renew_database_id(ours->connection());
        if (!renewed) return std::unexpected(renewed.error());
    }
    return OpenEnds{std::move(*ours), std::move(*theirs), std::move(*their_id)};
}

// One merge of theirs into ours by the rule, in merge_once's steps.
class PeerMerge {
  public:
    PeerMerge(const PeerEnd& ours_end, const PeerEnd& theirs_end, OpenEnds ends,
              const annex_values::RefusalSink& refused_sink)
        : ours_end_(ours_end),
          theirs_end_(theirs_end),
          ours_(std::move(ends.ours)),
          theirs_(std::move(ends.theirs)),
          their_id_(std::move(ends.their_id)),
          refused_sink_(refused_sink) {}

    // What theirs holds, committed, and the commit to read it at; and the commit merged last.
    Result<void> settle_theirs();
    bool ours_is_dolt() { return ours_.is_dolt(); }
    // Ours without branches: theirs read and the merge recorded in one transaction.
    Result<void> merge_in_transaction();
    // Ours on Dolt: theirs' history merged when the two share it, else theirs' facts on a branch
    // made from ours' head, then merged into ours'.
    Result<void> merge_into_dolt() {
        auto merged = merge_shared_history();
        if (!merged) return std::unexpected(merged.error());
        return *merged ? Result<void>{} : merge_through_side_branch();
    }
    // Reports the refusals of the read that counted, and returns the summary.
    PeerMergeSummary finish() {
        if (refused_sink_) {
            for (const auto& refusal : pending_refusals_) refused_sink_(refusal);
        }
        return summary_;
    }

  private:
    // Theirs' branch fetched into ours and merged with DOLT_MERGE, when the two share history;
    // false (nothing done) when they do not, or when theirs' changes since the common commit
    // hold a value check_peer_row refuses (the row copy leaves such rows out).
    Result<bool> merge_shared_history();
    // Counts the values of theirs' changes from base to commit (in ours) that check_peer_row
    // refuses, reporting none.
    Result<std::size_t> refused_between(const std::string& base, const std::string& commit);
    Result<void> merge_through_side_branch();
    // Reads theirs into connection (already in a transaction): only the changes since the last
    // merge when that commit is still known there, else everything.
    Result<void> read_into(sql::Connection& connection);
    // Reads theirs' rows (changed since from, or all) into connection; refusals are kept until
    // the read is done, so that a read retried whole does not report them twice.
    Result<std::size_t> read_from(sql::Connection& connection,
                                  const std::optional<std::string>& from);
    // Reads theirs into a connection on ours' branch side and commits there; true when that
    // made a commit. The caller drops side.
    Result<bool> fill_side_branch(const std::string& side);
    // The commit message of the merge.
    std::string merge_message() const {
        return fmt::format("git-annex-dolt sync --with {}: merge its locations (up to {})",
                           theirs_end_.description, their_head_.empty() ? "now" : their_head_);
    }
    Result<void> record(sql::Connection& connection) {
        return record_peer(connection, their_id_, their_head_, theirs_end_.description);
    }

    const PeerEnd& ours_end_;
    const PeerEnd& theirs_end_;
    LocationStore ours_, theirs_;
    std::string their_id_;
    const annex_values::RefusalSink& refused_sink_;
    std::string their_head_;
    std::optional<std::string> merged_before_;
    PeerMergeSummary summary_;
    std::vector<annex_values::Refusal> pending_refusals_;
};

Result<void> PeerMerge::settle_theirs() {
    if (theirs_.is_dolt()) {
        auto committed =
            theirs_.dolt_commit("git-annex-dolt sync --with: changes not yet committed");
        if (!committed) return std::unexpected(committed.error());
        auto head = dolt_head(theirs_.connection());
        if (!head) return std::unexpected(head.error());
        their_head_ = *head;
    }
    auto rows = ours_.connection().query(
        "SELECT peer_commit FROM gad_peer_merges WHERE peer_id = ?", {std::string_view(their_id_)});
    if (!rows) return std::unexpected(rows.error());
    if (!rows->empty() && (*rows)[0][0] && is_dolt_hash(*(*rows)[0][0])) {
        merged_before_ = *(*rows)[0][0];
    }
    return {};
}

Result<std::size_t> PeerMerge::read_from(sql::Connection& connection,
                                         const std::optional<std::string>& from) {
    std::vector<annex_values::Refusal> refusals;
    annex_values::Gate gate(
        [&](const annex_values::Refusal& refusal) { refusals.push_back(refusal); });
    RuleSink sink{connection, gate, theirs_end_.description, std::nullopt, nullptr, {}};
    auto read = read_peer(theirs_.connection(), from, their_head_, std::ref(sink));
    if (!read) return read;
    if (auto done = sink.finish(); !done) return std::unexpected(done.error());
    summary_.refused = gate.refused();
    pending_refusals_ = std::move(refusals);
    return read;
}

Result<void> PeerMerge::read_into(sql::Connection& connection) {
    if (merged_before_ && *merged_before_ == their_head_) {
        summary_.incremental = true;
        return {};
    }
    Result<std::size_t> read = std::unexpected(Failure{});
    if (merged_before_ && !their_head_.empty()) {
        read = read_from(connection, merged_before_);
        summary_.incremental = bool(read);
    }
    if (!summary_.incremental) {
        // The commit merged last is gone there (or theirs is no Dolt server): read it all.
        (void)connection.execute("ROLLBACK");
        if (auto begun = connection.execute("START TRANSACTION"); !begun) return begun;
        if (!theirs_.is_dolt()) {
            if (auto snap = theirs_.connection().execute(
                    "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
                !snap) {
                return snap;
            }
        }
        read = read_from(connection, std::nullopt);
        if (!theirs_.is_dolt()) (void)theirs_.connection().execute("COMMIT");
    }
    if (!read) return std::unexpected(read.error());
    summary_.rows_read = *read;
    return {};
}

Result<void> PeerMerge::merge_in_transaction() {
    sql::Connection& connection = ours_.connection();
    if (auto begun = connection.execute("START TRANSACTION"); !begun) return begun;
    if (auto done = read_into(connection); !done) return rollback_after(connection, done.error());
    if (auto done = record(connection); !done) return rollback_after(connection, done.error());
    return connection.execute("COMMIT");
}

Result<bool> PeerMerge::fill_side_branch(const std::string& side) {
    auto database = single_value(ours_.connection(), "SELECT DATABASE()");
    if (!database) return std::unexpected(database.error());
    sql::DatabaseUrl side_url = ours_end_.url;
    side_url.database = fmt::format("{}/{}", *database, side);
    auto side_connection = ours_end_.open(side_url);
    if (!side_connection) return std::unexpected(side_connection.error());
    auto side_store = LocationStore::open(std::move(*side_connection));
    if (!side_store) return std::unexpected(side_store.error());
    sql::Connection& on_side = side_store->connection();
    if (auto begun = on_side.execute("START TRANSACTION"); !begun) {
        return std::unexpected(begun.error());
    }
    if (auto done = read_into(on_side); !done) {
        return std::unexpected(rollback_after(on_side, done.error()).error());
    }
    auto committed = side_store->dolt_commit(merge_message());
    if (!committed) return std::unexpected(committed.error());
    return committed->has_value();
}

Result<std::size_t> PeerMerge::refused_between(const std::string& base, const std::string& commit) {
    annex_values::Gate gate([](const annex_values::Refusal&) {});
    const MergedTable* table = nullptr;
    std::vector<std::string_view> names;
    auto read = read_peer(ours_.connection(), base, commit,
                          [&](const MergedTable& next, const sql::Row& row) -> Result<void> {
                              if (table != &next) {
                                  names = next.names();
                                  table = &next;
                              }
                              check_peer_row(gate, next.name, names, row, theirs_end_.description);
                              summary_.rows_read += 1;
                              return {};
                          });
    if (!read) return std::unexpected(read.error());
    return gate.refused();
}

Result<bool> PeerMerge::merge_shared_history() {
    auto shared = share_history(ours_.connection(), theirs_.connection());
    if (!shared || !*shared) return shared;
    if (auto committed = ours_.dolt_commit("git-annex-dolt sync --with: changes not yet committed");
        !committed) {
        return std::unexpected(committed.error());
    }
    auto exchange = PeerExchange::fetch(ours_.connection(), theirs_.connection(), their_id_);
    if (!exchange) return std::unexpected(exchange.error());
    auto base = single_value(ours_.connection(), fmt::format("SELECT DOLT_MERGE_BASE('HEAD', '{}')",
                                                             exchange->branch()));
    if (!base) return std::unexpected(base.error());
    auto refused = refused_between(*base, exchange->commit());
    if (!refused) return std::unexpected(refused.error());
    if (*refused > 0) {
        summary_.rows_read = 0;
        return false;
    }
    auto record_ours = [&]() -> Result<void> { return record(ours_.connection()); };
    auto conflicts =
        merge_branch(ours_.connection(), exchange->branch(), merge_message(), record_ours);
    if (!conflicts) return std::unexpected(conflicts.error());
    summary_.conflicts = *conflicts;
    summary_.incremental = true;
    auto head = dolt_head(ours_.connection());
    if (!head) return std::unexpected(head.error());
    summary_.commit = *head;
    return true;
}

Result<void> PeerMerge::merge_through_side_branch() {
    if (auto committed = ours_.dolt_commit("git-annex-dolt sync --with: changes not yet committed");
        !committed) {
        return std::unexpected(committed.error());
    }
    auto our_branch = single_value(ours_.connection(), "SELECT active_branch()");
    if (!our_branch) return std::unexpected(our_branch.error());
    const std::string side = fmt::format("gad-with-{}", their_id_);
    if (auto made = ours_.connection().query(
            fmt::format("CALL DOLT_BRANCH('-f', '{}', '{}')", side, *our_branch));
        !made) {
        return std::unexpected(made.error());
    }
    auto drop_side = [&] {
        (void)ours_.connection().query(fmt::format("CALL DOLT_BRANCH('-D', '{}')", side));
    };
    auto side_changed = fill_side_branch(side);
    if (!side_changed) {
        drop_side();
        return std::unexpected(side_changed.error());
    }
    auto record_ours = [&]() -> Result<void> { return record(ours_.connection()); };
    if (*side_changed) {
        auto conflicts = merge_branch(ours_.connection(), side, merge_message(), record_ours);
        drop_side();
        if (!conflicts) return std::unexpected(conflicts.error());
        summary_.conflicts = *conflicts;
    } else {
        drop_side();
        if (auto done = record_ours(); !done) return done;
        auto committed = ours_.dolt_commit(merge_message());
        if (!committed) return std::unexpected(committed.error());
    }
    auto head = dolt_head(ours_.connection());
    if (!head) return std::unexpected(head.error());
    summary_.commit = *head;
    return {};
}

Result<PeerMergeSummary> merge_once(const PeerEnd& ours_end, const PeerEnd& theirs_end,
                                    const annex_values::RefusalSink& refused_sink) {
    auto ends = open_ends(ours_end, theirs_end);
    if (!ends) return std::unexpected(ends.error());
    PeerMerge merge(ours_end, theirs_end, std::move(*ends), refused_sink);
    if (auto settled = merge.settle_theirs(); !settled) return std::unexpected(settled.error());
    auto merged = merge.ours_is_dolt() ? merge.merge_into_dolt() : merge.merge_in_transaction();
    if (!merged) return std::unexpected(merged.error());
    return merge.finish();
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

Result<bool> same_database(sql::Connection& one, sql::Connection& other) {
    // A user lock is the server's: the other connection sees one's lock only on the same server.
    const std::string lock = "gad-probe-" + dolt::new_uuid();
    auto taken = one.query("SELECT GET_LOCK(?, 0), DATABASE()", {std::string_view(lock)});
    if (!taken) return std::unexpected(taken.error());
    if (taken->empty() || !(*taken)[0][0] || *(*taken)[0][0] != "1") {
        return fail("could not take the user lock {} to tell two databases apart", lock);
    }
    const std::optional<std::string> one_database = (*taken)[0][1];
    auto seen = other.query("SELECT IS_USED_LOCK(?), DATABASE()", {std::string_view(lock)});
    auto released = one.query("SELECT RELEASE_LOCK(?)", {std::string_view(lock)});
    if (!seen) return std::unexpected(seen.error());
    if (!released) return std::unexpected(released.error());
    return !seen->empty() && (*seen)[0][0].has_value() && (*seen)[0][1] == one_database;
}

Result<std::string> renew_database_id(sql::Connection& connection) {
    const std::string fresh = dolt::new_uuid();
    auto updated = connection.run("UPDATE gad_meta SET value = ? WHERE name = 'database_id'",
                                  {std::string_view(fresh)});
    if (!updated) return std::unexpected(updated.error());
    return fresh;
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

namespace {

// Tables of this database's own bookkeeping (what it migrated, exported, merged; its identity):
// in a merge of another copy of the database, ours stands.
constexpr std::array<std::string_view, 7> kOwnBookkeeping = {
    "gad_meta",       "gad_annexed_files", "gad_migration_sources", "gad_migrations",
    "gad_sync_state", "gad_peer_merges",   "gad_key_migrations"};

// Settles the conflicts of one table after DOLT_MERGE: a merged table's by the rule (their side
// of each conflicting row written over ours), a bookkeeping table's by keeping ours. Returns the
// rows resolved by the rule; fails on any other table.
Result<std::size_t> resolve_conflicts(sql::Connection& connection, std::string_view branch,
                                      const std::string& name) {
    if (std::ranges::find(kOwnBookkeeping, name) != kOwnBookkeeping.end()) {
        auto kept =
            connection.query("CALL DOLT_CONFLICTS_RESOLVE('--ours', ?)", {std::string_view(name)});
        if (!kept) return std::unexpected(kept.error());
        return 0;
    }
    auto table = std::find_if(merged_tables().begin(), merged_tables().end(),
                              [&](const MergedTable& t) { return t.name == name; });
    if (table == merged_tables().end()) {
        return fail("merging {}: rows of table '{}' conflict, and no rule resolves them", branch,
                    name);
    }
    // Their side of each conflicting row, written by the rule over ours (which the merge left in
    // the table); a side that removed the row has nothing to offer.
    auto theirs = connection.query(
        fmt::format("SELECT {} FROM dolt_conflicts_{} WHERE their_diff_type <> 'removed'",
                    table->columns("their_"), table->name),
        {});
    if (!theirs) return std::unexpected(theirs.error());
    RuleWriter writer(connection, *table);
    for (const sql::Row& their_row : *theirs) {
        if (auto done = writer.add(their_row); !done) return std::unexpected(done.error());
    }
    if (auto done = writer.finish(); !done) return std::unexpected(done.error());
    if (auto done = connection.execute(fmt::format("DELETE FROM dolt_conflicts_{}", table->name));
        !done) {
        return std::unexpected(done.error());
    }
    return theirs->size();
}

}  // namespace

Result<std::size_t> merge_branch(sql::Connection& connection, std::string_view branch,
                                 std::string_view message,
                                 const std::function<Result<void>()>& before_commit) {
    if (auto begun = connection.execute("START TRANSACTION"); !begun)
        return std::unexpected(begun.error());
    // The database's identity is its own: a merge (a fast-forward above all) would otherwise
    // bring the other copy's, and the two would then name each other as themselves.
    auto own_id = connection.query("SELECT value FROM gad_meta WHERE name = 'database_id'");
    if (!own_id) return std::unexpected(rollback_after(connection, own_id.error()).error());
    auto merged = connection.query("CALL DOLT_MERGE(?)", {branch});
    if (!merged) return std::unexpected(rollback_after(connection, merged.error()).error());
    auto kept =
        own_id->empty() || !(*own_id)[0][0]
            ? connection.run("DELETE FROM gad_meta WHERE name = 'database_id'", {})
            : connection.run("REPLACE INTO gad_meta (name, value) VALUES ('database_id', ?)",
                             {std::string_view(*(*own_id)[0][0])});
    if (!kept) return std::unexpected(rollback_after(connection, kept.error()).error());
    auto conflicted = connection.query("SELECT `table`, num_conflicts FROM dolt_conflicts");
    if (!conflicted) return std::unexpected(rollback_after(connection, conflicted.error()).error());
    std::size_t resolved = 0;
    for (const sql::Row& row : *conflicted) {
        auto settled = resolve_conflicts(connection, branch, row[0].value_or(""));
        if (!settled) return std::unexpected(rollback_after(connection, settled.error()).error());
        resolved += *settled;
    }
    if (auto done = before_commit(); !done) {
        return std::unexpected(rollback_after(connection, done.error()).error());
    }
    if (auto staged = stage_location_tables(connection); !staged) {
        return std::unexpected(rollback_after(connection, staged.error()).error());
    }
    // A merge without conflicts made its commit (or fast-forwarded) already: only what
    // before_commit wrote is left to commit.
    auto committed = connection.query(
        conflicted->empty() ? "CALL DOLT_COMMIT('--skip-empty', '-m', ?, '--author', ?)"
                            : "CALL DOLT_COMMIT('-m', ?, '--author', ?)",
        {message, kCommitAuthor});
    if (!committed) return std::unexpected(rollback_after(connection, committed.error()).error());
    if (auto done = connection.execute("COMMIT"); !done) return std::unexpected(done.error());
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
