// Fuzzes the single-value logs (numcopies.log, mincopies.log) and their number reader.
#include "compat/logs/single_value_log.h"
#include "log_checks.h"

using namespace gad::compat::logs;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = gad::fuzz::as_text(data, size);
    // Without a NUL, no line the parser accepts holds a value the formatter must leave out.
    const bool no_nul = text.find('\0') == std::string_view::npos;
    const auto parsed = parse_single_value_log(text);
    gad::fuzz::check_errors(parsed, text);
    gad::fuzz::check_round_trip(parsed.entries, parse_single_value_log, format_single_value_log,
                                no_nul);
    newest_number(parsed.entries);
    parse_number_value(text);
    return 0;
}
