// Where annexed objects are kept: one small interface (put, get, contains, verify, removal in
// two steps as hide then purge or restore, locate) with one implementation per kind of store
// (LocalFilestore: a local directory; SftpFilestore: a directory on an SFTP server), chosen by
// its URL or path through the table in core/filestore/backends.h. Also the checks every store
// makes on content it receives (size bound, free space, digest).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/digest.h"
#include "core/failure.h"
#include "core/file_reads.h"
#include "core/key.h"
#include "core/timestamp.h"

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

    // Whether a complete object whose content matches key (size, and digest for hash backends)
    // is stored under key; false when there is none or it is damaged. Reads the whole object:
    // for an object about to be trusted, not for every request. A Failure when it cannot be read.
    virtual Result<bool> verify(const Key& key) = 0;

    // Stores source under key like put(), but may share source's bytes instead of copying them
    // (LocalFilestore: a hard link), so that whoever writes source afterwards changes the object
    // too: for sources never written again, such as git-annex's read-only object files. This
    // default copies, as put() does.
    virtual Result<void> put_link(const Key& key, const std::filesystem::path& source) {
        return put(key, source, {});
    }

    // Removal is in two steps, so that an object is deleted only once its absence is recorded:
    // hide() moves the object out of sight at once (it no longer counts as stored) and keeps its
    // bytes; purge() then deletes it for good, or restore() puts it back under its key.
    struct Hidden {
        std::string key;
        std::string place;  // where the hidden bytes are, for the implementation
    };

    // Hides the object under key; nullopt when there was none.
    virtual Result<std::optional<Hidden>> hide(const Key& key) = 0;

    // Deletes a hidden object for good.
    virtual Result<void> purge(const Hidden& hidden) = 0;

    // Puts a hidden object back under its key, unless another object was stored there meanwhile
    // (then the hidden one is deleted).
    virtual Result<void> restore(const Hidden& hidden) = 0;

    // Whether the removal of a hidden object was recorded (true: it is deleted) or not (false: it
    // goes back under its key), given its key and, where the store can tell, when it was hidden.
    using RemovalRecorded =
        std::function<Result<bool>(const Key& key, std::optional<Timestamp> hidden_at)>;

    // Puts back the objects hidden by processes that died before purging or restoring them, or
    // deletes those whose removal recorded says was recorded (without recorded, all go back), and
    // deletes the partial uploads such processes left; returns how many objects were put back.
    virtual Result<std::size_t> restore_abandoned(const RemovalRecorded& recorded = {}) = 0;

    // Where a user can find the object (a path or URL), for git annex whereis.
    virtual std::string locate(const Key& key) const = 0;
};

// The size a complete object for key has, when the key tells it: its -s size, or for a chunk key
// the size of that chunk.
std::optional<std::uint64_t> expected_object_size(const Key& key);

// The room that must stay free on a filesystem of capacity bytes after a store: 1% of it, at most
// kMaxReserve. A store that would leave less fails before writing, so that no store fills a disk.
std::uint64_t free_space_reserve(std::uint64_t capacity);
inline constexpr std::uint64_t kMaxReserve = 64 << 20;

// Before a store of key (when the key tells its size): fails, naming the key, where (the
// filesystem, as the user knows it) and the figures, unless free bytes hold the object and
// free_space_reserve(capacity) besides.
Result<void> check_free_space(const Key& key, std::string_view where, std::uint64_t free,
                              std::uint64_t capacity);

class StreamCheck;

// read_blocks (core/file_reads.h), feeding every block to check as well as to consume (which must
// be done with a block when it returns). For a file of kBackgroundCheckSize bytes or more, check
// hashes each block on a thread of its own while consume handles it (a 64 MiB SHA256 costs 45 ms
// here, about as long as the copy itself); the bytes hashed are still the bytes consumed.
Result<std::uint64_t> read_checked_blocks(
    int fd, const std::filesystem::path& path, StreamCheck& check,
    const std::function<Result<void>(std::span<const std::byte>)>& consume);
inline constexpr std::uint64_t kBackgroundCheckSize = 4 << 20;

// Checks content streamed through it against its key, as a store receives it: the size the key
// gives, and the digest of hash backends (chunk keys and unverifiable backends: size only).
class StreamCheck {
  public:
    explicit StreamCheck(const Key& key);

    // Feeds the next bytes of the content.
    void update(std::span<const std::byte> data);

    // True unless the key has a digest and the content fed so far does not match it.
    bool content_matches();

    // The hex digest of the content fed so far, or "" for a key without one.
    std::string digest_hex();

    // Before more content is kept: fails, naming source, the key and both sizes, once total (the
    // bytes read from source so far) is more than the key's size, so that a store stops reading
    // there. Keys without a size set no bound.
    Result<void> within_size(std::uint64_t total, std::string_view source) const;

    // After total bytes from source were fed: fails, naming source and the key, when the size or
    // the digest disagrees with the key.
    Result<void> finish(std::uint64_t total, std::string_view source);

  private:
    const Key& key_;
    std::optional<Digest> digest_;
};

}  // namespace gad::core::filestore
