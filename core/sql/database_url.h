// Where a MySQL-protocol server is (Dolt sql-server, MariaDB, MySQL): parsed from a URL such as
// mysql://user@host:3306/db or mysql://user@localhost/db?socket=/run/mysqld/mysqld.sock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/failure.h"

namespace gad::core::sql {

struct DatabaseUrl {
    std::string user = "root";
    std::string host = "localhost";
    std::uint16_t port = 3306;
    std::string database;
    std::optional<std::string> socket;  // a unix socket path, used instead of host and port

    // Parses mysql:// (or mariadb://, dolt://) URLs. A password in the URL is refused: it would
    // end up in git-annex's remote.log; passwords go through git-annex creds instead.
    static Result<DatabaseUrl> parse(std::string_view url);

    // The URL again, without any password.
    std::string to_string() const;
};

}  // namespace gad::core::sql
