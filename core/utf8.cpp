#include "core/utf8.h"

#include <cstddef>
#include <cstdint>

namespace gad::core {

namespace {

// The length of the well-formed UTF-8 sequence at text[i], or 0 when none starts there.
std::size_t sequence_at(std::string_view text, std::size_t i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t length = c < 0x80           ? 1
                               : (c >> 5) == 0x6  ? 2
                               : (c >> 4) == 0xe  ? 3
                               : (c >> 3) == 0x1e ? 4
                                                  : 0;
    if (length == 0 || i + length > text.size()) return 0;
    std::uint32_t point = length == 1 ? c : c & (0x7f >> length);
    for (std::size_t j = 1; j < length; ++j) {
        const auto next = static_cast<unsigned char>(text[i + j]);
        if ((next >> 6) != 0x2) return 0;
        point = (point << 6) | (next & 0x3f);
    }
    // Overlong forms, surrogates and points beyond U+10FFFF are not UTF-8.
    static constexpr std::uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (point < kMinimum[length] || point > 0x10ffff || (point >= 0xd800 && point <= 0xdfff)) {
        return 0;
    }
    return length;
}

}  // namespace

bool is_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t length = sequence_at(text, i);
        if (length == 0) return false;
        i += length;
    }
    return true;
}

std::string with_replacement(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t length = sequence_at(text, i);
        if (length == 0) {
            out += "\xef\xbf\xbd";
            ++i;
        } else {
            out.append(text.substr(i, length));
            i += length;
        }
    }
    return out;
}

}  // namespace gad::core
