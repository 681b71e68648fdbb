// Runs a whole conversation with git-annex for one Handler: version and extension negotiation,
// routing each request to the handler and its reply back, and (with ASYNC) one thread per job.
// It does no I/O itself: lines come from and go to the callables it is given.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/handler.h"

namespace gad::protocol {

// Returns the next line from git-annex without its newline, or nullopt once stdin is closed.
using ReadLine = std::function<std::optional<std::string>()>;
// Writes one line to git-annex, adding the newline (and flushing). Never called concurrently.
using WriteLine = std::function<void(std::string_view)>;

struct DispatcherOptions {
    std::size_t max_jobs = 64;  // Distinct ASYNC job numbers served; one more is a protocol error.
};

// How a conversation ended, so that main can choose its exit code.
struct SessionResult {
    // ok: git-annex closed stdin. protocol_error: the remote sent ERROR (malformed or unexpected
    // input, too many jobs, or a handler threw). annex_error: git-annex sent ERROR.
    enum class Status { ok, protocol_error, annex_error };
    Status status = Status::ok;
    std::string error;  // The ERROR message sent or received; empty when ok.
    bool operator==(const SessionResult&) const = default;
};

// Sends VERSION 2, then answers git-annex until read_line returns nullopt or either side sends
// ERROR, and returns once every job has finished. Exceptions from read_line/write_line propagate.
SessionResult serve(Handler& handler, const ReadLine& read_line, const WriteLine& write_line,
                    const DispatcherOptions& options = {});

}  // namespace gad::protocol
