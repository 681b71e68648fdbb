#include "compat/migrate/branch_rows.h"

#include <algorithm>
#include <optional>

#include "compat/logs/annexed_file.h"
#include "core/key.h"
#include "core/location/annexed_files.h"

namespace gad::compat::migrate {

namespace {

using logs::FileKind;

// Longest values the schema holds (schema.cpp); longer ones are reported as corrupt.
constexpr std::size_t kMaxKey = 512, kMaxPath = 2048;

constexpr std::size_t kMaxProblems = 20;

// writer_table's answers, by position in log_kinds().
const std::vector<std::size_t>& writer_tables() {
    static const std::vector<std::size_t> indexes = [] {
        const auto tables = log_tables();
        std::vector<std::size_t> made;
        for (const LogKind& kind : log_kinds()) {
            made.push_back(static_cast<std::size_t>(
                std::find(tables.begin(), tables.end(), kind.table) - tables.begin()));
        }
        return made;
    }();
    return indexes;
}

}  // namespace

std::size_t writer_table(const LogKind& kind) {
    return writer_tables()[static_cast<std::size_t>(&kind - log_kinds().data())];
}

std::size_t files_table() {
    static const std::size_t index = log_tables().size();
    return index;
}

std::size_t file_deletes_table() { return files_table() + 1; }

std::vector<BulkWriter::Table> make_tables() {
    std::vector<BulkWriter::Table> made;
    for (const core::location::LwwTable* table : log_tables()) {
        // The first kind writing a table says how many rows a statement takes.
        const LogKind& kind = *std::find_if(log_kinds().begin(), log_kinds().end(),
                                            [&](const LogKind& k) { return k.table == table; });
        made.push_back(BulkWriter::Table{
            .columns = table->column_count(),
            .sql = [table = *table](std::size_t rows) { return lww_upsert_sql(table, rows); },
            .rows_per_statement = kind.rows_per_statement,
            .rows_per_load = 20000});
    }
    made.push_back(BulkWriter::Table{
        .columns = 3,
        .sql = [](std::size_t rows) { return core::location::annexed_files_upsert_sql(rows); },
        .rows_per_statement = 1000,
        .rows_per_load = 20000});
    made.push_back(BulkWriter::Table{
        .columns = 2,
        .sql = [](std::size_t) { return core::location::annexed_file_delete_sql(); },
        .rows_per_statement = 1,
        .rows_per_load = 1});
    return made;
}

void BranchRows::problem(std::string text) {
    if (summary_.problems.size() < kMaxProblems) summary_.problems.push_back(std::move(text));
}

void BranchRows::corrupt(std::string_view path, const std::vector<logs::LineError>& errors) {
    for (const logs::LineError& error : errors) {
        ++summary_.corrupt_lines;
        problem(fmt::format("{}:{}: {}", path, error.line, error.message));
    }
}

bool BranchRows::fits(std::string_view path, std::string_view what, std::string_view value,
                      std::size_t limit) {
    if (!value.empty() && value.size() <= limit) return true;
    ++summary_.corrupt_lines;
    problem(fmt::format("{}: {} of {} bytes (1 to {} accepted): {:.80}", path, what, value.size(),
                        limit, value));
    return false;
}

Result<void> BranchRows::add(const LogKind& kind, std::initializer_list<std::string_view> cells) {
    ++(summary_.*kind.counted);
    return writer_.add(writer_table(kind), cells);
}

Result<void> BranchRows::branch_file(const git::BranchBlob& file) {
    ++summary_.logs_read;
    progress();
    const logs::BranchFile classified = logs::classify_branch_path(file.path);
    if (classified.kind == FileKind::unknown) {
        ++summary_.unknown_files;
        problem(fmt::format("{}: not a git-annex log this version knows; left out", file.path));
        return {};
    }
    const LogKind* kind = find_log_kind(classified.kind);
    if (!kind) {  // known to git-annex, not migrated
        const std::string_view as = classified.known_as;
        ++summary_.not_migrated[fmt::format("{}{}{}", as.starts_with('.') ? "*" : "", as,
                                            as.ends_with('/') ? "*" : "")];
        return {};
    }
    ++summary_.read_by_kind[std::string(kind->name)];
    if (kind->per_key()) {
        const std::string& key = classified.key;
        if (auto valid = core::Key::check_syntax(key); !valid) {
            ++summary_.corrupt_lines;
            problem(fmt::format("{}: {}", file.path, valid.error().message));
            return {};
        }
        if (!fits(file.path, "key", key, kMaxKey)) return {};
    }
    return kind->to_rows(*kind, file.path, classified.key, file.content, *this);
}

Result<void> BranchRows::annexed_file(std::string_view path, const git::Oid& blob,
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
        return writer_.add(file_deletes_table(), {annex_uuid_, path});
    }
    ++summary_.files;
    progress();
    return writer_.add(files_table(), {annex_uuid_, path, *key});
}

}  // namespace gad::compat::migrate
