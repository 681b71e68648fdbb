// git-annex-dolt info: what the location tables hold, per repository (how many keys it has and
// their total size) and in all (keys, annexed files), streamed from the database in one pass.
#pragma once

#include <cstdint>
#include <ostream>
#include <string_view>
#include <vector>

#include "compat/query/repository_names.h"
#include "core/sql/connection.h"

namespace gad::compat::query {

struct RepositoryInfo {
    KnownRepository repository;
    bool here = false;                    // the repository the command runs in
    std::uint64_t keys = 0;               // keys whose location row for it says present ('1')
    unsigned __int128 size = 0;           // the sum of those keys' -s sizes
    std::uint64_t unknown_size_keys = 0;  // those of the keys that have no -s size
};

struct AnnexInfo {
    std::vector<RepositoryInfo> repositories;  // every repository known or located, by uuid
    std::uint64_t keys = 0;           // keys with a location log that is not dead (all 'X')
    std::uint64_t annexed_files = 0;  // files in annex_uuid's migrated tree
};

// Reads the location tables once (streamed, in bounded memory per key) and counts.
Result<AnnexInfo> gather_info(core::sql::Connection& connection, const RepositoryNames& names,
                              std::string_view annex_uuid);

// Writes info as an aligned table, or as one JSON object on one line (docs/find-json.md).
void print_info(const AnnexInfo& info, bool json, std::ostream& out);

}  // namespace gad::compat::query
