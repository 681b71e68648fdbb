#include "core/location/changed_rows.h"

#include <fmt/format.h>

#include <string>
#include <vector>

namespace gad::core::location {

namespace {

std::string_view select_of(ChangedTable table) {
    switch (table) {
        case ChangedTable::locations:
            return "SELECT annex_key, uuid, status, ts FROM gad_locations";
        case ChangedTable::urls:
            return "SELECT annex_key, url, status, ts FROM gad_urls";
        case ChangedTable::metadata:
            return "SELECT annex_key, field, value, status, ts FROM gad_metadata";
    }
    return {};
}

std::string_view diff_select_of(ChangedTable table) {
    switch (table) {
        case ChangedTable::locations:
            return "SELECT to_annex_key, to_uuid, to_status, to_ts";
        case ChangedTable::urls:
            return "SELECT to_annex_key, to_url, to_status, to_ts";
        case ChangedTable::metadata:
            return "SELECT to_annex_key, to_field, to_value, to_status, to_ts";
    }
    return {};
}

bool is_commit_hash(std::string_view text) {
    return text.size() == 32 &&
           text.find_first_not_of("0123456789abcdefghijklmnopqrstuv") == std::string_view::npos;
}

}  // namespace

std::string_view table_name(ChangedTable table) {
    switch (table) {
        case ChangedTable::locations:
            return "gad_locations";
        case ChangedTable::urls:
            return "gad_urls";
        case ChangedTable::metadata:
            return "gad_metadata";
    }
    return {};
}

Result<void> for_each_changed_row(sql::Connection& connection, ChangedTable table,
                                  std::string_view watermark, std::string_view since_commit,
                                  const sql::RowVisitor& visit) {
    const bool all = watermark == "-1";
    std::vector<sql::Param> params;
    if (all || since_commit.empty()) {
        const std::string sql =
            fmt::format("{}{} ORDER BY annex_key", select_of(table), all ? "" : " WHERE ts > ?");
        if (!all) params.emplace_back(watermark);
        return connection.for_each(sql, params, visit);
    }
    // A table function's arguments are not bound parameters on Dolt: the hash goes into the text,
    // checked first.
    if (!is_commit_hash(since_commit)) {
        return fail("not a Dolt commit hash: '{}'", since_commit);
    }
    // Sorted outside the union: an ORDER BY on the union itself makes Dolt scan the whole table
    // instead of its ts index (100,000 keys: 0.49 s against 0.04 s).
    const std::string sql = fmt::format(
        "SELECT * FROM ({} WHERE ts > ? UNION {} FROM DOLT_DIFF('{}', 'WORKING', '{}') WHERE "
        "diff_type <> 'removed') AS changed ORDER BY annex_key",
        select_of(table), diff_select_of(table), since_commit, table_name(table));
    params.emplace_back(watermark);
    return connection.for_each(sql, params, visit);
}

}  // namespace gad::core::location
