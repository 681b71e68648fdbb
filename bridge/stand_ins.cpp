#include "bridge/stand_ins.h"

#include <algorithm>

namespace gad::bridge {

namespace {

// What was read stays in use this many times as long as the reading took, and at least
// kMinFresh: reading again costs at most 5% of the time, and another process's removal of a
// migrated key is seen here within that time (the old object's presence is always looked up).
constexpr int kFreshFactor = 20;
constexpr std::chrono::seconds kMinFresh{2};

}  // namespace

template <typename Query>
auto StandIns::with_connection(Query&& query)
    -> decltype(query(std::declval<core::sql::Connection&>())) {
    std::lock_guard lock(mutex_);
    if (!connection_) {
        auto opened = database_->open_connection({}, timeouts_);
        if (!opened) return std::unexpected(opened.error());
        connection_.emplace(std::move(*opened));
    }
    auto answer = query(*connection_);
    // A broken connection is opened again by the next lookup.
    if (!answer && answer.error().kind != core::Failure::Kind::error) connection_.reset();
    return answer;
}

core::Result<void> StandIns::load(core::sql::Connection& connection) {
    const Clock::time_point start = Clock::now();
    index_.clear();
    indexed_ = false;
    loaded_at_.reset();
    auto loaded = core::location::for_each_stand_in(
        connection, uuid_, max_indexed_,
        [this](std::string_view new_key, core::location::StandIn stand_in) -> core::Result<void> {
            index_[std::string(new_key)].push_back(std::move(stand_in));
            return {};
        });
    if (!loaded) {
        index_.clear();
        return std::unexpected(loaded.error());
    }
    for (auto& [key, stand_ins] : index_) {
        std::sort(stand_ins.begin(), stand_ins.end(),
                  [](const auto& a, const auto& b) { return a.timestamp > b.timestamp; });
    }
    indexed_ = *loaded;
    loaded_at_ = Clock::now();
    load_took_ = *loaded_at_ - start;
    return {};
}

core::Result<std::vector<core::location::StandIn>> StandIns::candidates(
    core::sql::Connection& connection, const std::string& key) {
    const auto fresh_for = std::max<Clock::duration>(kMinFresh, kFreshFactor * load_took_);
    if (!loaded_at_ || Clock::now() - *loaded_at_ > fresh_for) {
        if (auto loaded = load(connection); !loaded) return std::unexpected(loaded.error());
    }
    if (!indexed_) return core::location::stand_ins_for(connection, key, uuid_);
    auto found = index_.find(key);
    if (found == index_.end()) return std::vector<core::location::StandIn>{};
    return found->second;
}

core::Result<std::optional<core::Key>> StandIns::find(const core::Key& key,
                                                      core::filestore::Filestore& filestore) {
    auto candidates = with_connection([&](core::sql::Connection& connection) {
        return this->candidates(connection, key.to_string());
    });
    if (!candidates) return std::unexpected(candidates.error());
    for (const core::location::StandIn& candidate : *candidates) {
        auto old_key = core::Key::parse(candidate.old_key);
        if (!old_key) continue;  // the table's word is checked like any other input
        auto present = filestore.contains(*old_key);
        if (!present) return std::unexpected(present.error());
        if (*present) return std::optional<core::Key>(std::move(*old_key));
    }
    return std::optional<core::Key>{};
}

core::Result<std::vector<std::string>> StandIns::standing_on(
    const core::Key& old_key, core::filestore::Filestore& filestore) {
    auto newer = with_connection([&](core::sql::Connection& connection) {
        return core::location::keys_standing_on(connection, old_key.to_string(), uuid_);
    });
    if (!newer) return std::unexpected(newer.error());
    std::vector<std::string> out;
    for (const std::string& text : *newer) {
        auto key = core::Key::parse(text);
        if (!key) continue;
        auto held = filestore.contains(*key);
        if (!held) return std::unexpected(held.error());
        if (!*held) out.push_back(key->to_string());
    }
    return out;
}

void StandIns::ended(const std::string& key) {
    std::lock_guard lock(mutex_);
    index_.erase(key);
}

}  // namespace gad::bridge
