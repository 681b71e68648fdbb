// A location database's history shared through Dolt remotes (doltremote=, git-annex-dolt sync):
// other stores cloned from the same origin, and dolt-annex repositories that joined it
// (`dolt-annex init --dolt-url`), exchange the default branch (our gad_* tables) and every
// dataset branch (<uuid>-NAME) with it. Pulls are real Dolt merges: rows both sides changed are
// resolved by the newest-wins rule (peer_merge.h: merge_branch), never one side wholesale.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/failure.h"
#include "core/location/database.h"
#include "core/sql/connection.h"
#include "core/sql/database_url.h"

namespace gad::core::location {

// The Dolt remote a store is cloned from or pushed to, as doltremote= names it.
inline constexpr std::string_view kOriginRemote = "origin";

struct RemoteSyncSummary {
    std::vector<std::string> remotes;  // the remotes fetched (or pushed to), by name
    std::size_t merged = 0;            // branches that took changes from a remote
    std::size_t created = 0;           // branches first seen on a remote, made here
    std::size_t conflicts = 0;         // rows both sides changed, resolved by the rule
    std::size_t pushed = 0;            // branches pushed
    // Other branches (neither the default nor a dataset branch) that a remote has with another
    // history, left as they are there: "remote/branch".
    std::vector<std::string> not_pushed;
};

// Makes url the database's remote origin: added when it has none, kept when it names url;
// fails when origin names another URL (one line naming both). Dolt only.
Result<void> ensure_origin(sql::Connection& connection, std::string_view url);

// True when the database has any Dolt remote (false on other servers).
Result<bool> has_remotes(sql::Connection& connection);

// Fetches every remote, then merges each remote branch into the local branch of that name:
// the default branch with its location tables' conflicts resolved by the rule (our own
// per-repository bookkeeping, gad_meta and the like, keeps ours); <uuid>-NAME dataset branches by
// Dolt's merge (a conflicting row fails the pull, naming the branch); others only when they
// fast-forward. Branches the remote has and we lack (dolt-annex's, other stores') are made
// here. union-* and gad-with-* branches are never touched. open_database opens connections on
// other branches (revision databases DB/BRANCH of connection's server).
using OpenDatabase = std::function<Result<sql::Connection>(const std::string& database)>;
Result<RemoteSyncSummary> pull_remotes(sql::Connection& connection,
                                       const OpenDatabase& open_database);
// The same, the location database's own connection pulling, with its password.
Result<RemoteSyncSummary> pull_remotes(LocationDatabase& database);

// Pushes the default branch and every other branch but union-* and gad-with-* to every remote
// (not those whose head the remote had at the last fetch); a branch the remote moved meanwhile is
// pulled (as pull_remotes) and pushed once more. Fails naming the remote and the branch when that
// is the default branch or a dataset branch; other branches the remote still refuses are listed in
// not_pushed.
Result<RemoteSyncSummary> push_remotes(sql::Connection& connection,
                                       const OpenDatabase& open_database);
Result<RemoteSyncSummary> push_remotes(LocationDatabase& database);

// Pushes the default branch to origin, after committing nothing else (removepush=yes: a drop
// is final only once origin has it). Fails naming origin and its URL.
Result<void> push_default_branch(sql::Connection& connection);

}  // namespace gad::core::location
