// What git-annex-dolt last wrote on a dolt-annex dataset branch <uuid>-NAME, remembered in a Dolt
// tag git-annex-dolt/written/<uuid>-NAME. dolt-annex amends the head commit of those branches at
// every push and pull (DOLT_ADD('.') + DOLT_COMMIT('--amend'), keeping our message), so a commit
// message cannot tell our writes from its own; a tag is not moved by an amend of the branch.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/failure.h"
#include "core/sql/connection.h"

namespace gad::core::dolt {

// True when text is a Dolt commit hash: 32 characters of its base-32 alphabet (0-9, a-v).
bool is_dolt_hash(std::string_view text);

// The tag that remembers our last write on branch: "git-annex-dolt/written/<branch>".
std::string written_tag(std::string_view branch);

// Points branch's tag at commit (a Dolt hash), moving it when it exists. connection is any
// session of the database (tags are the database's, not a branch's).
Result<void> mark_written(sql::Connection& connection, std::string_view branch,
                          std::string_view commit);

// The commit branch's tag points at, checked as a Dolt hash; nullopt when there is no tag (a
// branch written before tags were kept, or never by us). Fails on a tag that names no hash.
Result<std::optional<std::string>> written_commit(sql::Connection& connection,
                                                  std::string_view branch);

}  // namespace gad::core::dolt
