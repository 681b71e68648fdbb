// The git-annex log kinds this program migrates, in one table (log_kinds()): for each, its file on
// the git-annex branch (the FileKind compat/logs/branch_file classifies it as), the function that
// parses a file of it (with compat/logs/'s parsers) into rows of its location table, the
// migration summary's counter, and how its rows go back to the git-annex branch, if they do.
// Migration (compat/migrate/branch_rows, its bulk loads in migration.cpp) and the export
// (compat/sync/branch_export) iterate over it; peer merge (core/location/peer_merge, which cannot
// see compat/) merges core/location/tables.h's kLwwTables, which a unit test holds equal to the
// tables named here.
//
// To add a log kind:
//  1. compat/logs/branch_file.{h,cpp}: a FileKind value, and its file name (top_level) or the
//     suffix of a per-key log (per_key); if it was listed there as other_known, take it out.
//  2. compat/logs/: a parser for its lines (X_log.{h,cpp}, with a fuzz target in tests/fuzz/),
//     unless one there reads its format (presence, map, UUID-based, single-value, metadata,
//     chunk).
//  3. core/location/tables.h: its LwwTable, added to kLwwTables (and to kAllTables when the
//     table is new); core/location/schema.cpp: the CREATE TABLE, and an upgrade step under the
//     next version number in schema.h.
//  4. Here (log_kinds.cpp): a row of kKinds: the FileKind, the table, rows per statement, a
//     to_rows function (one of those there, or a new one beside them), the summary counter, and
//     the export (Export::none, or the ExportSummary counter and, for a new way of exporting, a
//     BranchExport method in compat/sync/branch_export.cpp).
//  5. A new counter: in MigrationSummary (compat/migrate/migration.h) and its printing
//     (compat/cli/summaries.cpp); an exported one in ExportSummary (compat/sync/branch_export.h).
//  6. Tests: its path in tests/unit/compat/test_branch_file.cpp; test_log_kinds.cpp checks the
//     table's consistency; a migration of it in tests/integration/ (migrate_*.sh).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

#include "compat/logs/branch_file.h"
#include "compat/logs/log_lines.h"
#include "compat/migrate/migration.h"
#include "compat/sync/branch_export.h"
#include "core/annex_values.h"
#include "core/failure.h"
#include "core/location/changed_rows.h"
#include "core/location/lww_table.h"

namespace gad::compat {

using core::Result;

struct LogKind;

// What a kind's migrate function writes through (compat/migrate/branch_rows implements it).
class LogRows {
  public:
    virtual ~LogRows() = default;
    // Counts and names each corrupt line of the file at path.
    virtual void corrupt(std::string_view path, const std::vector<logs::LineError>& errors) = 0;
    // False (and reported as one corrupt line) when value is empty or longer than limit.
    virtual bool fits(std::string_view path, std::string_view what, std::string_view value,
                      std::size_t limit) = 0;
    // Adds one row of kind's table (cells in the LwwTable's order), counted in kind's counter.
    virtual Result<void> add(const LogKind& kind,
                             std::initializer_list<std::string_view> cells) = 0;
};

// How a kind's rows go back to the git-annex branch (compat/sync/branch_export).
enum class Export {
    none,
    presence,          // a presence log per key, from a ChangedTable's rows
    metadata,          // a metadata log per key
    new_repositories,  // uuid.log lines for repositories the branch has never heard of
};

struct LogKind {
    logs::FileKind kind;
    std::string_view name;                  // for messages: "location log", "trust.log"
    const core::location::LwwTable* table;  // where its rows go
    std::size_t rows_per_statement;         // of a migration's upserts into table
    // Parses content, the file at path (of key, for per-key kinds, already checked), into rows.
    Result<void> (*to_rows)(const LogKind& kind, std::string_view path, std::string_view key,
                            std::string_view content, LogRows& rows);
    std::size_t migrate::MigrationSummary::*counted;  // the rows written, in the summary
    // Settings only: the setting's name (single-value logs) or its prefix (map logs).
    std::string_view setting = {};
    Export export_as = Export::none;
    std::size_t sync::ExportSummary::*exported = nullptr;  // the lines written back
    core::location::ChangedTable changed = {};             // exported: the rows read
    core::annex_values::Kind info = {};                    // Export::presence: what info is

    bool per_key() const { return logs::is_per_key(kind); }
};

// Every kind this program migrates, in the order migration's writer tables and the export go.
std::span<const LogKind> log_kinds();

// The kind a FileKind is, or nullptr for one not migrated (other_known, unknown).
const LogKind* find_log_kind(logs::FileKind kind);

// The distinct tables of log_kinds(), in order of first appearance.
std::vector<const core::location::LwwTable*> log_tables();

}  // namespace gad::compat
