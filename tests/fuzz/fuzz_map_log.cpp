// Fuzzes the MapLog parser (config.log, group-preferred-content.log, KEY.log.rmt, export.log...).
#include "compat/logs/map_log.h"
#include "log_checks.h"

using namespace gad::compat::logs;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = gad::fuzz::as_text(data, size);
    const auto parsed = parse_map_log(text);
    gad::fuzz::check_errors(parsed, text);
    gad::fuzz::check_round_trip(parsed.entries, parse_map_log, format_map_log);
    const auto compact = compact_map_log(parsed.entries);
    gad::fuzz::check_round_trip(compact, parse_map_log, format_map_log);
    gad::fuzz::check(compact_map_log(compact) == compact, "compact_map_log is idempotent");
    return 0;
}
