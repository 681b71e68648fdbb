#include "core/sql/database_url.h"

#include <charconv>

namespace gad::core::sql {

Result<DatabaseUrl> DatabaseUrl::parse(std::string_view url) {
    std::string_view rest = url;
    bool known_scheme = false;
    for (std::string_view scheme : {"mysql://", "mariadb://", "dolt://"}) {
        if (rest.starts_with(scheme)) {
            rest.remove_prefix(scheme.size());
            known_scheme = true;
        }
    }
    if (!known_scheme) {
        return fail("bad database URL '{}': expected mysql://USER@HOST[:PORT]/DATABASE", url);
    }
    DatabaseUrl result;
    std::string_view query;
    if (auto q = rest.find('?'); q != std::string_view::npos) {
        query = rest.substr(q + 1);
        rest = rest.substr(0, q);
    }
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos || slash + 1 == rest.size()) {
        return fail("bad database URL '{}': no database name after the host", url);
    }
    result.database = std::string(rest.substr(slash + 1));
    if (result.database.find('/') != std::string::npos) {
        return fail("bad database URL '{}': database name contains '/'", url);
    }
    std::string_view authority = rest.substr(0, slash);
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
        std::string_view user = authority.substr(0, at);
        if (user.find(':') != std::string_view::npos) {
            return fail(
                "the database URL contains a password; leave it out and give it through the "
                "GIT_ANNEX_DOLT_PASSWORD environment variable at initremote instead");
        }
        if (!user.empty()) result.user = std::string(user);
        authority = authority.substr(at + 1);
    }
    if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        std::string_view port = authority.substr(colon + 1);
        auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), result.port);
        if (ec != std::errc() || end != port.data() + port.size() || result.port == 0) {
            return fail("bad database URL '{}': port '{}' is not a number from 1 to 65535", url,
                        port);
        }
        authority = authority.substr(0, colon);
    }
    if (!authority.empty()) result.host = std::string(authority);
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view item = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (item.starts_with("socket=")) {
            result.socket = std::string(item.substr(7));
        } else if (!item.empty()) {
            return fail("bad database URL '{}': unknown parameter '{}' (only socket= is known)",
                        url, item);
        }
    }
    return result;
}

std::string DatabaseUrl::to_string() const {
    std::string url = fmt::format("mysql://{}@{}:{}/{}", user, host, port, database);
    if (socket) url += "?socket=" + *socket;
    return url;
}

}  // namespace gad::core::sql
