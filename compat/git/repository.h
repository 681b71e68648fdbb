// A git repository read (and, for the git-annex branch, written) through libgit2: the only place
// that holds libgit2 handles. Trees and blobs are read by object id from tree walks and diffs,
// never by path one key at a time.
#pragma once

#include <git2/oid.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/failure.h"

struct git_repository;
struct git_odb;
struct git_tree;

namespace gad::compat::git {

using core::Result;

// A git object id.
struct Oid {
    git_oid raw{};
    std::string hex() const;
    // Parses 40 hex digits; fails naming the text.
    static Result<Oid> parse(std::string_view hex);
    friend bool operator==(const Oid& a, const Oid& b);
};

// A tree, kept loaded while the value lives.
class Tree {
  public:
    Tree() = default;
    Oid id() const;
    bool empty() const { return !tree_; }
    git_tree* get() const { return tree_.get(); }

  private:
    friend class Repository;
    struct Free {
        void operator()(git_tree* tree) const;
    };
    std::shared_ptr<git_tree> tree_;
};

// One file of a tree: its path from the tree's root, blob id and git file mode.
struct TreeFile {
    std::string_view path;
    Oid blob;
    std::uint32_t mode = 0;  // 0100644, 0100755, 0120000 (symlink)
};

// One path whose blob differs between two trees; blob is absent when the path was deleted.
struct ChangedFile {
    std::string path;
    std::optional<Oid> blob;
    std::uint32_t mode = 0;
};

// One commit of a history walk: its id, its tree and its committer time (seconds since the epoch).
struct CommitInfo {
    Oid id;
    Oid tree;
    std::int64_t time = 0;
};

class Repository {
  public:
    // Opens the repository containing start (searching upwards, as git does); fails with
    // "not a git repository: START" when there is none.
    static Result<Repository> discover(const std::filesystem::path& start);

    Repository(Repository&&) noexcept;
    Repository& operator=(Repository&&) noexcept;
    ~Repository();

    // The .git directory.
    std::filesystem::path git_dir() const;

    // The top of the working tree, or nullopt for a bare repository.
    std::optional<std::filesystem::path> work_tree() const;

    // The commit ref (a full ref name, or a revision such as HEAD) points at, or nullopt when
    // there is no such ref.
    Result<std::optional<Oid>> resolve_commit(std::string_view ref) const;

    // Full names of the references matching a glob such as "refs/remotes/*/git-annex", sorted.
    Result<std::vector<std::string>> references(std::string_view glob) const;

    // True when ancestor is descendant or one of its ancestors.
    Result<bool> is_ancestor(const Oid& ancestor, const Oid& descendant) const;

    // The tree of a commit; the tree itself when id names a tree.
    Result<Tree> tree_of(const Oid& id) const;

    // Calls visit for every file (blob or symlink; not submodules) of tree, in git's order.
    // visit returns false to stop early (then this returns the failure it gave, if any).
    Result<void> walk(const Tree& tree,
                      const std::function<Result<void>(const TreeFile&)>& visit) const;

    // The paths whose blob differs between old_tree (may be empty) and new_tree.
    Result<void> diff(const Tree& old_tree, const Tree& new_tree,
                      const std::function<Result<void>(const ChangedFile&)>& visit) const;

    // Calls visit for every commit reachable from tips and from none of hidden, newest first
    // (hidden ids this repository does not have are skipped); stops at visit's first failure.
    Result<void> walk_history(const std::vector<Oid>& tips, const std::vector<Oid>& hidden,
                              const std::function<Result<void>(const CommitInfo&)>& visit) const;

    // The subtree at path in tree, or nullopt when tree has no directory there.
    Result<std::optional<Oid>> tree_at(const Tree& tree, std::string_view path) const;

    // The blob at path in tree, or nullopt when tree has no file there.
    Result<std::optional<Oid>> blob_at(const Tree& tree, std::string_view path) const;

    // Appends a blob's content to out.
    Result<void> read_blob(const Oid& blob, std::string& out) const;

    // The blob's size without reading its content.
    Result<std::uint64_t> blob_size(const Oid& blob) const;

    // Writes data as a blob into the object database.
    Result<Oid> write_blob(std::string_view data) const;

    // A new tree: base with each (path, blob) of files set, as regular files (creating the
    // directories between). Only the trees on those paths are rewritten.
    Result<Oid> update_tree(const Tree& base,
                            const std::vector<std::pair<std::string, Oid>>& files) const;

    // A new commit of tree, with parent when given, by "git-annex-dolt" now; nothing else changes.
    Result<Oid> commit(const Oid& tree, const std::optional<Oid>& parent,
                       std::string_view message) const;

    // Points the reference name at commit (creating or moving it), with message in its reflog.
    Result<void> set_reference(std::string_view name, const Oid& commit,
                               std::string_view message) const;

    // A git config value of the repository (with the user's and system's), or nullopt.
    Result<std::optional<std::string>> config(std::string_view name) const;

    // Every config entry (name, value) whose name matches the regular expression, in config order.
    Result<std::vector<std::pair<std::string, std::string>>> config_matching(
        std::string_view regex) const;

    // Sets a value in the repository's own config (.git/config).
    Result<void> set_config(std::string_view name, std::string_view value) const;

    // Removes a value from the repository's own config; nothing to do when it is not set.
    Result<void> unset_config(std::string_view name) const;

  private:
    Repository() = default;
    git_repository* repo_ = nullptr;
    git_odb* odb_ = nullptr;
};

}  // namespace gad::compat::git
