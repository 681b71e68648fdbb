// A repository's presence for a key, as in git-annex's location logs: present (1), missing (0)
// or dead (X); and one dated change of it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/timestamp.h"

namespace gad::core::location {

enum class Presence : char { present = '1', missing = '0', dead = 'X' };

// The presence for a log/SQL status character, or nullopt for any other character.
std::optional<Presence> presence_from_char(char status);

// The status character git-annex writes for presence.
inline char to_char(Presence presence) { return static_cast<char>(presence); }

struct LocationChange {
    std::string key;
    std::string uuid;
    Presence presence;
    Timestamp timestamp;
};

}  // namespace gad::core::location
