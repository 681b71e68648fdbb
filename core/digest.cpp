#include "core/digest.h"

#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cerrno>
#include <system_error>
#include <utility>

#include "core/unique_fd.h"

namespace gad::core {
namespace {

// One git-annex hash backend (without its 'E' suffix) and the OpenSSL digest computing it.
struct Algorithm {
    std::string_view backend;
    const char* openssl_name;
    // Output bytes to request through the digest's "size" parameter; 0 for the default size.
    std::size_t size;
    // For sized ones: git-annex's digest of "hello world\n", which OpenSSL must reproduce
    // before the backend is enabled (OpenSSL 3.0 ignores "size" and would give BLAKE2B-512).
    std::string_view known_answer;
};

constexpr std::array<Algorithm, 18> algorithms{{
    {"SHA256", "SHA2-256", 0, {}},
    {"SHA512", "SHA2-512", 0, {}},
    {"SHA384", "SHA2-384", 0, {}},
    {"SHA224", "SHA2-224", 0, {}},
    {"SHA1", "SHA1", 0, {}},
    {"MD5", "MD5", 0, {}},
    {"SHA3_224", "SHA3-224", 0, {}},
    {"SHA3_256", "SHA3-256", 0, {}},
    {"SHA3_384", "SHA3-384", 0, {}},
    {"SHA3_512", "SHA3-512", 0, {}},
    {"BLAKE2B512", "BLAKE2B-512", 0, {}},
    {"BLAKE2S256", "BLAKE2S-256", 0, {}},
    {"BLAKE2B160", "BLAKE2B-512", 20, "dd955ca64860475c43d27c5bdc81ee498b5d542b"},
    {"BLAKE2B224", "BLAKE2B-512", 28, "7478a921e3cd8c4af9719e37733e87a7b02b2a7338800a1be40dff30"},
    {"BLAKE2B256", "BLAKE2B-512", 32,
     "c71b05fd1d1c7bf7e928ff18e58db5193e9316416cc26ba9cc9094da80d7011e"},
    {"BLAKE2B384", "BLAKE2B-512", 48,
     "0f61de171d26b27068d7b4d6907f2f9132520aae367feb59cc7b9f7e152b003fd0ca6f6a3c0f16cbeb45d09ee07"
     "b9173"},
    {"BLAKE2S160", "BLAKE2S-256", 20, "e9de18f26f9b6e2d1dd9b2210256a71c80f6c940"},
    {"BLAKE2S224", "BLAKE2S-256", 28, "cfa5f71cd505b02b6619a9266df638d36ab954a02bb8f13ca0746ce7"},
}};

struct MdFree {
    void operator()(EVP_MD* md) const noexcept { EVP_MD_free(md); }
};
using MdPtr = std::unique_ptr<EVP_MD, MdFree>;

// Starts (or restarts) `ctx` on `md`, asking for `size` output bytes when nonzero.
bool init(EVP_MD_CTX* ctx, const EVP_MD* md, std::size_t size) {
    if (size == 0) return EVP_DigestInit_ex2(ctx, md, nullptr) == 1;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_DIGEST_PARAM_SIZE, &size),
                           OSSL_PARAM_construct_end()};
    return EVP_DigestInit_ex2(ctx, md, params) == 1;
}

std::string finish_hex(EVP_MD_CTX* ctx) {
    static constexpr char digits[] = "0123456789abcdef";
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(ctx, out.data(), &length) != 1) return {};
    std::string hex(2 * std::size_t{length}, '\0');
    for (unsigned int i = 0; i < length; ++i) {
        hex[2 * i] = digits[out[i] >> 4];
        hex[2 * i + 1] = digits[out[i] & 15];
    }
    return hex;
}

// The fetched digests, index-aligned with `algorithms`; null where unavailable. Fetched once.
const std::array<MdPtr, algorithms.size()>& fetched() {
    static const auto table = [] {
        std::array<MdPtr, algorithms.size()> mds;
        const detail::EvpMdCtxPtr probe{EVP_MD_CTX_new()};
        for (std::size_t i = 0; i < algorithms.size(); ++i) {
            const Algorithm& a = algorithms[i];
            // "-fips": MD5 and SHA1 name content here; they are not used for security.
            MdPtr md{EVP_MD_fetch(nullptr, a.openssl_name, "-fips")};
            if (md && a.size != 0) {
                static constexpr std::string_view sample = "hello world\n";
                const bool ok = probe && init(probe.get(), md.get(), a.size) &&
                                EVP_DigestUpdate(probe.get(), sample.data(), sample.size()) == 1 &&
                                finish_hex(probe.get()) == a.known_answer;
                if (!ok) md.reset();
            }
            mds[i] = std::move(md);
        }
        return mds;
    }();
    return table;
}

// Index into `algorithms` of a backend, with or without its 'E' suffix.
std::optional<std::size_t> find_algorithm(std::string_view backend) {
    for (int pass = 0; pass < 2; ++pass) {
        for (std::size_t i = 0; i < algorithms.size(); ++i) {
            if (algorithms[i].backend == backend) return i;
        }
        if (!backend.ends_with('E')) break;
        backend.remove_suffix(1);
    }
    return std::nullopt;
}

std::string errno_text(int error) {
    return std::error_code(error, std::system_category()).message();
}

// The length `key`'s content must have, or nullopt when the key does not say. For a chunk key:
// the chunk size, except for the last chunk, which holds what remains of the -s size.
std::optional<std::uint64_t> expected_length(const Key& key) {
    if (!key.is_chunk()) return key.size();
    const auto chunk = key.chunk_size();
    const auto number = key.chunk_number();
    const auto total = key.size();
    if (!chunk || !number || !total || *number == 0) return std::nullopt;
    if (*number - 1 > *total / (*chunk == 0 ? 1 : *chunk)) return std::nullopt;
    const std::uint64_t offset = (*number - 1) * *chunk;
    if (offset >= *total) return std::nullopt;
    return std::min(*chunk, *total - offset);
}

}  // namespace

void detail::EvpMdCtxFree::operator()(evp_md_ctx_st* ctx) const noexcept { EVP_MD_CTX_free(ctx); }

Digest::Digest(detail::EvpMdCtxPtr ctx) noexcept : ctx_(std::move(ctx)) {}
Digest::Digest(Digest&&) noexcept = default;
Digest& Digest::operator=(Digest&&) noexcept = default;
Digest::~Digest() = default;

std::optional<Digest> Digest::for_key(const Key& key) {
    if (key.is_chunk()) return std::nullopt;
    return for_backend(key.backend());
}

std::optional<Digest> Digest::for_backend(std::string_view backend) {
    const auto index = find_algorithm(backend);
    if (!index) return std::nullopt;
    const EVP_MD* md = fetched()[*index].get();
    if (md == nullptr) return std::nullopt;
    detail::EvpMdCtxPtr ctx{EVP_MD_CTX_new()};
    if (!ctx || !init(ctx.get(), md, algorithms[*index].size)) return std::nullopt;
    return Digest(std::move(ctx));
}

void Digest::update(std::span<const std::byte> data) {
    assert(!finished_);
    EVP_DigestUpdate(ctx_.get(), data.data(), data.size());
    bytes_ += data.size();
}

const std::string& Digest::hex() {
    if (!finished_) {
        hex_ = finish_hex(ctx_.get());
        finished_ = true;
    }
    return hex_;
}

bool Digest::matches(const Key& key) {
    if (key.is_chunk()) return false;
    const std::string& digest = hex();
    if (key.size() && *key.size() != bytes_) return false;
    return !digest.empty() && digest == expected_hex(key);
}

std::string_view expected_hex(const Key& key) {
    const std::string_view name = key.name();
    return name.substr(0, name.find('.'));
}

Result<Verification> verify_file(const Key& key, const std::filesystem::path& file) {
    UniqueFd in(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in) {
        return fail("cannot open {} to verify key {}: {}", file.string(), key.to_string(),
                    errno_text(errno));
    }
    struct stat st {};
    if (::fstat(in.get(), &st) != 0) {
        return fail("cannot stat {} to verify key {}: {}", file.string(), key.to_string(),
                    errno_text(errno));
    }
    if (!S_ISREG(st.st_mode)) {
        return fail("cannot verify key {}: {} is not a regular file", key.to_string(),
                    file.string());
    }
    const auto length = expected_length(key);
    const auto actual = static_cast<std::uint64_t>(st.st_size);
    if (length && *length != actual) {
        return fail("size mismatch for key {}: expected {} bytes, {} has {}", key.to_string(),
                    *length, file.string(), actual);
    }
    if (!length && key.is_chunk() && key.chunk_size() && actual > *key.chunk_size()) {
        return fail("size mismatch for key {}: a chunk holds at most {} bytes, {} has {}",
                    key.to_string(), *key.chunk_size(), file.string(), actual);
    }

    auto digest = Digest::for_key(key);
    if (!digest) return Verification::not_verifiable;

    ::posix_fadvise(in.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
    constexpr std::size_t buffer_size = 1 << 20;
    const auto buffer = std::make_unique_for_overwrite<std::byte[]>(buffer_size);
    while (true) {
        const ssize_t n = ::read(in.get(), buffer.get(), buffer_size);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail("cannot read {} to verify key {}: {}", file.string(), key.to_string(),
                        errno_text(errno));
        }
        digest->update(std::span(buffer.get(), static_cast<std::size_t>(n)));
    }
    if (length && digest->bytes() != *length) {
        return fail("size mismatch for key {}: expected {} bytes, read {} from {}", key.to_string(),
                    *length, digest->bytes(), file.string());
    }
    if (!digest->matches(key)) {
        return fail("checksum mismatch for key {}: expected {}, content of {} has {}",
                    key.to_string(), expected_hex(key), file.string(), digest->hex());
    }
    return Verification::verified;
}

}  // namespace gad::core
