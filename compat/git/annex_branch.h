// The git-annex branch as git-annex itself reads it: the local git-annex branch, every
// refs/remotes/*/git-annex not yet merged into it, and the uncommitted journal, combined file by
// file as a union of lines. Read only: nothing here writes to the repository.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "compat/git/repository.h"

namespace gad::compat::git {

// One file of the combined branch, as bytes: its path in the branch and the union of its
// versions, the journal's first, then the local branch's, then each unmerged remote branch's.
// (compat/logs/branch_file.h's BranchFile says which log a path is.)
struct BranchBlob {
    std::string_view path;
    std::string_view content;
};

class AnnexBranch {
  public:
    // The name recorded for the local branch among the sources.
    static constexpr std::string_view kLocal = "refs/heads/git-annex";

    // Finds the sources of repository's git-annex branch. Fails when the repository has no
    // git-annex branch at all (neither local nor remote).
    static Result<AnnexBranch> open(const Repository& repository);

    // Each source and the commit it is at ("refs/heads/git-annex" first, then the unmerged
    // remote branches); the journal is not a source: it is read on every run.
    const std::map<std::string, std::string>& sources() const { return source_commits_; }

    // The local git-annex branch commit (empty when there is none yet).
    const std::string& local_commit() const { return local_commit_; }

    // Calls visit once for every file of the combined branch. Memory is bounded by the largest
    // file and by how far the unmerged branches and the journal differ from the local branch.
    Result<void> read_all(const std::function<Result<void>(const BranchBlob&)>& visit) const;

    // Calls visit for each file that may differ from what the sources in previous (name ->
    // commit, as sources() gave them on an earlier run) held: the files of each source that
    // differ from its previous commit (or from the previous local branch, for a new source),
    // and every journal file. Files deleted from every source are not visited.
    Result<void> read_changed(const std::map<std::string, std::string>& previous,
                              const std::function<Result<void>(const BranchBlob&)>& visit) const;

    // The combined content of one file (empty when no source has it).
    Result<std::string> read_file(std::string_view path) const;

    // The local branch's tree (empty when there is no local branch yet).
    const Tree& local_tree() const { return sources_.front().tree; }

  private:
    struct Source {
        std::string name;
        Tree tree;
    };
    explicit AnnexBranch(const Repository& repository) : repository_(&repository) {}

    // The journal's files: branch path -> content.
    Result<std::map<std::string, std::string>> read_journal() const;
    // Appends a blob's lines to content, starting on a new line.
    Result<void> append_blob(const Oid& blob, std::string& content) const;

    const Repository* repository_;
    std::filesystem::path journal_dir_;
    std::string local_commit_;
    std::vector<Source> sources_;  // the local branch first (its tree may be empty)
    std::map<std::string, std::string> source_commits_;
};

}  // namespace gad::compat::git
