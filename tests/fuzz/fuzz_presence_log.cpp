// Fuzzes the presence log parser (location logs KEY.log and URL logs KEY.log.web).
#include "compat/logs/presence_log.h"
#include "log_checks.h"

using namespace gad::compat::logs;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = gad::fuzz::as_text(data, size);
    // Without a NUL, no line the parser accepts holds a value the formatter must leave out.
    const bool no_nul = text.find('\0') == std::string_view::npos;
    const auto parsed = parse_presence_log(text);
    gad::fuzz::check_errors(parsed, text);
    gad::fuzz::check_round_trip(parsed.entries, parse_presence_log, format_presence_log, no_nul);
    const auto compact = compact_presence(parsed.entries);
    gad::fuzz::check_round_trip(compact, parse_presence_log, format_presence_log, no_nul);
    gad::fuzz::check(compact_presence(compact) == compact, "compact_presence is idempotent");
    return 0;
}
