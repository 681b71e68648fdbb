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

bool is_dolt_hash(std::string_view text) {
    return text.size() == 32 && std::ranges::all_of(text, [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'v');
           });
}

bool is_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t length = c < 0x80           ? 1
                             : (c >> 5) == 0x6  ? 2
                             : (c >> 4) == 0xe  ? 3
                             : (c >> 3) == 0x1e ? 4
                                                : 0;
        if (length == 0 || i + length > text.size()) return false;
        std::uint32_t point = length == 1 ? c : c & (0x7f >> length);
        for (std::size_t j = 1; j < length; ++j) {
            const auto next = static_cast<unsigned char>(text[i + j]);
            if ((next >> 6) != 0x2) return false;
            point = (point << 6) | (next & 0x3f);
        }
        // Overlong forms, surrogates and points beyond U+10FFFF are not UTF-8.
        static constexpr std::uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
        if (point < kMinimum[length] || point > 0x10ffff || (point >= 0xd800 && point <= 0xdfff)) {
            return false;
        }
        i += length;
    }
    return true;
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
