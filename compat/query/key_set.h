// A set of annex keys held as 128-bit digests in one sorted array (16 bytes a key, whatever the
// keys' length), for set queries that would otherwise join location rows per file: the keys a
// repository has are read once, in one index scan, and files are then checked against them.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "core/failure.h"
#include "core/sql/connection.h"

namespace gad::compat::query {

class KeySet {
public:
    // The keys whose location row for uuid says present ('1').
    static core::Result<KeySet> present_in(core::sql::Connection& connection, std::string_view uuid);

    // Keys in both sets / in either.
    KeySet intersect(const KeySet& other) const;
    KeySet unite(const KeySet& other) const;

    // True when key is in the set (two independent 64-bit hashes must both match; a false match
    // needs a 128-bit collision between two keys).
    bool contains(std::string_view key) const;

    std::size_t size() const { return digests_.size(); }

    // Adds key (then call seal before contains).
    void add(std::string_view key);
    // Sorts and drops duplicates.
    void seal();

private:
    using Digest = std::pair<std::uint64_t, std::uint64_t>;
    static Digest digest(std::string_view key);
    std::vector<Digest> digests_;
};

}  // namespace gad::compat::query
