#include "core/filestore/filestore.h"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace gad::core::filestore {

std::optional<std::uint64_t> expected_object_size(const Key& key) {
    if (!key.is_chunk()) return key.size();
    // A chunk key keeps the whole object's size in -s, the chunk size in -S and the 1-based chunk
    // number in -C: every chunk is full but the last.
    if (!key.size() || !key.chunk_size() || !key.chunk_number() || *key.chunk_number() == 0 ||
        *key.chunk_size() == 0) {
        return std::nullopt;
    }
    const std::uint64_t offset = (*key.chunk_number() - 1) * *key.chunk_size();
    if (offset >= *key.size()) return std::nullopt;
    return std::min(*key.chunk_size(), *key.size() - offset);
}

std::uint64_t free_space_reserve(std::uint64_t capacity) {
    return std::min(capacity / 100, kMaxReserve);
}

Result<void> check_free_space(const Key& key, std::string_view where, std::uint64_t free,
                              std::uint64_t capacity) {
    const std::optional<std::uint64_t> size = expected_object_size(key);
    if (!size) return {};
    const std::uint64_t reserve = free_space_reserve(capacity);
    if (free >= reserve && free - reserve >= *size) return {};
    return fail(
        "not enough space for {} ({} bytes) on {}: {} bytes free, of which {} must stay free",
        key.to_string(), *size, where, free, reserve);
}

StreamCheck::StreamCheck(const Key& key)
    : key_(key), digest_(key.is_chunk() ? std::nullopt : Digest::for_key(key)) {}

void StreamCheck::update(std::span<const std::byte> data) {
    if (digest_) digest_->update(data);
}

bool StreamCheck::content_matches() { return !digest_ || digest_->matches(key_); }

std::string StreamCheck::digest_hex() { return digest_ ? digest_->hex() : std::string(); }

Result<void> StreamCheck::finish(std::uint64_t total, std::string_view source) {
    if (auto size = expected_object_size(key_); size && *size != total) {
        return fail("{} has {} bytes but key {} says {}", source, total, key_.to_string(), *size);
    }
    if (!content_matches()) {
        return fail("content of {} does not match key {} (its {} digest is {})", source,
                    key_.to_string(), key_.backend(), digest_hex());
    }
    return {};
}

Result<void> StreamCheck::within_size(std::uint64_t total, std::string_view source) const {
    if (auto size = expected_object_size(key_); size && total > *size) {
        return fail("{} has more than the {} bytes key {} says (stopped reading after {})", source,
                    *size, key_.to_string(), total);
    }
    return {};
}

namespace {

// A ring of buffers that the caller fills and consumes in turn while a thread hashes them: a
// buffer is reused only once it is hashed (the caller is done with it by the time it asks for
// the next one).
class BackgroundCheck {
  public:
    explicit BackgroundCheck(StreamCheck& check) : check_(check) {
        for (auto& buffer : buffers_) buffer.resize(kBlock);
        thread_ = std::thread([this] { run(); });
    }
    ~BackgroundCheck() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        changed_.notify_all();
        thread_.join();
    }
    BackgroundCheck(const BackgroundCheck&) = delete;
    BackgroundCheck& operator=(const BackgroundCheck&) = delete;

    // The buffer for block number `block`, once the block that used it before is hashed.
    std::span<std::byte> buffer(std::uint64_t block) {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return hashed_ + kBuffers > block; });
        return buffers_[block % kBuffers];
    }
    // Queues block number `block` (its first size bytes) for hashing.
    void submit(std::uint64_t block, std::size_t size) {
        {
            std::lock_guard lock(mutex_);
            queue_.emplace_back(block, size);
        }
        changed_.notify_all();
    }
    // Waits until every submitted block is hashed.
    void drain() {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return queue_.empty() && !busy_; });
    }

  private:
    static constexpr std::size_t kBuffers = 4;
    static constexpr std::size_t kBlock = 1 << 20;

    void run() {
        std::unique_lock lock(mutex_);
        while (true) {
            changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, with nothing left
            const auto [block, size] = queue_.front();
            queue_.pop_front();
            busy_ = true;
            lock.unlock();
            check_.update(std::span(buffers_[block % kBuffers].data(), size));
            lock.lock();
            busy_ = false;
            ++hashed_;
            changed_.notify_all();
        }
    }

    StreamCheck& check_;
    std::array<std::vector<std::byte>, kBuffers> buffers_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::pair<std::uint64_t, std::size_t>> queue_;
    std::uint64_t hashed_ = 0;  // blocks hashed, in order
    bool busy_ = false;
    bool stopping_ = false;
    std::thread thread_;  // started once the rest is ready
};

}  // namespace

Result<std::uint64_t> read_checked_blocks(
    int fd, const std::filesystem::path& path, StreamCheck& check,
    const std::function<Result<void>(std::span<const std::byte>)>& consume) {
    struct stat status {};
    if (::fstat(fd, &status) != 0 || status.st_size < static_cast<off_t>(kBackgroundCheckSize)) {
        return read_blocks(fd, path, [&](std::span<const std::byte> block) -> Result<void> {
            check.update(block);
            return consume(block);
        });
    }
    BackgroundCheck background(check);
    std::uint64_t total = 0;
    for (std::uint64_t block = 0;; ++block) {
        const std::span<std::byte> buffer = background.buffer(block);
        ssize_t got;
        do {
            got = ::read(fd, buffer.data(), buffer.size());
        } while (got < 0 && errno == EINTR);
        if (got < 0) return fail("cannot read {}: {}", path.string(), std::strerror(errno));
        if (got == 0) break;
        const auto size = static_cast<std::size_t>(got);
        background.submit(block, size);
        if (auto consumed = consume(buffer.first(size)); !consumed) {
            return std::unexpected(consumed.error());
        }
        total += size;
    }
    background.drain();
    return total;
}

}  // namespace gad::core::filestore
