// git-annex-dolt whereis: which repositories have a key, answered from the location tables in
// git annex whereis's own words (docs/whereis-json.md is the specification of its --json form).
#pragma once

#include <cstddef>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "compat/query/repository_names.h"
#include "core/location/database.h"

namespace gad::compat::query {

struct WhereisRequest {
    bool all = false;               // every key with a location log that is not dead
    std::vector<std::string> keys;  // these keys
    // Paths of annexed files or directories: as given (shown in "input"), and relative to the
    // top of the working tree (looked up; "" for all of it).
    struct Path {
        std::string given;
        std::string in_tree;
    };
    std::vector<Path> paths;
    std::string cwd_in_tree;  // the current directory, relative to the top: files are shown from it
    bool json = false;
    // Lines of a list of repositories after the first start with a space (git-annex 10.20230126
    // and older: compat/git/annex_version.h).
    bool space_joined_lists = false;
    // Keys a cluster's node has list the cluster first, not counted as a copy (git-annex
    // 10.20240701 and newer: compat/git/annex_version.h).
    bool clusters = false;
    // The top of the repository (its work tree, or git directory when bare): relative
    // directory= settings of remotes are taken from here, as the remotes take them.
    std::filesystem::path top;
};

// Writes one answer per key (a JSON object per line with json) to out. Returns how many keys
// have no copy outside untrusted repositories (git-annex reports those as failed).
Result<std::size_t> whereis(core::location::LocationDatabase& database,
                            const RepositoryNames& names, std::string_view annex_uuid,
                            const WhereisRequest& request, std::ostream& out);

}  // namespace gad::compat::query
