// How many jobs the git-annex command that started us runs, as far as its command line says.
//
// git-annex offers the ASYNC extension to every external special remote, whatever -J it runs
// with, and ASYNC costs git-annex itself per request: each message crosses two of its threads. At
// one job that bought nothing and cost `git annex testremote` (about 107,000 messages) 40-80% more
// time. So the remote takes ASYNC only when git-annex asked for concurrent jobs.
#pragma once

#include <sys/types.h>

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace gad::core {

// Whether git-annex command-line arguments ask for more than one job: -JN, -J N, --jobs=N or
// --jobs N with N > 1 or "cpus". Arguments after "--" are file names and are not looked at.
bool asks_for_concurrent_jobs(std::span<const std::string> arguments);

// The command-line arguments of process pid (from /proc/PID/cmdline); nullopt when unreadable.
std::optional<std::vector<std::string>> command_line_of(pid_t pid);

// Whether the remote should take ASYNC: GIT_ANNEX_DOLT_ASYNC=yes|no decides when set; otherwise
// yes when the parent process (git-annex) asks for concurrent jobs, or when its command line
// cannot be read. annex.jobs in git config is not seen: git-annex then starts one remote process
// per job, which is correct too.
bool should_negotiate_async();

}  // namespace gad::core
