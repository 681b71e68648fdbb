// git-annex-dolt find: the annexed files whose content some repositories have and others lack,
// answered from the location tables (each repository's keys read once, then the files streamed
// in path order), in the words of `git annex find --in=R
// --not --in=S` (docs/find-json.md is the specification of its --json form).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "compat/query/key_set.h"
#include "compat/query/repository_names.h"
#include "core/sql/connection.h"

namespace gad::compat::query {

struct FindRequest {
    std::vector<std::string> in;      // repository names (as git-annex accepts them) that have it
    std::vector<std::string> not_in;  // and names of repositories that must not have it
    std::string cwd_in_tree;  // the current directory, relative to the top ("" at the top): only
                              // files under it are listed, relative to it
    bool json = false;
};

// Writes the annexed files of annex_uuid's migrated tree that match request to out, one path
// (or JSON object) per line in git's path order; returns how many. Fails, naming it, on a
// repository name that resolves to no repository. The repositories' keys are read on
// connections from connect, at the same time as the files on connection.
Result<std::size_t> find(core::sql::Connection& connection, const KeySet::Connect& connect,
                         const RepositoryNames& names, std::string_view annex_uuid,
                         const FindRequest& request, std::ostream& out);

// What git-annex derives from a key for its --format variables: the fields of any key with
// core::Key's syntax, including those core::Key::parse refuses as file names (URL keys with '/',
// over-long keys). Empty backend and name when the text is not a key.
struct KeyFields {
    std::string backend;
    std::string name;
    std::optional<std::uint64_t> size;
    std::optional<std::uint64_t> mtime;
    std::string hashdir_lower;  // "abc/def/"
    std::string hashdir_mixed;  // "Xx/Yy/"
};
KeyFields key_fields(std::string_view key);

// The key's -s size, or nullopt when it has none or is not a key (cheaper than key_fields).
std::optional<std::uint64_t> key_size(std::string_view key);

// A byte count as git-annex shows it (roughSize storageUnits, short): "999 B", "1.05 kB".
std::string human_size(unsigned __int128 bytes);

}  // namespace gad::compat::query
