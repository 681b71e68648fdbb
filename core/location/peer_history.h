// sync --with a peer whose Dolt database shares history with ours (a clone of the same origin,
// or a dolt-annex database from the same template): theirs' branch is fetched into ours as a
// remote branch and merged with DOLT_MERGE, so that its commits become part of our history,
// instead of its rows being copied onto a side branch (peer_merge.h). A database's own directory
// cannot serve as a file:// remote while a server has it open (Dolt: "cannot create NBS store for
// directory containing chunk journal"), so theirs' server pushes its branch to a file:// remote
// in a new temporary directory, from which ours fetches.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/failure.h"
#include "core/sql/connection.h"

namespace gad::core::location {

// True when both connections are on Dolt databases whose histories start with the same commit.
Result<bool> share_history(sql::Connection& ours, sql::Connection& theirs);

// Theirs' current branch, fetched into ours through a temporary file:// remote. Destroying it
// removes the remote on both sides and the temporary directory (theirs' commits stay in ours).
class PeerExchange {
  public:
    // Pushes theirs' active branch to a new temporary remote, fetches it into ours. exchange_id
    // names the remotes (letters, digits and '-').
    static Result<PeerExchange> fetch(sql::Connection& ours, sql::Connection& theirs,
                                      std::string_view exchange_id);
    PeerExchange(PeerExchange&& other) noexcept;
    PeerExchange& operator=(PeerExchange&&) = delete;
    PeerExchange(const PeerExchange&) = delete;
    ~PeerExchange();

    // The remote branch to merge in ours ("<remote>/<branch>").
    const std::string& branch() const { return branch_; }
    // The commit it is at (theirs' head).
    const std::string& commit() const { return commit_; }

  private:
    PeerExchange(sql::Connection& ours, sql::Connection& theirs, std::filesystem::path directory,
                 std::string remote)
        : ours_(&ours),
          theirs_(&theirs),
          directory_(std::move(directory)),
          remote_(std::move(remote)) {}
    sql::Connection* ours_;
    sql::Connection* theirs_;
    std::filesystem::path directory_;
    std::string remote_;
    std::string branch_;
    std::string commit_;
};

}  // namespace gad::core::location
