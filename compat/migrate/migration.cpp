#include "compat/migrate/migration.h"

#include <atomic>
#include <map>
#include <optional>
#include <thread>

#include "compat/git/annex_branch.h"
#include "compat/migrate/branch_rows.h"
#include "compat/migrate/bulk_writer.h"
#include "compat/migrate/migration_records.h"
#include "core/location/annexed_files.h"
#include "core/location/bulk_load.h"
#include "core/location/migration_record.h"
#include "core/location/schema.h"

namespace gad::compat::migrate {

namespace {

using core::fail;
using core::location::column_list;
using core::location::load_sql;
using core::location::local_loading_allowed;
using core::location::table_empty;

// Records every annexed file of the tree of commit (a fresh walk: no row is replaced) on a
// repository handle and connection of its own, so that it can run on a thread of its own while
// the branch is read; then adds annexed_files' indexes back. Stops early, failing, once stop is
// set.
Result<void> walk_files_apart(const git::Repository& main, const git::Oid& commit,
                              std::string_view annex_uuid,
                              const core::location::LocationDatabase& database,
                              std::vector<BulkWriter::Table> tables, MigrationSummary& summary,
                              const std::atomic<bool>& stop) {
    auto repository = git::Repository::discover(main.git_dir());
    if (!repository) return std::unexpected(repository.error());
    auto tree = repository->tree_of(commit);
    if (!tree) return std::unexpected(tree.error());
    auto connection = database.open_connection();
    if (!connection) return std::unexpected(connection.error());
    const MigrationOptions quiet;  // the progress line is the branch reader's
    {
        BulkWriter writer(*connection, std::move(tables));
        BranchRows migration(*repository, annex_uuid, writer, quiet, summary);
        auto walked = repository->walk(*tree, [&](const git::TreeFile& file) -> Result<void> {
            if (stop) return fail("stopped");
            return migration.annexed_file(file.path, file.blob, file.mode, false);
        });
        if (!walked) return walked;
        if (auto written = writer.finish(); !written) return written;
    }
    return core::location::restore_secondary_indexes(*connection,
                                                     core::location::kAnnexedFilesTable);
}

// What the last complete run read: the sources of the branch, and the tree of the annexed files
// (of files_source, the branch options.files_ref names), or that another branch's were recorded.
struct PreviousRun {
    std::map<std::string, std::string> sources;
    std::optional<git::Oid> files;
    bool other_files_recorded = false;
};
Result<PreviousRun> read_previous_run(core::sql::Connection& connection,
                                      std::string_view annex_uuid, std::string_view files_source) {
    auto read_sources = core::location::read_migration_sources(connection, annex_uuid);
    if (!read_sources) return std::unexpected(read_sources.error());
    PreviousRun previous{std::move(*read_sources), std::nullopt, false};
    for (auto it = previous.sources.begin(); it != previous.sources.end();) {
        if (!it->first.starts_with("files:")) {
            ++it;
            continue;
        }
        if (it->first == files_source) {
            if (auto oid = git::Oid::parse(it->second)) previous.files = *oid;
        } else {
            previous.other_files_recorded = true;
        }
        it = previous.sources.erase(it);
    }
    return previous;
}

// The tree of annexed files to read now (empty when files_ref names no commit) and the one read
// last time (empty when a fresh walk is due).
struct FileTrees {
    std::optional<git::Oid> commit;
    git::Tree now, before;
};
// Resolves the trees; of another branch than last time, the annexed files of annex_uuid are
// cleared, to be read again from scratch.
Result<FileTrees> file_trees(const git::Repository& repository, std::string_view files_ref,
                             const PreviousRun& previous, core::sql::Connection& connection,
                             std::string_view annex_uuid) {
    FileTrees trees;
    auto files_commit = repository.resolve_commit(files_ref);
    if (!files_commit) return std::unexpected(files_commit.error());
    trees.commit = *files_commit;
    if (trees.commit) {
        auto tree = repository.tree_of(*trees.commit);
        if (!tree) return std::unexpected(tree.error());
        trees.now = std::move(*tree);
    }
    if (previous.files) {
        if (auto tree = repository.tree_of(*previous.files)) trees.before = std::move(*tree);
    }
    if (trees.before.empty() && (previous.other_files_recorded || previous.files)) {
        auto cleared = core::location::clear_annexed_files(connection, annex_uuid);
        if (!cleared) return std::unexpected(cleared.error());
    }
    return trees;
}

// Tables with no rows yet are bulk-loaded, in primary-key order and with their secondary
// indexes dropped (restore_secondary_indexes builds them after); on a full read (not an
// incremental one, staged) the per-key tables that hold rows are too, into a stage merged into
// them by the newest-wins rule in one statement at the end; annexed_files too on a fresh walk
// (fresh_files), which writes only paths of this repository, whose old rows are gone.
Result<void> prepare_bulk_loads(core::sql::Connection& connection,
                                std::vector<BulkWriter::Table>& tables, bool staged,
                                bool fresh_files) {
    if (!local_loading_allowed(connection)) return {};
    // The per-key logs' tables: the large ones.
    for (const LogKind& kind : log_kinds()) {
        if (!kind.per_key()) continue;
        const core::location::LwwTable* table = kind.table;
        const std::size_t index = writer_table(kind);
        if (!tables[index].load_sql.empty()) continue;
        auto empty = table_empty(connection, table->name);
        if (!empty) return std::unexpected(empty.error());
        // An incremental read's few rows are upserted.
        if (!*empty && !staged) continue;
        // In primary-key order: a load in the order of the git-annex branch's hash
        // directories costs Dolt 2x and MariaDB 3.5x the time (RowSorter).
        tables[index].sort_cells = table->identity.size();
        if (!*empty) {
            // A clone's first migration into the rows of its origin (1,000,000 keys, 2.67M rows
            // in place): as upserts of 1,000 rows, unfinished after 33 minutes.
            const std::string stage = fmt::format("{}_stage", table->name);
            if (auto created = core::location::create_stage(connection, *table, stage); !created) {
                return created;
            }
            tables[index].load_sql = load_sql(stage, column_list(*table));
            tables[index].after_load = {core::location::lww_merge_sql(*table, stage),
                                        fmt::format("DROP TEMPORARY TABLE {}", stage)};
            continue;
        }
        tables[index].load_sql = load_sql(table->name, column_list(*table));
        // Indexes are built after the load, faster, but for those kept up to date as cheaply.
        if (auto dropped = core::location::drop_secondary_indexes(connection, table->name);
            !dropped) {
            return dropped;
        }
    }
    if (!fresh_files) return {};
    tables[files_table()].load_sql =
        load_sql(core::location::kAnnexedFilesTable, core::location::kAnnexedFileColumns);
    auto empty = table_empty(connection, core::location::kAnnexedFilesTable);
    if (!empty) return std::unexpected(empty.error());
    if (!*empty) return {};
    return core::location::drop_secondary_indexes(connection, core::location::kAnnexedFilesTable);
}

// A fresh walk of the annexed files on a thread of its own, so that the server loads them while
// the branch is read (1,000,000 files: 16 s of a migration into Dolt). Destroying it stops the
// walk and waits for the thread.
class FilesApart {
  public:
    FilesApart() = default;
    FilesApart(const FilesApart&) = delete;
    FilesApart& operator=(const FilesApart&) = delete;
    ~FilesApart() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
    }
    // Starts walk_files_apart on the tree of commit; the arguments outlive this object.
    void start(const git::Repository& repository, const git::Oid& commit,
               std::string_view annex_uuid, const core::location::LocationDatabase& database,
               std::vector<BulkWriter::Table> tables) {
        thread_ = std::thread([this, &repository, commit, annex_uuid, &database,
                               tables = std::move(tables)]() mutable {
            result_ = walk_files_apart(repository, commit, annex_uuid, database, std::move(tables),
                                       summary_, stop_);
        });
    }
    // Waits for the walk (if one started) and adds its counts to summary.
    Result<void> finish(MigrationSummary& summary) {
        if (thread_.joinable()) thread_.join();
        if (!result_) return result_;
        summary.files += summary_.files;
        summary.files_removed += summary_.files_removed;
        return {};
    }

  private:
    MigrationSummary summary_;
    Result<void> result_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// Reads the branch (what changed since the previous run's sources, or all of it) and the changes
// of the annexed files since trees.before (a fresh walk is FilesApart's) into tables.
Result<void> read_branch_and_files(const git::Repository& repository, std::string_view annex_uuid,
                                   core::sql::Connection& connection,
                                   std::vector<BulkWriter::Table> tables,
                                   const MigrationOptions& options, git::AnnexBranch& branch,
                                   const PreviousRun& previous, const FileTrees& trees,
                                   MigrationSummary& summary) {
    BulkWriter writer(connection, std::move(tables));
    BranchRows migration(repository, annex_uuid, writer, options, summary);
    auto visit = [&](const git::BranchBlob& file) { return migration.branch_file(file); };
    auto read =
        summary.incremental ? branch.read_changed(previous.sources, visit) : branch.read_all(visit);
    if (!read) return read;
    if (!trees.before.empty()) {
        auto files = repository.diff(
            trees.before, trees.now, [&](const git::ChangedFile& change) -> Result<void> {
                if (!change.blob) return migration.annexed_file(change.path, {}, 0, true);
                return migration.annexed_file(change.path, *change.blob, change.mode, true);
            });
        if (!files) return files;
    }
    auto loaded = [&](std::size_t rows) {
        summary.rows_sorted = rows;
        migration.progress();
    };
    return writer.finish(loaded);
}

// Records the run as complete (last, so that a failed run is read again) and makes the Dolt
// commit, whose hash goes into summary.
Result<void> record_run(core::location::LocationDatabase& database, const git::AnnexBranch& branch,
                        const std::string& files_source, const git::Tree& files_tree,
                        std::string_view annex_uuid, MigrationSummary& summary) {
    std::vector<std::pair<std::string, std::string>> sources(branch.sources().begin(),
                                                             branch.sources().end());
    if (!files_tree.empty()) sources.emplace_back(files_source, files_tree.id().hex());
    if (auto recorded = core::location::record_migration(
            database.store->connection(), annex_uuid, sources, summary.branch,
            core::Timestamp::now().to_decimal(), static_cast<std::int64_t>(summary.logs_read));
        !recorded) {
        return recorded;
    }
    auto committed = database.store->dolt_commit(fmt::format(
        "git-annex-dolt migrate: git-annex branch {} of repository {}: {} logs read, {} "
        "locations, {} URLs, {} metadata values, {} annexed files",
        summary.branch.empty() ? "(none)" : summary.branch, annex_uuid, summary.logs_read,
        summary.locations, summary.urls, summary.metadata, summary.files));
    if (!committed) return std::unexpected(committed.error());
    if (*committed) summary.dolt_commit = **committed;
    return {};
}

}  // namespace

Result<MigrationSummary> migrate(const git::Repository& repository, std::string_view annex_uuid,
                                 core::location::LocationDatabase& database,
                                 const MigrationOptions& options) {
    core::sql::Connection& connection = database.store->connection();
    MigrationSummary summary;
    auto branch = git::AnnexBranch::open(repository);
    if (!branch) return std::unexpected(branch.error());
    summary.branch = branch->local_commit();

    const std::string files_source = fmt::format("files:{}", options.files_ref);
    auto previous = read_previous_run(connection, annex_uuid, files_source);
    if (!previous) return std::unexpected(previous.error());
    summary.incremental = !previous->sources.empty();
    auto trees = file_trees(repository, options.files_ref, *previous, connection, annex_uuid);
    if (!trees) return std::unexpected(trees.error());

    // An index a failed run dropped for its bulk load is built again first.
    if (auto restored = core::location::restore_secondary_indexes(connection); !restored) {
        return std::unexpected(restored.error());
    }
    auto tables = make_tables();
    if (auto prepared =
            prepare_bulk_loads(connection, tables, !summary.incremental, trees->before.empty());
        !prepared) {
        return std::unexpected(prepared.error());
    }
    FilesApart files_apart;
    if (trees->before.empty() && !trees->now.empty()) {
        auto file_tables = make_tables();
        file_tables[files_table()].load_sql = tables[files_table()].load_sql;
        files_apart.start(repository, *trees->commit, annex_uuid, database, std::move(file_tables));
    }
    if (auto read = read_branch_and_files(repository, annex_uuid, connection, std::move(tables),
                                          options, *branch, *previous, *trees, summary);
        !read) {
        return std::unexpected(read.error());
    }
    if (auto walked = files_apart.finish(summary); !walked) return std::unexpected(walked.error());
    if (auto restored = core::location::restore_secondary_indexes(connection); !restored) {
        return std::unexpected(restored.error());
    }
    // The key migrations git-annex recorded in the branches' history since the last run.
    auto records = read_migration_records(repository, annex_uuid, connection);
    if (!records) return std::unexpected(records.error());
    summary.key_migrations = records->records;
    summary.key_migrations_refused = records->refused;
    for (std::string& problem : records->problems) summary.problems.push_back(std::move(problem));
    if (auto recorded =
            record_run(database, *branch, files_source, trees->now, annex_uuid, summary);
        !recorded) {
        return std::unexpected(recorded.error());
    }
    return summary;
}

}  // namespace gad::compat::migrate
