// Single-value logs, "TS VALUE" lines of which the newest wins (Logs/SingleValue/Pure.hs):
// numcopies.log and mincopies.log.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compat/logs/log_lines.h"
#include "core/timestamp.h"

namespace gad::compat::logs {

struct SingleValueEntry {
    core::Timestamp ts;
    std::string value;  // the rest of the line after "TS ", may contain spaces

    bool operator==(const SingleValueEntry&) const = default;
};

// Parses a single-value log; lines without "TS " and a valid timestamp are reported.
Parsed<SingleValueEntry> parse_single_value_log(std::string_view text);

// git-annex's serialisation: one "TS VALUE\n" line per entry, in the given order (git-annex
// itself writes only the newest line). Entries whose value holds CR, LF or NUL are left out.
std::string format_single_value_log(const std::vector<SingleValueEntry>& entries);

// numcopies.log / mincopies.log: the value in effect, or nullopt when no line holds a number.
// As git-annex (a set of (timestamp, number) whose maximum wins), lines whose value is not a
// number are ignored and, of equal timestamps, the larger number wins. A number is what
// Haskell's `reads` takes: optional leading white space and '-', then digits; text after the
// digits is ignored ("2 copies" is 2).
std::optional<long long> newest_number(const std::vector<SingleValueEntry>& entries);

// The number a numcopies.log value holds, by the rule of newest_number.
std::optional<long long> parse_number_value(std::string_view value);

}  // namespace gad::compat::logs
