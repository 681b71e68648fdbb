#include <gtest/gtest.h>

#include "core/dolt/remote_url.h"

namespace gad::core::dolt {
namespace {

TEST(RemoteUrl, TakesTheUrlsDoltTakes) {
    for (const char* url : {"file:///srv/origin", "http://127.0.0.1:50051/annex",
                            "https://doltremoteapi.dolthub.com/o/r", "aws://[table:bucket]/db",
                            "gs://bucket/path/db", "owner/repository"}) {
        auto checked = check_remote_url(url);
        ASSERT_TRUE(checked) << url << ": " << checked.error().message;
        EXPECT_EQ(*checked, url);
    }
    EXPECT_TRUE(is_file_url("file:///srv/origin"));
    EXPECT_FALSE(is_file_url("http://h/d"));
}

TEST(RemoteUrl, RefusesCredentialsWithoutEchoingThem) {
    for (const char* url : {"http://annex:hunter2@host:50051/db", "https://hunter2@host/db",
                            "file://hunter2@/srv/origin"}) {
        auto checked = check_remote_url(url);
        ASSERT_FALSE(checked) << url;
        EXPECT_EQ(checked.error().message.find("hunter2"), std::string::npos)
            << checked.error().message;
        EXPECT_NE(checked.error().message.find("user or password"), std::string::npos);
    }
    auto query = check_remote_url("https://host/db?token=hunter2");
    ASSERT_FALSE(query);
    EXPECT_EQ(query.error().message.find("hunter2"), std::string::npos);
}

TEST(RemoteUrl, RefusesWhatIsNoDoltRemote) {
    for (const char* url :
         {"", "file://relative/path", "ftp://host/db", "http://host", "http://host/", "/srv/origin",
          "a b/c", "owner/repo/extra", "http://host/db\nX"}) {
        EXPECT_FALSE(check_remote_url(url)) << url;
    }
}

}  // namespace
}  // namespace gad::core::dolt
