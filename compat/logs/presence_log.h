// Presence logs: the location log of a key (KEY.log, INFO a repository UUID) and its URL log
// (KEY.log.web, INFO a URL), lines "TIMESTAMP STATUS INFO" as in git-annex's
// Logs/Presence/Pure.hs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "compat/logs/log_lines.h"
#include "core/timestamp.h"

namespace gad::compat::logs {

struct PresenceEntry {
    core::Timestamp ts;
    char status = '1';  // '1' present, '0' missing, 'X' dead
    // Everything after "TS S ": a UUID, or a URL. URLs may contain spaces (git-annex keeps the
    // rest of the line verbatim); other downloaders' URLs start with ':' (":quvi:...").
    std::string info;

    bool operator==(const PresenceEntry&) const = default;
};

// Parses a presence log. A line needs exactly "TS S INFO" with single spaces (INFO may be
// empty); others (bad timestamp, status not 1/0/X, missing fields) are reported and skipped.
Parsed<PresenceEntry> parse_presence_log(std::string_view text);

// The lines in effect: for each info the newest entry (the first of equal timestamps), sorted
// by info as git-annex's compactLog returns them.
std::vector<PresenceEntry> compact_presence(std::vector<PresenceEntry> entries);

// git-annex's serialisation: one "TS S INFO\n" line per entry, in the given order (pass
// compact_presence's result to get what git-annex itself would write). Entries that would not
// read back as written (a status not 1/0/X; CR, LF or NUL in the info: core/annex_values.h) are
// left out; writers check with a core::annex_values::Gate first, to report them.
std::string format_presence_log(const std::vector<PresenceEntry>& entries);

}  // namespace gad::compat::logs
