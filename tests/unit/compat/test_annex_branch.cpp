// AnnexBranch and Repository on a repository built with git's own plumbing: the local git-annex
// branch, an unmerged remote git-annex branch and the journal, combined; the incremental read;
// and a commit written back with libgit2 that git itself reads.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>

#include "compat/git/annex_branch.h"
#include "test_servers.h"

namespace gad::compat::git {
namespace {

namespace fs = std::filesystem;

// Runs a shell command in dir; returns its stdout without the final newline.
std::string sh(const fs::path& dir, const std::string& command) {
    const std::string full = "cd '" + dir.string() + "' && " + command;
    FILE* pipe = ::popen(full.c_str(), "r");
    std::string out;
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
    EXPECT_EQ(::pclose(pipe), 0) << command;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

// Commits files (path -> content) on top of parent (may be empty) with git plumbing.
std::string commit_files(const fs::path& dir, const std::map<std::string, std::string>& files,
                         const std::string& parent) {
    std::string script = "export GIT_INDEX_FILE=$(mktemp -u) && ";
    if (!parent.empty()) script += "git read-tree " + parent + " && ";
    for (const auto& [path, content] : files) {
        script += "b=$(printf '" + content +
                  "' | git hash-object -w --stdin) && "
                  "git update-index --add --cacheinfo 100644,$b," +
                  path + " && ";
    }
    script += "t=$(git write-tree) && rm -f $GIT_INDEX_FILE && echo m | git commit-tree $t" +
              (parent.empty() ? std::string() : " -p " + parent);
    return sh(dir, script);
}

class AnnexBranchTest : public testing::Test {
  protected:
    void SetUp() override {
        sh(dir_.path(), "git init -q . && git config user.name t && git config user.email t@t");
        local_ = commit_files(
            dir_.path(), {{"uuid.log", "u1 one timestamp=1s\\n"}, {"aaa/bbb/K1.log", "1s 1 u1\\n"}},
            "");
        sh(dir_.path(), "git update-ref refs/heads/git-annex " + local_);
        remote_ = commit_files(
            dir_.path(),
            {{"aaa/bbb/K1.log", "1s 1 u1\\n2s 1 u2\\n"}, {"ccc/ddd/K2.log", "3s 1 u2\\n"}}, local_);
        sh(dir_.path(), "git update-ref refs/remotes/origin/git-annex " + remote_);
        fs::create_directories(dir_.path() / ".git/annex/journal");
        std::ofstream(dir_.path() / ".git/annex/journal/eee_fff_K__3.log") << "4s 1 u3\n";
    }

    std::map<std::string, std::string> read(const AnnexBranch& branch,
                                            const std::map<std::string, std::string>* previous) {
        std::map<std::string, std::string> files;
        auto visit = [&](const BranchBlob& file) -> Result<void> {
            files[std::string(file.path)] = file.content;
            return {};
        };
        auto done = previous ? branch.read_changed(*previous, visit) : branch.read_all(visit);
        EXPECT_TRUE(done) << done.error().message;
        return files;
    }

    test::TempDir dir_;
    std::string local_, remote_;
};

TEST_F(AnnexBranchTest, CombinesTheLocalBranchUnmergedRemoteBranchesAndTheJournal) {
    auto repository = Repository::discover(dir_.path());
    ASSERT_TRUE(repository) << repository.error().message;
    auto branch = AnnexBranch::open(*repository);
    ASSERT_TRUE(branch) << branch.error().message;
    EXPECT_EQ(branch->local_commit(), local_);
    EXPECT_EQ(branch->sources().at("refs/remotes/origin/git-annex"), remote_);

    auto files = read(*branch, nullptr);
    EXPECT_EQ(files.size(), 4u);
    EXPECT_EQ(files["aaa/bbb/K1.log"], "1s 1 u1\n1s 1 u1\n2s 1 u2\n");
    EXPECT_EQ(files["ccc/ddd/K2.log"], "3s 1 u2\n");
    EXPECT_EQ(files["eee/fff/K_3.log"], "4s 1 u3\n");
    EXPECT_EQ(files["uuid.log"], "u1 one timestamp=1s\n");

    // Nothing changed since: only the journal is read again.
    auto changed = read(*branch, &branch->sources());
    EXPECT_EQ(changed.size(), 1u);
    EXPECT_TRUE(changed.contains("eee/fff/K_3.log"));

    // Since the local branch alone: the remote branch's files are new.
    const std::map<std::string, std::string> before{{"refs/heads/git-annex", local_}};
    changed = read(*branch, &before);
    EXPECT_EQ(changed.size(), 3u);
    EXPECT_EQ(changed["aaa/bbb/K1.log"], "1s 1 u1\n1s 1 u1\n2s 1 u2\n");
}

TEST_F(AnnexBranchTest, RemoteBranchesAlreadyMergedAreNotSources) {
    sh(dir_.path(), "git update-ref refs/heads/git-annex " + remote_);
    auto repository = Repository::discover(dir_.path());
    ASSERT_TRUE(repository);
    auto branch = AnnexBranch::open(*repository);
    ASSERT_TRUE(branch);
    EXPECT_EQ(branch->sources().size(), 1u);
    EXPECT_EQ(read(*branch, nullptr)["aaa/bbb/K1.log"], "1s 1 u1\n2s 1 u2\n");
}

TEST_F(AnnexBranchTest, WritesACommitGitReadsWithoutTouchingTheBranch) {
    auto repository = Repository::discover(dir_.path());
    ASSERT_TRUE(repository);
    auto branch = AnnexBranch::open(*repository);
    ASSERT_TRUE(branch);
    auto blob = repository->write_blob("5s 0 u1\n");
    ASSERT_TRUE(blob);
    auto tree = repository->update_tree(branch->local_tree(), {{"ggg/hhh/K4.log", *blob}});
    ASSERT_TRUE(tree) << tree.error().message;
    auto commit = repository->commit(*tree, Oid::parse(local_).value(), "test");
    ASSERT_TRUE(commit) << commit.error().message;
    ASSERT_TRUE(repository->set_reference("refs/test/git-annex", *commit, "test"));
    EXPECT_EQ(sh(dir_.path(), "git show refs/test/git-annex:ggg/hhh/K4.log"), "5s 0 u1");
    EXPECT_EQ(sh(dir_.path(), "git show refs/test/git-annex:aaa/bbb/K1.log"), "1s 1 u1");
    EXPECT_EQ(sh(dir_.path(), "git rev-parse refs/test/git-annex^"), local_);
    EXPECT_EQ(sh(dir_.path(), "git rev-parse refs/heads/git-annex"), local_);
}

TEST(Repository, RefusesADirectoryThatIsNoRepository) {
    test::TempDir dir;
    auto repository = Repository::discover(dir.path());
    ASSERT_FALSE(repository);
    EXPECT_NE(repository.error().message.find("not a git repository"), std::string::npos);
}

}  // namespace
}  // namespace gad::compat::git
