#include "core/location/peer_history.h"

#include <fmt/format.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>

#include "core/location/peer_rows.h"

namespace gad::core::location {

namespace fs = std::filesystem;

namespace {

// The branch theirs pushes to the temporary remote.
constexpr std::string_view kPushedBranch = "gad-peer";

// The first commit of the database's history (the one without a parent).
Result<std::string> first_commit(sql::Connection& connection) {
    return single_value(connection,
                        "SELECT MIN(commit_hash) FROM dolt_commit_ancestors WHERE parent_hash IS "
                        "NULL");
}

// Adds remote name with url on connection's database, replacing one of that name left behind
// by an earlier run that was killed.
Result<void> add_remote(sql::Connection& connection, const std::string& name,
                        const std::string& url) {
    (void)connection.query("CALL DOLT_REMOTE('remove', ?)", {std::string_view(name)});
    auto added = connection.query("CALL DOLT_REMOTE('add', ?, ?)",
                                  {std::string_view(name), std::string_view(url)});
    if (!added) return std::unexpected(added.error());
    return {};
}

}  // namespace

Result<bool> share_history(sql::Connection& ours, sql::Connection& theirs) {
    if (!ours.is_dolt() || !theirs.is_dolt()) return false;
    auto our_first = first_commit(ours);
    if (!our_first) return std::unexpected(our_first.error());
    auto their_first = first_commit(theirs);
    if (!their_first) return std::unexpected(their_first.error());
    return *our_first == *their_first;
}

PeerExchange::PeerExchange(PeerExchange&& other) noexcept
    : ours_(other.ours_),
      theirs_(other.theirs_),
      directory_(std::exchange(other.directory_, {})),
      remote_(std::exchange(other.remote_, {})),
      branch_(std::move(other.branch_)),
      commit_(std::move(other.commit_)) {}

PeerExchange::~PeerExchange() {
    if (remote_.empty()) return;
    (void)ours_->query("CALL DOLT_REMOTE('remove', ?)", {std::string_view(remote_)});
    (void)theirs_->query("CALL DOLT_REMOTE('remove', ?)", {std::string_view(remote_)});
    std::error_code ec;
    fs::remove_all(directory_, ec);
}

Result<PeerExchange> PeerExchange::fetch(sql::Connection& ours, sql::Connection& theirs,
                                         std::string_view exchange_id) {
    std::string pattern = (fs::temp_directory_path() / "gad-exchange-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        return fail("cannot make a temporary directory for the Dolt exchange: {}",
                    std::strerror(errno));
    }
    PeerExchange exchange(ours, theirs, pattern, fmt::format("gad-exchange-{}", exchange_id));
    const std::string url = "file://" + pattern;
    if (auto added = add_remote(theirs, exchange.remote_, url); !added) {
        return std::unexpected(added.error());
    }
    auto their_branch = single_value(theirs, "SELECT active_branch()");
    if (!their_branch) return std::unexpected(their_branch.error());
    const std::string refspec = fmt::format("{}:{}", *their_branch, kPushedBranch);
    if (auto pushed = theirs.query("CALL DOLT_PUSH(?, ?)",
                                   {std::string_view(exchange.remote_), std::string_view(refspec)});
        !pushed) {
        return fail(pushed.error().kind, "pushing the peer's branch {} to {}: {}", *their_branch,
                    url, pushed.error().message);
    }
    if (auto added = add_remote(ours, exchange.remote_, url); !added) {
        return std::unexpected(added.error());
    }
    if (auto fetched = ours.query("CALL DOLT_FETCH(?)", {std::string_view(exchange.remote_)});
        !fetched) {
        return fail(fetched.error().kind, "fetching the peer's branch from {}: {}", url,
                    fetched.error().message);
    }
    exchange.branch_ = fmt::format("{}/{}", exchange.remote_, kPushedBranch);
    auto commit = single_value(ours, fmt::format("SELECT HASHOF('{}')", exchange.branch_));
    if (!commit) return std::unexpected(commit.error());
    exchange.commit_ = *commit;
    return exchange;
}

}  // namespace gad::core::location
