// The URLs git annex whereis lists for a key in a special remote other than the web: what a
// git-annex-remote-dolt remote answers to WHEREIS, computed from its remote.log configuration
// the way the remote computes it (bridge/dolt_remote.cpp), without running it.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "compat/query/repository_names.h"

namespace gad::compat::query {

// The URLs of key in remote: for a git-annex-remote-dolt remote configured in this repository
// (it has a remote name) whose keys reach it unchanged (no encryption, no chunking: git-annex
// asks WHEREIS only then), the object's place in its filestore: filestore= as a URL, or
// directory=/annex/aaa/bbb/KEY with a relative directory= taken from top. None otherwise, and
// none for a key or setting that does not parse (git-annex would show the remote's failure as
// a warning and no URL).
// stand_ins, when given, names the older keys that may stand in for a key in a repository (git
// annex migrate; core/location/key_migrations' stand_ins_for): for a local store that does not
// hold key's object but holds one of theirs, the URL is that object's, as the remote answers.
using StandInLookup =
    std::function<std::vector<std::string>(std::string_view key, std::string_view uuid)>;
std::vector<std::string> remote_whereis_urls(const KnownRepository& remote, std::string_view key,
                                             const std::filesystem::path& top,
                                             const StandInLookup& stand_ins = {});

}  // namespace gad::compat::query
