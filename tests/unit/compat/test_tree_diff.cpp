// Repository::diff against git's own `git diff-tree -r`: nested changes, whole directories added
// and removed, a file that became a directory, mode and symlink changes, an empty side.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "annex_fixture.h"
#include "compat/git/repository.h"
#include "test_servers.h"

namespace gad::compat::git {
namespace {

using test::run_shell;

// "path status" lines: D for gone, else the new mode and blob.
std::set<std::string> ours(const Repository& repository, const std::string& from,
                           const std::string& to) {
    auto tree = [&](const std::string& rev) -> Tree {
        if (rev.empty()) return {};
        auto commit = repository.resolve_commit(rev);
        EXPECT_TRUE(commit && *commit) << rev;
        auto t = repository.tree_of(**commit);
        EXPECT_TRUE(t);
        return std::move(*t);
    };
    std::set<std::string> lines;
    auto done =
        repository.diff(tree(from), tree(to), [&](const ChangedFile& change) -> core::Result<void> {
            lines.insert(change.blob ? fmt::format("{} {:o} {}", change.path, change.mode,
                                                   change.blob->hex())
                                     : fmt::format("{} D", change.path));
            return {};
        });
    EXPECT_TRUE(done) << done.error().message;
    return lines;
}

std::set<std::string> gits(const std::filesystem::path& dir, const std::string& from,
                           const std::string& to) {
    const std::string base = from.empty() ? "4b825dc642cb6eb9a060e54bf8d69288fbee4904" : from;
    const std::string out = run_shell(dir, "git diff-tree -r --no-renames " + base + " " + to);
    std::set<std::string> lines;
    std::size_t at = 0;
    while (at < out.size()) {
        const std::size_t end = out.find('\n', at);
        const std::string line = out.substr(at, end - at);
        at = end == std::string::npos ? out.size() : end + 1;
        // :oldmode newmode oldsha newsha status\tpath
        const std::size_t tab = line.find('\t');
        if (line.empty() || tab == std::string::npos) continue;
        char new_mode[16], new_sha[64], status[4];
        std::sscanf(line.c_str(), ":%*s %15s %*s %63s %3s", new_mode, new_sha, status);
        const std::string path = line.substr(tab + 1);
        if (status[0] == 'D') {
            lines.insert(path + " D");
        } else {
            lines.insert(fmt::format("{} {:o} {}", path, std::stoi(new_mode, nullptr, 8), new_sha));
        }
    }
    return lines;
}

TEST(TreeDiff, AgreesWithGitDiffTree) {
    test::TempDir dir;
    const auto& d = dir.path();
    bool ok = false;
    run_shell(d,
              "git init -q . && git config user.email t@t && git config user.name t && "
              "mkdir -p a/b/c x y && echo 1 > a/b/c/f && echo 2 > a/b/g && echo 3 > x/h && "
              "echo 4 > y/i && echo 5 > top && echo 6 > a/same && ln -s top link && "
              "echo 7 > becomes_dir && git add -A && git commit -q -m one && "
              // change deep, remove a directory, add one, mode change, symlink retarget,
              // a file that becomes a directory, a name that sorts between a tree's name and it.
              "echo 1b > a/b/c/f && rm -r x && mkdir -p z/w && echo 8 > z/w/j && "
              "chmod +x top && ln -sfn a/same link && rm becomes_dir && mkdir becomes_dir && "
              "echo 9 > becomes_dir/k && echo 10 > a.b && git add -A && git commit -q -m two",
              &ok);
    ASSERT_TRUE(ok);
    auto repository = Repository::discover(d);
    ASSERT_TRUE(repository) << repository.error().message;
    for (auto [from, to] : {std::pair<std::string, std::string>{"HEAD~1", "HEAD"},
                            {"HEAD", "HEAD~1"},
                            {"", "HEAD"},
                            {"HEAD", "HEAD"}}) {
        SCOPED_TRACE(from + ".." + to);
        const auto expected =
            to == "HEAD" && from == "HEAD" ? std::set<std::string>{} : gits(d, from, to);
        if (!(from == "HEAD" && to == "HEAD")) {
            EXPECT_FALSE(expected.empty());
        }
        EXPECT_EQ(ours(*repository, from, to), expected);
    }
}

}  // namespace
}  // namespace gad::compat::git
