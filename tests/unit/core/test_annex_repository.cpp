#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/dolt/annex_repository.h"
#include "core/dolt/server.h"
#include "test_servers.h"

namespace gad::core::dolt {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kUuid = "b48450d2-85e9-435d-b475-26d2e3be7111";

std::string read(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(AnnexRepository, LaysOutADoltAnnexRepository) {
    test::TempDir dir;
    const fs::path root = dir.path() / "store";
    auto repository = AnnexRepository::init(root, kUuid, /*with_dolt=*/false);
    ASSERT_TRUE(repository) << repository.error().message;
    EXPECT_TRUE(fs::is_directory(root / "annex"));
    EXPECT_FALSE(fs::exists(root / "dolt"));
    const std::string repo = read(root / "repos" / "__local__.repo");
    EXPECT_NE(repo.find("\"name\": \"__local__\""), std::string::npos);
    EXPECT_NE(repo.find(fmt::format("\"uuid\": \"{}\"", kUuid)), std::string::npos);
    EXPECT_NE(repo.find("\"type\": \"annexfs\", \"root\": \"./annex\""), std::string::npos);
    EXPECT_NE(read(root / "config.json").find("\"dolt_dir\": \"dolt\""), std::string::npos);
    EXPECT_EQ(AnnexRepository::open(root).value().uuid(), kUuid);
    EXPECT_EQ(repository->filestore_root(), root / "annex");
}

// dolt-annex reads config.json (its DoltConfig): it must connect to the socket of the store's
// own server, so that the two tools share one server (issue 17 item 3).
TEST(AnnexRepository, ConfigNamesTheSocketOfTheStoresServer) {
    test::TempDir dir;
    const fs::path root = dir.path() / "store";
    ASSERT_TRUE(AnnexRepository::init(root, kUuid, /*with_dolt=*/false));
    const std::string config = read(root / "config.json");
    const std::string socket = server_socket_path(root / ".git-annex-dolt").string();
    EXPECT_TRUE(fs::path(socket).is_absolute()) << socket;
    EXPECT_NE(config.find(fmt::format("\"server_socket\": {}", json_string(socket))),
              std::string::npos)
        << config;
    EXPECT_NE(config.find("\"spawn_dolt_server\": true"), std::string::npos) << config;
}

TEST(AnnexRepository, OpenGivesAnOldStoreTheSocketAndLeavesAUsersConfigAlone) {
    test::TempDir dir;
    const fs::path root = dir.path() / "store";
    ASSERT_TRUE(AnnexRepository::init(root, kUuid, /*with_dolt=*/false));
    const std::string current = read(root / "config.json");
    const std::string old_config =
        "{\n"
        "    \"user\": {\"name\": \"git-annex-dolt\", \"email\": \"git-annex-dolt@localhost\"},\n"
        "    \"dolt\": {\"dolt_dir\": \"dolt\", \"spawn_dolt_server\": true},\n"
        "    \"local_repo_name\": \"__local__\"\n"
        "}\n";
    std::ofstream(root / "config.json", std::ios::trunc) << old_config;
    ASSERT_TRUE(AnnexRepository::open(root));
    EXPECT_EQ(read(root / "config.json"), current);

    const std::string users = "{\"dolt\": {\"spawn_dolt_server\": false}}\n";
    std::ofstream(root / "config.json", std::ios::trunc) << users;
    ASSERT_TRUE(AnnexRepository::open(root));
    ASSERT_TRUE(AnnexRepository::init(root, kUuid, /*with_dolt=*/false));
    EXPECT_EQ(read(root / "config.json"), users);
}

TEST(AnnexRepository, InitIsIdempotentAndRefusesAnotherUuid) {
    test::TempDir dir;
    ASSERT_TRUE(AnnexRepository::init(dir.path(), kUuid, false));
    ASSERT_TRUE(AnnexRepository::init(dir.path(), kUuid, false));
    auto other = AnnexRepository::init(dir.path(), "00000000-0000-4000-8000-000000000001", false);
    ASSERT_FALSE(other);
    EXPECT_NE(other.error().message.find(std::string(kUuid)), std::string::npos);
    EXPECT_FALSE(AnnexRepository::init(dir.path() / "x", "NOT-A-UUID", false));
}

TEST(AnnexRepository, AFailedSetUpCanGiveBackItsNewClaim) {
    test::TempDir dir;
    auto first = AnnexRepository::init(dir.path(), kUuid, false).value();
    EXPECT_TRUE(first.newly_claimed());
    first.forget_new_claim();
    // Another UUID may now take the directory; an older claim is never given back.
    auto second = AnnexRepository::init(dir.path(), "00000000-0000-4000-8000-000000000001", false);
    ASSERT_TRUE(second) << second.error().message;
    auto again = AnnexRepository::init(dir.path(), "00000000-0000-4000-8000-000000000001", false);
    EXPECT_FALSE(again->newly_claimed());
    again->forget_new_claim();
    EXPECT_TRUE(fs::exists(dir.path() / "repos" / "__local__.repo"));
}

TEST(AnnexRepository, ReadsTheUuidOfAJson5RepoWrittenByDoltAnnex) {
    test::TempDir dir;
    fs::create_directories(dir.path() / "repos");
    std::ofstream(dir.path() / "repos" / "__local__.repo")
        << "/* comment */\n{\n  // the name\n  \"name\": \"__local__\",\n  \"uuid\": \"" << kUuid
        << "\",\n  \"filestore\": {\"type\": \"annexfs\", \"root\": \"./annex\",},\n}\n";
    EXPECT_EQ(AnnexRepository::open(dir.path()).value().uuid(), kUuid);
    EXPECT_FALSE(AnnexRepository::open(dir.path() / "nothing"));
}

TEST(AnnexRepository, CreatesTheDoltDatabase) {
    std::string why_not;
    if (test::start_server("dolt", why_not) == nullptr) GTEST_SKIP() << why_not;
    test::TempDir dir;
    auto repository = AnnexRepository::init(dir.path(), kUuid, /*with_dolt=*/true);
    ASSERT_TRUE(repository) << repository.error().message;
    EXPECT_TRUE(fs::is_directory(dir.path() / "dolt" / ".dolt"));
}

TEST(Uuid, AcceptsOnlyTheCanonicalForm) {
    EXPECT_TRUE(is_uuid(kUuid));
    EXPECT_FALSE(is_uuid("B48450D2-85E9-435D-B475-26D2E3BE7111"));
    EXPECT_FALSE(is_uuid("b48450d2985e9-435d-b475-26d2e3be7111"));
    EXPECT_FALSE(is_uuid("b48450d2-85e9-435d-b475-26d2e3be711"));
}

}  // namespace
}  // namespace gad::core::dolt
