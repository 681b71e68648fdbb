#include "core/filestore/filestore.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
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

Result<std::uint64_t> read_blocks(int fd, const std::filesystem::path& path,
                                  const std::function<Result<void>(std::span<const std::byte>)>& consume) {
    std::vector<std::byte> buffer(1 << 20);
    std::uint64_t total = 0;
    while (true) {
        const ssize_t got = ::read(fd, buffer.data(), buffer.size());
        if (got < 0) {
            if (errno == EINTR) continue;
            return fail("cannot read {}: {}", path.string(), std::strerror(errno));
        }
        if (got == 0) return total;
        if (auto consumed = consume(std::span(buffer.data(), static_cast<std::size_t>(got)));
            !consumed) {
            return std::unexpected(consumed.error());
        }
        total += static_cast<std::uint64_t>(got);
    }
}

}  // namespace gad::core::filestore
