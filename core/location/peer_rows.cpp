#include "core/location/peer_rows.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/dolt/written_mark.h"
#include "core/location/tables.h"

namespace gad::core::location {

namespace {

constexpr std::size_t kRowsPerStatement = 400;

}  // namespace

using dolt::is_dolt_hash;

// tables::kLwwTables, those of one table name together, in order.
const std::vector<MergedTable>& merged_tables() {
    static const std::vector<MergedTable> all = [] {
        std::vector<MergedTable> made;
        for (const LwwTable* table : tables::kLwwTables) {
            auto same = std::find_if(made.begin(), made.end(),
                                     [&](const MergedTable& m) { return m.name == table->name; });
            if (same == made.end()) {
                made.push_back(MergedTable{table->name, {*table}});
            } else {
                same->groups.push_back(*table);
            }
        }
        return made;
    }();
    return all;
}

Result<void> RuleWriter::add(const sql::Row& row) {
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

Result<void> RuleWriter::finish() {
    for (std::size_t g = 0; g < pending_.size(); ++g) {
        if (auto flushed = flush(g); !flushed) return flushed;
    }
    return {};
}

Result<void> RuleWriter::flush(std::size_t g) {
    auto& cells = pending_[g];
    if (cells.empty()) return {};
    const LwwTable& group = table_.groups[g];
    auto ran = connection_.run(lww_upsert_sql(group, cells.size() / group.column_count()),
                               sql::params_of(cells));
    cells.clear();
    if (!ran) return std::unexpected(ran.error());
    return {};
}

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

}  // namespace gad::core::location
