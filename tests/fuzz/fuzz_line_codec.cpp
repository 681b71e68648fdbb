// Fuzzes the protocol line codec: any line parses or is refused without crashing, and what
// parses serialises to one line, which (for lines without CR or LF, which serialise() replaces by
// design) parses back to the same message.
#include "fuzz_check.h"
#include "protocol/line_codec.h"

using namespace gad::protocol;
using gad::fuzz::check;

namespace {

template <typename Parse>
void round_trip(std::string_view line, Parse parse) {
    auto parsed = parse(line);
    if (!parsed) {
        // Lines come without their '\n'; the error quotes the line.
        if (line.find('\n') == std::string_view::npos) {
            check(parsed.error().message.find('\n') == std::string::npos, "ParseError is one line",
                  parsed.error().message);
        }
        return;
    }
    const std::string text = serialise(*parsed);
    check(text.find_first_of("\r\n") == std::string::npos, "serialise writes one line", text);
    // A line break becomes a space, which can shift or empty a parameter: no more to check.
    if (line.find_first_of("\r\n") != std::string_view::npos) return;
    auto again = parse(text);
    check(again.has_value(), "a serialised message parses", text, line);
    check(serialise(*again) == text, "serialise(parse(serialise(m))) == serialise(m)",
          serialise(*again), text);
    check(*again == *parsed, "parse(serialise(parse(line))) == parse(line)", text, line);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line = gad::fuzz::as_text(data, size);
    round_trip(line, parse_from_annex);
    round_trip(line, parse_from_remote);
    return 0;
}
