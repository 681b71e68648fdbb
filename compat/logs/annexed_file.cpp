#include "compat/logs/annexed_file.h"

#include <algorithm>

#include "compat/logs/branch_file.h"

namespace gad::compat::logs {

std::optional<std::string> key_from_link_target(std::string_view target) {
    const std::string_view line =
        target.substr(0, std::min(target.find_first_of("\r\n"), target.size()));
    if (line.find("/annex/objects/") == std::string_view::npos) return std::nullopt;
    const std::string_view name = line.substr(line.rfind('/') + 1);
    // deserializeKey needs a backend, "--" and a name; keys never hold white space or NUL.
    const std::size_t dashes = name.find("--");
    if (dashes == std::string_view::npos || dashes == 0 || name.front() == '-') return std::nullopt;
    if (name.find_first_of(std::string_view(" \t\v\f\0", 5)) != std::string_view::npos) {
        return std::nullopt;
    }
    return unescape_key_file_name(name);
}

std::optional<std::string> key_from_pointer_file(std::string_view content) {
    if (content.size() > max_pointer_size) return std::nullopt;
    return key_from_link_target(content);
}

std::optional<std::string> annexed_file_key(std::string_view blob, bool is_symlink) {
    return is_symlink ? key_from_link_target(blob) : key_from_pointer_file(blob);
}

}  // namespace gad::compat::logs
