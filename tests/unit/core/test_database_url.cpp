#include <gtest/gtest.h>

#include "core/sql/database_url.h"

namespace gad::core::sql {
namespace {

TEST(DatabaseUrl, ParsesHostPortUserDatabase) {
    auto url = DatabaseUrl::parse("mysql://annex@db.example.org:3307/locations").value();
    EXPECT_EQ(url.user, "annex");
    EXPECT_EQ(url.host, "db.example.org");
    EXPECT_EQ(url.port, 3307);
    EXPECT_EQ(url.database, "locations");
    EXPECT_FALSE(url.socket);
    EXPECT_EQ(url.to_string(), "mysql://annex@db.example.org:3307/locations");
}

TEST(DatabaseUrl, DefaultsAndSockets) {
    auto url =
        DatabaseUrl::parse("mariadb://localhost/annex?socket=/run/mysqld/mysqld.sock").value();
    EXPECT_EQ(url.user, "root");
    EXPECT_EQ(url.port, 3306);
    EXPECT_EQ(url.socket.value(), "/run/mysqld/mysqld.sock");
    EXPECT_EQ(DatabaseUrl::parse("dolt://h/d").value().host, "h");
}

TEST(DatabaseUrl, RefusesPasswordsWithoutEchoingThem) {
    auto url = DatabaseUrl::parse("mysql://annex:hunter2@db/locations");
    ASSERT_FALSE(url);
    EXPECT_EQ(url.error().message.find("hunter2"), std::string::npos) << url.error().message;
    EXPECT_NE(url.error().message.find("GIT_ANNEX_DOLT_PASSWORD"), std::string::npos);
}

TEST(DatabaseUrl, RejectsMalformedUrlsNamingTheProblem) {
    struct Case {
        const char* url;
        const char* says;
    };
    for (auto [text, says] :
         {Case{"postgres://h/d", "expected mysql://"}, Case{"mysql://h", "no database name"},
          Case{"mysql://h/", "no database name"}, Case{"mysql://h:0/d", "port"},
          Case{"mysql://h:99999/d", "port"}, Case{"mysql://h:x/d", "port"},
          Case{"mysql://h/d/e", "contains '/'"}, Case{"mysql://h/d?ssl=1", "unknown parameter"}}) {
        auto url = DatabaseUrl::parse(text);
        ASSERT_FALSE(url) << text;
        EXPECT_NE(url.error().message.find(says), std::string::npos) << url.error().message;
    }
}

}  // namespace
}  // namespace gad::core::sql
