#include "core/location/key_reads.h"

namespace gad::core::location {

Result<std::vector<LocationRow>> locations_of_key(sql::Connection& connection,
                                                  std::string_view key) {
    auto rows = connection.query(
        "SELECT uuid, status FROM gad_locations WHERE annex_key = ? ORDER BY uuid", {key});
    if (!rows) return std::unexpected(rows.error());
    std::vector<LocationRow> out;
    for (const auto& row : *rows) {
        if (row[0] && row[1] && !row[1]->empty()) out.push_back({*row[0], (*row[1])[0]});
    }
    return out;
}

Result<std::vector<std::string>> present_urls_of_key(sql::Connection& connection,
                                                     std::string_view key) {
    auto rows = connection.query(
        "SELECT url FROM gad_urls WHERE annex_key = ? AND status = '1' ORDER BY url", {key});
    if (!rows) return std::unexpected(rows.error());
    std::vector<std::string> urls;
    for (const auto& row : *rows) {
        if (row[0]) urls.push_back(*row[0]);
    }
    return urls;
}

Result<void> for_each_location(sql::Connection& connection, const LocationVisitor& visit) {
    return connection.for_each(
        "SELECT annex_key, uuid, status FROM gad_locations ORDER BY annex_key, uuid", {},
        [&](const sql::Row& row) -> Result<void> {
            if (!row[0] || !row[1] || !row[2]) return {};
            return visit(*row[0], *row[1], *row[2]);
        });
}

Result<void> for_each_present_url(sql::Connection& connection, const KeyUrlVisitor& visit) {
    return connection.for_each(
        "SELECT annex_key, url FROM gad_urls WHERE status = '1' ORDER BY annex_key, url", {},
        [&](const sql::Row& row) -> Result<void> {
            if (!row[0] || !row[1]) return {};
            return visit(*row[0], *row[1]);
        });
}

Result<void> for_each_key_present_in(sql::Connection& connection, std::string_view uuid,
                                     const KeyVisitor& visit) {
    return connection.for_each(
        "SELECT annex_key FROM gad_locations WHERE uuid = ? AND status = '1'", {uuid},
        [&](const sql::Row& row) -> Result<void> {
            if (!row[0]) return {};
            return visit(*row[0]);
        });
}

}  // namespace gad::core::location
