// migrate --content: the object files of a git-annex repository (.git/annex/objects) copied,
// hard-linked or moved into a dolt-annex filestore, each verified against its key, and the
// filestore's repository recorded as holding them.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dolt/annex_repository.h"
#include "core/failure.h"
#include "core/location/location_store.h"

namespace gad::compat::migrate {

using core::Result;

enum class ContentMode { copy, hardlink, move };

// Parses "copy", "hardlink" or "move"; fails naming the text.
Result<ContentMode> parse_content_mode(std::string_view text);

struct ContentSummary {
    std::size_t stored = 0;             // objects put into the filestore
    std::size_t already_stored = 0;     // objects the filestore had already (recorded all the same)
    std::size_t failed = 0;             // corrupt or unreadable objects, left in place
    std::size_t removed = 0;            // sources deleted (move)
    std::vector<std::string> problems;  // the first few failures, named
};

// Imports every object file under git_dir/annex/objects into target's filestore. An object is
// recorded as in target (and, for move, as gone from the git-annex repository annex_uuid) once
// stored; with move, its source is deleted only after that record is committed. A corrupt or
// unreadable object is reported, counted and left where it is.
Result<ContentSummary> import_content(const std::filesystem::path& git_dir,
                                      std::string_view annex_uuid,
                                      const core::dolt::AnnexRepository& target,
                                      core::location::LocationStore& store, ContentMode mode,
                                      const std::function<void(const ContentSummary&)>& progress);

}  // namespace gad::compat::migrate
