// A set of annex keys held as 128-bit digests in one sorted array (16 bytes a key, whatever the
// keys' length), for set queries that would otherwise join location rows per file: the keys a
// repository has are read once, in one index scan, and files are then checked against them.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/failure.h"
#include "core/sql/connection.h"

namespace gad::compat::query {

class KeySet {
  public:
    // The keys whose location row for uuid says present ('1').
    static core::Result<KeySet> present_in(core::sql::Connection& connection,
                                           std::string_view uuid);

    // Keys in both sets / in either / in this one but not in other.
    KeySet intersect(const KeySet& other) const;
    KeySet unite(const KeySet& other) const;
    KeySet subtract(const KeySet& other) const;

    // A key's 128-bit digest: two independent 64-bit hashes.
    using Digest = std::pair<std::uint64_t, std::uint64_t>;
    static Digest digest(std::string_view key);

    // True when key is in the set (both hashes must match; a false match needs a 128-bit
    // collision between two keys). About one probe: the digests' top bits index a bucket table.
    bool contains(std::string_view key) const { return contains(digest(key)); }
    bool contains(const Digest& digest) const;

    // Reads the sets present_in() gives for each of uuids at the same time, each on its own
    // connection from connect (the server then works on them in parallel); in uuids' order.
    using Connect = std::function<core::Result<core::sql::Connection>()>;
    class ParallelRead;

    std::size_t size() const { return digests_.size(); }

    // Adds key (then call seal before contains).
    void add(std::string_view key);
    // Sorts, drops duplicates and indexes.
    void seal();

  private:
    void index();  // builds buckets_ for digests_
    // The set merge (one of std::set_intersection, set_union, set_difference) of the two sets.
    template <typename Merge>
    KeySet merged(const KeySet& other, Merge merge) const;

    std::vector<Digest> digests_;  // sorted
    // Where each bucket of digests with the same top bucket_bits_ bits starts in digests_ (one
    // more entry for the end); empty until seal().
    std::vector<std::uint32_t> buckets_;
    int bucket_bits_ = 0;
};

class KeySet::ParallelRead {
  public:
    ParallelRead(const Connect& connect, std::vector<std::string> uuids);
    // Waits for the reads still running.
    ~ParallelRead();
    ParallelRead(const ParallelRead&) = delete;
    ParallelRead& operator=(const ParallelRead&) = delete;

    // True once every read has finished (without waiting).
    bool done() const { return finished_.load(std::memory_order_acquire) == uuids_.size(); }
    // Waits for every read; the sets, or the first failure.
    core::Result<std::vector<KeySet>> wait();

  private:
    std::vector<std::string> uuids_;
    std::vector<core::Result<KeySet>> results_;
    std::atomic<std::size_t> finished_{0};
    std::vector<std::thread> threads_;
};

}  // namespace gad::compat::query
