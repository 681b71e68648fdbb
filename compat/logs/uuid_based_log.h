// UUID-based logs in git-annex's old format ("UUID[ VALUE][ timestamp=TS]", Logs/UUIDBased.hs):
// uuid.log, trust.log, group.log, remote.log, preferred-content.log, required-content.log
// (and schedule.log, activity.log, difference.log, multicast.log), plus helpers that interpret
// the values of trust.log, group.log and remote.log.
// group-preferred-content.log is not one of them: it is a MapLog ("TS GROUP EXPR", map_log.h).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compat/logs/log_lines.h"
#include "core/timestamp.h"

namespace gad::compat::logs {

struct UuidBasedEntry {
    std::string id;     // the UUID (the first word of the line; never empty)
    std::string value;  // the rest, may contain spaces (kept exactly), may be empty
    // When the line ends in " timestamp=TS" with a valid TS; very old lines have none and are
    // the oldest: Timestamp{0, 0} with has_timestamp false.
    core::Timestamp ts;
    bool has_timestamp = true;

    bool operator==(const UuidBasedEntry&) const = default;
};

// Parses an old-format UUID-based log. As in git-annex, a trailing "timestamp=..." that is not
// a valid timestamp stays part of the value (the line then has no timestamp), and a line
// starting with a space is dropped (a git-annex bug once logged an empty UUID); that drop and
// nothing else is reported as an error.
Parsed<UuidBasedEntry> parse_uuid_based_log(std::string_view text);

// The entries in effect: for each UUID the newest (the last of equal timestamps, git-annex's
// MapLog rule), sorted by UUID as git-annex writes them.
std::vector<UuidBasedEntry> compact_uuid_based(std::vector<UuidBasedEntry> entries);

// git-annex's serialisation, in the given order: "UUID VALUE timestamp=TS\n", or "UUID VALUE\n"
// for entries without a timestamp. (An empty value gives two spaces, as git-annex writes.)
// Entries that would not read back as written (an empty id, a space in it, CR, LF or NUL in
// either: core/annex_values.h) are left out; writers check with a Gate first, to report them.
std::string format_uuid_based_log(const std::vector<UuidBasedEntry>& entries);

// trust.log values (Logs/Trust/Pure.hs).
enum class TrustLevel { trusted, semitrusted, untrusted, dead };

// The trust level a trust.log value means: its first word "1" trusted, "0" untrusted, "X"
// dead, any other word semitrusted ("?" is what git-annex writes), and no word at all trusted
// (very old trust.logs only listed trusted repositories).
TrustLevel parse_trust_level(std::string_view value);

// The value git-annex writes for a trust level: "1", "?", "0" or "X".
std::string_view format_trust_level(TrustLevel level);

// The trust level a setting names, as the repositories table ("1", "?", "0", "X") and
// remote.NAME.annex-trustlevel ("trusted", "semitrusted", "untrusted", "dead") hold it:
// "1"/"trusted", "0"/"untrusted", "X"/"dead"; anything else semitrusted.
TrustLevel parse_trust_setting(std::string_view value);

// The groups a group.log value names: its words, sorted and without duplicates (a set in
// git-annex). An empty value (after `git annex ungroup` of the last group) names none.
std::vector<std::string> parse_group_names(std::string_view value);

// A group.log value for a set of group names: sorted, unique, space separated.
std::string format_group_names(std::vector<std::string> groups);

// A special remote's configuration from a remote.log value: its words "key=value" in the
// order written, with git-annex's "&NUM;" escapes (a decimal code point, used for white space
// and '&') decoded in the value. A word without '=' is a key with an empty value. A key given
// twice keeps its first position and its last value (git-annex's M.fromList).
std::vector<std::pair<std::string, std::string>> parse_remote_config(std::string_view value);

// A remote.log value for a configuration, as git-annex writes it: "key=value" words sorted by
// key, white space and '&' in values escaped as "&NUM;".
std::string format_remote_config(std::vector<std::pair<std::string, std::string>> config);

}  // namespace gad::compat::logs
