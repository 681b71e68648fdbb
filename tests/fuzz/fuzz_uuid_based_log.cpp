// Fuzzes the old-format UUID-based logs (uuid.log, trust.log, group.log, remote.log,
// preferred-content.log...) and the readers of their values: trust levels, group lists and
// remote configurations.
#include <algorithm>

#include "compat/logs/uuid_based_log.h"
#include "log_checks.h"

using namespace gad::compat::logs;
using gad::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = gad::fuzz::as_text(data, size);
    // Without a NUL, no line the parser accepts holds a value the formatter must leave out.
    const bool no_nul = text.find('\0') == std::string_view::npos;
    const auto parsed = parse_uuid_based_log(text);
    gad::fuzz::check_errors(parsed, text);
    gad::fuzz::check_round_trip(parsed.entries, parse_uuid_based_log, format_uuid_based_log,
                                no_nul);
    const auto compact = compact_uuid_based(parsed.entries);
    gad::fuzz::check_round_trip(compact, parse_uuid_based_log, format_uuid_based_log, no_nul);

    // The values, as each log's reader sees them (the whole input counts as one value too).
    std::vector<std::string> values{std::string(text)};
    for (const UuidBasedEntry& entry : parsed.entries) values.push_back(entry.value);
    for (const std::string& value : values) {
        const TrustLevel level = parse_trust_level(value);
        check(parse_trust_level(format_trust_level(level)) == level, "trust levels round-trip",
              format_trust_level(level), value);

        const std::vector<std::string> groups = parse_group_names(value);
        check(parse_group_names(format_group_names(groups)) == groups, "group lists round-trip",
              format_group_names(groups), value);

        auto config = parse_remote_config(value);
        const std::string written = format_remote_config(config);
        std::stable_sort(config.begin(), config.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        check(parse_remote_config(written) == config, "remote configurations round-trip", written,
              value);
    }
    return 0;
}
