#include "compat/logs/presence_log.h"

#include <algorithm>

#include "core/annex_values.h"

namespace gad::compat::logs {

using core::annex_values::check;
using core::annex_values::Kind;

Parsed<PresenceEntry> parse_presence_log(std::string_view text) {
    Parsed<PresenceEntry> result;
    for (const Line& line : split_lines(text)) {
        auto split = split_timestamp(line, "presence line without status");
        if (!split) {
            result.errors.push_back(std::move(split.error()));
            continue;
        }
        const auto& [ts, rest] = *split;
        if (rest.size() < 2 || rest[1] != ' ') {
            result.errors.push_back(line_error(line, "presence line without status and info"));
            continue;
        }
        const char status = rest[0];
        if (status != '1' && status != '0' && status != 'X') {
            result.errors.push_back(line_error(line, "unknown presence status"));
            continue;
        }
        result.entries.push_back(PresenceEntry{ts, status, std::string(rest.substr(2))});
    }
    return result;
}

std::vector<PresenceEntry> compact_presence(std::vector<PresenceEntry> entries) {
    auto kept = newest_per(std::move(entries), [](const PresenceEntry& e) { return e.info; });
    std::ranges::sort(kept, {}, &PresenceEntry::info);
    return kept;
}

std::string format_presence_log(const std::vector<PresenceEntry>& entries) {
    std::string out;
    for (const auto& e : entries) {
        if (!check(Kind::presence_status, std::string_view(&e.status, 1)) ||
            !check(Kind::text, e.info)) {
            continue;
        }
        append_log_line(out, e.ts, std::string_view(&e.status, 1), e.info);
    }
    return out;
}

}  // namespace gad::compat::logs
