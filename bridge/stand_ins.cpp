#include "bridge/stand_ins.h"

#include "core/location/key_migrations.h"

namespace gad::bridge {

template <typename Query>
auto StandIns::with_connection(Query&& query)
    -> decltype(query(std::declval<core::sql::Connection&>())) {
    std::lock_guard lock(mutex_);
    if (!connection_) {
        auto opened =
            core::sql::Connection::open(database_->target, database_->password, timeouts_);
        if (!opened) return std::unexpected(opened.error());
        connection_.emplace(std::move(*opened));
    }
    auto answer = query(*connection_);
    // A broken connection is opened again by the next lookup.
    if (!answer && answer.error().kind != core::Failure::Kind::error) connection_.reset();
    return answer;
}

core::Result<std::optional<core::Key>> StandIns::find(const core::Key& key,
                                                      core::filestore::Filestore& filestore) {
    auto candidates = with_connection([&](core::sql::Connection& connection) {
        return core::location::stand_ins_for(connection, key.to_string(), uuid_);
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

}  // namespace gad::bridge
