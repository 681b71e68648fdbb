// Properties every git-annex log parser shares, for the log fuzz targets: every error names a
// line of the input in one line of text, and the entries survive git-annex's serialisation.
#pragma once

#include <string>
#include <string_view>

#include "compat/logs/log_lines.h"
#include "fuzz_check.h"

namespace gad::fuzz {

// Every error is one line and names a line that exists in `text`.
template <typename T>
void check_errors(const compat::logs::Parsed<T>& parsed, std::string_view text) {
    std::size_t lines = 1;
    for (char c : text) lines += c == '\n';
    for (const compat::logs::LineError& error : parsed.errors) {
        check(error.message.find_first_of("\r\n") == std::string::npos, "errors are one line",
              error.message);
        check(error.line >= 1 && error.line <= lines, "errors name a line of the input",
              error.message);
    }
}

// What the formatter writes parses without errors to entries it writes the same, and those are
// the entries given, less those it left out (values that would not read back, such as a NUL).
// `exact`: none may be left out.
template <typename T, typename Parse, typename Format>
void check_round_trip(const std::vector<T>& entries, Parse parse, Format format,
                      bool exact = false) {
    const std::string text = format(entries);
    const auto again = parse(text);
    check(again.errors.empty(), "what the formatter writes parses without errors", text);
    check(format(again.entries) == text, "format(parse(format(entries))) == format(entries)",
          format(again.entries), text);
    std::size_t next = 0;  // again.entries must be a subsequence of entries
    for (const T& entry : again.entries) {
        while (next < entries.size() && !(entries[next] == entry)) ++next;
        check(next < entries.size(), "parse(format(entries)) holds only the entries given", text);
        ++next;
    }
    if (exact) {
        check(again.entries == entries, "parse(format(entries)) == entries", format(again.entries),
              text);
    }
}

}  // namespace gad::fuzz
