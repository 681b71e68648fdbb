#include "core/location/dataset_merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "core/dolt/written_mark.h"
#include "core/location/location_store.h"
#include "core/location/peer_rows.h"

namespace gad::core::location {

namespace {

// Table and column names read from a peer's branch go into statements: only plain identifiers.
bool is_identifier(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

// A dataset table's columns, its primary key's marked.
struct Columns {
    std::vector<std::string> names;
    std::vector<bool> key;

    // "prefixNAME = ? AND ..." over the key columns.
    std::string key_match(std::string_view prefix) const {
        std::string out;
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (!key[i]) continue;
            out += fmt::format("{}`{}{}` = ?", out.empty() ? "" : " AND ", prefix, names[i]);
        }
        return out;
    }
    // The key columns' values of a row given as all columns' values.
    std::vector<std::optional<std::string>> key_of(
        const std::vector<std::optional<std::string>>& row) const {
        std::vector<std::optional<std::string>> out;
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (key[i]) out.push_back(row[i]);
        }
        return out;
    }
};

Result<Columns> columns_of(sql::Connection& on, const std::string& table) {
    auto rows = on.query(fmt::format("SHOW COLUMNS FROM `{}`", table));
    if (!rows) return std::unexpected(rows.error());
    Columns columns;
    for (const sql::Row& row : *rows) {
        const std::string name = row.at(0).value_or("");
        if (!is_identifier(name)) {
            return fail("dataset table {} has a column named '{:.64}', not a plain identifier",
                        table, name);
        }
        columns.names.push_back(name);
        columns.key.push_back(row.size() > 3 && row[3] == "PRI");
    }
    if (std::find(columns.key.begin(), columns.key.end(), true) == columns.key.end()) {
        return fail("dataset table {} has no primary key", table);
    }
    return columns;
}

// One table's conflicts, each settled by the side that changed its row last.
class TableConflicts {
  public:
    TableConflicts(sql::Connection& on, std::string_view database, std::string_view base,
                   std::string table, Columns columns)
        : on_(on),
          database_(database),
          base_(base),
          table_(std::move(table)),
          columns_(std::move(columns)) {}

    Result<std::size_t> resolve(const std::string& our_head, const std::string& their_head) {
        std::string select;
        for (std::string_view side : {"our_", "their_"}) {
            for (const std::string& name : columns_.names) {
                select += fmt::format("`{}{}`, ", side, name);
            }
        }
        auto rows = on_.query(fmt::format(
            "SELECT {}our_diff_type, their_diff_type FROM `dolt_conflicts_{}`", select, table_));
        if (!rows) return std::unexpected(rows.error());
        const std::size_t n = columns_.names.size();
        for (const sql::Row& row : *rows) {
            const std::vector<std::optional<std::string>> ours(row.begin(), row.begin() + n);
            const std::vector<std::optional<std::string>> theirs(row.begin() + n,
                                                                 row.begin() + 2 * n);
            const bool ours_removed = row[2 * n] == "removed";
            const bool theirs_removed = row[2 * n + 1] == "removed";
            // The row's key: either side's (a side that removed it has NULLs there).
            const auto key = columns_.key_of(ours_removed ? theirs : ours);
            auto our_time = last_change(our_head, key);
            if (!our_time) return std::unexpected(our_time.error());
            auto their_time = last_change(their_head, key);
            if (!their_time) return std::unexpected(their_time.error());
            if (!(*their_time > *our_time)) continue;  // ours stands (the merge left it)
            auto taken = theirs_removed ? remove(key) : replace(theirs);
            if (!taken) return std::unexpected(taken.error());
        }
        if (auto done = on_.execute(fmt::format("DELETE FROM `dolt_conflicts_{}`", table_));
            !done) {
            return std::unexpected(done.error());
        }
        return rows->size();
    }

  private:
    // The date of the newest commit since base in commit's history that changed the row with
    // key (as text that sorts as the date does; empty when none did).
    Result<std::string> last_change(const std::string& commit,
                                    const std::vector<std::optional<std::string>>& key) {
        std::vector<sql::Param> params = sql::params_of(key);
        const std::vector<sql::Param> again = params;
        params.insert(params.end(), again.begin(), again.end());
        auto rows = on_.query(
            fmt::format("SELECT MAX(to_commit_date) FROM `{}/{}`.`dolt_diff_{}` WHERE to_commit IN "
                        "(SELECT commit_hash FROM dolt_log('{}..{}')) AND (({}) OR ({}))",
                        database_, commit, table_, base_, commit, columns_.key_match("to_"),
                        columns_.key_match("from_")),
            params);
        if (!rows) return std::unexpected(rows.error());
        if (rows->empty() || rows->front().empty() || !rows->front()[0]) return std::string();
        return *rows->front()[0];
    }

    Result<void> remove(const std::vector<std::optional<std::string>>& key) {
        auto done =
            on_.run(fmt::format("DELETE FROM `{}` WHERE {}", table_, columns_.key_match("")),
                    sql::params_of(key));
        if (!done) return std::unexpected(done.error());
        return {};
    }

    Result<void> replace(const std::vector<std::optional<std::string>>& row) {
        std::string names, marks;
        for (const std::string& name : columns_.names) {
            names += fmt::format("{}`{}`", names.empty() ? "" : ", ", name);
            marks += marks.empty() ? "?" : ", ?";
        }
        auto done = on_.run(fmt::format("REPLACE INTO `{}` ({}) VALUES ({})", table_, names, marks),
                            sql::params_of(row));
        if (!done) return std::unexpected(done.error());
        return {};
    }

    sql::Connection& on_;
    std::string_view database_;
    std::string_view base_;  // the merge base: only changes since count
    std::string table_;
    Columns columns_;
};

// Settles every conflicting table of the merge in progress; returns the rows resolved.
Result<std::size_t> resolve_all(sql::Connection& on, std::string_view database,
                                const std::string& base, const std::string& our_head,
                                const std::string& their_head) {
    auto conflicted = on.query("SELECT `table` FROM dolt_conflicts");
    if (!conflicted) return std::unexpected(conflicted.error());
    std::size_t resolved = 0;
    for (const sql::Row& row : *conflicted) {
        const std::string table = row.at(0).value_or("");
        if (!is_identifier(table)) {
            return fail("rows of a table named '{:.64}' conflict: not a plain identifier", table);
        }
        auto columns = columns_of(on, table);
        if (!columns) return std::unexpected(columns.error());
        TableConflicts conflicts(on, database, base, table, std::move(*columns));
        auto done = conflicts.resolve(our_head, their_head);
        if (!done) return std::unexpected(done.error());
        resolved += *done;
        auto staged = on.query("CALL DOLT_ADD(?)", {std::string_view(table)});
        if (!staged) return std::unexpected(staged.error());
    }
    return resolved;
}

}  // namespace

Result<std::size_t> merge_dataset_branch(sql::Connection& on, std::string_view database,
                                         std::string_view from, std::string_view message) {
    if (auto begun = on.execute("START TRANSACTION"); !begun) return std::unexpected(begun.error());
    auto failed = [&on](Failure failure) -> Result<std::size_t> {
        return std::unexpected(rollback_after(on, std::move(failure)).error());
    };
    auto our_head = dolt_head(on);
    if (!our_head) return failed(our_head.error());
    auto their_rows = on.query("SELECT HASHOF(?)", {from});
    if (!their_rows) return failed(their_rows.error());
    if (their_rows->empty() || their_rows->front().empty() || !their_rows->front()[0]) {
        return failed(Failure{{}, fmt::format("no commit for {}", from)});
    }
    const std::string their_head = *their_rows->front()[0];
    if (!dolt::is_dolt_hash(their_head)) {
        return failed(Failure{{}, fmt::format("unexpected commit hash '{:.40}'", their_head)});
    }
    auto base =
        single_value(on, fmt::format("SELECT DOLT_MERGE_BASE('{}', '{}')", *our_head, their_head));
    if (!base) return failed(base.error());
    if (!dolt::is_dolt_hash(*base)) {
        return failed(Failure{{}, fmt::format("unexpected merge base '{:.40}'", *base)});
    }
    auto merged =
        on.query("CALL DOLT_MERGE(?, '-m', ?, '--author', ?)", {from, message, kCommitAuthor});
    if (!merged) return failed(merged.error());
    const bool conflicted = !merged->empty() && merged->front().size() > 2 && merged->front()[2] &&
                            *merged->front()[2] != "0";
    std::size_t resolved = 0;
    if (conflicted) {
        auto done = resolve_all(on, database, *base, *our_head, their_head);
        if (!done) return failed(done.error());
        resolved = *done;
        auto committed =
            on.query("CALL DOLT_COMMIT('-m', ?, '--author', ?)", {message, kCommitAuthor});
        if (!committed) return failed(committed.error());
    }
    if (auto done = on.execute("COMMIT"); !done) return std::unexpected(done.error());
    return resolved;
}

}  // namespace gad::core::location
