#include "compat/logs/chunk_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <tuple>

#include "compat/logs/map_log.h"
#include "core/annex_values.h"

namespace gad::compat::logs {

using core::annex_values::check;
using core::annex_values::Kind;
namespace {

std::optional<std::uint64_t> parse_decimal(std::string_view text) {
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

}  // namespace

Parsed<ChunkEntry> parse_chunk_log(std::string_view text) {
    Parsed<ChunkEntry> result;
    for (const Line& line : split_lines(text)) {
        auto e = parse_map_log_line(line);
        if (!e) {
            result.errors.push_back(std::move(e.error()));
            continue;
        }
        const std::size_t colon = e->field.find(':');
        const auto size = colon == std::string::npos
                              ? std::nullopt
                              : parse_decimal(std::string_view(e->field).substr(colon + 1));
        const auto count = parse_decimal(e->value);
        if (!size) {
            result.errors.push_back(line_error(line, "chunk field is not UUID:SIZE"));
        } else if (!count) {
            result.errors.push_back(line_error(line, "chunk count is not a number"));
        } else {
            result.entries.push_back(ChunkEntry{e->ts, e->field.substr(0, colon), *size, *count});
        }
    }
    return result;
}

std::vector<ChunkEntry> compact_chunk_log(std::vector<ChunkEntry> entries) {
    auto kept = newest_per(
        std::move(entries),
        [](const ChunkEntry& e) { return fmt::format("{}:{}", e.uuid, e.chunk_size); },
        TieBreak::last_wins);
    std::ranges::sort(kept, {}, [](const ChunkEntry& e) { return std::tie(e.uuid, e.chunk_size); });
    return kept;
}

std::string format_chunk_log(const std::vector<ChunkEntry>& entries) {
    std::string out;
    for (const auto& e : entries) {
        if (!check(Kind::word, e.uuid)) continue;
        out += fmt::format("{} {}:{} {}\n", e.ts.to_log(), e.uuid, e.chunk_size, e.chunk_count);
    }
    return out;
}

}  // namespace gad::compat::logs
