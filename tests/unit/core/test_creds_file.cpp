#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "core/creds_file.h"
#include "test_servers.h"

namespace gad::core {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

unsigned mode_of(const fs::path& path) {
    struct stat info {};
    EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
    return info.st_mode & 07777;
}

TEST(CredsFile, WritesGitAnnexsFormatPrivatelyAndReadsItBack) {
    test::TempDir dir;
    const fs::path file = dir.path() / "annex" / "creds" / "uuid-databasecreds";
    ASSERT_TRUE(write_creds_file(file, CredPair{"alice", "pass word ;'\""}));
    EXPECT_EQ(read(file), "alice\npass word ;'\"\n");
    EXPECT_EQ(mode_of(file), 0600u);
    EXPECT_EQ(mode_of(file.parent_path()), 0700u);
    EXPECT_EQ(read_creds_file(file).value(), (CredPair{"alice", "pass word ;'\""}));

    // Replaced whole, leaving nothing else in the directory.
    ASSERT_TRUE(write_creds_file(file, CredPair{"bob", ""}));
    EXPECT_EQ(read_creds_file(file).value(), (CredPair{"bob", ""}));
    std::size_t entries = 0;
    for (const auto& entry : fs::directory_iterator(file.parent_path())) {
        EXPECT_EQ(entry.path(), file);
        ++entries;
    }
    EXPECT_EQ(entries, 1u);
}

TEST(CredsFile, ReadsWhatGitAnnexWroteAndNothingWhenThereIsNoFile) {
    test::TempDir dir;
    EXPECT_EQ(read_creds_file(dir.path() / "none").value(), std::nullopt);
    std::ofstream(dir.path() / "annex") << "root\nsecret\n";
    EXPECT_EQ(read_creds_file(dir.path() / "annex").value(), (CredPair{"root", "secret"}));
    std::ofstream(dir.path() / "no-newline") << "root\nsecret";
    EXPECT_EQ(read_creds_file(dir.path() / "no-newline").value(), (CredPair{"root", "secret"}));
}

TEST(CredsFile, RefusesMalformedFilesAndLineBreaksWithoutShowingThePassword) {
    test::TempDir dir;
    for (const char* text : {"", "only-a-login\n", "a\nb\nc\n"}) {
        std::ofstream(dir.path() / "bad", std::ios::trunc) << text;
        auto read = read_creds_file(dir.path() / "bad");
        ASSERT_FALSE(read) << text;
        EXPECT_NE(read.error().message.find((dir.path() / "bad").string()), std::string::npos);
    }
    auto refused = write_creds_file(dir.path() / "x" / "creds", CredPair{"u", "top\nsecret"});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().message.find("secret"), std::string::npos) << refused.error().message;
    EXPECT_FALSE(fs::exists(dir.path() / "x" / "creds"));

    std::ofstream(dir.path() / "unreadable") << "u\np\n";
    fs::permissions(dir.path() / "unreadable", fs::perms::none);
    if (::geteuid() != 0) {
        auto unreadable = read_creds_file(dir.path() / "unreadable");
        ASSERT_FALSE(unreadable);
        EXPECT_NE(unreadable.error().message.find("cannot read creds file"), std::string::npos);
    }
}

}  // namespace
}  // namespace gad::core
