// The rows of a migration: each file of the git-annex branch becomes rows of the location tables
// by its kind (compat/log_kinds.h), and each annexed file of a tree a row of the annexed files,
// added to a BulkWriter; corrupt lines and unknown files are counted and named, not fatal.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "compat/git/annex_branch.h"
#include "compat/git/repository.h"
#include "compat/log_kinds.h"
#include "compat/logs/branch_file.h"
#include "compat/logs/log_lines.h"
#include "compat/migrate/bulk_writer.h"
#include "compat/migrate/migration.h"

namespace gad::compat::migrate {

// The writer tables of a migration: one per table of log_tables() (compat/log_kinds.h), in its
// order, upserting by the newest-wins rule until a caller sets a table's load_sql for a bulk load;
// then the annexed files' upsert (files_table()) and delete (file_deletes_table()).
std::vector<BulkWriter::Table> make_tables();
// The index of kind's table in make_tables().
std::size_t writer_table(const LogKind& kind);
// The indexes of the annexed files' upsert and delete in make_tables().
std::size_t files_table();
std::size_t file_deletes_table();

// One run's rows: turns branch files and tree entries into rows of writer's tables (make_tables()),
// counting them, and the corrupt lines and unknown files, in summary.
class BranchRows final : public LogRows {
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

    // LogRows: what the kinds' parsers (compat/log_kinds.cpp) write through.
    void corrupt(std::string_view path, const std::vector<logs::LineError>& errors) override;
    bool fits(std::string_view path, std::string_view what, std::string_view value,
              std::size_t limit) override;
    Result<void> add(const LogKind& kind, std::initializer_list<std::string_view> cells) override;

  private:
    // Names a problem in the summary (the first few only).
    void problem(std::string text);

    const git::Repository& repository_;
    std::string annex_uuid_;
    BulkWriter& writer_;
    const MigrationOptions& options_;
    MigrationSummary& summary_;
    std::string blob_;
    std::chrono::steady_clock::time_point last_progress_{};
};

}  // namespace gad::compat::migrate
