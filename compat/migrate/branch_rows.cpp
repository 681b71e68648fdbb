#include "compat/migrate/branch_rows.h"

#include <optional>

#include "compat/logs/annexed_file.h"
#include "compat/logs/chunk_log.h"
#include "compat/logs/map_log.h"
#include "compat/logs/metadata_log.h"
#include "compat/logs/presence_log.h"
#include "compat/logs/single_value_log.h"
#include "compat/logs/uuid_based_log.h"
#include "core/key.h"
#include "core/location/annexed_files.h"
#include "core/location/tables.h"

namespace gad::compat::migrate {

namespace {

using logs::FileKind;
namespace tables = core::location::tables;

// Longest values the schema holds (schema.cpp); longer ones are reported as corrupt.
constexpr std::size_t kMaxUuid = 36, kMaxUrl = 2048, kMaxField = 255, kMaxValue = 2048,
                      kMaxKey = 512, kMaxPath = 2048;

constexpr std::size_t kMaxProblems = 20;

}  // namespace

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

Result<void> BranchRows::setting(std::string_view name, std::string_view value,
                                 const core::Timestamp& ts) {
    ++summary_.settings;
    return writer_.add(kSetting, {name, value, ts.to_decimal()});
}

Result<void> BranchRows::branch_file(const git::BranchBlob& file) {
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

Result<void> BranchRows::per_key(std::string_view path, const logs::BranchFile& kind,
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

Result<void> BranchRows::uuid_based(std::string_view path, FileKind kind,
                                    std::string_view content) {
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
        return writer_.add(kFileDelete, {annex_uuid_, path});
    }
    ++summary_.files;
    progress();
    return writer_.add(kFile, {annex_uuid_, path, *key});
}

}  // namespace gad::compat::migrate
