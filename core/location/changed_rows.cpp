#include "core/location/changed_rows.h"

#include <fmt/format.h>

#include <string>
#include <vector>

#include "core/dolt/written_mark.h"
#include "core/location/tables.h"

namespace gad::core::location {

namespace {

// The table's LwwTable: its name, and the columns streamed, in order.
const LwwTable& lww_of(ChangedTable table) {
    switch (table) {
        case ChangedTable::urls:
            return tables::kUrls;
        case ChangedTable::metadata:
            return tables::kMetadata;
        case ChangedTable::locations:
            break;
    }
    return tables::kLocations;
}

}  // namespace

std::string_view table_name(ChangedTable table) { return lww_of(table).name; }

Result<void> for_each_changed_row(sql::Connection& connection, ChangedTable table,
                                  std::string_view watermark, std::string_view since_commit,
                                  const sql::RowVisitor& visit) {
    const bool all = watermark == "-1";
    std::vector<sql::Param> params;
    const LwwTable& lww = lww_of(table);
    const std::string select = fmt::format("SELECT {} FROM {}", column_list(lww), lww.name);
    if (all || since_commit.empty()) {
        const std::string sql =
            fmt::format("{}{} ORDER BY annex_key", select, all ? "" : " WHERE ts > ?");
        if (!all) params.emplace_back(watermark);
        return connection.for_each(sql, params, visit);
    }
    // A table function's arguments are not bound parameters on Dolt: the hash goes into the text,
    // checked first.
    if (!dolt::is_dolt_hash(since_commit)) {
        return fail("not a Dolt commit hash: '{}'", since_commit);
    }
    // Sorted outside the union: an ORDER BY on the union itself makes Dolt scan the whole table
    // instead of its ts index (100,000 keys: 0.49 s against 0.04 s).
    const std::string sql = fmt::format(
        "SELECT * FROM ({} WHERE ts > ? UNION SELECT {} FROM DOLT_DIFF('{}', 'WORKING', '{}') "
        "WHERE diff_type <> 'removed') AS changed ORDER BY annex_key",
        select, column_list(lww, "to_"), since_commit, lww.name);
    params.emplace_back(watermark);
    return connection.for_each(sql, params, visit);
}

bool holds_commit(sql::Connection& connection, std::string_view commit) {
    if (!dolt::is_dolt_hash(commit) || !connection.is_dolt()) return false;
    auto rows = connection.query(fmt::format("SELECT HASHOF('{}')", commit));
    return rows && !rows->empty();
}

}  // namespace gad::core::location
