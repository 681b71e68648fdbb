// MapLogs, "TS FIELD VALUE" lines of which the newest per field wins (Logs/MapLog.hs):
// config.log (FIELD a git config name, an empty VALUE unsets it), group-preferred-content.log
// (FIELD a group), and the "new" UUID-based logs with FIELD a UUID: KEY.log.rmt (remote
// state), KEY.log.cid, export.log, proxy.log, cluster.log, maxsize.log. Chunk logs are MapLogs
// too, with a structured field (chunk_log.h).
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "compat/logs/log_lines.h"
#include "core/timestamp.h"

namespace gad::compat::logs {

struct MapLogEntry {
    std::string field;  // the word after the timestamp (no spaces; may be empty)
    std::string value;  // the rest after the next space, may contain spaces, may be empty
    core::Timestamp ts;

    bool operator==(const MapLogEntry&) const = default;
};

// Parses a MapLog. A line needs "TS FIELD VALUE" with single spaces after TS and FIELD (so an
// empty value is "TS FIELD "); others are reported and skipped.
Parsed<MapLogEntry> parse_map_log(std::string_view text);

// One line of a MapLog, by the rule of parse_map_log: the entry, or why the line is skipped.
std::expected<MapLogEntry, LineError> parse_map_log_line(const Line& line);

// The entries in effect: for each field the newest (the last of equal timestamps, git-annex's
// rule for MapLogs), sorted by field as git-annex writes them.
std::vector<MapLogEntry> compact_map_log(std::vector<MapLogEntry> entries);

// git-annex's serialisation: one "TS FIELD VALUE\n" line per entry, in the given order.
// Entries that would not read back as written (an empty field, a space in it, CR, LF or NUL in
// either: core/annex_values.h) are left out.
std::string format_map_log(const std::vector<MapLogEntry>& entries);

}  // namespace gad::compat::logs
