// The protocol extensions this library knows (INFO, ASYNC, GETGITREMOTENAME), as a small set:
// what git-annex offers, what a remote wants, and what the two agree to use.
#pragma once

#include <string>
#include <vector>

namespace gad::protocol {

struct ExtensionSet {
    bool info = false;                 // INFO: the remote may send INFO messages.
    bool async = false;                // ASYNC: messages carry "J <n>"; jobs run concurrently.
    bool get_git_remote_name = false;  // GETGITREMOTENAME: the remote may send that query.

    // The set named by an EXTENSIONS list; names this library does not know are ignored.
    static ExtensionSet from_names(const std::vector<std::string>& names);

    // The names of the members, in the order INFO, ASYNC, GETGITREMOTENAME.
    std::vector<std::string> names() const;

    // The extensions in both sets: what a remote may use once git-annex offered `other`.
    ExtensionSet operator&(const ExtensionSet& other) const;

    bool operator==(const ExtensionSet&) const = default;
};

}  // namespace gad::protocol
