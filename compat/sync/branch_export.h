// git-annex-dolt sync's way back: the location, URL and metadata facts the location tables hold
// and the git-annex branch lacks, written in git-annex's own log formats as one commit on
// refs/git-annex-dolt/git-annex. git-annex union-merges every ref named */git-annex into its
// branch on its next run, so neither its branch nor its journal is ever written here.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "compat/git/repository.h"
#include "core/annex_values.h"
#include "core/failure.h"
#include "core/sql/connection.h"

namespace gad::compat::sync {

using core::Result;

// The ref the facts are published on.
inline constexpr std::string_view kExportRef = "refs/git-annex-dolt/git-annex";

struct ExportSummary {
    std::size_t locations = 0, urls = 0, metadata = 0, repositories = 0;  // lines written
    std::size_t files = 0;                                                // branch files changed
    std::size_t refused = 0;  // values kept out of the logs (core/annex_values.h), each reported
    std::string commit;       // the commit made on kExportRef; empty when the branch lacked nothing
};

// Writes what the tables hold for keys and the combined git-annex branch of repository lacks,
// keeping each fact's own timestamp. Only rows newer than what the last export of annex_uuid
// saw are considered, unless full. Repositories the tables know and uuid.log does not get a
// uuid.log line (so git annex whereis can name them). Every value passes core/annex_values.h's
// check first: a row with a value that could forge a log line (a UUID, key, URL, description,
// metadata field or status that is not one) is left out, counted in refused and reported to
// refused_sink; the rest is written.
Result<ExportSummary> export_to_branch(const git::Repository& repository,
                                       std::string_view annex_uuid,
                                       core::sql::Connection& connection, bool full,
                                       const core::annex_values::RefusalSink& refused_sink);

}  // namespace gad::compat::sync
