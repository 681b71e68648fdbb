// sftp:// URLs naming an SFTP filestore (sftp://user@host:port/path): parsing with one-line
// errors, and the canonical form used for whereis.
//
// The path is absolute: sftp://host/srv/annex is /srv/annex on the server. A path starting with
// "/~/" (or just "/~") is relative to the login directory, as with scp and curl:
// sftp://host/~/annex is "annex" in the user's home. "~user" paths are refused.
#pragma once

#include <string>
#include <string_view>

#include "core/failure.h"
#include "core/ssh/ssh_session.h"

namespace gad::core::filestore {

struct SftpUrl {
    std::string user;  // login user; the local user when the URL names none
    std::string host;  // host name or address (an IPv6 address without its brackets)
    int port = 22;
    // The filestore directory on the server: absolute ("/srv/annex", no trailing '/' but for
    // "/"), or relative to the login directory ("annex"; "." for the login directory itself).
    std::string path;

    // Parses sftp://[user@]host[:port]/path, percent-decoding user and path; fails with one line
    // naming the problem (not sftp://, no host, bad port, password in the URL, no path, "~user",
    // query or fragment).
    static Result<SftpUrl> parse(std::string_view text);

    // The canonical URL, always with user and port; parse(to_string()) gives this URL back.
    std::string to_string() const;

    // The URL of `relative` ("aaa/bbb/KEY") inside path.
    std::string to_string(std::string_view relative) const;

    // The remote path of `relative` inside path, as given to SFTP calls.
    std::string remote_path(std::string_view relative) const;

    // Where to connect.
    ssh::Endpoint endpoint() const { return ssh::Endpoint{user, host, port}; }

    friend bool operator==(const SftpUrl&, const SftpUrl&) = default;
};

}  // namespace gad::core::filestore
