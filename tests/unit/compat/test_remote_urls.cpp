// remote_whereis_urls: the place git-annex-remote-dolt's WHEREIS answer gives, computed without
// running the remote; for a migrated key a local store holds only under an older key, the older
// object's place.
#include <gtest/gtest.h>

#include <fstream>

#include "compat/query/remote_urls.h"
#include "core/filestore/backends.h"
#include "core/key.h"
#include "test_servers.h"

namespace gad::compat::query {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kNew =
    "SHA256E-s5--2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824.txt";
constexpr std::string_view kOld = "SHA1E-s5--aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d.txt";
constexpr std::string_view kUuid = "b48450d2-85e9-435d-b475-26d2e3be7111";

KnownRepository dolt_remote(const fs::path& directory) {
    KnownRepository remote;
    remote.uuid = std::string(kUuid);
    remote.remote_name = "R";
    remote.config = {{"type", "external"}, {"externaltype", "dolt"}, {"encryption", "none"}};
    if (!directory.empty()) remote.config.emplace_back("directory", directory.string());
    return remote;
}

// Where the object of key is in the store at directory, and that place, made to exist.
std::string place_of(const fs::path& directory, std::string_view key, bool make) {
    auto parsed = core::Key::parse(key);
    EXPECT_TRUE(parsed);
    auto located = core::filestore::locate_object((directory / "annex").string(), *parsed);
    EXPECT_TRUE(located) << located.error().message;
    if (make) {
        fs::create_directories(fs::path(*located).parent_path());
        std::ofstream(*located) << "hello";
    }
    return *located;
}

TEST(RemoteUrls, AMigratedKeyHeldUnderItsOldKeyIsTheOldObjectsPlace) {
    test::TempDir dir;
    const KnownRepository remote = dolt_remote(dir.path());
    const std::string new_place = place_of(dir.path(), kNew, false);
    const std::string old_place = place_of(dir.path(), kOld, true);
    int asked = 0;
    const StandInLookup stand_ins = [&](std::string_view key, std::string_view uuid) {
        ++asked;
        EXPECT_EQ(key, kNew);
        EXPECT_EQ(uuid, kUuid);
        return std::vector<std::string>{"SHA256E-s1--not-held", std::string(kOld)};
    };
    // Without the lookup: the new key's place, as before.
    EXPECT_EQ(remote_whereis_urls(remote, kNew, "/", {}), std::vector<std::string>{new_place});
    // With it: the older object that is there.
    EXPECT_EQ(remote_whereis_urls(remote, kNew, "/", stand_ins),
              std::vector<std::string>{old_place});
    EXPECT_EQ(asked, 1);
    // Held directly: its own place, and nothing asked.
    place_of(dir.path(), kNew, true);
    EXPECT_EQ(remote_whereis_urls(remote, kNew, "/", stand_ins),
              std::vector<std::string>{new_place});
    EXPECT_EQ(asked, 1);
}

TEST(RemoteUrls, AStoreOnAnotherHostIsNotAskedForStandIns) {
    KnownRepository remote = dolt_remote({});
    remote.config.emplace_back("filestore", "sftp://annex@example.org:2222/srv/store");
    bool asked = false;
    const StandInLookup stand_ins = [&](std::string_view, std::string_view) {
        asked = true;
        return std::vector<std::string>{std::string(kOld)};
    };
    const std::vector<std::string> urls = remote_whereis_urls(remote, kNew, "/", stand_ins);
    ASSERT_EQ(urls.size(), 1u);
    EXPECT_NE(urls[0].find(kNew), std::string::npos) << urls[0];
    EXPECT_FALSE(asked);
}

}  // namespace
}  // namespace gad::compat::query
