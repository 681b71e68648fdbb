// The rows of a migration: each file of the git-annex branch (presence, metadata, chunk, remote
// state, UUID-based and setting logs) and each annexed file of a tree becomes rows of the location
// tables, added to a BulkWriter; corrupt lines and unknown files are counted and named, not fatal.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "compat/git/annex_branch.h"
#include "compat/git/repository.h"
#include "compat/logs/branch_file.h"
#include "compat/logs/log_lines.h"
#include "compat/migrate/bulk_writer.h"
#include "compat/migrate/migration.h"
#include "core/timestamp.h"

namespace gad::compat::migrate {

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

// The writer tables of a migration, indexed by Table: upserts by the newest-wins rule, until a
// caller sets a table's load_sql for a bulk load.
std::vector<BulkWriter::Table> make_tables();

// One run's rows: turns branch files and tree entries into rows of writer's tables (make_tables()),
// counting them, and the corrupt lines and unknown files, in summary.
class BranchRows {
  public:
    BranchRows(const git::Repository& repository, std::string_view annex_uuid, BulkWriter& writer,
               const MigrationOptions& options, MigrationSummary& summary)
        : repository_(repository),
          annex_uuid_(annex_uuid),
          writer_(writer),
          options_(options),
          summary_(summary) {}

    // Adds the rows of one file of the git-annex branch, by its kind.
    Result<void> branch_file(const git::BranchBlob& file);
    // Records the key the file at path names; when it names none (or is gone: mode 0), deletes
    // a row recorded for path before, if replacing is set.
    Result<void> annexed_file(std::string_view path, const git::Oid& blob, std::uint32_t mode,
                              bool replacing);
    // Calls options.progress with the summary so far, at most every 200 ms.
    void progress() {
        if (!options_.progress) return;
        const auto now = std::chrono::steady_clock::now();
        if (now - last_progress_ < std::chrono::milliseconds(200)) return;
        last_progress_ = now;
        options_.progress(summary_);
    }

  private:
    // Names a problem in the summary (the first few only).
    void problem(std::string text);
    // Counts and names each corrupt line of the file at path.
    void corrupt(std::string_view path, const std::vector<logs::LineError>& errors);
    // False (and reported as one corrupt line) when value is empty or longer than limit.
    bool fits(std::string_view path, std::string_view what, std::string_view value,
              std::size_t limit);
    // The rows of a log of one key (location, web, metadata, chunk, remote state).
    Result<void> per_key(std::string_view path, const logs::BranchFile& kind,
                         std::string_view content);
    // The rows of a log of repository settings (uuid, trust, group, remote, preferred, required).
    Result<void> uuid_based(std::string_view path, logs::FileKind kind, std::string_view content);
    // A global setting (numcopies, config...).
    Result<void> setting(std::string_view name, std::string_view value, const core::Timestamp& ts);

    const git::Repository& repository_;
    std::string annex_uuid_;
    BulkWriter& writer_;
    const MigrationOptions& options_;
    MigrationSummary& summary_;
    std::string blob_;
    std::chrono::steady_clock::time_point last_progress_{};
};

}  // namespace gad::compat::migrate
