#include "compat/git/annex_branch.h"

#include <set>
#include <system_error>

#include "compat/logs/branch_file.h"
#include "core/file_reads.h"

namespace gad::compat::git {

using core::fail;

Result<AnnexBranch> AnnexBranch::open(const Repository& repository) {
    AnnexBranch branch(repository);
    branch.journal_dir_ = repository.git_dir() / "annex" / "journal";

    auto local = repository.resolve_commit(kLocal);
    if (!local) return std::unexpected(local.error());
    Source local_source{std::string(kLocal), {}};
    if (*local) {
        branch.local_commit_ = (*local)->hex();
        branch.source_commits_.emplace(kLocal, branch.local_commit_);
        auto tree = repository.tree_of(**local);
        if (!tree) return std::unexpected(tree.error());
        local_source.tree = std::move(*tree);
    }
    branch.sources_.push_back(std::move(local_source));

    auto remotes = repository.references("refs/remotes/*/git-annex");
    if (!remotes) return std::unexpected(remotes.error());
    for (const std::string& name : *remotes) {
        auto commit = repository.resolve_commit(name);
        if (!commit) return std::unexpected(commit.error());
        if (!*commit) continue;
        if (*local) {
            auto merged = repository.is_ancestor(**commit, **local);
            if (!merged) return std::unexpected(merged.error());
            if (*merged) continue;
        }
        auto tree = repository.tree_of(**commit);
        if (!tree) return std::unexpected(tree.error());
        branch.source_commits_.emplace(name, (*commit)->hex());
        branch.sources_.push_back(Source{name, std::move(*tree)});
    }
    if (branch.source_commits_.empty()) {
        return fail("no git-annex branch in {}: run `git annex init` (or `git annex sync`) first",
                    repository.git_dir().string());
    }
    return branch;
}

Result<std::map<std::string, std::string>> AnnexBranch::read_journal() const {
    std::map<std::string, std::string> files;
    std::error_code error;
    std::filesystem::directory_iterator entries(journal_dir_, error);
    if (error) {
        if (error == std::errc::no_such_file_or_directory) return files;
        return fail("cannot read the journal {}: {}", journal_dir_.string(), error.message());
    }
    for (const auto& entry : entries) {
        if (!entry.is_regular_file(error)) continue;
        auto path = logs::journal_name_to_branch_path(entry.path().filename().string());
        if (!path) continue;
        // A journal file being rewritten by git-annex may vanish meanwhile (read as empty); it
        // then is in the branch, read below.
        auto content = core::read_small_file(entry.path(), "journal file");
        if (content) files[*path] = std::move(*content).value_or(std::string());
    }
    return files;
}

Result<void> AnnexBranch::append_blob(const Oid& blob, std::string& content) const {
    if (!content.empty() && content.back() != '\n') content += '\n';
    return repository_->read_blob(blob, content);
}

Result<std::string> AnnexBranch::read_file(std::string_view path) const {
    std::string content;
    const std::filesystem::path journal_file =
        journal_dir_ / logs::branch_path_to_journal_name(path);
    if (auto journal = core::read_small_file(journal_file, "journal file"); journal && *journal) {
        content = std::move(**journal);
    }
    for (const Source& source : sources_) {
        auto blob = repository_->blob_at(source.tree, path);
        if (!blob) return std::unexpected(blob.error());
        if (!*blob) continue;
        if (auto read = append_blob(**blob, content); !read) return std::unexpected(read.error());
    }
    return content;
}

Result<void> AnnexBranch::read_all(
    const std::function<Result<void>(const BranchBlob&)>& visit) const {
    auto journal = read_journal();
    if (!journal) return std::unexpected(journal.error());

    // What the unmerged branches have that the local one lacks; usually little.
    std::map<std::string, std::string> overlay;
    for (std::size_t i = 1; i < sources_.size(); ++i) {
        auto diffed = repository_->diff(sources_[0].tree, sources_[i].tree,
                                        [&](const ChangedFile& change) -> Result<void> {
                                            if (!change.blob) return {};
                                            return append_blob(*change.blob, overlay[change.path]);
                                        });
        if (!diffed) return diffed;
    }

    std::string content;
    auto take = [](std::map<std::string, std::string>& from, const std::string& path,
                   std::string& into) {
        auto found = from.find(path);
        if (found == from.end()) return;
        if (!into.empty() && into.back() != '\n') into += '\n';
        into += found->second;
        from.erase(found);
    };
    std::string path;
    auto walked = repository_->walk(sources_[0].tree, [&](const TreeFile& file) -> Result<void> {
        path.assign(file.path);
        content.clear();
        take(*journal, path, content);
        if (auto read = append_blob(file.blob, content); !read) return read;
        take(overlay, path, content);
        return visit(BranchBlob{path, content});
    });
    if (!walked) return walked;

    // Files the local branch does not have yet.
    std::set<std::string> rest;
    for (const auto& [name, _] : *journal) rest.insert(name);
    for (const auto& [name, _] : overlay) rest.insert(name);
    for (const std::string& name : rest) {
        content.clear();
        take(*journal, name, content);
        take(overlay, name, content);
        if (auto done = visit(BranchBlob{name, content}); !done) return done;
    }
    return {};
}

Result<void> AnnexBranch::read_changed(
    const std::map<std::string, std::string>& previous,
    const std::function<Result<void>(const BranchBlob&)>& visit) const {
    auto journal = read_journal();
    if (!journal) return std::unexpected(journal.error());

    std::set<std::string> changed;
    for (const auto& [name, _] : *journal) changed.insert(name);
    for (const Source& source : sources_) {
        auto base_commit = previous.find(source.name);
        if (base_commit == previous.end()) base_commit = previous.find(std::string(kLocal));
        Tree base;
        if (base_commit != previous.end()) {
            // A commit that no longer exists (history rewritten, gc) means: read everything.
            auto oid = Oid::parse(base_commit->second);
            if (oid) {
                if (auto tree = repository_->tree_of(*oid)) base = std::move(*tree);
            }
        }
        auto diffed = repository_->diff(base, source.tree, [&](const ChangedFile& change) {
            changed.insert(change.path);
            return Result<void>{};
        });
        if (!diffed) return diffed;
    }

    std::string content;
    for (const std::string& path : changed) {
        content.clear();
        if (auto found = journal->find(path); found != journal->end()) content = found->second;
        for (const Source& source : sources_) {
            auto blob = repository_->blob_at(source.tree, path);
            if (!blob) return std::unexpected(blob.error());
            if (!*blob) continue;
            if (auto read = append_blob(**blob, content); !read) return read;
        }
        if (content.empty()) continue;
        if (auto done = visit(BranchBlob{path, content}); !done) return done;
    }
    return {};
}

}  // namespace gad::compat::git
