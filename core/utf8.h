// Whether bytes are well-formed UTF-8: what git-annex's logs and dolt-annex's tables may hold as
// text without an encoding of their own; and text made UTF-8 the way git-annex's JSON makes it.
#pragma once

#include <string>
#include <string_view>

namespace gad::core {

// True when text is well-formed UTF-8 (no overlong forms, surrogates or points past U+10FFFF).
bool is_utf8(std::string_view text);

// text with each byte that is not part of a well-formed UTF-8 sequence replaced by U+FFFD, as
// git-annex's --json output shows a file name holding such bytes (one U+FFFD per byte).
std::string with_replacement(std::string_view text);

}  // namespace gad::core
