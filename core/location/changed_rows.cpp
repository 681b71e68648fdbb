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
                                  std::string_view watermark, const sql::RowVisitor& visit) {
    const bool all = watermark == "-1";
    const std::string sql =
        fmt::format("{}{} ORDER BY annex_key", select_of(table), all ? "" : " WHERE ts > ?");
    std::vector<sql::Param> params;
    if (!all) params.emplace_back(watermark);
    return connection.for_each(sql, params, visit);
}

}  // namespace gad::core::location
