// The repositories a location database knows, described the way git-annex describes them to the
// user of one git-annex repository: uuid.log's description combined with the names that
// repository's git config gives its remotes, and trust with git config's overrides.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compat/git/repository.h"
#include "compat/logs/uuid_based_log.h"
#include "core/sql/connection.h"

namespace gad::compat::query {

using core::Result;

// The web special remote's fixed UUID (never in uuid.log).
inline constexpr std::string_view kWebUuid = "00000000-0000-0000-0000-000000000001";

// A repository's trust: the one trust type, compat/logs/uuid_based_log.h's.
using Trust = logs::TrustLevel;

struct KnownRepository {
    std::string uuid;
    std::string description;  // as git-annex shows it ("desc", "[remote]", "desc [remote]")
    std::optional<std::string> remote_name;
    Trust trust = Trust::semitrusted;
    // A special remote's remote.log configuration (compat/logs/uuid_based_log.h); empty for
    // others.
    std::vector<std::pair<std::string, std::string>> config;
    // For a cluster (cluster.log), its nodes' UUIDs; empty for other repositories.
    std::vector<std::string> cluster_nodes;
    // Known here through a proxy (a remote X-NAME that proxy.log's X proxies), not configured.
    bool proxied = false;

    // The value of a configuration setting; "" when not set.
    std::string setting(std::string_view name) const;
};

// Whether git-annex overrides a special remote's trust to untrusted whatever trust.log says
// (dead stays dead): one with exporttree=yes or importtree=yes, unless its exports are versioned
// (S3 with versioning=yes) or its content is populated by others (borg): Remote/Helper/
// ExportImport.hs's untrustworthy, in 10.20230126 as in 10.20261026.
bool implicitly_untrusted(const KnownRepository& remote);

class RepositoryNames {
  public:
    // Reads the repositories table and repository's remotes (remote.NAME.annex-uuid,
    // remote.NAME.annex-trustlevel); here_uuid is the repository's own UUID.
    static Result<RepositoryNames> load(core::sql::Connection& connection,
                                        const git::Repository& repository, std::string here_uuid);

    // The repository with uuid; one with an empty description and default trust when unknown.
    KnownRepository describe(std::string_view uuid) const;

    // The UUID that a name as git-annex accepts it names: a UUID, a remote name, or a
    // description (uuid.log's, exact); "here" and "." name this repository. Nullopt when none.
    std::optional<std::string> resolve(std::string_view name) const;

    const std::string& here() const { return here_; }
    // The UUIDs of the clusters node is a node of, sorted; empty for most repositories.
    const std::vector<std::string>& clusters_of(std::string_view node) const;
    const std::map<std::string, KnownRepository, std::less<>>& all() const { return known_; }

  private:
    std::string here_;
    std::map<std::string, KnownRepository, std::less<>> known_;
    std::map<std::string, std::string, std::less<>> plain_descriptions_;  // uuid.log's
    std::map<std::string, std::vector<std::string>, std::less<>> clusters_of_node_;
};

}  // namespace gad::compat::query
