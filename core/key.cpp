#include "core/key.h"

#include <openssl/evp.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "core/log.h"

namespace gad::core {
namespace {

// Shows a (possibly hostile) key in a one-line message: printable ASCII as is, other bytes as
// \xNN, and at most 96 bytes of it.
std::string quoted(std::string_view text) {
    constexpr std::size_t shown = 96;
    std::string out = "'";
    for (unsigned char c : text.substr(0, shown)) {
        if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            out += fmt::format("\\x{:02x}", c);
        }
    }
    out += text.size() > shown ? fmt::format("'... ({} bytes)", text.size()) : "'";
    return out;
}

template <typename... Args>
std::unexpected<Failure> bad_key(std::string_view text, fmt::format_string<Args...> format,
                                 Args&&... args) {
    return fail("invalid key {}: {}", quoted(text),
                fmt::format(format, std::forward<Args>(args)...));
}

// Parses the digits of a numeric field: canonical decimal (no sign, no leading zero) up to `max`.
std::optional<std::uint64_t> parse_number(std::string_view digits, std::uint64_t max) {
    if (digits.empty() || (digits[0] == '0' && digits.size() > 1)) return std::nullopt;
    std::uint64_t value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
        value = value * 10 + digit;
    }
    if (value > max) return std::nullopt;
    return value;
}

struct EvpMdFree {
    void operator()(EVP_MD* md) const noexcept { EVP_MD_free(md); }
};

// MD5 fetched once per process; "-fips" lets it come from the default provider even when FIPS
// properties are the default (the hash only names directories; it protects nothing).
const EVP_MD* md5() {
    static const std::unique_ptr<EVP_MD, EvpMdFree> md{EVP_MD_fetch(nullptr, "MD5", "-fips")};
    if (!md) {
        log::error("OpenSSL provides no MD5; cannot compute git-annex hash directories");
        std::abort();
    }
    return md.get();
}

// md5 of the key git-annex hashes for `key`'s directories: the key without its chunk fields.
std::array<unsigned char, 16> key_md5(std::string_view text, std::size_t chunk_begin,
                                      std::size_t name_begin) {
    std::array<unsigned char, 16> out{};
    unsigned int length = 0;
    const std::size_t separator = name_begin - 2;
    if (chunk_begin == separator) {
        EVP_Digest(text.data(), text.size(), out.data(), &length, md5(), nullptr);
    } else {
        std::array<char, Key::max_length> buffer;
        std::memcpy(buffer.data(), text.data(), chunk_begin);
        const std::size_t tail = text.size() - separator;
        std::memcpy(buffer.data() + chunk_begin, text.data() + separator, tail);
        EVP_Digest(buffer.data(), chunk_begin + tail, out.data(), &length, md5(), nullptr);
    }
    return out;
}

}  // namespace

Result<Key> Key::parse(std::string_view text) {
    if (text.empty()) return fail("invalid key '': the key is empty");
    if (text.size() > max_length) {
        return bad_key(text, "{} bytes long, over the {}-byte file name limit", text.size(),
                       max_length);
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7f) {
            return bad_key(text, "control character \\x{:02x} at byte {}", c, i);
        }
        if (c == '/' || c == '\\') return bad_key(text, "'{}' at byte {}", text[i], i);
    }

    Key key;
    const std::size_t backend_end = text.find('-');
    if (backend_end == std::string_view::npos) return bad_key(text, "no '--' before the name");
    if (backend_end == 0) return bad_key(text, "empty backend");

    // Fields, each "-<letter><digits>", in the fixed order s, m, S, C, then "--" and the name.
    static constexpr std::string_view letters = "smSC";
    std::optional<std::uint64_t>* const slots[] = {&key.size_, &key.mtime_, &key.chunk_size_,
                                                   &key.chunk_number_};
    std::size_t pos = backend_end;  // at a '-'
    std::size_t next_letter = 0;
    std::size_t chunk_begin = std::string_view::npos;
    while (true) {
        if (pos + 1 >= text.size()) return bad_key(text, "no '--' before the name");
        const char letter = text[pos + 1];
        if (letter == '-') break;
        const std::size_t index = letters.find(letter);
        if (index == std::string_view::npos) {
            return bad_key(text, "unknown field '-{}' (expected -s, -m, -S, -C or '--')", letter);
        }
        if (index < next_letter) {
            return bad_key(text, "field '-{}' repeated or out of order (order is -s -m -S -C)",
                           letter);
        }
        const std::size_t digits_begin = pos + 2;
        const std::size_t field_end = text.find('-', digits_begin);
        if (field_end == std::string_view::npos) return bad_key(text, "no '--' before the name");
        const std::string_view digits = text.substr(digits_begin, field_end - digits_begin);
        // git-annex reads the mtime as a signed 64-bit time; the others are unbounded there.
        const bool mtime = letter == 'm';
        const auto value = parse_number(digits, mtime ? INT64_MAX : UINT64_MAX);
        if (!value) {
            return bad_key(text, "field '-{}{}' is not a canonical decimal number below 2^{}",
                           letter, digits, mtime ? 63 : 64);
        }
        if (index >= 2 && chunk_begin == std::string_view::npos) chunk_begin = pos;
        *slots[index] = value;
        next_letter = index + 1;
        pos = field_end;
    }

    const std::size_t name_begin = pos + 2;
    const std::string_view name = text.substr(name_begin);
    if (name.empty()) return bad_key(text, "empty name after '--'");
    if (name == "." || name == "..") return bad_key(text, "the name is '{}'", name);
    if (text[backend_end - 1] == 'E') {
        const std::size_t dot = name.find('.');
        if (dot != std::string_view::npos && name.size() - dot > max_extension_length) {
            return bad_key(text, "extension of {} bytes, over git-annex's limit of {}",
                           name.size() - dot, max_extension_length);
        }
    }

    key.text_.assign(text);
    key.backend_end_ = static_cast<std::uint8_t>(backend_end);
    key.chunk_begin_ =
        static_cast<std::uint8_t>(chunk_begin == std::string_view::npos ? pos : chunk_begin);
    key.name_begin_ = static_cast<std::uint8_t>(name_begin);
    return key;
}

Result<void> Key::check_syntax(std::string_view text) {
    // The file-name limits are the only checks that look at '/', '\\' or the length: check the
    // rest on a copy without them (the name is only ever shortened, never emptied).
    std::string copy(text.substr(0, std::min(text.size(), max_length)));
    const std::size_t separator = text.find("--");
    if (text.size() > max_length && separator != std::string_view::npos &&
        separator + 3 > max_length) {
        return bad_key(text, "{} bytes of fields before the name", separator);
    }
    for (char& c : copy) {
        if (c == '/' || c == '\\') c = '_';
    }
    auto parsed = parse(copy);
    if (!parsed) {
        if (copy == text) return std::unexpected(parsed.error());
        const std::size_t prefix = fmt::format("invalid key {}: ", quoted(copy)).size();
        return bad_key(text, "{}", parsed.error().message.substr(prefix));
    }
    return {};
}

Key Key::without_chunk() const {
    if (!is_chunk()) return *this;
    Key key = *this;
    const std::size_t separator = name_begin_ - 2u;
    key.text_.erase(chunk_begin_, separator - chunk_begin_);
    key.chunk_size_.reset();
    key.chunk_number_.reset();
    key.name_begin_ = static_cast<std::uint8_t>(name_begin_ - (separator - chunk_begin_));
    key.chunk_begin_ = static_cast<std::uint8_t>(key.name_begin_ - 2u);
    return key;
}

namespace {

// "abc/def/": hex digits 0..5 of the md5, i.e. bytes 0..2, high nibble first.
std::string lower_dirs(const std::array<unsigned char, 16>& md) {
    static constexpr char hex[] = "0123456789abcdef";
    return std::string{hex[md[0] >> 4], hex[md[0] & 15], hex[md[1] >> 4], '/',
                       hex[md[1] & 15], hex[md[2] >> 4], hex[md[2] & 15], '/'};
}

// "Xx/Yy/": git-annex's 32-letter alphabet over the md5's first little-endian 32-bit word.
std::string mixed_dirs(const std::array<unsigned char, 16>& md) {
    static constexpr char chars[] = "0123456789zqjxkmvwgpfZQJXKMVWGPF";
    const std::uint32_t word = std::uint32_t{md[0]} | std::uint32_t{md[1]} << 8 |
                               std::uint32_t{md[2]} << 16 | std::uint32_t{md[3]} << 24;
    const auto c = [word](int i) { return chars[(word >> (6 * i)) & 31]; };
    return std::string{c(1), c(0), '/', c(3), c(2), '/'};
}

std::array<unsigned char, 16> text_md5(std::string_view text) {
    std::array<unsigned char, 16> out{};
    unsigned int length = 0;
    EVP_Digest(text.data(), text.size(), out.data(), &length, md5(), nullptr);
    return out;
}

}  // namespace

std::string Key::hashdir_lower() const {
    return lower_dirs(key_md5(text_, chunk_begin_, name_begin_));
}

std::string Key::hashdir_mixed() const {
    return mixed_dirs(key_md5(text_, chunk_begin_, name_begin_));
}

std::string hashdir_lower(std::string_view key) {
    if (auto parsed = Key::parse(key)) return parsed->hashdir_lower();
    return lower_dirs(text_md5(key));
}

std::string hashdir_mixed(std::string_view key) {
    if (auto parsed = Key::parse(key)) return parsed->hashdir_mixed();
    return mixed_dirs(text_md5(key));
}

}  // namespace gad::core
