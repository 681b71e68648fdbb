// One run of the dataset step of git-annex-dolt sync (compat/sync/dataset_export.h): its state
// and steps, defined by concept in dataset_export.cpp (the run, the dataset's definition),
// dataset_flow_back.cpp (rows dolt-annex changed, back into the location tables),
// dataset_branch.cpp (the <uuid>-NAME branches written) and dataset_repo_files.cpp (repos/*.repo).
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "compat/query/key_set.h"
#include "compat/sync/dataset_export.h"
#include "compat/sync/dataset_rows.h"
#include "core/annex_values.h"
#include "core/dolt/annex_repository.h"
#include "core/location/location_store.h"
#include "core/timestamp.h"

namespace gad::compat::sync::dataset {

namespace fs = std::filesystem;
using core::Timestamp;

class DatasetSync {
  public:
    DatasetSync(const core::dolt::AnnexRepository& annex_repository,
                core::location::LocationDatabase& database, std::string name,
                std::string annex_uuid, const core::annex_values::RefusalSink& refused_sink)
        : root_(annex_repository.root()),
          local_uuid_(annex_repository.uuid()),
          database_(database),
          main_(database.store->connection()),
          name_(std::move(name)),
          annex_uuid_(std::move(annex_uuid)),
          started_(Timestamp::now()),
          gate_(refused_sink) {
        summary_.name = name_;
        summary_.definition = (root_ / (name_ + ".dataset")).string();
    }

    std::string branch_of(std::string_view uuid) const { return fmt::format("{}-{}", uuid, name_); }
    // `db/branch` (or `db/commit`), a database name for another revision of ours.
    std::string revision(std::string_view branch) const {
        return backticked(fmt::format("{}/{}", db_, branch));
    }

    // The whole step: the empty table and NAME.dataset, each repository's branch, repos/*.repo.
    Result<DatasetSummary> run();

  private:
    // --- dataset_export.cpp: the run and the dataset's definition
    Result<Connection> connect_to(std::string_view branch);

    Result<std::set<std::string>> branches();

    // NAME.dataset, as dolt-annex reads it (JSON, which its JSON5 parser accepts; exactly the
    // fields it knows).
    std::string definition() const;

    // True when NAME.dataset is still to be written; fails when it defines something else.
    Result<bool> definition_missing() const;

    // Every repository with a present location, and every repository that has a branch.
    Result<std::vector<std::string>> repository_uuids();

    // True when uuid may name a dolt-annex branch: a git-annex UUID in lower case, as dolt-annex
    // writes them. Others are refused (counted and reported).
    bool dolt_annex_uuid(std::string_view uuid);

    // --- dataset_flow_back.cpp: what dolt-annex changed, as location facts
    // The newest commits of git-annex-dolt sync --dataset on the branch: by any git-annex
    // repository (what dolt-annex did is what came after it; another git-annex repository's
    // writes come from the same location tables) unless dolt-annex amended it, and by this one
    // (its locations trailer). LastCommits::written is left for the caller (the branch's tag).
    Result<LastCommits> last_commits(Connection& branch);

    // Which of keys a commit of the branch (or its working set, when commit is empty) holds.
    Result<std::set<std::string>> keys_held(Connection& branch, const std::string& commit,
                                            const std::vector<std::string>& keys);

    // Location facts of uuid for keys a change of the branch touched: each key's presence as the
    // changed commit (or working set: commit empty) holds it. A fact is recorded when it differs
    // from the table's, and the table's row is older than the change (dated) or was written by
    // this run: git-annex's newest-wins rule, applied at the time dolt-annex made the change.
    // It is written with a timestamp of this run, so the export that follows sees it.
    Result<void> record_facts(Connection& branch, std::string_view uuid, const std::string& commit,
                              const Timestamp& dated, std::map<std::string, bool>& touched);

    // Whether key is in a row after the change: added by it (not in unsure), or held.
    static bool touched_added_or_held(const std::string& key,
                                      const std::vector<std::string>& unsure,
                                      const std::set<std::string>& held);

    // The newest timestamp this run has written: started_ plus one picosecond per fact.
    Timestamp written_through() const;

    // The changes between two revisions of the branch, as facts dated `dated`.
    Result<void> flow_diff(Connection& reader, Connection& branch, std::string_view uuid,
                           const std::string& from, const std::string& to, const Timestamp& dated);

    // The commit the flow back reads on from: the one our last write made (its tag), else our
    // newest commit when dolt-annex has not amended it, else the empty table's.
    Result<std::string> baseline(Connection& reader, const LastCommits& last);

    // One change of the branch: from parent to hash, dated (capped at this run's start).
    struct Change {
        std::string hash, parent;
        Timestamp date;
    };

    // The changes from since to head, newest first: each commit when since is head's ancestor,
    // else (since amended or the branch rewritten) one change from since to head.
    Result<std::vector<Change>> changes_since(Connection& reader, const std::string& since,
                                              const std::string& head);

    // What dolt-annex did on the branch since our last write there (or since it was made from
    // the empty table), by any means (new, amended or merge commits, uncommitted rows): each
    // change in turn, oldest first, then the uncommitted working set. Returns whether there
    // were such changes.
    Result<bool> flow_back(std::string_view uuid, Connection& reader, Connection& branch,
                           const LastCommits& last);

    // --- dataset_branch.cpp: the empty table and the <uuid>-NAME branches
    // The empty-table branch NAME: made from the database's first commit (no tables), holding
    // only table NAME, so the <uuid>-NAME branches made from it carry nothing of ours.
    Result<void> ensure_empty_table();

    // Rows of annexed files that left this git-annex repository's tree since `locations` (the
    // location tables' commit our last write was computed from): removed where they still hold
    // the key we wrote. Rows at paths the tree never had are dolt-annex's own and stay.
    Result<void> remove_left_files(Connection& branch, const std::string& locations,
                                   const std::string& now, std::size_t& removed);

    Result<void> remove_rows(Connection& branch, const std::vector<std::string>& paths,
                             std::size_t& removed);

    Result<void> write_rows(Connection& branch, const std::vector<PathRow>& rows,
                            std::size_t& added);

    // Brings the branch of one repository up to date, after recording what dolt-annex changed.
    Result<void> sync_repository(const std::string& uuid);

    // One repository's branch being brought up to date.
    struct BranchWrite {
        std::string uuid, branch_name;
        std::optional<Connection> reader, branch;  // open once the branch exists
        LastCommits last;
        bool theirs = false;            // dolt-annex committed on the branch since our last commit
        std::vector<PathRow> writes;    // rows to write, pending
        std::vector<PathRow> removals;  // rows to remove, pending (if their key is gone)
        std::size_t added = 0, removed = 0;
    };

    // Opens an existing branch, records what dolt-annex changed there as location facts and
    // commits them in the location tables.
    Result<void> flow_back_from(BranchWrite& write);

    // The annexed files against the branch's rows, both in path order: a row for each file whose
    // key the repository has (keys), none for others; rows at paths the tree lacks kept while
    // their key is in keys. A row is removed only when its key is gone (gone_paths).
    Result<void> merge_files(BranchWrite& write, const query::KeySet& keys);

    // Whether an annexed file belongs on a branch whose repository has keys; counts the files
    // dolt-annex cannot hold (once per run, when count_left_out) and refuses bad keys.
    bool wanted_file(const PathRow& file, const query::KeySet& keys, bool count_left_out);

    // Writes the pending rows and removals (all, or only full batches), making the branch from
    // the empty table on its first write.
    Result<void> flush(BranchWrite& write, bool all);

    // The paths of rows whose key the location tables hold as gone (missing or dead) from
    // repository uuid: the only rows of a branch ever removed for their key.
    Result<std::vector<std::string>> gone_paths(const std::string& uuid,
                                                const std::vector<PathRow>& rows);

    // The branch's Dolt commit, with the trailers naming this repository and locations; then
    // the branch's written tag moved to it.
    Result<void> commit_branch(BranchWrite& write, const std::string& locations);

    // --- dataset_repo_files.cpp: repos/<name>.repo
    // repos/<name>.repo for every other git-annex-remote-dolt special remote whose objects
    // dolt-annex can read: unencrypted and unchunked, in an SFTP filestore or in the annex/ of a
    // dolt-annex repository directory on this machine. (This directory's own filestore is
    // repos/__local__.repo already.) Existing files for the same UUID are left as they are.
    Result<void> write_repo_files();

    Result<void> write_repo_file(const std::string& uuid, std::string name,
                                 const core::filestore::RepoFilestore& filestore);

    fs::path root_;
    std::string local_uuid_;
    core::location::LocationDatabase& database_;
    Connection& main_;
    std::string name_, annex_uuid_;
    std::string db_, main_branch_;
    std::set<std::string> branches_;
    Timestamp started_;
    std::uint64_t sequence_ = 0;
    bool left_out_counted_ = false;
    DatasetSummary summary_;
    core::annex_values::Gate gate_;
};

}  // namespace gad::compat::sync::dataset
