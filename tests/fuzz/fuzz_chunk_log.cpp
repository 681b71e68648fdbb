// Fuzzes the chunk log parser (KEY.log.cnk). (It accepts an empty UUID, which the formatter
// leaves out: entries round-trip less those.)
#include "compat/logs/chunk_log.h"
#include "log_checks.h"

using namespace gad::compat::logs;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = gad::fuzz::as_text(data, size);
    const auto parsed = parse_chunk_log(text);
    gad::fuzz::check_errors(parsed, text);
    gad::fuzz::check_round_trip(parsed.entries, parse_chunk_log, format_chunk_log);
    const auto compact = compact_chunk_log(parsed.entries);
    gad::fuzz::check_round_trip(compact, parse_chunk_log, format_chunk_log);
    gad::fuzz::check(compact_chunk_log(compact) == compact, "compact_chunk_log is idempotent");
    return 0;
}
