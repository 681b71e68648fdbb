// The repositories table outside the newest-wins writers (uuid.log and trust.log as migrated or
// synced): reads for naming repositories in query and sync output, and naming a new one. The SQL
// against repositories for them is here.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/failure.h"
#include "core/sql/connection.h"

namespace gad::core::location {

// One repository's description and trust as the table holds them.
struct RepositoryRow {
    std::string uuid;
    std::string description;
    bool has_description = false;  // a description was ever set (an empty one included)
    std::string trust;             // the trust.log value, "?" when NULL
    std::string remote_config;     // the remote.log value, "" when NULL
    std::string cluster_nodes;     // a cluster's cluster.log value (its nodes), "" when NULL
    std::string proxied_remotes;   // a proxy's proxy.log value ("UUID:NAME" words), "" when NULL
};

// Every repository row.
Result<std::vector<RepositoryRow>> read_repository_rows(sql::Connection& connection);

// Every repository's uuid and description (none when NULL).
Result<std::vector<std::pair<std::string, std::optional<std::string>>>>
read_repository_descriptions(sql::Connection& connection);

// Gives uuid description unless its row has a non-empty one already (adding the row if missing).
Result<void> name_repository_if_unnamed(sql::Connection& connection, std::string_view uuid,
                                        std::string_view description);

}  // namespace gad::core::location
