#include "compat/query/repository_names.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/location/repository_rows.h"

namespace gad::compat::query {

namespace {

// git-annex's proxied remotes: for each remote X reached over P2P HTTP (remote.X.annexurl) whose
// UUID proxies others (proxy.log "UUID:NAME" words), a remote "X-NAME" of that UUID, unless one
// is configured here. Adds them to remote_of and returns their UUIDs.
Result<std::set<std::string>> add_proxied_remotes(
    const git::Repository& repository, const std::map<std::string, std::string>& proxied_by,
    std::map<std::string, std::string>& remote_of) {
    auto urls = repository.config_matching(R"(^remote\..*\.annexurl$)");
    if (!urls) return std::unexpected(urls.error());
    auto uuids = repository.config_matching(R"(^remote\..*\.annex-uuid$)");
    if (!uuids) return std::unexpected(uuids.error());
    std::set<std::string> added;
    for (const auto& [url_name, url] : *urls) {
        const std::string remote = url_name.substr(7, url_name.size() - 7 - 9);
        for (const auto& [name, uuid] : *uuids) {
            if (name != "remote." + remote + ".annex-uuid") continue;
            auto proxied = proxied_by.find(uuid);
            if (proxied == proxied_by.end()) continue;
            for (const std::string& word : logs::parse_group_names(proxied->second)) {
                const std::size_t colon = word.find(':');
                if (colon == std::string::npos) continue;
                const std::string target = word.substr(0, colon);
                if (remote_of.contains(target)) continue;
                remote_of[target] = remote + "-" + word.substr(colon + 1);
                added.insert(target);
            }
        }
    }
    return added;
}

}  // namespace

Result<RepositoryNames> RepositoryNames::load(core::sql::Connection& connection,
                                              const git::Repository& repository,
                                              std::string here_uuid) {
    RepositoryNames names;
    names.here_ = std::move(here_uuid);
    // uuid.log: has_description tells an empty description from none (git-annex shows the two
    // differently when a remote is named too).
    std::map<std::string, std::pair<std::string, bool>> described;
    std::map<std::string, std::string> proxied_by;  // proxy.log: proxy UUID -> what it proxies
    auto rows = core::location::read_repository_rows(connection);
    if (!rows) return std::unexpected(rows.error());
    for (auto& row : *rows) {
        KnownRepository known;
        known.uuid = row.uuid;
        known.trust = logs::parse_trust_setting(row.trust);
        known.config = logs::parse_remote_config(row.remote_config);
        known.cluster_nodes = logs::parse_group_names(row.cluster_nodes);  // words, sorted
        for (const std::string& node : known.cluster_nodes) {
            names.clusters_of_node_[node].push_back(known.uuid);
        }
        if (!row.proxied_remotes.empty()) proxied_by[known.uuid] = row.proxied_remotes;
        described[known.uuid] = {std::move(row.description), row.has_description};
        names.known_.emplace(known.uuid, std::move(known));
    }

    // Remote names, as git-annex's remote list gives them (the last of one UUID wins).
    std::map<std::string, std::string> remote_of{{std::string(kWebUuid), "web"}};
    auto uuids = repository.config_matching(R"(^remote\..*\.annex-uuid$)");
    if (!uuids) return std::unexpected(uuids.error());
    std::map<std::string, std::string> uuid_of_remote;
    for (const auto& [name, value] : *uuids) {
        const std::string remote = name.substr(7, name.size() - 7 - 11);
        remote_of[value] = remote;
        uuid_of_remote[remote] = value;
    }
    auto levels = repository.config_matching(R"(^remote\..*\.annex-trustlevel$)");
    if (!levels) return std::unexpected(levels.error());
    auto proxied = add_proxied_remotes(repository, proxied_by, remote_of);
    if (!proxied) return std::unexpected(proxied.error());

    for (auto& [uuid, remote] : remote_of) {
        auto& known = names.known_[uuid];
        known.uuid = uuid;
        known.remote_name = remote;
        known.proxied = proxied->contains(uuid);
    }
    for (auto& [uuid, known] : names.known_) {
        auto found = described.find(uuid);
        const bool has_description = found != described.end() && found->second.second;
        const std::string description = has_description ? found->second.first : "";
        if (has_description) names.plain_descriptions_[uuid] = description;
        if (known.remote_name && has_description) {
            known.description = description.empty() || description == *known.remote_name
                                    ? fmt::format("[{}]", *known.remote_name)
                                    : fmt::format("{} [{}]", description, *known.remote_name);
        } else if (known.remote_name) {
            known.description = *known.remote_name;
        } else {
            known.description = description;
        }
    }
    for (const auto& [name, value] : *levels) {
        const std::string remote = name.substr(7, name.size() - 7 - 17);
        if (auto uuid = uuid_of_remote.find(remote); uuid != uuid_of_remote.end()) {
            names.known_[uuid->second].trust = logs::parse_trust_setting(value);
        }
    }
    for (auto& [uuid, known] : names.known_) {
        if (implicitly_untrusted(known)) known.trust = std::max(known.trust, Trust::untrusted);
    }
    return names;
}

const std::vector<std::string>& RepositoryNames::clusters_of(std::string_view node) const {
    static const std::vector<std::string> none;
    auto found = clusters_of_node_.find(node);
    return found == clusters_of_node_.end() ? none : found->second;
}

std::string KnownRepository::setting(std::string_view name) const {
    for (const auto& [key, value] : config) {
        if (key == name) return value;
    }
    return "";
}

bool implicitly_untrusted(const KnownRepository& remote) {
    auto yes = [&](std::string_view name) { return remote.setting(name) == "yes"; };
    if (!yes("exporttree") && !yes("importtree")) return false;
    const std::string type = remote.setting("type");
    if (type == "borg") return false;
    if (type == "S3" && yes("versioning")) return false;
    return true;
}

KnownRepository RepositoryNames::describe(std::string_view uuid) const {
    if (auto found = known_.find(uuid); found != known_.end()) return found->second;
    KnownRepository unknown;
    unknown.uuid = uuid;
    return unknown;
}

std::optional<std::string> RepositoryNames::resolve(std::string_view name) const {
    if (name == "here" || name == ".") return here_;
    if (known_.contains(name)) return std::string(name);
    for (const auto& [uuid, known] : known_) {
        if (known.remote_name == name) return uuid;
    }
    for (const auto& [uuid, description] : plain_descriptions_) {
        if (description == name) return uuid;
    }
    return std::nullopt;
}

}  // namespace gad::compat::query
