#include "core/dolt/remote_url.h"

#include <array>

namespace gad::core::dolt {

namespace {

constexpr std::array<std::string_view, 5> kSchemes = {"file", "http", "https", "aws", "gs"};

// DoltHub's short form OWNER/REPOSITORY: two names of letters, digits, '-', '_' and '.'.
bool is_short_form(std::string_view url) {
    const auto slash = url.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == url.size()) return false;
    if (url.find('/', slash + 1) != std::string_view::npos) return false;
    for (char c : url) {
        const bool name = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '/';
        if (!name) return false;
    }
    return true;
}

}  // namespace

bool is_file_url(std::string_view url) { return url.starts_with("file://"); }

Result<std::string> check_remote_url(std::string_view url) {
    if (url.empty()) return fail("the Dolt remote URL is empty");
    for (unsigned char c : url) {
        if (c <= ' ' || c == 0x7f) {
            return fail("a Dolt remote URL must not contain spaces or control characters");
        }
    }
    const auto separator = url.find("://");
    if (separator == std::string_view::npos) {
        if (is_short_form(url)) return std::string(url);
        return fail(
            "'{}' is not a Dolt remote URL (file:///PATH, http(s)://HOST/DB, aws://, gs://, "
            "or OWNER/REPOSITORY on DoltHub)",
            url);
    }
    const std::string_view scheme = url.substr(0, separator);
    const std::string_view rest = url.substr(separator + 3);
    const std::string_view authority = rest.substr(0, rest.find('/'));
    if (authority.find('@') != std::string_view::npos) {
        return fail(
            "a Dolt remote URL carrying a user or password is refused (it would be kept in "
            "remote.log): give credentials through dolt (`dolt creds`, DOLT_REMOTE_PASSWORD)");
    }
    if (url.find('?') != std::string_view::npos || url.find('#') != std::string_view::npos) {
        return fail("a Dolt remote URL with a query string is refused (it may carry credentials)");
    }
    bool known = false;
    for (std::string_view s : kSchemes) known = known || s == scheme;
    if (!known) {
        return fail("'{}:' is not a Dolt remote scheme (file, http, https, aws, gs)", scheme);
    }
    if (scheme == "file" && !rest.starts_with('/')) {
        return fail("a file:// Dolt remote needs an absolute path (file:///PATH)");
    }
    if (scheme != "file" && (authority.empty() || rest.size() <= authority.size() + 1)) {
        return fail("'{}' names no database (SCHEME://HOST/DATABASE)", url);
    }
    return std::string(url);
}

}  // namespace gad::core::dolt
