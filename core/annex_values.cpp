#include "core/annex_values.h"

#include <fmt/format.h>

#include <cstdint>
#include <optional>

#include "core/key.h"
#include "core/utf8.h"

namespace gad::core::annex_values {
namespace {

// Why text that must stay on one line cannot, or nullopt.
std::optional<std::string> line_breaker(std::string_view value) {
    for (std::size_t i = 0; i < value.size(); ++i) {
        switch (value[i]) {
            case '\n':
                return fmt::format("contains a line feed (byte {})", i);
            case '\r':
                return fmt::format("contains a carriage return (byte {})", i);
            case '\0':
                return fmt::format("contains a NUL byte (byte {})", i);
            default:
                break;
        }
    }
    return std::nullopt;
}

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool is_uuid(std::string_view value) {
    if (value.size() != 36) return false;
    for (std::size_t i = 0; i < value.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? value[i] != '-' : !is_hex(value[i])) return false;
    }
    return true;
}

// Key::parse's message without its "invalid key '...': " opening (the value is shown anyway).
std::string key_reason(std::string_view key, std::string message) {
    constexpr std::size_t shown = 96;  // as core/key.cpp quotes a key
    std::string prefix = "invalid key '";
    for (unsigned char c : key.substr(0, shown)) {
        prefix += c >= 0x20 && c < 0x7f ? std::string(1, static_cast<char>(c))
                                        : fmt::format("\\x{:02x}", c);
    }
    prefix += key.size() > shown ? fmt::format("'... ({} bytes): ", key.size()) : "': ";
    if (message.starts_with(prefix)) message.erase(0, prefix.size());
    return "not a git-annex key: " + message;
}

// text with every byte outside printable ASCII written \xNN (for parts of a message that may
// quote a value already), cut after 240 bytes.
std::string printable(std::string_view text) {
    constexpr std::size_t shown = 240;
    std::string out;
    for (unsigned char c : text.substr(0, shown)) {
        if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            out += fmt::format("\\x{:02x}", c);
        }
    }
    if (text.size() > shown) out += "...";
    return out;
}

}  // namespace

std::string_view kind_name(Kind kind) {
    switch (kind) {
        case Kind::uuid:
            return "repository UUID";
        case Kind::key:
        case Kind::stored_key:
            return "key";
        case Kind::url:
            return "URL";
        case Kind::description:
            return "repository description";
        case Kind::metadata_field:
            return "metadata field";
        case Kind::presence_status:
            return "presence status";
        case Kind::word:
        case Kind::text:
            break;
    }
    return "value";
}

Result<void> check(Kind kind, std::string_view value) {
    switch (kind) {
        case Kind::uuid:
            if (!is_uuid(value)) {
                return fail("not a git-annex UUID (8-4-4-4-12 hexadecimal digits)");
            }
            return {};
        case Kind::key:
        case Kind::stored_key: {
            // Key::check_syntax looks at the first Key::max_length bytes only: the rest must not
            // hold a control character either.
            for (std::size_t i = Key::max_length; i < value.size(); ++i) {
                const auto c = static_cast<unsigned char>(value[i]);
                if (c < 0x20 || c == 0x7f) {
                    return fail("not a git-annex key: control character \\x{:02x} at byte {}", c,
                                i);
                }
            }
            if (kind == Kind::key) {
                auto checked = Key::check_syntax(value);
                if (!checked)
                    return fail("{}", key_reason(value, std::move(checked.error().message)));
            } else {
                auto parsed = Key::parse(value);
                if (!parsed)
                    return fail("{}", key_reason(value, std::move(parsed.error().message)));
            }
            return {};
        }
        case Kind::url:
            if (value.empty()) return fail("empty");
            break;
        case Kind::metadata_field:
            if (value.empty()) return fail("empty");
            if (value[0] == '+' || value[0] == '-') return fail("starts with '{}'", value[0]);
            for (std::size_t i = 0; i < value.size(); ++i) {
                const auto c = static_cast<unsigned char>(value[i]);
                if (c <= 0x20 || c == 0x7f) {
                    return fail("contains {} (byte {})",
                                c == ' ' ? std::string("a space") : fmt::format("\\x{:02x}", c), i);
                }
            }
            if (!is_utf8(value)) return fail("not UTF-8");
            return {};
        case Kind::presence_status:
            if (value != "1" && value != "0" && value != "X") return fail("not 1, 0 or X");
            return {};
        case Kind::word:
            if (value.empty()) return fail("empty");
            if (auto space = value.find(' '); space != std::string_view::npos) {
                return fail("contains a space (byte {})", space);
            }
            break;
        case Kind::description:
        case Kind::text:
            break;
    }
    if (auto why = line_breaker(value)) return std::unexpected(Failure{Failure::Kind::error, *why});
    return {};
}

std::string escaped(std::string_view value, std::size_t max_bytes) {
    std::string out;
    for (unsigned char c : value.substr(0, max_bytes)) {
        if (c == '\\' || c == '\'') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            out += fmt::format("\\x{:02x}", c);
        }
    }
    if (value.size() > max_bytes) out += fmt::format("... ({} bytes)", value.size());
    return out;
}

std::string Refusal::line() const {
    return fmt::format("refused {} '{}'{}: {}", kind_name(kind), escaped(value),
                       where.empty() ? std::string() : fmt::format(" ({})", printable(where)),
                       printable(reason));
}

void Gate::refuse(const Refusal& refusal) {
    ++refused_;
    if (sink_) sink_(refusal);
}

}  // namespace gad::core::annex_values
