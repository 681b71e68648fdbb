// git-annex-dolt migrate: the git-annex branch of a repository (with its unmerged remote branches
// and journal) and the annexed files of one of its branches, written into the location tables.
// The first run reads everything; later runs read only the logs that changed since the last
// complete run, which is recorded last, in the same transaction as nothing else.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "compat/git/repository.h"
#include "core/failure.h"
#include "core/location/database.h"

namespace gad::compat::migrate {

using core::Result;

struct MigrationOptions {
    std::string files_ref = "HEAD";  // whose tree's annexed files are recorded
    // Called now and then with the summary so far (for a progress line); may be empty.
    std::function<void(const struct MigrationSummary&)> progress;
};

struct MigrationSummary {
    std::string branch;         // the git-annex branch commit migrated
    bool incremental = false;   // only what changed since the last run was read
    std::size_t logs_read = 0;  // files of the git-annex branch read this run
    std::size_t locations = 0, urls = 0, metadata = 0, chunks = 0, remote_states = 0,
                content_identifiers = 0, remote_metadata = 0;
    std::size_t repositories = 0;  // repository settings written (description, trust...)
    std::size_t settings = 0;      // global settings (numcopies, config...)
    std::size_t files = 0;         // annexed paths written
    std::size_t files_removed = 0;
    std::size_t rows_sorted = 0;  // of a first run's rows, loaded in key order at the end so far
    std::size_t corrupt_lines = 0;
    std::size_t unknown_files = 0;
    std::size_t key_migrations = 0;  // migration records (old key, new key) read from history
    std::size_t key_migrations_refused = 0;
    // Files read this run by kind: those migrated by LogKind::name ("location log"), and those
    // git-annex knows that are not migrated by what it knows them as ("export.log", "*.log.cid",
    // "export.tree/*").
    std::map<std::string, std::size_t, std::less<>> read_by_kind, not_migrated;
    std::vector<std::string> problems;  // the first few corrupt lines and unknown files, named
    std::string dolt_commit;            // on Dolt, the commit made (empty when nothing changed)
};

// Migrates repository into database for the git-annex repository annex_uuid. Fails (recording
// nothing as done) when the repository cannot be read or the database fails midway; corrupt
// lines and unknown files are counted, not fatal.
Result<MigrationSummary> migrate(const git::Repository& repository, std::string_view annex_uuid,
                                 core::location::LocationDatabase& database,
                                 const MigrationOptions& options);

}  // namespace gad::compat::migrate
