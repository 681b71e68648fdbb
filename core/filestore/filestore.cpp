#include "core/filestore/filestore.h"

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

}  // namespace gad::core::filestore
