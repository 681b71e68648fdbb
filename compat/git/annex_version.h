// Which git-annex the user runs, as `git annex version --raw` names it: output that must be
// git-annex's own words (whereis) follows the words of the version on PATH, since they changed
// between Debian's 10.20230126 and the newest releases.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

namespace gad::compat::git {

struct AnnexVersion {
    int major = 0;  // 10 in "10.20230126"
    long date = 0;  // 20230126 in "10.20230126"

    // The newest git-annex this program's output is known to match (10.20261026).
    static AnnexVersion newest_known() { return {10, 20261026}; }

    // Whether whereis joins the lines of a list of repositories with a space, so that every line
    // after the first starts with one (Haskell's unwords in prettyPrintUUIDs): true for
    // 10.20230126 and older, false for 10.20261026; versions in between are taken as the newer.
    bool space_joined_repository_lists() const {
        return major < 10 || (major == 10 && date <= 20230126);
    }

    // Whether it knows clusters (cluster.log; Annex/Cluster.hs is in 10.20240701).
    bool knows_clusters() const { return major > 10 || (major == 10 && date >= 20240701); }
};

// The version in text such as "10.20261026-g351f69fa" or "10.20230126"; nullopt when the text
// does not start with MAJOR.DATE.
std::optional<AnnexVersion> parse_annex_version(std::string_view raw);

// The version of the git-annex on PATH, run in cwd; newest_known() when it cannot be run or its
// answer does not parse.
AnnexVersion installed_annex_version(const std::filesystem::path& cwd);

}  // namespace gad::compat::git
