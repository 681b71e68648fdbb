#include "compat/query/key_set.h"

#include <algorithm>
#include <functional>
#include <iterator>

#include "core/location/key_reads.h"

namespace gad::compat::query {

KeySet::Digest KeySet::digest(std::string_view key) {
    // libstdc++'s murmur hash (std::hash's own), with two seeds.
    return {std::_Hash_bytes(key.data(), key.size(), 0xc70f6907UL),
            std::_Hash_bytes(key.data(), key.size(), 0x9e3779b97f4a7c15UL)};
}

core::Result<KeySet> KeySet::present_in(core::sql::Connection& connection, std::string_view uuid) {
    KeySet set;
    auto read = core::location::for_each_key_present_in(
        connection, uuid, [&](std::string_view key) -> core::Result<void> {
            set.add(key);
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
    index();
}

void KeySet::index() {
    // About one digest per bucket: the digests are uniform, so a lookup reads one or two.
    bucket_bits_ = 1;
    while (bucket_bits_ < 32 && (std::size_t{1} << bucket_bits_) < digests_.size()) ++bucket_bits_;
    const std::size_t buckets = std::size_t{1} << bucket_bits_;
    buckets_.assign(buckets + 1, 0);
    std::size_t at = 0;
    for (std::size_t bucket = 0; bucket < buckets; ++bucket) {
        buckets_[bucket] = static_cast<std::uint32_t>(at);
        while (at < digests_.size() && (digests_[at].first >> (64 - bucket_bits_)) == bucket) ++at;
    }
    buckets_[buckets] = static_cast<std::uint32_t>(digests_.size());
}

template <typename Merge>
KeySet KeySet::merged(const KeySet& other, Merge merge) const {
    KeySet out;
    merge(digests_.begin(), digests_.end(), other.digests_.begin(), other.digests_.end(),
          std::back_inserter(out.digests_));
    out.index();
    return out;
}

KeySet KeySet::intersect(const KeySet& other) const {
    return merged(other, [](auto... args) { return std::set_intersection(args...); });
}

KeySet KeySet::unite(const KeySet& other) const {
    return merged(other, [](auto... args) { return std::set_union(args...); });
}

KeySet KeySet::subtract(const KeySet& other) const {
    return merged(other, [](auto... args) { return std::set_difference(args...); });
}

bool KeySet::contains(const Digest& digest) const {
    if (digests_.empty()) return false;
    const std::size_t bucket = digest.first >> (64 - bucket_bits_);
    for (std::uint32_t i = buckets_[bucket], end = buckets_[bucket + 1]; i < end; ++i) {
        if (digests_[i] == digest) return true;
    }
    return false;
}

KeySet::ParallelRead::ParallelRead(const Connect& connect, std::vector<std::string> uuids)
    : uuids_(std::move(uuids)), results_(uuids_.size(), KeySet{}) {
    threads_.reserve(uuids_.size());
    for (std::size_t i = 0; i < uuids_.size(); ++i) {
        threads_.emplace_back([this, i, connect] {
            auto connection = connect();
            results_[i] = connection ? present_in(*connection, uuids_[i])
                                     : core::Result<KeySet>(std::unexpected(connection.error()));
            finished_.fetch_add(1, std::memory_order_release);
        });
    }
}

KeySet::ParallelRead::~ParallelRead() {
    for (std::thread& thread : threads_) {
        if (thread.joinable()) thread.join();
    }
}

core::Result<std::vector<KeySet>> KeySet::ParallelRead::wait() {
    for (std::thread& thread : threads_) {
        if (thread.joinable()) thread.join();
    }
    std::vector<KeySet> sets;
    sets.reserve(results_.size());
    for (auto& result : results_) {
        if (!result) return std::unexpected(result.error());
        sets.push_back(std::move(*result));
    }
    return sets;
}

}  // namespace gad::compat::query
