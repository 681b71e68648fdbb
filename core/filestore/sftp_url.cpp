#include "core/filestore/sftp_url.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

namespace gad::core::filestore {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Decodes %XX escapes; nullopt on a malformed escape or an escaped NUL.
std::optional<std::string> percent_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out.push_back(text[i]);
            continue;
        }
        if (i + 2 >= text.size()) return std::nullopt;
        const int high = hex_value(text[i + 1]);
        const int low = hex_value(text[i + 2]);
        if (high < 0 || low < 0 || (high == 0 && low == 0)) return std::nullopt;
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
    }
    return out;
}

// Escapes what cannot stand in a URL path or user as is.
std::string percent_encode(std::string_view text, bool in_path) {
    static constexpr std::string_view kept = "-._~!$&'()*+,;=:@";
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        const bool plain = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
                           (byte >= '0' && byte <= '9') || kept.find(c) != std::string_view::npos ||
                           (in_path && c == '/');
        if (plain && !(!in_path && (c == '@' || c == ':'))) {
            out.push_back(c);
        } else {
            out += fmt::format("%{:02X}", byte);
        }
    }
    return out;
}

// Collapses repeated '/' and drops a trailing one (but for "/" itself).
std::string normalise(std::string_view path) {
    std::string out;
    for (const char c : path) {
        if (c == '/' && !out.empty() && out.back() == '/') continue;
        out.push_back(c);
    }
    if (out.size() > 1 && out.back() == '/') out.pop_back();
    return out;
}

// The user of an authority (before its '@', percent-decoded; the local user when there is
// none) into url; returns the host and port part. text is the whole URL, for messages.
Result<std::string_view> parse_user(std::string_view authority, std::string_view text,
                                    SftpUrl& url) {
    const std::size_t at = authority.rfind('@');
    if (at == std::string_view::npos) {
        url.user = ssh::local_user();
        if (url.user.empty()) {
            return fail("sftp URL {} names no user and the local user name is unknown", text);
        }
        return authority;
    }
    const std::string_view user = authority.substr(0, at);
    if (user.find(':') != std::string_view::npos) {
        return fail(
            "sftp URL {} has a password; give it through git-annex's credentials "
            "instead",
            text);
    }
    auto decoded = percent_decode(user);
    if (!decoded || decoded->empty())
        return fail("sftp URL {} has an empty or malformed user", text);
    url.user = std::move(*decoded);
    return authority.substr(at + 1);
}

// The host (a name, or an IPv6 address in brackets) and port (1 to 65535; none keeps url's) of
// host_port into url.
Result<void> parse_host_port(std::string_view host_port, std::string_view text, SftpUrl& url) {
    std::string_view port_text;
    if (host_port.starts_with('[')) {
        const std::size_t close = host_port.find(']');
        if (close == std::string_view::npos) return fail("sftp URL {} has an unclosed '['", text);
        url.host = std::string(host_port.substr(1, close - 1));
        const std::string_view after = host_port.substr(close + 1);
        if (!after.empty() && !after.starts_with(':')) {
            return fail("sftp URL {} has text after the ']' of its host", text);
        }
        if (!after.empty()) port_text = after.substr(1);
        if (!after.empty() && port_text.empty()) return fail("sftp URL {} has an empty port", text);
    } else {
        const std::size_t colon = host_port.find(':');
        url.host = std::string(host_port.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = host_port.substr(colon + 1);
            if (port_text.empty()) return fail("sftp URL {} has an empty port", text);
        }
    }
    if (url.host.empty()) return fail("sftp URL {} has no host", text);
    if (url.host.find_first_of("%/\\ ") != std::string::npos) {
        return fail("sftp URL {} has an invalid host name {}", text, url.host);
    }
    if (port_text.empty()) return {};
    int port = 0;
    const auto [end, error] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (error != std::errc{} || end != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
        return fail("sftp URL {} has an invalid port {} (1 to 65535)", text, port_text);
    }
    url.port = port;
    return {};
}

// The path (from the '/' after the authority, percent-decoded and normalised; "/~/..." relative
// to the login directory) into url.
Result<void> parse_path(std::string_view escaped, std::string_view text, SftpUrl& url) {
    auto path = percent_decode(escaped);
    if (!path) return fail("sftp URL {} has a malformed %-escape in its path", text);
    if (*path == "/~" || path->starts_with("/~/")) {
        std::string relative = normalise(std::string_view(*path).substr(2));
        if (relative.starts_with('/')) relative.erase(0, 1);
        url.path = relative.empty() ? "." : relative;
    } else if (path->starts_with("/~")) {
        return fail("sftp URL {} uses a ~user path; give the absolute path instead", text);
    } else {
        url.path = normalise(*path);
    }
    return {};
}

}  // namespace

Result<SftpUrl> SftpUrl::parse(std::string_view text) {
    constexpr std::string_view scheme = "sftp://";
    if (text.size() < scheme.size() ||
        !std::equal(scheme.begin(), scheme.end(), text.begin(), [](char a, char b) {
            return a == std::tolower(static_cast<unsigned char>(b));
        })) {
        return fail("{} is not an sftp:// URL", text);
    }
    if (text.find_first_of("?#") != std::string_view::npos) {
        return fail("sftp URL {} has a query or fragment ('?' or '#'); escape them as %3F, %23",
                    text);
    }
    const std::string_view rest = text.substr(scheme.size());
    const std::size_t slash = rest.find('/');
    SftpUrl url;
    auto host_port = parse_user(rest.substr(0, slash), text, url);
    if (!host_port) return std::unexpected(host_port.error());
    if (auto parsed = parse_host_port(*host_port, text, url); !parsed) {
        return std::unexpected(parsed.error());
    }
    if (slash == std::string_view::npos) {
        return fail(
            "sftp URL {} has no path (e.g. sftp://host/srv/annex, or sftp://host/~/annex "
            "inside the login directory)",
            text);
    }
    if (auto parsed = parse_path(rest.substr(slash), text, url); !parsed) {
        return std::unexpected(parsed.error());
    }
    return url;
}

std::string SftpUrl::to_string() const { return to_string({}); }

std::string SftpUrl::to_string(std::string_view relative) const {
    std::string out = fmt::format("sftp://{}@", percent_encode(user, false));
    out += host.find(':') != std::string::npos ? fmt::format("[{}]", host) : host;
    out += fmt::format(":{}", port);
    if (path.starts_with('/')) {
        out += percent_encode(path, true);
    } else {
        out += "/~";
        if (path != ".") out += "/" + percent_encode(path, true);
    }
    if (!relative.empty()) {
        if (out.back() != '/') out += '/';
        out += percent_encode(relative, true);
    }
    return out;
}

std::string SftpUrl::remote_path(std::string_view relative) const {
    if (relative.empty()) return path;
    std::string out = path;
    if (out.back() != '/') out += '/';
    out += relative;
    return out;
}

}  // namespace gad::core::filestore
