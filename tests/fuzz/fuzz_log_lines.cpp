// Fuzzes what every log parser shares: line splitting, Haskell's words, and timestamps.
#include "compat/logs/log_lines.h"
#include "fuzz_check.h"

using namespace gad::compat::logs;
using gad::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = gad::fuzz::as_text(data, size);
    std::size_t previous = 0;
    for (const Line& line : split_lines(text)) {
        check(!line.text.empty() && line.text.find_first_of("\r\n") == std::string_view::npos,
              "lines are non-empty and hold no line break", line.text);
        check(line.number >= previous && line.number >= 1, "line numbers never decrease",
              line.text);
        previous = line.number;
        const LineError error = line_error(line, "bad", line.text);
        check(error.message.find_first_of("\r\n") == std::string::npos, "errors are one line",
              error.message);
    }
    for (std::string_view word : split_words(text)) {
        std::size_t length = 0;
        check(!word.empty() && !starts_with_space(word, length), "words are not empty or space",
              word);
    }
    if (const auto ts = parse_log_timestamp(text)) {
        check(ts->picoseconds < 1'000'000'000'000, "picoseconds below one second", text);
        const auto again = parse_log_timestamp(ts->to_log());
        check(again && *again == *ts, "log timestamps round-trip", ts->to_log(), text);
        const auto decimal = gad::core::Timestamp::parse(ts->to_decimal());
        check(decimal && *decimal == *ts, "decimal timestamps round-trip", ts->to_decimal(), text);
    }
    if (const auto ts = gad::core::Timestamp::parse(text)) {
        const auto again = gad::core::Timestamp::parse(ts->to_log());
        check(again && *again == *ts, "Timestamp::parse(to_log()) round-trips", ts->to_log(), text);
    }
    return 0;
}
