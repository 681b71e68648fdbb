#include "core/json.h"

#include <fmt/format.h>

#include <cctype>

namespace gad::core {

namespace {

// The value starting at text[at] (after the colon and blanks): a quoted string's content, or a
// number's characters.
std::optional<std::string> value_at(std::string_view text, std::size_t at) {
    if (at >= text.size()) return std::nullopt;
    const char open = text[at];
    if (open == '"' || open == '\'') {
        const std::size_t close = text.find(open, at + 1);
        if (close == std::string_view::npos) return std::nullopt;
        return std::string(text.substr(at + 1, close - at - 1));
    }
    const std::size_t end = text.find_first_not_of("+-.0123456789eE", at);
    if (end == at) return std::nullopt;
    return std::string(text.substr(at, end == std::string_view::npos ? end : end - at));
}

}  // namespace

std::string json_string(std::string_view text) {
    std::string quoted = "\"";
    for (char c : text) {
        switch (c) {
            case '"':
                quoted += "\\\"";
                break;
            case '\\':
                quoted += "\\\\";
                break;
            case '\n':
                quoted += "\\n";
                break;
            case '\t':
                quoted += "\\t";
                break;
            case '\r':
                quoted += "\\r";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    quoted += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
                } else {
                    quoted += c;
                }
        }
    }
    return quoted + "\"";
}

std::optional<std::string> json_field(std::string_view text, std::string_view name) {
    constexpr std::string_view kBlank = " \t\r\n";
    for (const std::string& key :
         {fmt::format("\"{}\"", name), fmt::format("'{}'", name), std::string(name)}) {
        const bool bare = key.size() == name.size();
        for (auto at = text.find(key); at != std::string_view::npos; at = text.find(key, at + 1)) {
            // An unquoted key starts a word: "root" is not found in "myroot".
            if (bare && at > 0 &&
                (std::isalnum(static_cast<unsigned char>(text[at - 1])) || text[at - 1] == '_' ||
                 text[at - 1] == '$')) {
                continue;
            }
            const std::size_t colon = text.find_first_not_of(kBlank, at + key.size());
            if (colon == std::string_view::npos || text[colon] != ':') continue;
            if (auto value = value_at(text, text.find_first_not_of(kBlank, colon + 1))) {
                return value;
            }
        }
    }
    return std::nullopt;
}

}  // namespace gad::core
