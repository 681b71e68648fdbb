// Content verification for git-annex keys: streaming hashes (OpenSSL EVP) for the hash backends
// git-annex uses, and a whole-file check of a key's digest and size.
// Keys whose content cannot be checked here (WORM, URL, GPGHMAC*, SKEIN*, BLAKE2BP/SP, external
// X* backends, unknown backends, chunk keys) are still stored: they are "not verifiable".
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/failure.h"
#include "core/key.h"

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace gad::core {

namespace detail {
// Frees an OpenSSL EVP_MD_CTX: the one owner type of such contexts in the project.
struct EvpMdCtxFree {
    void operator()(evp_md_ctx_st* ctx) const noexcept;
};
using EvpMdCtxPtr = std::unique_ptr<evp_md_ctx_st, EvpMdCtxFree>;
}  // namespace detail

// Outcome of a successful verify_file(); a mismatch is a Failure instead.
enum class Verification {
    verified,        // the digest (and the -s size, when present) matched
    not_verifiable,  // the backend or a chunk key allows no digest check; the size was checked
                     // when the key gives one
};

// An incremental hash of content, with the algorithm of a key's backend.
class Digest {
  public:
    // A fresh hash for the key's content, or nullopt when the key is not verifiable: chunk keys
    // (the digest is of the whole content), and backends without a hash OpenSSL provides here.
    static std::optional<Digest> for_key(const Key& key);
    // A fresh hash for a backend name ("SHA256", "SHA256E", "BLAKE2S160"...), or nullopt when
    // it has none here. BLAKE2B160/224/256/384 and BLAKE2S160/224 need an OpenSSL whose
    // BLAKE2 accepts an output "size" (3.2+); each is enabled only if it reproduces a digest
    // git-annex computed.
    static std::optional<Digest> for_backend(std::string_view backend);

    Digest(Digest&&) noexcept;
    Digest& operator=(Digest&&) noexcept;
    ~Digest();

    // Feeds content; must not be called after hex().
    void update(std::span<const std::byte> data);
    void update(std::string_view data) { update(std::as_bytes(std::span(data))); }

    // Finishes the hash (on first call) and returns it as lowercase hex, as git-annex writes it.
    const std::string& hex();

    // Bytes fed so far.
    std::uint64_t bytes() const noexcept { return bytes_; }

    // Finishes the hash and tells whether the content fed is the key's: the hex equals the
    // key's digest (expected_hex) and, if the key has -s, bytes() equals it. False for chunk keys.
    bool matches(const Key& key);

  private:
    explicit Digest(detail::EvpMdCtxPtr ctx) noexcept;

    detail::EvpMdCtxPtr ctx_;
    std::uint64_t bytes_ = 0;
    bool finished_ = false;
    std::string hex_;  // set once finished
};

// The digest a hash key's name carries: the name up to its first '.' (git-annex's rule, so for
// E backends the extension is left out).
std::string_view expected_hex(const Key& key);

// Checks the content of `file` against `key`: its size against -s (for a chunk key, the
// chunk's length from -S, -C and -s), then its digest when the key is verifiable. A mismatch,
// or a file that cannot be read, is a Failure naming the key (and expected and actual values).
Result<Verification> verify_file(const Key& key, const std::filesystem::path& file);

}  // namespace gad::core
