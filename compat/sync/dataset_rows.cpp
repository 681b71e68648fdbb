#include "compat/sync/dataset_rows.h"

#include <algorithm>
#include <cstdint>

namespace gad::compat::sync::dataset {

std::string backticked(std::string_view identifier) {
    std::string out = "`";
    for (char c : identifier) {
        if (c == '`') out += '`';
        out += c;
    }
    return out + "`";
}

bool dolt_annex_can_hold(std::string_view key) { return key.starts_with("SHA256E-s"); }

std::string placeholders(std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += i == 0 ? "?" : ", ?";
    return out;
}

Result<std::optional<std::string>> single_value(Connection& connection, std::string_view sql,
                                                const std::vector<Param>& params) {
    auto rows = params.empty() ? connection.query(sql) : connection.query(sql, params);
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty() || rows->front().empty() || !rows->front()[0]) return std::nullopt;
    return rows->front()[0];
}

Result<void> call(Connection& connection, std::string_view sql, const std::vector<Param>& params) {
    auto rows = connection.query(sql, params);
    if (!rows) return std::unexpected(rows.error());
    return {};
}

}  // namespace gad::compat::sync::dataset
