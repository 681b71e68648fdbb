#include "compat/query/key_set.h"

#include <algorithm>
#include <functional>
#include <iterator>

namespace gad::compat::query {

KeySet::Digest KeySet::digest(std::string_view key) {
    // libstdc++'s murmur hash (std::hash's own), with two seeds.
    return {std::_Hash_bytes(key.data(), key.size(), 0xc70f6907UL),
            std::_Hash_bytes(key.data(), key.size(), 0x9e3779b97f4a7c15UL)};
}

core::Result<KeySet> KeySet::present_in(core::sql::Connection& connection, std::string_view uuid) {
    KeySet set;
    auto read = connection.for_each(
        "SELECT annex_key FROM locations WHERE uuid = ? AND status = '1'", {uuid},
        [&](const core::sql::Row& row) -> core::Result<void> {
            if (row[0]) set.add(*row[0]);
            return {};
        });
    if (!read) return std::unexpected(read.error());
    set.seal();
    return set;
}

void KeySet::add(std::string_view key) { digests_.push_back(digest(key)); }

void KeySet::seal() {
    std::sort(digests_.begin(), digests_.end());
    digests_.erase(std::unique(digests_.begin(), digests_.end()), digests_.end());
    digests_.shrink_to_fit();
}

KeySet KeySet::intersect(const KeySet& other) const {
    KeySet out;
    std::set_intersection(digests_.begin(), digests_.end(), other.digests_.begin(),
                          other.digests_.end(), std::back_inserter(out.digests_));
    return out;
}

KeySet KeySet::unite(const KeySet& other) const {
    KeySet out;
    out.digests_.reserve(digests_.size() + other.digests_.size());
    std::set_union(digests_.begin(), digests_.end(), other.digests_.begin(), other.digests_.end(),
                   std::back_inserter(out.digests_));
    return out;
}

bool KeySet::contains(std::string_view key) const {
    return std::binary_search(digests_.begin(), digests_.end(), digest(key));
}

}  // namespace gad::compat::query
