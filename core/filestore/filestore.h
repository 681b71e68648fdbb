// Where annexed objects are kept: one small interface (put, get, contains, remove, locate) with one
// implementation per kind of store (a local directory here; SFTP beside it), chosen by a URL.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/failure.h"
#include "core/key.h"

namespace gad::core::filestore {

// Called with the number of bytes transferred so far; may be called often, should be cheap.
using Progress = std::function<void(std::uint64_t bytes)>;

class Filestore {
public:
    virtual ~Filestore() = default;

    // Stores the content of source under key. The content goes to a temporary name, is verified
    // (size; content for hash backends), made durable, then renamed into place: no partial or
    // unverified object is ever visible under key. Fails, storing nothing, on a mismatch.
    virtual Result<void> put(const Key& key, const std::filesystem::path& source,
                             const Progress& progress) = 0;

    // Copies the object stored under key to destination (replacing it); fails naming the key
    // when the object is absent or shorter than the key's size says.
    virtual Result<void> get(const Key& key, const std::filesystem::path& destination,
                             const Progress& progress) = 0;

    // Whether a complete object is stored under key (its size matches the key's, when the key
    // has one). A Failure means it cannot be told now (unreachable store).
    virtual Result<bool> contains(const Key& key) = 0;

    // Removes the object under key; succeeds when it was not there.
    virtual Result<void> remove(const Key& key) = 0;

    // Where a user can find the object (a path or URL), for git annex whereis.
    virtual std::string locate(const Key& key) const = 0;
};

// The size a complete object for key has, when the key tells it: its -s size, or for a chunk key
// the size of that chunk.
std::optional<std::uint64_t> expected_object_size(const Key& key);

}  // namespace gad::core::filestore
