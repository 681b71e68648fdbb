// The tables git-annex-dolt sync --with merges by the newest-wins rule, and the pieces that read
// and write their rows: shared by the row-copying merge (peer_merge.cpp) and the Dolt merge of
// a peer that shares history (peer_history.cpp). Internal to core/location.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/failure.h"
#include "core/location/lww_table.h"
#include "core/sql/connection.h"

namespace gad::core::location {

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

// Every merged table, in the order merges read them.
const std::vector<MergedTable>& merged_tables();

// Writes rows of one merged table (as MergedTable::columns lists them) into a connection by the
// rule, many rows per statement.
class RuleWriter {
  public:
    RuleWriter(sql::Connection& connection, const MergedTable& table)
        : connection_(connection), table_(table), pending_(table.groups.size()) {}

    // Queues one row, writing the queued ones once a statement's worth is waiting.
    Result<void> add(const sql::Row& row);
    // Writes what is still queued.
    Result<void> finish();

  private:
    Result<void> flush(std::size_t g);

    sql::Connection& connection_;
    const MergedTable& table_;
    std::vector<std::vector<std::optional<std::string>>> pending_;  // per group, row after row
};

// The one value the server answers to sql; fails when it answers nothing.
Result<std::string> single_value(sql::Connection& connection, std::string_view sql);

// The connection's Dolt HEAD commit, checked to be a Dolt hash.
Result<std::string> dolt_head(sql::Connection& connection);

// Rolls the connection's transaction back and returns failure, for `return rollback_after(...)`.
Result<void> rollback_after(sql::Connection& connection, Failure failure);

// Streams theirs' rows of every merged table into write(table, row): its changes from
// `from` to `to` when from is given (Dolt), else everything (at `to` on Dolt). Returns the rows
// read.
Result<std::size_t> read_peer(
    sql::Connection& theirs, const std::optional<std::string>& from, const std::string& to,
    const std::function<Result<void>(const MergedTable&, const sql::Row&)>& write);

}  // namespace gad::core::location
