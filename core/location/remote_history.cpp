#include "core/location/remote_history.h"

#include <fmt/format.h>

#include <map>
#include <optional>

#include "core/dolt/annex_repository.h"
#include "core/dolt/written_mark.h"
#include "core/location/dataset_merge.h"
#include "core/location/location_store.h"
#include "core/location/peer_merge.h"

namespace gad::core::location {

namespace {

using dolt::is_dolt_hash;

// Branch and remote names that may go into a database name (`db/branch`) or a message: what
// Dolt and dolt-annex make (letters, digits, '-', '_', '.', '/'), no "..".
bool is_plain_name(std::string_view name) {
    if (name.empty() || name.size() > 200 || name.find("..") != std::string_view::npos) {
        return false;
    }
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '/';
        if (!ok) return false;
    }
    return true;
}

// dolt-annex's union-* branches and our gad-with-* side branches stay where they were made.
bool is_exchanged(std::string_view branch) {
    return !branch.starts_with("union-") && !branch.starts_with("gad-with-");
}

// A dataset branch, <uuid>-NAME (36 characters of UUID, '-', a name).
bool is_dataset_branch(std::string_view branch) {
    return branch.size() > 37 && branch[36] == '-' && dolt::is_uuid(branch.substr(0, 36));
}

Result<std::optional<std::string>> value_of(sql::Connection& connection, std::string_view sql,
                                            const std::vector<sql::Param>& params = {}) {
    auto rows = connection.query(sql, params);
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty() || rows->front().empty()) return std::optional<std::string>{};
    return rows->front()[0];
}

Result<std::vector<std::string>> remote_names(sql::Connection& connection) {
    auto rows = connection.query("SELECT name FROM dolt_remotes ORDER BY name", {});
    if (!rows) return std::unexpected(rows.error());
    std::vector<std::string> names;
    for (const sql::Row& row : *rows) {
        if (row[0] && is_plain_name(*row[0])) names.push_back(*row[0]);
    }
    return names;
}

// name -> head commit, of the local branches, or of one remote's (names without remotes/R/).
Result<std::map<std::string, std::string>> branch_heads(sql::Connection& connection,
                                                        const std::string* remote) {
    auto rows = connection.query(remote ? "SELECT name, hash FROM dolt_remote_branches"
                                        : "SELECT name, hash FROM dolt_branches",
                                 {});
    if (!rows) return std::unexpected(rows.error());
    const std::string prefix = remote ? fmt::format("remotes/{}/", *remote) : "";
    std::map<std::string, std::string> heads;
    for (const sql::Row& row : *rows) {
        if (!row[0] || !row[1] || !row[0]->starts_with(prefix)) continue;
        std::string name = row[0]->substr(prefix.size());
        if (is_plain_name(name) && is_exchanged(name) && is_dolt_hash(*row[1])) {
            heads[std::move(name)] = *row[1];
        }
    }
    return heads;
}

// One pull: the connection on the default branch, and connections on others opened as needed.
class Pull {
  public:
    Pull(sql::Connection& connection, const OpenDatabase& open_database, RemoteSyncSummary& summary)
        : connection_(connection), open_database_(open_database), summary_(summary) {}

    Result<void> from(const std::string& remote);

  private:
    Result<void> merge_into(const std::string& branch, const std::string& remote_branch,
                            bool is_default);
    // The database's name (its branches are the revision databases NAME/BRANCH), asked once.
    Result<std::string> database_name();

    sql::Connection& connection_;
    const OpenDatabase& open_database_;
    RemoteSyncSummary& summary_;
    std::optional<std::string> database_name_;
};

Result<std::string> Pull::database_name() {
    if (!database_name_) {
        auto database = value_of(connection_, "SELECT DATABASE()");
        if (!database) return std::unexpected(database.error());
        database_name_ = database->value_or("");
    }
    return *database_name_;
}

Result<void> Pull::from(const std::string& remote) {
    if (auto fetched = connection_.query("CALL DOLT_FETCH(?)", {std::string_view(remote)});
        !fetched) {
        return fail(fetched.error().kind, "fetching Dolt remote {}: {}", remote,
                    fetched.error().message);
    }
    auto theirs = branch_heads(connection_, &remote);
    if (!theirs) return std::unexpected(theirs.error());
    auto ours = branch_heads(connection_, nullptr);
    if (!ours) return std::unexpected(ours.error());
    auto active = value_of(connection_, "SELECT active_branch()");
    if (!active) return std::unexpected(active.error());
    for (const auto& [branch, head] : *theirs) {
        const std::string remote_branch = fmt::format("{}/{}", remote, branch);
        auto local = ours->find(branch);
        if (local == ours->end()) {
            auto made = connection_.query("CALL DOLT_BRANCH(?, ?)",
                                          {std::string_view(branch), std::string_view(head)});
            if (!made) return std::unexpected(made.error());
            ++summary_.created;
            continue;
        }
        if (local->second == head) continue;
        if (auto done = merge_into(branch, remote_branch, branch == active->value_or("")); !done) {
            return done;
        }
    }
    return {};
}

Result<void> Pull::merge_into(const std::string& branch, const std::string& remote_branch,
                              bool is_default) {
    auto base = value_of(connection_, "SELECT DOLT_MERGE_BASE(?, ?)",
                         {std::string_view(branch), std::string_view(remote_branch)});
    if (!base) return std::unexpected(base.error());
    auto their_head = value_of(connection_, "SELECT HASHOF(?)", {std::string_view(remote_branch)});
    if (!their_head) return std::unexpected(their_head.error());
    if (*base && *base == *their_head) return {};  // theirs is behind ours: nothing to take
    const std::string message = fmt::format("git-annex-dolt sync: merge {}", remote_branch);
    if (is_default) {
        auto resolved =
            merge_branch(connection_, remote_branch, message, [] { return Result<void>{}; });
        if (!resolved) {
            const std::string& why = resolved.error().message;
            if (why.starts_with("merging ")) return std::unexpected(resolved.error());
            return fail(resolved.error().kind, "merging {} into {}: {}", remote_branch, branch,
                        why);
        }
        summary_.conflicts += *resolved;
        ++summary_.merged;
        return {};
    }
    auto our_head = value_of(connection_, "SELECT HASHOF(?)", {std::string_view(branch)});
    if (!our_head) return std::unexpected(our_head.error());
    const bool fast_forward = *base && *base == *our_head;
    if (!fast_forward && !is_dataset_branch(branch)) return {};  // not ours to merge
    auto database = database_name();
    if (!database) return std::unexpected(database.error());
    auto on = open_database_(fmt::format("{}/{}", *database, branch));
    if (!on) return std::unexpected(on.error());
    auto resolved = merge_dataset_branch(*on, *database, remote_branch, message);
    if (!resolved) {
        return fail(resolved.error().kind, "merging {} into {}: {}", remote_branch, branch,
                    resolved.error().message);
    }
    summary_.conflicts += *resolved;
    ++summary_.merged;
    return {};
}

}  // namespace

Result<void> ensure_origin(sql::Connection& connection, std::string_view url) {
    auto current =
        value_of(connection, "SELECT url FROM dolt_remotes WHERE name = ?", {kOriginRemote});
    if (!current) return std::unexpected(current.error());
    if (*current) {
        if (**current == url) return {};
        return fail("the Dolt database has remote {} at {} already, not {}", kOriginRemote,
                    **current, url);
    }
    auto added = connection.query("CALL DOLT_REMOTE('add', ?, ?)", {kOriginRemote, url});
    if (!added) return std::unexpected(added.error());
    return {};
}

Result<bool> has_remotes(sql::Connection& connection) {
    if (!connection.is_dolt()) return false;
    auto names = remote_names(connection);
    if (!names) return std::unexpected(names.error());
    return !names->empty();
}

Result<RemoteSyncSummary> pull_remotes(sql::Connection& connection,
                                       const OpenDatabase& open_database) {
    RemoteSyncSummary summary;
    auto names = remote_names(connection);
    if (!names) return std::unexpected(names.error());
    Pull pull(connection, open_database, summary);
    for (const std::string& remote : *names) {
        if (auto done = pull.from(remote); !done) return std::unexpected(done.error());
        summary.remotes.push_back(remote);
    }
    return summary;
}

Result<RemoteSyncSummary> push_remotes(sql::Connection& connection,
                                       const OpenDatabase& open_database) {
    RemoteSyncSummary summary;
    auto names = remote_names(connection);
    if (!names) return std::unexpected(names.error());
    auto ours = branch_heads(connection, nullptr);
    if (!ours) return std::unexpected(ours.error());
    auto active = value_of(connection, "SELECT active_branch()");
    if (!active) return std::unexpected(active.error());
    for (const std::string& remote : *names) {
        auto theirs = branch_heads(connection, &remote);
        if (!theirs) return std::unexpected(theirs.error());
        for (const auto& [branch, head] : *ours) {
            // The remote had this very commit when we last fetched: nothing to send.
            if (auto known = theirs->find(branch);
                known != theirs->end() && known->second == head) {
                continue;
            }
            const std::vector<sql::Param> params{std::string_view(remote),
                                                 std::string_view(branch)};
            if (connection.query("CALL DOLT_PUSH(?, ?)", params)) {
                ++summary.pushed;
                continue;
            }
            // Moved there since our fetch: take its changes, then push once more.
            Pull pull(connection, open_database, summary);
            if (auto done = pull.from(remote); !done) return std::unexpected(done.error());
            if (auto pushed = connection.query("CALL DOLT_PUSH(?, ?)", params); !pushed) {
                if (branch != active->value_or("") && !is_dataset_branch(branch)) {
                    summary.not_pushed.push_back(fmt::format("{}/{}", remote, branch));
                    continue;
                }
                return fail(pushed.error().kind, "pushing {} to Dolt remote {}: {}", branch, remote,
                            pushed.error().message);
            }
            ++summary.pushed;
        }
        summary.remotes.push_back(remote);
    }
    return summary;
}

Result<void> push_default_branch(sql::Connection& connection) {
    auto url = value_of(connection, "SELECT url FROM dolt_remotes WHERE name = ?", {kOriginRemote});
    if (!url) return std::unexpected(url.error());
    if (!*url) return fail("the Dolt database has no remote {}", kOriginRemote);
    auto active = value_of(connection, "SELECT active_branch()");
    if (!active) return std::unexpected(active.error());
    auto pushed = connection.query("CALL DOLT_PUSH(?, ?)",
                                   {kOriginRemote, std::string_view(active->value_or("main"))});
    if (!pushed) {
        return fail(pushed.error().kind, "pushing to Dolt remote {} ({}): {}", kOriginRemote, **url,
                    pushed.error().message);
    }
    return {};
}

Result<RemoteSyncSummary> pull_remotes(LocationDatabase& database) {
    return pull_remotes(database.store->connection(), [&database](const std::string& name) {
        return database.open_connection(name);
    });
}

Result<RemoteSyncSummary> push_remotes(LocationDatabase& database) {
    return push_remotes(database.store->connection(), [&database](const std::string& name) {
        return database.open_connection(name);
    });
}

}  // namespace gad::core::location
