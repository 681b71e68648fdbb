// The key migrations git-annex recorded in the git-annex branch's history (git annex migrate
// commits a tree migrate.tree/old/<n> and migrate.tree/new/<n>, each file naming the old or new
// key, and a later commit removes it), read into the key_migrations table: from the local branch
// and every refs/remotes/*/git-annex, only the commits not walked by an earlier run.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compat/git/repository.h"
#include "core/failure.h"
#include "core/sql/connection.h"

namespace gad::compat::migrate {

using core::Result;

struct MigrationRecordsSummary {
    std::size_t commits = 0;  // commits walked this run
    std::size_t records = 0;  // old/new pairs read
    std::size_t added = 0;    // pairs the table gained (chains included; duplicates not)
    std::size_t refused = 0;  // pairs left out: not keys, sizes that differ, unpaired names
    std::vector<std::string> problems;  // the first few refused pairs, named
};

// The key a migrate.tree file names: its content is a symlink target or a pointer file
// (".../KEY" or "/annex/objects/KEY"), so the key is its last path component, without a final
// newline. nullopt when that is not a key a store could hold (core::Key::parse).
std::optional<std::string> key_of_record(std::string_view content);

// Reads the migrations recorded in the commits of repository's git-annex branches that no
// earlier run (for annex_uuid) walked, writes them to key_migrations, and records where each
// branch stood (sync_state), once they are written. A pair is refused when either side is not a
// key, both are the same key, or both give a size and the sizes differ.
Result<MigrationRecordsSummary> read_migration_records(const git::Repository& repository,
                                                       std::string_view annex_uuid,
                                                       core::sql::Connection& connection);

}  // namespace gad::compat::migrate
