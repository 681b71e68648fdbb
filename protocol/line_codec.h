// Converts protocol lines to typed messages and back. Each command takes a fixed number of
// space-separated parameters, the last of which keeps any spaces; an optional "J <n> " prefix
// carries the ASYNC job number. Pure functions: no I/O, errors are values.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "protocol/messages.h"

namespace gad::protocol {

struct ParseError {
    std::string message;  // One line, quoting the offending protocol line.
    bool operator==(const ParseError&) const = default;
};

// Parses one line from git-annex (without its newline). Unrecognised commands become Unknown;
// a known command with the wrong parameters, or a bad "J <n>" prefix, is a ParseError.
std::expected<Tagged<FromAnnex>, ParseError> parse_from_annex(std::string_view line);

// Parses one line from a remote (without its newline); any unrecognised command is a ParseError.
std::expected<Tagged<FromRemote>, ParseError> parse_from_remote(std::string_view line);

// Formats a message as one protocol line without newline, prefixed "J <n> " when it has a job,
// except VERSION, EXTENSIONS and ERROR, which are never tagged. Any CR or LF inside a parameter
// becomes a space; only the last parameter may contain spaces and still parse back the same.
std::string serialise(const Tagged<FromAnnex>& message);
std::string serialise(const Tagged<FromRemote>& message);

}  // namespace gad::protocol
