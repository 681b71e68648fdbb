#include "compat/log_kinds.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "compat/logs/chunk_log.h"
#include "compat/logs/map_log.h"
#include "compat/logs/metadata_log.h"
#include "compat/logs/presence_log.h"
#include "compat/logs/single_value_log.h"
#include "compat/logs/uuid_based_log.h"
#include "core/location/tables.h"

namespace gad::compat {

namespace {

using logs::FileKind;
using migrate::MigrationSummary;
using sync::ExportSummary;
namespace tables = core::location::tables;

// Longest values the schema holds (schema.cpp); longer ones are reported as corrupt.
constexpr std::size_t kMaxUuid = 36, kMaxUrl = 2048, kMaxField = 255, kMaxValue = 2048,
                      kMaxSettingName = 512;

// A presence log (location or URL): the newest line per info, info no longer than limit.
Result<void> presence_rows(const LogKind& kind, std::string_view path, std::string_view key,
                           std::string_view content, LogRows& rows, std::string_view what,
                           std::size_t limit) {
    auto parsed = logs::parse_presence_log(content);
    rows.corrupt(path, parsed.errors);
    for (const auto& entry : logs::compact_presence(std::move(parsed.entries))) {
        if (!rows.fits(path, what, entry.info, limit)) continue;
        const char status[1] = {entry.status};
        auto added =
            rows.add(kind, {key, entry.info, std::string_view(status, 1), entry.ts.to_decimal()});
        if (!added) return added;
    }
    return {};
}

Result<void> location_rows(const LogKind& kind, std::string_view path, std::string_view key,
                           std::string_view content, LogRows& rows) {
    return presence_rows(kind, path, key, content, rows, "repository UUID", kMaxUuid);
}

Result<void> url_rows(const LogKind& kind, std::string_view path, std::string_view key,
                      std::string_view content, LogRows& rows) {
    return presence_rows(kind, path, key, content, rows, "URL", kMaxUrl);
}

// The newest change per (field, value); the last of equal timestamps wins, as in git-annex.
Result<void> metadata_rows(const LogKind& kind, std::string_view path, std::string_view key,
                           std::string_view content, LogRows& rows) {
    auto parsed = logs::parse_metadata_log(content);
    rows.corrupt(path, parsed.errors);
    auto newest = logs::newest_per(
        std::move(parsed.entries),
        [](const logs::MetadataEntry& entry) { return entry.field + '\0' + entry.value; },
        logs::TieBreak::last_wins);
    for (const auto& entry : newest) {
        if (!rows.fits(path, "metadata field", entry.field, kMaxField)) continue;
        if (entry.value.size() > kMaxValue) {
            (void)rows.fits(path, "metadata value", entry.value, kMaxValue);
            continue;
        }
        auto added = rows.add(
            kind, {key, entry.field, entry.value, entry.set ? "1" : "0", entry.ts.to_decimal()});
        if (!added) return added;
    }
    return {};
}

Result<void> chunk_rows(const LogKind& kind, std::string_view path, std::string_view key,
                        std::string_view content, LogRows& rows) {
    auto parsed = logs::parse_chunk_log(content);
    rows.corrupt(path, parsed.errors);
    for (const auto& entry : logs::compact_chunk_log(std::move(parsed.entries))) {
        if (!rows.fits(path, "repository UUID", entry.uuid, kMaxUuid)) continue;
        auto added = rows.add(kind, {key, entry.uuid, std::to_string(entry.chunk_size),
                                     std::to_string(entry.chunk_count), entry.ts.to_decimal()});
        if (!added) return added;
    }
    return {};
}

// A per-key map log whose fields are repository UUIDs (KEY.log.rmt, KEY.log.cid): each one's
// newest value, as written.
Result<void> key_uuid_rows(const LogKind& kind, std::string_view path, std::string_view key,
                           std::string_view content, LogRows& rows) {
    auto parsed = logs::parse_map_log(content);
    rows.corrupt(path, parsed.errors);
    for (const auto& entry : logs::compact_map_log(std::move(parsed.entries))) {
        if (!rows.fits(path, "repository UUID", entry.field, kMaxUuid)) continue;
        auto added = rows.add(kind, {key, entry.field, entry.value, entry.ts.to_decimal()});
        if (!added) return added;
    }
    return {};
}

// A UUID-based log: the newest value per repository, normalized by value (as the table holds it).
template <std::string (*value)(const std::string&)>
Result<void> uuid_based_rows(const LogKind& kind, std::string_view path, std::string_view,
                             std::string_view content, LogRows& rows) {
    auto parsed = logs::parse_uuid_based_log(content);
    rows.corrupt(path, parsed.errors);
    for (const auto& entry : logs::compact_uuid_based(std::move(parsed.entries))) {
        if (!rows.fits(path, "repository UUID", entry.id, kMaxUuid)) continue;
        if (auto added = rows.add(kind, {entry.id, value(entry.value), entry.ts.to_decimal()});
            !added) {
            return added;
        }
    }
    return {};
}

std::string as_is(const std::string& value) { return value; }
std::string trust_level(const std::string& value) {
    return std::string(logs::format_trust_level(logs::parse_trust_level(value)));
}
std::string group_names(const std::string& value) {
    return logs::format_group_names(logs::parse_group_names(value));
}

// A map log of settings: each field's newest value, named kind.setting + field.
Result<void> map_setting_rows(const LogKind& kind, std::string_view path, std::string_view,
                              std::string_view content, LogRows& rows) {
    auto parsed = logs::parse_map_log(content);
    rows.corrupt(path, parsed.errors);
    for (const auto& entry : logs::compact_map_log(std::move(parsed.entries))) {
        const std::string name = fmt::format("{}{}", kind.setting, entry.field);
        if (!rows.fits(path, "setting name", name, kMaxSettingName)) continue;
        if (auto added = rows.add(kind, {name, entry.value, entry.ts.to_decimal()}); !added) {
            return added;
        }
    }
    return {};
}

// A map log whose fields are repository UUIDs (cluster.log, proxy.log, maxsize.log): each one's
// newest value.
Result<void> map_uuid_rows(const LogKind& kind, std::string_view path, std::string_view,
                           std::string_view content, LogRows& rows) {
    auto parsed = logs::parse_map_log(content);
    rows.corrupt(path, parsed.errors);
    for (const auto& entry : logs::compact_map_log(std::move(parsed.entries))) {
        if (!rows.fits(path, "repository UUID", entry.field, kMaxUuid)) continue;
        if (auto added = rows.add(kind, {entry.field, entry.value, entry.ts.to_decimal()});
            !added) {
            return added;
        }
    }
    return {};
}

// export.log, a map log whose fields are "FROM:TO" repository UUIDs: each pair's newest trees.
Result<void> export_rows(const LogKind& kind, std::string_view path, std::string_view,
                         std::string_view content, LogRows& rows) {
    auto parsed = logs::parse_map_log(content);
    rows.corrupt(path, parsed.errors);
    for (const auto& entry : logs::compact_map_log(std::move(parsed.entries))) {
        const std::string_view field = entry.field;
        const std::size_t colon = field.find(':');
        if (colon == std::string_view::npos) {
            rows.corrupt(path,
                         {logs::LineError{0, fmt::format("export.log field without ':' between "
                                                         "two repository UUIDs: {}",
                                                         field.substr(0, 80))}});
            continue;
        }
        const std::string_view from = field.substr(0, colon), to = field.substr(colon + 1);
        if (!rows.fits(path, "repository UUID", from, kMaxUuid) ||
            !rows.fits(path, "repository UUID", to, kMaxUuid)) {
            continue;
        }
        if (auto added = rows.add(kind, {from, to, entry.value, entry.ts.to_decimal()}); !added) {
            return added;
        }
    }
    return {};
}

// A single-value log: its newest value, named kind.setting.
Result<void> single_setting_rows(const LogKind& kind, std::string_view path, std::string_view,
                                 std::string_view content, LogRows& rows) {
    auto parsed = logs::parse_single_value_log(content);
    rows.corrupt(path, parsed.errors);
    auto newest = logs::newest_per(std::move(parsed.entries), [](const auto&) { return 0; });
    if (newest.empty()) return {};
    return rows.add(kind, {kind.setting, newest.front().value, newest.front().ts.to_decimal()});
}

using core::annex_values::Kind;
using core::location::ChangedTable;

const LogKind kKinds[] = {
    {FileKind::location,
     "location log",
     &tables::kLocations,
     1000,
     location_rows,
     &MigrationSummary::locations,
     {},
     Export::presence,
     &ExportSummary::locations,
     ChangedTable::locations,
     Kind::uuid},
    {FileKind::web,
     "URL log",
     &tables::kUrls,
     500,
     url_rows,
     &MigrationSummary::urls,
     {},
     Export::presence,
     &ExportSummary::urls,
     ChangedTable::urls,
     Kind::url},
    {FileKind::metadata,
     "metadata log",
     &tables::kMetadata,
     500,
     metadata_rows,
     &MigrationSummary::metadata,
     {},
     Export::metadata,
     &ExportSummary::metadata,
     ChangedTable::metadata},
    {FileKind::chunk, "chunk log", &tables::kChunks, 500, chunk_rows, &MigrationSummary::chunks},
    {FileKind::remote_state, "remote state log", &tables::kRemoteState, 200, key_uuid_rows,
     &MigrationSummary::remote_states},
    {FileKind::content_identifier, "content identifier log", &tables::kContentIdentifiers, 200,
     key_uuid_rows, &MigrationSummary::content_identifiers},
    {FileKind::remote_metadata, "remote metadata log", &tables::kRemoteMetadata, 500, metadata_rows,
     &MigrationSummary::remote_metadata},
    {FileKind::numcopies, "numcopies.log", &tables::kAnnexSettings, 100, single_setting_rows,
     &MigrationSummary::settings, "numcopies"},
    {FileKind::mincopies, "mincopies.log", &tables::kAnnexSettings, 100, single_setting_rows,
     &MigrationSummary::settings, "mincopies"},
    {FileKind::config, "config.log", &tables::kAnnexSettings, 100, map_setting_rows,
     &MigrationSummary::settings, "config."},
    {FileKind::group_preferred_content, "group-preferred-content.log", &tables::kAnnexSettings, 100,
     map_setting_rows, &MigrationSummary::settings, "groupwanted."},
    {FileKind::uuid,
     "uuid.log",
     &tables::kRepositoryDescription,
     100,
     uuid_based_rows<as_is>,
     &MigrationSummary::repositories,
     {},
     Export::new_repositories,
     &ExportSummary::repositories},
    {FileKind::trust, "trust.log", &tables::kRepositoryTrust, 100, uuid_based_rows<trust_level>,
     &MigrationSummary::repositories},
    {FileKind::group, "group.log", &tables::kRepositoryGroups, 100, uuid_based_rows<group_names>,
     &MigrationSummary::repositories},
    {FileKind::remote, "remote.log", &tables::kRepositoryRemoteConfig, 100, uuid_based_rows<as_is>,
     &MigrationSummary::repositories},
    {FileKind::preferred_content, "preferred-content.log", &tables::kRepositoryPreferred, 100,
     uuid_based_rows<as_is>, &MigrationSummary::repositories},
    {FileKind::required_content, "required-content.log", &tables::kRepositoryRequired, 100,
     uuid_based_rows<as_is>, &MigrationSummary::repositories},
    {FileKind::cluster, "cluster.log", &tables::kRepositoryClusterNodes, 100, map_uuid_rows,
     &MigrationSummary::repositories},
    {FileKind::proxy, "proxy.log", &tables::kRepositoryProxiedRemotes, 100, map_uuid_rows,
     &MigrationSummary::repositories},
    {FileKind::maxsize, "maxsize.log", &tables::kRepositoryMaxSize, 100, map_uuid_rows,
     &MigrationSummary::repositories},
    {FileKind::export_log, "export.log", &tables::kExports, 100, export_rows,
     &MigrationSummary::repositories},
};

}  // namespace

std::span<const LogKind> log_kinds() { return kKinds; }

const LogKind* find_log_kind(FileKind kind) {
    for (const LogKind& each : kKinds) {
        if (each.kind == kind) return &each;
    }
    return nullptr;
}

std::vector<const core::location::LwwTable*> log_tables() {
    std::vector<const core::location::LwwTable*> distinct;
    for (const LogKind& each : kKinds) {
        if (std::find(distinct.begin(), distinct.end(), each.table) == distinct.end()) {
            distinct.push_back(each.table);
        }
    }
    return distinct;
}

}  // namespace gad::compat
