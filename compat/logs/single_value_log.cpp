#include "compat/logs/single_value_log.h"

#include <charconv>
#include <utility>

#include "core/annex_values.h"

namespace gad::compat::logs {

using core::annex_values::check;
using core::annex_values::Kind;

Parsed<SingleValueEntry> parse_single_value_log(std::string_view text) {
    Parsed<SingleValueEntry> result;
    for (const Line& line : split_lines(text)) {
        auto split = split_timestamp(line, "line without a value");
        if (split) {
            result.entries.push_back(SingleValueEntry{split->first, std::string(split->second)});
        } else {
            result.errors.push_back(std::move(split.error()));
        }
    }
    return result;
}

std::string format_single_value_log(const std::vector<SingleValueEntry>& entries) {
    std::string out;
    for (const auto& e : entries) {
        if (!check(Kind::text, e.value)) continue;
        out += e.ts.to_log();
        out += ' ';
        out += e.value;
        out += '\n';
    }
    return out;
}

std::optional<long long> parse_number_value(std::string_view value) {
    std::size_t pos = 0;
    while (pos < value.size() &&
           (value[pos] == ' ' || (value[pos] >= '\t' && value[pos] <= '\r'))) {
        ++pos;
    }
    long long number = 0;
    const auto [end, ec] = std::from_chars(value.data() + pos, value.data() + value.size(), number);
    if (ec != std::errc()) return std::nullopt;
    return number;
}

std::optional<long long> newest_number(const std::vector<SingleValueEntry>& entries) {
    std::optional<std::pair<core::Timestamp, long long>> best;
    for (const auto& e : entries) {
        const auto number = parse_number_value(e.value);
        if (!number) continue;
        const std::pair candidate{e.ts, *number};
        if (!best || candidate > *best) best = candidate;
    }
    if (!best) return std::nullopt;
    return best->second;
}

}  // namespace gad::compat::logs
