#include "compat/logs/map_log.h"

#include <algorithm>

#include "core/annex_values.h"

namespace gad::compat::logs {

using core::annex_values::check;
using core::annex_values::Kind;

std::expected<MapLogEntry, LineError> parse_map_log_line(const Line& line) {
    const std::size_t first = line.text.find(' ');
    const std::size_t second =
        first == std::string_view::npos ? first : line.text.find(' ', first + 1);
    if (second == std::string_view::npos) {
        return std::unexpected(line_error(line, "line without timestamp, field and value"));
    }
    const auto ts = parse_log_timestamp(line.text.substr(0, first));
    if (!ts) return std::unexpected(line_error(line, "bad timestamp"));
    return MapLogEntry{std::string(line.text.substr(first + 1, second - first - 1)),
                       std::string(line.text.substr(second + 1)), *ts};
}

Parsed<MapLogEntry> parse_map_log(std::string_view text) {
    Parsed<MapLogEntry> result;
    for (const Line& line : split_lines(text)) {
        auto entry = parse_map_log_line(line);
        if (entry) {
            result.entries.push_back(std::move(*entry));
        } else {
            result.errors.push_back(std::move(entry.error()));
        }
    }
    return result;
}

std::vector<MapLogEntry> compact_map_log(std::vector<MapLogEntry> entries) {
    auto kept = newest_per(
        std::move(entries), [](const MapLogEntry& e) { return e.field; }, TieBreak::last_wins);
    std::ranges::sort(kept, {}, &MapLogEntry::field);
    return kept;
}

std::string format_map_log(const std::vector<MapLogEntry>& entries) {
    std::string out;
    for (const auto& e : entries) {
        if (!check(Kind::word, e.field) || !check(Kind::text, e.value)) continue;
        append_log_line(out, e.ts, e.field, e.value);
    }
    return out;
}

}  // namespace gad::compat::logs
