#include <gtest/gtest.h>

#include "annex_fixture.h"
#include "compat/logs/annexed_file.h"

namespace gad::compat::logs {
namespace {

constexpr std::string_view key =
    "SHA256E-s5--2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824.txt";

TEST(AnnexedFile, ReadsSymlinkTargets) {
    const std::string k(key);
    EXPECT_EQ(key_from_link_target("../../.git/annex/objects/Xx/Yy/" + k + "/" + k), key);
    EXPECT_EQ(key_from_link_target(".git/annex/objects/Xx/Yy/" + k + "/" + k), key);
    EXPECT_EQ(key_from_link_target("../.git/annex/objects/abc/def/" + k + "/" + k), key);
    EXPECT_EQ(key_from_link_target("/abs/repo.git/annex/objects/Xx/Yy/" + k + "/" + k), key);
    EXPECT_EQ(
        key_from_link_target("../../.git/annex/objects/Xx/Yy/URL--https&c%%x&a/URL--https&c%%x&a"),
        "URL--https://x&");
    EXPECT_EQ(key_from_link_target("../somewhere/else/" + k), std::nullopt);
    EXPECT_EQ(key_from_link_target("../.git/annex/objects/Xx/Yy/notakey/notakey"), std::nullopt);
    EXPECT_EQ(key_from_link_target("../.git/annex/objects/"), std::nullopt);
}

TEST(AnnexedFile, ReadsPointerFiles) {
    const std::string k(key);
    EXPECT_EQ(key_from_pointer_file("/annex/objects/" + k + "\n"), key);
    EXPECT_EQ(key_from_pointer_file("/annex/objects/" + k), key);
    EXPECT_EQ(key_from_pointer_file("/annex/objects/" + k + "\r\nexplanation follows\n"), key);
    EXPECT_EQ(key_from_pointer_file("just text\n/annex/objects/" + k + "\n"), std::nullopt);
    EXPECT_EQ(key_from_pointer_file("/annex/objects/" + k + " trailing\n"), std::nullopt);
    std::string padded = "/annex/objects/" + k + "\n";
    padded.resize(max_pointer_size, 'x');
    EXPECT_EQ(key_from_pointer_file(padded), key);
    padded += 'x';
    EXPECT_EQ(key_from_pointer_file(padded), std::nullopt);
    EXPECT_EQ(annexed_file_key("/annex/objects/" + k, false), key);
    EXPECT_EQ(annexed_file_key("../.git/annex/objects/a/b/" + k + "/" + k, true), key);
}

TEST(AnnexedFile, ReadsTheTreeGitAnnexCommitted) {
    ANNEX_REPO_OR_SKIP(repo);
    // big.bin was unlocked (a pointer file), the other two are symlinks.
    const std::string tree = test::run_shell(repo->path(), "git ls-tree -z HEAD");
    int files = 0;
    for (std::size_t pos = 0; pos < tree.size();) {
        const std::size_t end = tree.find('\0', pos);
        const std::string entry = tree.substr(pos, end - pos);
        pos = end + 1;
        const std::string mode = entry.substr(0, 6);
        const std::string blob = entry.substr(entry.find(' ', 7) + 1, 40);
        const std::string name = entry.substr(entry.find('\t') + 1);
        const std::string content = test::run_shell(repo->path(), "git cat-file blob " + blob);
        const auto found = annexed_file_key(content, mode == "120000");
        ASSERT_TRUE(found) << name;
        EXPECT_EQ(*found, repo->key_of(name)) << name;
        EXPECT_EQ(mode == "120000", name != "big.bin") << name;
        ++files;
    }
    EXPECT_EQ(files, 3);
}

}  // namespace
}  // namespace gad::compat::logs
