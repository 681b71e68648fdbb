// A repository whose git-annex branch real git-annex wrote, built once per test program, for
// checking the compat/logs parsers against files git-annex itself produces.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/location/location_store.h"
#include "test_servers.h"
#include "test_tools.h"

namespace gad::test {

// Quotes a word for /bin/sh.
inline std::string shell_quote(const std::string& word) {
    std::string out = "'";
    for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// Runs a shell command in `dir` and returns its exact standard output; sets `ok` to whether it
// exited 0. Standard error goes to /dev/null.
inline std::string run_shell(const std::filesystem::path& dir, const std::string& command,
                             bool* ok = nullptr) {
    const std::string full = "cd " + shell_quote(dir.string()) + " && " + command + " 2>/dev/null";
    FILE* pipe = ::popen(full.c_str(), "r");
    std::string out;
    if (pipe == nullptr) {
        if (ok) *ok = false;
        return out;
    }
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;)
        out.append(buffer, n);
    const int status = ::pclose(pipe);
    if (ok) *ok = status == 0;
    return out;
}

// Opens store, a LocationStore (its schema made) on a new database of server named database; a
// failure fails the test (call it under ASSERT_NO_FATAL_FAILURE).
inline void open_location_store(TestServer& server, const std::string& database,
                                std::optional<core::location::LocationStore>& store) {
    auto connection = core::sql::Connection::open(server.new_database(database));
    ASSERT_TRUE(connection) << connection.error().message;
    auto opened = core::location::LocationStore::open(std::move(*connection));
    ASSERT_TRUE(opened) << opened.error().message;
    store.emplace(std::move(*opened));
}

class AnnexRepo {
  public:
    // The shared repository, or nullptr (with why_not set) when git-annex is not installed or
    // the setup failed.
    static const AnnexRepo* get(std::string& why_not) {
        static const std::unique_ptr<AnnexRepo> repo = [] {
            auto r = std::make_unique<AnnexRepo>();
            if (!on_path("git-annex")) {
                r->failure_ = "git-annex is not on PATH";
            } else {
                r->build();
            }
            return r;
        }();
        why_not = repo->failure_;
        return repo->failure_.empty() ? repo.get() : nullptr;
    }

    const std::filesystem::path& path() const { return path_; }
    // `git show git-annex:PATH`, exactly.
    std::string branch_file(const std::string& branch_path) const {
        return run_shell(path_, "git show " + shell_quote("git-annex:" + branch_path));
    }
    // Every path in the git-annex branch.
    std::vector<std::string> branch_paths() const {
        std::vector<std::string> paths;
        std::string all = run_shell(path_, "git ls-tree -r -z --name-only git-annex");
        for (std::size_t pos = 0; pos < all.size();) {
            const std::size_t end = all.find('\0', pos);
            paths.push_back(all.substr(pos, end - pos));
            pos = end + 1;
        }
        return paths;
    }
    // `git annex lookupkey FILE`.
    std::string key_of(const std::string& file) const {
        std::string key = run_shell(path_, "git annex lookupkey " + shell_quote(file));
        while (!key.empty() && key.back() == '\n') key.pop_back();
        return key;
    }

    std::string here_uuid;  // the repository's own UUID
    std::string dr_uuid;    // directory remote "dr", chunk=1KiB, trusted
    std::string rs_uuid;    // rsync remote "rs" with a space and '&' in its rsyncurl, dead
    std::string failure_;

  private:
    void build() {
        path_ = dir_.path() / "repo";
        std::filesystem::create_directories(path_);
        std::filesystem::create_directories(dir_.path() / "dr");
        const std::vector<std::string> commands = {
            "git init -q .",
            "git config user.email test@example.org && git config user.name test",
            "git annex init 'my repo'",
            "git annex describe here 'described  with two spaces ü'",
            "git annex initremote dr type=directory directory=../dr encryption=none chunk=1KiB",
            "git annex initremote rs type=rsync 'rsyncurl=/nowhere/a b&c' encryption=none",
            "git annex trust --force dr",
            "git annex untrust here",
            "git annex group here mygroup && git annex group here other",
            "git annex wanted here 'include=*.txt and exclude=foo'",
            "git annex required dr anything",
            "git annex groupwanted mygroup present",
            "git annex numcopies 2 && git annex mincopies 1",
            "git annex config --set annex.largefiles anything",
            "printf hello > a_b.txt && printf 'other content' > 'we&ird:na%me.txt'",
            "head -c 3000 /dev/zero | tr '\\0' 'z' > big.bin",
            "git annex add a_b.txt 'we&ird:na%me.txt' big.bin",
            "git annex metadata -s tag=one -s 'note=has spaces ü' -s 'x=!bang' -s 'Ünï=v' a_b.txt",
            "git annex metadata -s tag-=one -s tag+=two a_b.txt",
            "git annex copy --to dr big.bin",
            "git annex registerurl $(git annex lookupkey a_b.txt) 'http://example.com/a b?c=1'",
            "git annex setpresentkey $(git annex lookupkey a_b.txt) $(git config annex.uuid) 0",
            "git annex dead rs",
            "git commit -q -m files",
            "git annex unlock big.bin && git commit -q -m unlocked",
        };
        for (const auto& command : commands) {
            bool ok = false;
            run_shell(path_, command, &ok);
            if (!ok) {
                failure_ = "setup command failed: " + command;
                return;
            }
        }
        const auto config = [&](const std::string& name) {
            std::string value = run_shell(path_, "git config " + name);
            while (!value.empty() && value.back() == '\n') value.pop_back();
            return value;
        };
        here_uuid = config("annex.uuid");
        dr_uuid = config("remote.dr.annex-uuid");
        rs_uuid = config("remote.rs.annex-uuid");
        if (here_uuid.empty() || dr_uuid.empty() || rs_uuid.empty()) failure_ = "no UUIDs found";
    }

    TempDir dir_;
    std::filesystem::path path_;
};

// In a test: `ANNEX_REPO_OR_SKIP(repo);` declares `const AnnexRepo* repo`, skipping the test when
// git-annex is not installed and failing it when the repository could not be set up.
#define ANNEX_REPO_OR_SKIP(var)                                                              \
    std::string var##_why_not;                                                               \
    const auto* var = ::gad::test::AnnexRepo::get(var##_why_not);                            \
    if (var == nullptr && !::gad::test::on_path("git-annex")) GTEST_SKIP() << var##_why_not; \
    ASSERT_NE(var, nullptr) << var##_why_not

}  // namespace gad::test
