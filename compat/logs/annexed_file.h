// Which annexed key a file in a branch's tree names (Annex/Link.hs parseLinkTargetOrPointer):
// a locked file is a symlink to ".../.git/annex/objects/Xx/Yy/KEY/KEY", an unlocked one a
// small blob "/annex/objects/KEY\n".
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace gad::compat::logs {

// Largest blob git-annex reads as a possible pointer file (Annex/Link.hs maxPointerSz); larger
// blobs are never pointers.
inline constexpr std::size_t max_pointer_size = 81920;

// The key a symlink target or the first line of a pointer file names: the text up to the first
// '\r' or '\n' must contain "/annex/objects/", and the key is its last path component,
// unescaped from a file name ("&c" ':' ...). Any number of "../", a ".git/" prefix or none, and
// both hash directory layouts are accepted. Nullopt when the text is no link to annexed content
// or the last component is not key-like (a non-empty backend, "--", no white space).
std::optional<std::string> key_from_link_target(std::string_view target);

// The key a regular file's content (a blob) names as a pointer file; nullopt for blobs over
// max_pointer_size bytes or that key_from_link_target refuses.
std::optional<std::string> key_from_pointer_file(std::string_view content);

// The key a tree entry names: key_from_link_target for a symlink (its blob is the target),
// key_from_pointer_file for a regular file.
std::optional<std::string> annexed_file_key(std::string_view blob, bool is_symlink);

}  // namespace gad::compat::logs
