// Whether bytes are well-formed UTF-8: what git-annex's logs and dolt-annex's tables may hold as
// text without an encoding of their own.
#pragma once

#include <string_view>

namespace gad::core {

// True when text is well-formed UTF-8 (no overlong forms, surrogates or points past U+10FFFF).
bool is_utf8(std::string_view text);

}  // namespace gad::core
