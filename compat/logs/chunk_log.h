// Chunk logs (KEY.log.cnk, Logs/Chunk/Pure.hs): for each remote storing a key in fixed-size
// chunks, "TS UUID:CHUNKSIZE CHUNKCOUNT" (a count of 0 once the chunks are removed).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "compat/logs/log_lines.h"
#include "core/timestamp.h"

namespace gad::compat::logs {

struct ChunkEntry {
    core::Timestamp ts;
    std::string uuid;
    std::uint64_t chunk_size = 0;
    std::uint64_t chunk_count = 0;  // 0: the chunks are no longer present

    bool operator==(const ChunkEntry&) const = default;
};

// Parses a chunk log. Lines whose chunk method is not a decimal size (git-annex's
// UnknownChunks, never written so far) or whose count is not a number are reported and skipped.
Parsed<ChunkEntry> parse_chunk_log(std::string_view text);

// The entries in effect: for each (uuid, chunk_size) the newest (the last of equal
// timestamps), sorted by uuid then chunk size as git-annex writes them.
std::vector<ChunkEntry> compact_chunk_log(std::vector<ChunkEntry> entries);

// git-annex's serialisation: one "TS UUID:SIZE COUNT\n" line per entry, in the given order.
// Entries whose uuid would not read back as written (empty, a space, CR, LF or NUL:
// core/annex_values.h) are left out.
std::string format_chunk_log(const std::vector<ChunkEntry>& entries);

}  // namespace gad::compat::logs
