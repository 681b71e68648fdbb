// Pieces every git-annex branch log parser shares: splitting a file into lines the way
// git-annex's Logs/Line.hs does, reporting bad lines, and keeping the newest entry per identity.
#pragma once

#include <cstddef>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/timestamp.h"

namespace gad::compat::logs {

// A line that could not be parsed and was skipped.
struct LineError {
    std::size_t line = 0;  // 1-based: one plus the number of '\n' before the line
    std::string message;   // one line, quoting the bad text (truncated to about 80 bytes)
};

// What a parser returns: the entries of the lines it understood, and one error per line it
// skipped. Parsing never fails as a whole.
template <typename T>
struct Parsed {
    std::vector<T> entries;
    std::vector<LineError> errors;
};

// One non-empty line of a log file.
struct Line {
    std::size_t number = 0;  // 1-based, counted in '\n'
    std::string_view text;   // without any '\r' or '\n'
};

// Splits text into its non-empty lines. As in git-annex, any run of '\r' and '\n' ends a line
// (some Windows versions of git-annex wrote "\r\n", even "\r\r\n"), and empty lines are skipped.
std::vector<Line> split_lines(std::string_view text);

// A LineError for `line` saying `what`, quoting `text` (bytes outside printable ASCII as \xNN,
// at most 80 bytes of it).
LineError line_error(const Line& line, std::string_view what, std::string_view text);
inline LineError line_error(const Line& line, std::string_view what) {
    return line_error(line, what, line.text);
}

// Parses a git-annex timestamp ("1287290776.765152s", "12s", "12"); nullopt if malformed.
std::optional<core::Timestamp> parse_log_timestamp(std::string_view text);

// A line "TIMESTAMP REST" split at its first space: its timestamp and the rest. Fails with a
// LineError saying `missing` when the line has no space, "bad timestamp" when its first word is
// no timestamp.
std::expected<std::pair<core::Timestamp, std::string_view>, LineError> split_timestamp(
    const Line& line, std::string_view missing);

// Appends git-annex's line "TIMESTAMP FIRST REST\n" (presence and map logs) to out.
void append_log_line(std::string& out, const core::Timestamp& ts, std::string_view first,
                     std::string_view rest);

// Haskell's `words`: splits on runs of white space as GHC's isSpace sees it in UTF-8 text
// (ASCII space, \t \n \v \f \r, U+00A0 and the other Unicode space separators), dropping empty
// words. git-annex splits group lists and remote configurations this way.
std::vector<std::string_view> split_words(std::string_view text);

// True when `text` starts with a character split_words splits on; sets `length` to its bytes.
bool starts_with_space(std::string_view text, std::size_t& length);

// How newest_per settles two entries of one identity with equal timestamps.
enum class TieBreak {
    first_wins,  // presence logs (Logs/Presence/Pure.hs: a foldr keeps the earlier line)
    last_wins,   // MapLog and UUID-based logs (Logs/MapLog.hs: M.fromListWith best)
};

// Keeps, for each identity (as returned by id(entry), any hashable value), the entry with the
// newest `ts`; on equal timestamps the first in the input wins unless `tie` says otherwise.
// The result is in the order in which each identity first appears in the input.
template <typename T, typename Id>
std::vector<T> newest_per(std::vector<T> entries, Id id, TieBreak tie = TieBreak::first_wins) {
    using Key = std::decay_t<decltype(id(entries.front()))>;
    std::unordered_map<Key, std::size_t> slot;  // identity -> index in `kept`
    std::vector<T> kept;
    for (auto& entry : entries) {
        auto [it, inserted] = slot.try_emplace(id(entry), kept.size());
        if (inserted) {
            kept.push_back(std::move(entry));
            continue;
        }
        T& old = kept[it->second];
        const bool newer = tie == TieBreak::first_wins ? entry.ts > old.ts : entry.ts >= old.ts;
        if (newer) old = std::move(entry);
    }
    return kept;
}

}  // namespace gad::compat::logs
