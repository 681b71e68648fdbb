// The registry of log kinds (compat/log_kinds.h): every migrated FileKind has one row, whose
// classifier, table and export agree with the rest of the program, and each row's parser turns a
// file of that kind into the rows migration writes.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "compat/log_kinds.h"
#include "core/location/tables.h"
#include "core/timestamp.h"

namespace gad::compat {
namespace {

using logs::FileKind;

constexpr std::string_view kUuid = "e605dca6-446a-11e0-8b2a-002170d25c55";
constexpr std::string_view kKey =
    "SHA256E-s5--2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824.txt";

// Every FileKind git-annex-dolt gives a log of its own (all but other_known and unknown).
std::vector<FileKind> migrated_file_kinds() {
    std::vector<FileKind> kinds;
    for (int k = static_cast<int>(FileKind::uuid); k < static_cast<int>(FileKind::other_known);
         ++k) {
        kinds.push_back(static_cast<FileKind>(k));
    }
    return kinds;
}

// Records what a kind's parser writes: rows as cell vectors, problems counted.
class Recorder final : public LogRows {
  public:
    void corrupt(std::string_view, const std::vector<logs::LineError>& errors) override {
        corrupt_lines += errors.size();
    }
    bool fits(std::string_view, std::string_view, std::string_view value,
              std::size_t limit) override {
        if (!value.empty() && value.size() <= limit) return true;
        ++too_long;
        return false;
    }
    Result<void> add(const LogKind& kind, std::initializer_list<std::string_view> cells) override {
        EXPECT_EQ(cells.size(), kind.table->column_count()) << kind.name;
        rows.emplace_back(cells.begin(), cells.end());
        return {};
    }

    std::vector<std::vector<std::string>> rows;
    std::size_t corrupt_lines = 0, too_long = 0;
};

// The rows kind's parser makes of content (a file of key, for per-key kinds).
Recorder rows_of(FileKind file_kind, std::string_view content) {
    Recorder recorder;
    const LogKind* kind = find_log_kind(file_kind);
    EXPECT_NE(kind, nullptr);
    if (!kind) return recorder;
    const std::string path = logs::branch_path_for_key(kKey, file_kind);
    auto made = kind->to_rows(*kind, path, kind->per_key() ? kKey : "", content, recorder);
    EXPECT_TRUE(made) << made.error().message;
    return recorder;
}

std::string ts(std::string_view text) { return core::Timestamp::parse(text)->to_decimal(); }

TEST(LogKinds, EveryMigratedFileKindHasOneRowAndTheClassifierNamesIt) {
    for (FileKind file_kind : migrated_file_kinds()) {
        const auto rows = std::count_if(log_kinds().begin(), log_kinds().end(),
                                        [&](const LogKind& k) { return k.kind == file_kind; });
        EXPECT_EQ(rows, 1) << static_cast<int>(file_kind);
        const LogKind* kind = find_log_kind(file_kind);
        ASSERT_NE(kind, nullptr) << static_cast<int>(file_kind);
        const std::string path = logs::branch_path_for_key(kKey, file_kind);
        const logs::BranchFile classified = logs::classify_branch_path(path);
        EXPECT_EQ(classified.kind, file_kind) << path;
        EXPECT_EQ(kind->per_key(), !classified.key.empty()) << path;
        EXPECT_EQ(kind->per_key(), path.find('/') != std::string::npos) << path;
    }
    EXPECT_EQ(log_kinds().size(), migrated_file_kinds().size());
    EXPECT_EQ(find_log_kind(FileKind::other_known), nullptr);
    EXPECT_EQ(find_log_kind(FileKind::unknown), nullptr);
}

TEST(LogKinds, TheirTablesAreThosePeerMergeMerges) {
    const auto tables = log_tables();
    const std::vector<const core::location::LwwTable*> merged(
        std::begin(core::location::tables::kLwwTables),
        std::end(core::location::tables::kLwwTables));
    EXPECT_EQ(tables, merged);
    std::set<std::string_view> names;
    for (const auto* table : tables) {
        names.insert(table->name);
        EXPECT_NE(std::ranges::find(core::location::tables::kAllTables, table->name),
                  std::end(core::location::tables::kAllTables))
            << table->name;
    }
}

TEST(LogKinds, KindsSharingATableWriteItAlike) {
    std::map<const core::location::LwwTable*, const LogKind*> first;
    for (const LogKind& kind : log_kinds()) {
        ASSERT_NE(kind.table, nullptr) << kind.name;
        ASSERT_NE(kind.to_rows, nullptr) << kind.name;
        ASSERT_NE(kind.counted, nullptr) << kind.name;
        EXPECT_GT(kind.rows_per_statement, 0u) << kind.name;
        auto [it, inserted] = first.try_emplace(kind.table, &kind);
        if (inserted) continue;
        EXPECT_EQ(it->second->rows_per_statement, kind.rows_per_statement) << kind.name;
        EXPECT_EQ(it->second->counted, kind.counted) << kind.name;
        EXPECT_EQ(it->second->per_key(), kind.per_key()) << kind.name;
    }
}

TEST(LogKinds, ExportedKindsNameTheirCounterAndRows) {
    std::size_t exported = 0;
    for (const LogKind& kind : log_kinds()) {
        if (kind.export_as == Export::none) {
            EXPECT_EQ(kind.exported, nullptr) << kind.name;
            continue;
        }
        ++exported;
        EXPECT_NE(kind.exported, nullptr) << kind.name;
        if (kind.export_as == Export::presence || kind.export_as == Export::metadata) {
            EXPECT_TRUE(kind.per_key()) << kind.name;
            EXPECT_EQ(core::location::table_name(kind.changed), kind.table->name) << kind.name;
        }
    }
    EXPECT_EQ(exported, 4u);  // locations, URLs, metadata, new repositories
}

TEST(LogKinds, PresenceLogsBecomeTheNewestLinePerInfo) {
    const std::string log =
        fmt::format("1287290776.765152s 1 {0}\n1287290767.478634s 0 {0}\n", kUuid);
    const Recorder locations = rows_of(FileKind::location, log);
    ASSERT_EQ(locations.rows.size(), 1u);
    EXPECT_EQ(locations.rows[0], (std::vector<std::string>{std::string(kKey), std::string(kUuid),
                                                           "1", ts("1287290776.765152")}));
    const Recorder too_long = rows_of(FileKind::location,
                                      "5s 1 not-a-uuid-but-far-too-long-for-"
                                      "the-column-of-thirty-six\n");
    EXPECT_TRUE(too_long.rows.empty());
    EXPECT_EQ(too_long.too_long, 1u);
    const Recorder urls = rows_of(FileKind::web, "5s 1 https://example.org/a b\nbroken\n");
    ASSERT_EQ(urls.rows.size(), 1u);
    EXPECT_EQ(urls.rows[0][1], "https://example.org/a b");
    EXPECT_EQ(urls.corrupt_lines, 1u);
}

TEST(LogKinds, RepositorySettingsAreNormalizedAsTheTableHoldsThem) {
    const std::string uuid(kUuid);
    const Recorder trust = rows_of(FileKind::trust, uuid + " ? timestamp=5s\n");
    ASSERT_EQ(trust.rows.size(), 1u);
    EXPECT_EQ(trust.rows[0], (std::vector<std::string>{uuid, "?", ts("5")}));
    const Recorder groups = rows_of(FileKind::group, uuid + " b a b timestamp=5s\n");
    ASSERT_EQ(groups.rows.size(), 1u);
    EXPECT_EQ(groups.rows[0][1], "a b");
    const Recorder described = rows_of(FileKind::uuid, uuid + " my  laptop timestamp=5s\n");
    ASSERT_EQ(described.rows.size(), 1u);
    EXPECT_EQ(described.rows[0][1], "my  laptop");
}

TEST(LogKinds, SettingsAreNamedByTheirLog) {
    const Recorder config = rows_of(FileKind::config, "5s annex.largefiles *.bin\n");
    ASSERT_EQ(config.rows.size(), 1u);
    EXPECT_EQ(config.rows[0],
              (std::vector<std::string>{"config.annex.largefiles", "*.bin", ts("5")}));
    const Recorder wanted = rows_of(FileKind::group_preferred_content, "5s archive present\n");
    ASSERT_EQ(wanted.rows.size(), 1u);
    EXPECT_EQ(wanted.rows[0][0], "groupwanted.archive");
    const Recorder numcopies = rows_of(FileKind::numcopies, "5s 2\n6s 3\n");
    ASSERT_EQ(numcopies.rows.size(), 1u);
    EXPECT_EQ(numcopies.rows[0], (std::vector<std::string>{"numcopies", "3", ts("6")}));
    const Recorder mincopies = rows_of(FileKind::mincopies, "7s 1\n");
    ASSERT_EQ(mincopies.rows.size(), 1u);
    EXPECT_EQ(mincopies.rows[0][0], "mincopies");
}

TEST(LogKinds, PerKeyLogsCarryTheirKey) {
    const std::string uuid(kUuid);
    const Recorder chunks = rows_of(FileKind::chunk, "5s " + uuid + ":1048576 3\n");
    ASSERT_EQ(chunks.rows.size(), 1u);
    EXPECT_EQ(chunks.rows[0],
              (std::vector<std::string>{std::string(kKey), uuid, "1048576", "3", ts("5")}));
    const Recorder state = rows_of(FileKind::remote_state, "5s " + uuid + " some state\n");
    ASSERT_EQ(state.rows.size(), 1u);
    EXPECT_EQ(state.rows[0],
              (std::vector<std::string>{std::string(kKey), uuid, "some state", ts("5")}));
    const Recorder metadata = rows_of(FileKind::metadata, "5s tag +a -b\n");
    ASSERT_EQ(metadata.rows.size(), 2u);
    for (const auto& row : metadata.rows) EXPECT_EQ(row[0], kKey);
}

TEST(LogKinds, ExportLogRowsSplitTheirParticipantsAndNameAFieldWithoutThem) {
    const std::string from(kUuid), to = "0b8bd5e2-0e5c-11ef-b5a6-5f8bd1c7c2a1";
    const Recorder exports = rows_of(
        FileKind::export_log, "5s " + from + ":" + to + " 1111 2222\n6s " + from + " 3333\n");
    ASSERT_EQ(exports.rows.size(), 1u);
    EXPECT_EQ(exports.rows[0], (std::vector<std::string>{from, to, "1111 2222", ts("5")}));
    EXPECT_EQ(exports.corrupt_lines, 1u);  // "6s FROM 3333": no ':' between two UUIDs
    const Recorder cids = rows_of(FileKind::content_identifier, "5s " + to + " 12 34:!YQ==\n");
    ASSERT_EQ(cids.rows.size(), 1u);
    EXPECT_EQ(cids.rows[0],
              (std::vector<std::string>{std::string(kKey), to, "12 34:!YQ==", ts("5")}));
}

}  // namespace
}  // namespace gad::compat
