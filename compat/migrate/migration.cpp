#include "compat/migrate/migration.h"

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <thread>

#include "compat/git/annex_branch.h"
#include "compat/logs/annexed_file.h"
#include "compat/logs/branch_file.h"
#include "compat/logs/chunk_log.h"
#include "compat/logs/map_log.h"
#include "compat/logs/metadata_log.h"
#include "compat/logs/presence_log.h"
#include "compat/logs/single_value_log.h"
#include "compat/logs/uuid_based_log.h"
#include "compat/migrate/bulk_writer.h"
#include "compat/migrate/migration_records.h"
#include "core/key.h"
#include "core/location/annexed_files.h"
#include "core/location/bulk_load.h"
#include "core/location/migration_record.h"
#include "core/location/schema.h"
#include "core/location/tables.h"

namespace gad::compat::migrate {

namespace {

using core::fail;
using logs::FileKind;
namespace tables = core::location::tables;
using core::location::column_list;
using core::location::load_sql;
using core::location::local_loading_allowed;
using core::location::table_empty;

// The kinds of rows a migration writes, in the order of make_tables().
enum Table : std::size_t {
    kLocation,
    kUrl,
    kMetadata,
    kChunk,
    kRemoteState,
    kSetting,
    kDescription,
    kTrust,
    kGroups,
    kRemoteConfig,
    kPreferred,
    kRequired,
    kFile,
    kFileDelete,
};

constexpr std::size_t kMaxProblems = 20;
// Longest values the schema holds (schema.cpp); longer ones are reported as corrupt.
constexpr std::size_t kMaxUuid = 36, kMaxUrl = 2048, kMaxField = 255, kMaxValue = 2048,
                      kMaxKey = 512, kMaxPath = 2048;

std::vector<BulkWriter::Table> make_tables() {
    auto lww = [](const core::location::LwwTable& table, std::size_t rows_per_statement) {
        return BulkWriter::Table{table.column_count(),
                                 [table](std::size_t rows) { return lww_upsert_sql(table, rows); },
                                 rows_per_statement,
                                 {},
                                 20000};
    };
    std::vector<BulkWriter::Table> made;
    made.push_back(lww(tables::kLocations, 1000));
    made.push_back(lww(tables::kUrls, 500));
    made.push_back(lww(tables::kMetadata, 500));
    made.push_back(lww(tables::kChunks, 500));
    made.push_back(lww(tables::kRemoteState, 200));
    made.push_back(lww(tables::kAnnexSettings, 100));
    for (const auto* table : {&tables::kRepositoryDescription, &tables::kRepositoryTrust,
                              &tables::kRepositoryGroups, &tables::kRepositoryRemoteConfig,
                              &tables::kRepositoryPreferred, &tables::kRepositoryRequired}) {
        made.push_back(lww(*table, 100));
    }
    made.push_back(BulkWriter::Table{
        3,
        [](std::size_t rows) { return core::location::annexed_files_upsert_sql(rows); },
        1000,
        {},
        20000});
    made.push_back(BulkWriter::Table{
        2, [](std::size_t) { return core::location::annexed_file_delete_sql(); }, 1, {}, 1});
    return made;
}

// One run: turns branch files and tree entries into rows.
class Migration {
  public:
    Migration(const git::Repository& repository, std::string_view annex_uuid, BulkWriter& writer,
              const MigrationOptions& options, MigrationSummary& summary)
        : repository_(repository),
          annex_uuid_(annex_uuid),
          writer_(writer),
          options_(options),
          summary_(summary) {}

    Result<void> branch_file(const git::BranchBlob& file);
    // Records the key the file at path names; when it names none (or is gone: mode 0), deletes
    // a row recorded for path before, if replacing is set.
    Result<void> annexed_file(std::string_view path, const git::Oid& blob, std::uint32_t mode,
                              bool replacing);
    void progress() {
        if (!options_.progress) return;
        const auto now = std::chrono::steady_clock::now();
        if (now - last_progress_ < std::chrono::milliseconds(200)) return;
        last_progress_ = now;
        options_.progress(summary_);
    }

  private:
    void problem(std::string text) {
        if (summary_.problems.size() < kMaxProblems) summary_.problems.push_back(std::move(text));
    }
    void corrupt(std::string_view path, const std::vector<logs::LineError>& errors) {
        for (const logs::LineError& error : errors) {
            ++summary_.corrupt_lines;
            problem(fmt::format("{}:{}: {}", path, error.line, error.message));
        }
    }
    // False (and reported as one corrupt line) when value is longer than limit.
    bool fits(std::string_view path, std::string_view what, std::string_view value,
              std::size_t limit) {
        if (!value.empty() && value.size() <= limit) return true;
        ++summary_.corrupt_lines;
        problem(fmt::format("{}: {} of {} bytes (1 to {} accepted): {:.80}", path, what,
                            value.size(), limit, value));
        return false;
    }
    Result<void> per_key(std::string_view path, const logs::BranchFile& kind,
                         std::string_view content);
    Result<void> uuid_based(std::string_view path, FileKind kind, std::string_view content);
    Result<void> setting(std::string_view name, std::string_view value, const core::Timestamp& ts) {
        ++summary_.settings;
        return writer_.add(kSetting, {name, value, ts.to_decimal()});
    }

    const git::Repository& repository_;
    std::string annex_uuid_;
    BulkWriter& writer_;
    const MigrationOptions& options_;
    MigrationSummary& summary_;
    std::string blob_;
    std::chrono::steady_clock::time_point last_progress_{};
};

Result<void> Migration::branch_file(const git::BranchBlob& file) {
    ++summary_.logs_read;
    progress();
    const logs::BranchFile kind = logs::classify_branch_path(file.path);
    switch (kind.kind) {
        case FileKind::location:
        case FileKind::web:
        case FileKind::metadata:
        case FileKind::chunk:
        case FileKind::remote_state:
            return per_key(file.path, kind, file.content);
        case FileKind::uuid:
        case FileKind::trust:
        case FileKind::group:
        case FileKind::remote:
        case FileKind::preferred_content:
        case FileKind::required_content:
            return uuid_based(file.path, kind.kind, file.content);
        case FileKind::group_preferred_content:
        case FileKind::config: {
            auto parsed = logs::parse_map_log(file.content);
            corrupt(file.path, parsed.errors);
            const std::string_view prefix =
                kind.kind == FileKind::config ? "config." : "groupwanted.";
            for (const auto& entry : logs::compact_map_log(std::move(parsed.entries))) {
                const std::string name = fmt::format("{}{}", prefix, entry.field);
                if (!fits(file.path, "setting name", name, 512)) continue;
                if (auto added = setting(name, entry.value, entry.ts); !added) return added;
            }
            return {};
        }
        case FileKind::numcopies:
        case FileKind::mincopies: {
            auto parsed = logs::parse_single_value_log(file.content);
            corrupt(file.path, parsed.errors);
            auto newest =
                logs::newest_per(std::move(parsed.entries), [](const auto&) { return 0; });
            if (newest.empty()) return {};
            return setting(kind.kind == FileKind::numcopies ? "numcopies" : "mincopies",
                           newest.front().value, newest.front().ts);
        }
        case FileKind::other_known:
            return {};
        case FileKind::unknown:
            ++summary_.unknown_files;
            problem(fmt::format("{}: not a git-annex log this version knows; left out", file.path));
            return {};
    }
    return {};
}

Result<void> Migration::per_key(std::string_view path, const logs::BranchFile& kind,
                                std::string_view content) {
    const std::string& key = kind.key;
    if (auto valid = core::Key::check_syntax(key); !valid) {
        ++summary_.corrupt_lines;
        problem(fmt::format("{}: {}", path, valid.error().message));
        return {};
    }
    if (!fits(path, "key", key, kMaxKey)) return {};
    switch (kind.kind) {
        case FileKind::location:
        case FileKind::web: {
            auto parsed = logs::parse_presence_log(content);
            corrupt(path, parsed.errors);
            const bool web = kind.kind == FileKind::web;
            for (const auto& entry : logs::compact_presence(std::move(parsed.entries))) {
                const char status[1] = {entry.status};
                if (web) {
                    if (!fits(path, "URL", entry.info, kMaxUrl)) continue;
                    ++summary_.urls;
                } else {
                    if (!fits(path, "repository UUID", entry.info, kMaxUuid)) continue;
                    ++summary_.locations;
                }
                auto added = writer_.add(
                    web ? kUrl : kLocation,
                    {key, entry.info, std::string_view(status, 1), entry.ts.to_decimal()});
                if (!added) return added;
            }
            return {};
        }
        case FileKind::metadata: {
            auto parsed = logs::parse_metadata_log(content);
            corrupt(path, parsed.errors);
            auto newest = logs::newest_per(
                std::move(parsed.entries),
                [](const logs::MetadataEntry& entry) { return entry.field + '\0' + entry.value; },
                logs::TieBreak::last_wins);
            for (const auto& entry : newest) {
                if (!fits(path, "metadata field", entry.field, kMaxField)) continue;
                if (entry.value.size() > kMaxValue) {
                    (void)fits(path, "metadata value", entry.value, kMaxValue);
                    continue;
                }
                ++summary_.metadata;
                auto added = writer_.add(kMetadata, {key, entry.field, entry.value,
                                                     entry.set ? "1" : "0", entry.ts.to_decimal()});
                if (!added) return added;
            }
            return {};
        }
        case FileKind::chunk: {
            auto parsed = logs::parse_chunk_log(content);
            corrupt(path, parsed.errors);
            for (const auto& entry : logs::compact_chunk_log(std::move(parsed.entries))) {
                if (!fits(path, "repository UUID", entry.uuid, kMaxUuid)) continue;
                ++summary_.chunks;
                auto added =
                    writer_.add(kChunk, {key, entry.uuid, std::to_string(entry.chunk_size),
                                         std::to_string(entry.chunk_count), entry.ts.to_decimal()});
                if (!added) return added;
            }
            return {};
        }
        case FileKind::remote_state: {
            auto parsed = logs::parse_map_log(content);
            corrupt(path, parsed.errors);
            for (const auto& entry : logs::compact_map_log(std::move(parsed.entries))) {
                if (!fits(path, "repository UUID", entry.field, kMaxUuid)) continue;
                ++summary_.remote_states;
                auto added = writer_.add(kRemoteState,
                                         {key, entry.field, entry.value, entry.ts.to_decimal()});
                if (!added) return added;
            }
            return {};
        }
        default:
            return {};
    }
}

Result<void> Migration::uuid_based(std::string_view path, FileKind kind, std::string_view content) {
    auto parsed = logs::parse_uuid_based_log(content);
    corrupt(path, parsed.errors);
    for (const auto& entry : logs::compact_uuid_based(std::move(parsed.entries))) {
        if (!fits(path, "repository UUID", entry.id, kMaxUuid)) continue;
        std::string value;
        Table table = kDescription;
        switch (kind) {
            case FileKind::uuid:
                value = entry.value;
                break;
            case FileKind::trust:
                table = kTrust;
                value = logs::format_trust_level(logs::parse_trust_level(entry.value));
                break;
            case FileKind::group:
                table = kGroups;
                value = logs::format_group_names(logs::parse_group_names(entry.value));
                break;
            case FileKind::remote:
                table = kRemoteConfig;
                value = entry.value;
                break;
            case FileKind::preferred_content:
                table = kPreferred;
                value = entry.value;
                break;
            default:
                table = kRequired;
                value = entry.value;
                break;
        }
        ++summary_.repositories;
        if (auto added = writer_.add(table, {entry.id, value, entry.ts.to_decimal()}); !added) {
            return added;
        }
    }
    return {};
}

Result<void> Migration::annexed_file(std::string_view path, const git::Oid& blob,
                                     std::uint32_t mode, bool replacing) {
    const bool symlink = mode == 0120000;
    std::optional<std::string> key;
    if (symlink || mode == 0100644 || mode == 0100755) {
        bool small = symlink;
        if (!symlink) {
            auto size = repository_.blob_size(blob);
            if (!size) return std::unexpected(size.error());
            small = *size <= logs::max_pointer_size;
        }
        if (small) {
            blob_.clear();
            if (auto read = repository_.read_blob(blob, blob_); !read) return read;
            key = logs::annexed_file_key(blob_, symlink);
        }
    }
    if (!key || path.size() > kMaxPath || key->size() > kMaxKey) {
        if (!replacing) return {};
        ++summary_.files_removed;
        return writer_.add(kFileDelete, {annex_uuid_, path});
    }
    ++summary_.files;
    progress();
    return writer_.add(kFile, {annex_uuid_, path, *key});
}

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
        Migration migration(*repository, annex_uuid, writer, quiet, summary);
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

}  // namespace

Result<MigrationSummary> migrate(const git::Repository& repository, std::string_view annex_uuid,
                                 core::location::LocationDatabase& database,
                                 const MigrationOptions& options) {
    core::sql::Connection& connection = database.store->connection();
    MigrationSummary summary;

    auto branch = git::AnnexBranch::open(repository);
    if (!branch) return std::unexpected(branch.error());
    summary.branch = branch->local_commit();

    // What the last complete run read.
    auto read_sources = core::location::read_migration_sources(connection, annex_uuid);
    if (!read_sources) return std::unexpected(read_sources.error());
    std::map<std::string, std::string> previous = std::move(*read_sources);
    const std::string files_source = fmt::format("files:{}", options.files_ref);
    std::optional<git::Oid> previous_files;
    bool other_files_recorded = false;
    for (auto it = previous.begin(); it != previous.end();) {
        if (!it->first.starts_with("files:")) {
            ++it;
            continue;
        }
        if (it->first == files_source) {
            if (auto oid = git::Oid::parse(it->second)) previous_files = *oid;
        } else {
            other_files_recorded = true;
        }
        it = previous.erase(it);
    }
    summary.incremental = !previous.empty();

    // The annexed files: of another branch than last time, they are read again from scratch.
    git::Tree files_tree;
    auto files_commit = repository.resolve_commit(options.files_ref);
    if (!files_commit) return std::unexpected(files_commit.error());
    if (*files_commit) {
        auto tree = repository.tree_of(**files_commit);
        if (!tree) return std::unexpected(tree.error());
        files_tree = std::move(*tree);
    }
    git::Tree old_files_tree;
    if (previous_files) {
        if (auto tree = repository.tree_of(*previous_files)) old_files_tree = std::move(*tree);
    }
    if (old_files_tree.empty() && (other_files_recorded || previous_files)) {
        auto cleared = core::location::clear_annexed_files(connection, annex_uuid);
        if (!cleared) return std::unexpected(cleared.error());
    }

    // An index a failed run dropped for its bulk load is built again first.
    if (auto restored = core::location::restore_secondary_indexes(connection); !restored) {
        return std::unexpected(restored.error());
    }
    // Tables with no rows yet are bulk-loaded.
    auto tables = make_tables();
    if (local_loading_allowed(connection)) {
        const std::pair<Table, const core::location::LwwTable*> loadable[] = {
            {kLocation, &tables::kLocations},
            {kUrl, &tables::kUrls},
            {kMetadata, &tables::kMetadata},
            {kChunk, &tables::kChunks},
            {kRemoteState, &tables::kRemoteState}};
        for (const auto& [index, table] : loadable) {
            auto empty = table_empty(connection, table->name);
            if (!empty) return std::unexpected(empty.error());
            if (!*empty) continue;
            tables[index].load_sql = load_sql(table->name, column_list(*table));
            // In primary-key order: a load in the order of the git-annex branch's hash
            // directories costs Dolt 2x and MariaDB 3.5x the time (RowSorter).
            tables[index].sort_cells = table->identity.size();
            // Indexes are built after the load (restore_secondary_indexes below), faster, but for
            // those kept up to date as cheaply.
            if (auto dropped = core::location::drop_secondary_indexes(connection, table->name);
                !dropped) {
                return std::unexpected(dropped.error());
            }
        }
        // A fresh walk writes only paths of this repository, whose old rows are gone.
        if (old_files_tree.empty()) {
            tables[kFile].load_sql =
                load_sql(core::location::kAnnexedFilesTable, core::location::kAnnexedFileColumns);
            auto empty = table_empty(connection, core::location::kAnnexedFilesTable);
            if (!empty) return std::unexpected(empty.error());
            if (*empty) {
                if (auto dropped = core::location::drop_secondary_indexes(
                        connection, core::location::kAnnexedFilesTable);
                    !dropped) {
                    return std::unexpected(dropped.error());
                }
            }
        }
    }

    // A fresh walk of the annexed files runs on a thread of its own, so that the server loads
    // them while the branch is read here (1,000,000 files: 16 s of a migration into Dolt).
    const bool files_apart = old_files_tree.empty() && !files_tree.empty();
    MigrationSummary files_summary;
    Result<void> files_apart_result;
    std::atomic<bool> stop_files{false};
    std::thread files_thread;
    struct Joiner {
        std::atomic<bool>& stop;
        std::thread& thread;
        ~Joiner() {
            stop = true;
            if (thread.joinable()) thread.join();
        }
    } joiner{stop_files, files_thread};
    if (files_apart) {
        auto file_tables = make_tables();
        file_tables[kFile].load_sql = tables[kFile].load_sql;
        files_thread = std::thread([&, file_tables = std::move(file_tables)]() mutable {
            files_apart_result =
                walk_files_apart(repository, **files_commit, annex_uuid, database,
                                 std::move(file_tables), files_summary, stop_files);
        });
    }

    {
        BulkWriter writer(connection, std::move(tables));
        Migration migration(repository, annex_uuid, writer, options, summary);
        auto visit = [&](const git::BranchBlob& file) { return migration.branch_file(file); };
        auto read =
            summary.incremental ? branch->read_changed(previous, visit) : branch->read_all(visit);
        if (!read) return std::unexpected(read.error());

        // A fresh walk is files_thread's (or there is no tree to walk); a later run's changes
        // are read here.
        Result<void> files;
        if (!old_files_tree.empty()) {
            files = repository.diff(
                old_files_tree, files_tree, [&](const git::ChangedFile& change) -> Result<void> {
                    if (!change.blob) {
                        return migration.annexed_file(change.path, {}, 0, true);
                    }
                    return migration.annexed_file(change.path, *change.blob, change.mode, true);
                });
        }
        if (!files) return std::unexpected(files.error());
        auto loaded = [&](std::size_t rows) {
            summary.rows_sorted = rows;
            migration.progress();
        };
        if (auto written = writer.finish(loaded); !written) return std::unexpected(written.error());
    }
    if (files_thread.joinable()) files_thread.join();
    if (!files_apart_result) return std::unexpected(files_apart_result.error());
    summary.files += files_summary.files;
    summary.files_removed += files_summary.files_removed;
    if (auto restored = core::location::restore_secondary_indexes(connection); !restored) {
        return std::unexpected(restored.error());
    }

    // The key migrations git-annex recorded in the branches' history since the last run.
    auto records = read_migration_records(repository, annex_uuid, connection);
    if (!records) return std::unexpected(records.error());
    summary.key_migrations = records->records;
    summary.key_migrations_refused = records->refused;
    for (std::string& problem : records->problems) summary.problems.push_back(std::move(problem));

    // Record the run as complete, last.
    std::vector<std::pair<std::string, std::string>> sources(branch->sources().begin(),
                                                             branch->sources().end());
    if (!files_tree.empty()) sources.emplace_back(files_source, files_tree.id().hex());
    if (auto recorded = core::location::record_migration(
            connection, annex_uuid, sources, summary.branch, core::Timestamp::now().to_decimal(),
            static_cast<std::int64_t>(summary.logs_read));
        !recorded) {
        return std::unexpected(recorded.error());
    }

    auto committed = database.store->dolt_commit(fmt::format(
        "git-annex-dolt migrate: git-annex branch {} of repository {}: {} logs read, {} "
        "locations, {} URLs, {} metadata values, {} annexed files",
        summary.branch.empty() ? "(none)" : summary.branch, annex_uuid, summary.logs_read,
        summary.locations, summary.urls, summary.metadata, summary.files));
    if (!committed) return std::unexpected(committed.error());
    if (*committed) summary.dolt_commit = **committed;
    return summary;
}

}  // namespace gad::compat::migrate
