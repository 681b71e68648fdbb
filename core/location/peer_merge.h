// Merging two location databases by git-annex's last-writer-wins rule (git-annex-dolt sync
// --with): every fact one side holds reaches the other unless the other holds a newer one, so
// merging in any order, any number of times, ends in the state git-annex's union merge of the
// same logs would give.
//
// On Dolt, when the two databases share history (their first commit is the same: clones of one
// origin), the peer's branch itself is fetched into ours and merged with DOLT_MERGE
// (peer_history.h), so its commits become ours. Otherwise the peer's facts are written on a
// branch made from ours' head, which is then merged with DOLT_MERGE: databases made
// independently share no commit, and Dolt refuses such merges ("no common ancestor"). Either
// way rows that both changed come out of the merge as conflicts and are resolved by the same
// rule in SQL.
// When the peer is Dolt too, only what changed there since the last merge is read (dolt_diff
// between the peer's commit merged last and its head); other servers are read whole.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/annex_values.h"
#include "core/failure.h"
#include "core/sql/connection.h"
#include "core/sql/database_url.h"

namespace gad::core::location {

// One side of a merge: where it is, and how to name it in messages and commit messages. Its
// password opens connections and is not handed out.
class PeerEnd {
  public:
    PeerEnd(sql::DatabaseUrl url, std::string password, std::string description)
        : url(std::move(url)),
          description(std::move(description)),
          password_(std::move(password)) {}

    // A connection to `at` (this end's server; another database on it, such as a revision
    // database) with this end's password.
    Result<sql::Connection> open(const sql::DatabaseUrl& at) const {
        return sql::Connection::open(at, password_);
    }

    sql::DatabaseUrl url;
    std::string description;

  private:
    std::string password_;
};

struct PeerMergeSummary {
    std::size_t rows_read = 0;  // the peer's rows read: all of them, or its changes (incremental)
    bool incremental = false;
    std::size_t conflicts = 0;  // rows both sides changed, resolved by the rule (Dolt only)
    std::size_t refused = 0;    // values of theirs refused (core/annex_values.h), rows left out
    std::string commit;         // the Dolt commit made on ours; empty on other servers
};

// The database's own identity, a UUID kept in gad_meta (made on first use).
Result<std::string> database_id(sql::Connection& connection);
// Gives the database a new identity (a Dolt clone inherits its origin's) and returns it.
Result<std::string> renew_database_id(sql::Connection& connection);
// Whether two connections reach one database: the same server (one's user lock is seen by the
// other) and the same database name.
Result<bool> same_database(sql::Connection& one, sql::Connection& other);

// Brings every fact of theirs into ours (locations, URLs, metadata, chunks, remote states,
// settings, repositories) by the rule, and remembers how far theirs was read. Commits what is
// pending on both sides first (Dolt). Both must be location databases (the schema is made or
// upgraded when missing); the same database on both sides is refused. A row of theirs holding
// a value that could not enter a git-annex log (check_peer_row) is left out; each such value is
// counted in refused and reported to refused_sink.
Result<PeerMergeSummary> merge_from_peer(const PeerEnd& ours, const PeerEnd& theirs,
                                         const annex_values::RefusalSink& refused_sink);

// Passes each value of a row of a merged table (columns named as the table's, NULL cells
// skipped) through gate: annex_key a key, uuid a UUID, url a URL, field a metadata field,
// status a presence status, description a description, the metadata table's value anything
// (it is encoded when written), any other column text on one line. True when all pass.
bool check_peer_row(annex_values::Gate& gate, std::string_view table,
                    const std::vector<std::string_view>& columns, const sql::Row& row,
                    std::string_view peer);

// On Dolt: merges branch into the connection's branch in one transaction, resolves rows both
// changed by the rule, runs before_commit in that transaction, and makes a Dolt commit with
// message. Returns the number of conflicting rows resolved. Fails, rolling back, on a conflict
// in any other table or a schema conflict.
Result<std::size_t> merge_branch(sql::Connection& connection, std::string_view branch,
                                 std::string_view message,
                                 const std::function<Result<void>()>& before_commit);

}  // namespace gad::core::location
