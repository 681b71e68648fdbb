// git-annex keys (BACKEND[-sSIZE][-mMTIME][-SCHUNKSIZE][-CCHUNKNUMBER]--NAME): parsing, exact
// re-serialization, and the two hash directories git-annex derives from a key.
// A key becomes a file name in a store, so parse() also refuses keys that are unsafe as one.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/failure.h"

namespace gad::core {

class Key {
  public:
    // Longest key accepted, in bytes: the usual file name limit, since a key is stored as a file.
    static constexpr std::size_t max_length = 255;
    // Longest filename extension (from the name's first '.') that git-annex accepts in the name
    // of a key whose backend ends in 'E'.
    static constexpr std::size_t max_extension_length = 64;

    // Parses a serialized key. Accepts every key git-annex itself serializes (fields in the order
    // s, m, S, C, any backend), and refuses, with a one-line message naming the key: empty keys,
    // a missing "--", an empty backend or name, malformed or non-canonical numbers (leading
    // zeros, over 64 bits, an mtime over 63 bits), unknown or misordered fields, '/', '\\',
    // control characters, a name of "." or "..", keys over max_length bytes, and 'E' backends
    // with an over-long extension.
    static Result<Key> parse(std::string_view text);

    // Checks that text is a key by parse()'s grammar, without the limits that make a key safe as
    // a file name: '/' and '\\' are allowed and the length is not limited (git-annex's URL keys,
    // which its branch holds but no store is asked to keep). Fails with parse()'s message.
    static Result<void> check_syntax(std::string_view text);

    // The key exactly as parsed (parse(k.to_string()) == k for every valid key).
    const std::string& to_string() const noexcept { return text_; }

    // The backend, e.g. "SHA256E", "WORM", "GPGHMACSHA1", "XFOO"; never empty.
    std::string_view backend() const noexcept {
        return std::string_view(text_).substr(0, backend_end_);
    }
    // The name after the first "--" that follows the fields; never empty, may contain '-'.
    std::string_view name() const noexcept { return std::string_view(text_).substr(name_begin_); }

    // The content size in bytes (-s), the WORM mtime (-m, seconds since the epoch, at most
    // INT64_MAX), the chunk size (-S) and the 1-based chunk number (-C), each when present.
    std::optional<std::uint64_t> size() const noexcept { return size_; }
    std::optional<std::uint64_t> mtime() const noexcept { return mtime_; }
    std::optional<std::uint64_t> chunk_size() const noexcept { return chunk_size_; }
    std::optional<std::uint64_t> chunk_number() const noexcept { return chunk_number_; }

    // True when the key names one chunk of a larger key (it has -S or -C).
    bool is_chunk() const noexcept { return chunk_size_ || chunk_number_; }

    // True when the backend ends in 'E' (SHA256E, BLAKE2B512E, XFOOE...): the name then carries
    // the file's extension after the digest, e.g. "<hex>.tar.gz".
    bool has_extension_backend() const noexcept { return text_[backend_end_ - 1] == 'E'; }

    // The key this one is a chunk of (the same key without -S and -C); a copy of *this when
    // it is not a chunk key.
    Key without_chunk() const;

    // git-annex's hashdirlower: "abc/def/" from md5 of the key (of the non-chunk key for chunk
    // keys, as git-annex does), used by bare repositories and special remotes.
    std::string hashdir_lower() const;
    // git-annex's hashdirmixed: "Xx/Yy/" from the first 32-bit word of that md5, used by
    // non-bare repositories' .git/annex/objects.
    std::string hashdir_mixed() const;

    // Keys compare by their serialized form.
    friend bool operator==(const Key& a, const Key& b) noexcept { return a.text_ == b.text_; }
    friend std::strong_ordering operator<=>(const Key& a, const Key& b) noexcept {
        return a.text_ <=> b.text_;
    }

  private:
    Key() = default;

    std::string text_;
    std::optional<std::uint64_t> size_;
    std::optional<std::uint64_t> mtime_;
    std::optional<std::uint64_t> chunk_size_;
    std::optional<std::uint64_t> chunk_number_;
    // Offsets into text_ (all < max_length): end of the backend, start of the first chunk field
    // (-S or -C; the "--" before the name when there is none), start of the name.
    std::uint8_t backend_end_ = 0;
    std::uint8_t chunk_begin_ = 0;
    std::uint8_t name_begin_ = 0;
};

// git-annex's hashdirlower and hashdirmixed of a key given as text: Key's own for keys parse()
// accepts, else from the md5 of the text as written (for keys only check_syntax() accepts, such
// as URL keys with '/', which a git-annex branch and object directory can still hold).
std::string hashdir_lower(std::string_view key);
std::string hashdir_mixed(std::string_view key);

}  // namespace gad::core
