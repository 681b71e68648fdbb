#include "protocol/extension_set.h"

#include <algorithm>

namespace gad::protocol {

ExtensionSet ExtensionSet::from_names(const std::vector<std::string>& names) {
    auto has = [&](const char* name) { return std::ranges::find(names, name) != names.end(); };
    return {
        .info = has("INFO"), .async = has("ASYNC"), .get_git_remote_name = has("GETGITREMOTENAME")};
}

std::vector<std::string> ExtensionSet::names() const {
    std::vector<std::string> out;
    if (info) out.emplace_back("INFO");
    if (async) out.emplace_back("ASYNC");
    if (get_git_remote_name) out.emplace_back("GETGITREMOTENAME");
    return out;
}

ExtensionSet ExtensionSet::operator&(const ExtensionSet& other) const {
    return {.info = info && other.info,
            .async = async && other.async,
            .get_git_remote_name = get_git_remote_name && other.get_git_remote_name};
}

}  // namespace gad::protocol
