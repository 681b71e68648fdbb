#include "compat/sync/branch_export.h"

#include <map>
#include <optional>
#include <set>
#include <vector>

#include "compat/git/annex_branch.h"
#include "compat/log_kinds.h"
#include "compat/logs/branch_file.h"
#include "compat/logs/metadata_log.h"
#include "compat/logs/presence_log.h"
#include "compat/logs/uuid_based_log.h"
#include "core/location/changed_rows.h"
#include "core/location/peer_rows.h"
#include "core/location/repository_rows.h"
#include "core/location/sync_state.h"
#include "core/timestamp.h"

namespace gad::compat::sync {

namespace {

using core::Timestamp;
using core::annex_values::Kind;
using logs::FileKind;

constexpr std::string_view kWebUuid = "00000000-0000-0000-0000-000000000001";
constexpr std::string_view kDoneThrough = "done_through";
constexpr std::string_view kPendingCommit = "pending_commit";
constexpr std::string_view kPendingThrough = "pending_through";
constexpr std::string_view kExportedAt = "exported_at";
// On Dolt, the commits whose differences from the working set the next export also reads: the
// head when the export that moved "done" (or made the pending commit) started.
constexpr std::string_view kDoneDoltCommit = "done_dolt_commit";
constexpr std::string_view kPendingDoltCommit = "pending_dolt_commit";
// Rows become visible a little after their timestamp (a remote's batched transaction, a migration
// committing, another host's clock): the watermark stays this far behind the export's start.
constexpr std::int64_t kVisibilityMarginSeconds = 60;

// Accumulates new branch file contents: the local branch's blob plus the lines it lacks.
class Changes {
  public:
    Changes(const git::Repository& repository, const git::AnnexBranch& branch)
        : repository_(repository), branch_(branch) {}

    // Appends lines to the file at path (as the local branch has it).
    Result<void> append(const std::string& path, std::string_view lines) {
        auto [it, inserted] = contents_.try_emplace(path);
        if (inserted) {
            auto blob = repository_.blob_at(branch_.local_tree(), path);
            if (!blob) return std::unexpected(blob.error());
            if (*blob) {
                if (auto read = repository_.read_blob(**blob, it->second); !read) return read;
            }
        }
        if (!it->second.empty() && it->second.back() != '\n') it->second += '\n';
        it->second += lines;
        return {};
    }

    Result<std::vector<std::pair<std::string, git::Oid>>> blobs() const {
        std::vector<std::pair<std::string, git::Oid>> files;
        for (const auto& [path, content] : contents_) {
            auto blob = repository_.write_blob(content);
            if (!blob) return std::unexpected(blob.error());
            files.emplace_back(path, *blob);
        }
        return files;
    }

  private:
    const git::Repository& repository_;
    const git::AnnexBranch& branch_;
    std::map<std::string, std::string> contents_;
};

// Rows of one key read from a table, newer than the watermark.
struct KeyRows {
    std::string key;
    std::vector<core::sql::Row> rows;
};

// Streams table's rows (first column annex_key, last ts; see core/location/changed_rows.h) newer
// than watermark ("-1": all of them), and those changed since since_commit (when not empty),
// and calls each_key with every key's rows as soon as they are complete: memory holds one key's
// rows at a time. each_key must not use the connection.
Result<void> by_key(core::sql::Connection& connection, core::location::ChangedTable table,
                    std::string_view watermark, std::string_view since_commit,
                    std::optional<Timestamp>& newest,
                    const std::function<Result<void>(const KeyRows&)>& each_key) {
    KeyRows current;
    auto streamed = core::location::for_each_changed_row(
        connection, table, watermark, since_commit, [&](const core::sql::Row& row) -> Result<void> {
            if (!row[0]) return {};
            if (*row[0] != current.key) {
                if (!current.rows.empty()) {
                    if (auto done = each_key(current); !done) return done;
                }
                current.key = *row[0];
                current.rows.clear();
            }
            current.rows.push_back(row);
            auto ts = Timestamp::parse(row.back().value_or(""));
            if (ts && (!newest || *ts > *newest)) newest = *ts;
            return {};
        });
    if (!streamed) return streamed;
    if (!current.rows.empty()) return each_key(current);
    return {};
}

// Where this export starts: the rows up to "done" are in the git-annex branch; those up to
// "pending" are too once git-annex has merged the commit that carried them (until then they are
// written again). The watermark is "-1" (everything) when full; since_commit the Dolt commit
// whose differences are read too, empty when none is known.
struct Start {
    std::string watermark = "-1";
    std::string since_commit;
};
Result<Start> starting_point(const git::Repository& repository, const git::AnnexBranch& branch,
                             std::map<std::string, std::string>& state, bool full) {
    Start start;
    if (full) return start;
    if (auto done = state.find(std::string(kDoneThrough)); done != state.end()) {
        start.watermark = done->second;
    }
    start.since_commit = state[std::string(kDoneDoltCommit)];
    auto pending = state.find(std::string(kPendingCommit));
    if (pending == state.end() || branch.local_commit().empty()) return start;
    auto commit = git::Oid::parse(pending->second);
    auto local = git::Oid::parse(branch.local_commit());
    if (!commit || !local) return start;
    auto merged = repository.is_ancestor(*commit, *local);
    if (!merged || !*merged) return start;
    start.since_commit = state[std::string(kPendingDoltCommit)];
    // Exports after it that wrote nothing may have moved "done" further.
    const std::string& through = state[std::string(kPendingThrough)];
    auto pending_ts = Timestamp::parse(through);
    auto done_ts = Timestamp::parse(start.watermark);
    if (pending_ts && (!done_ts || *pending_ts > *done_ts)) start.watermark = through;
    return start;
}

// Whether another git-annex repository migrated logs since the last export: their facts keep
// their own timestamps, older than the watermark, say, so everything is compared again.
Result<bool> others_migrated_since_export(core::sql::Connection& connection,
                                          std::string_view annex_uuid,
                                          const std::map<std::string, std::string>& state) {
    auto at = state.find(std::string(kExportedAt));
    auto since = at == state.end() ? Result<Timestamp>(Timestamp{}) : Timestamp::parse(at->second);
    if (!since) return std::unexpected(since.error());
    const Timestamp from{since->seconds - kVisibilityMarginSeconds, since->picoseconds};
    auto others =
        core::location::count_log_migrations_by_others(connection, annex_uuid, from.to_decimal());
    if (!others) return std::unexpected(others.error());
    return *others != 0;
}

// One export: the lines the branch lacks, gathered per log file from rows newer than watermark,
// each value checked by gate; newest is the newest row timestamp seen.
class BranchExport {
  public:
    BranchExport(const git::Repository& repository, const git::AnnexBranch& branch,
                 core::sql::Connection& connection, Start start,
                 const core::annex_values::RefusalSink& refused_sink)
        : repository_(repository),
          branch_(branch),
          connection_(connection),
          start_(std::move(start)),
          gate_(refused_sink),
          changes_(repository, branch) {}

    // The lines of kind's logs the branch lacks (none for Export::none), counted.
    Result<void> export_kind(const LogKind& kind, std::size_t& count);
    // Locations or URLs (a presence log per key): the entries newer than the branch's, counted.
    Result<void> presence(core::location::ChangedTable changed, Kind info_kind, FileKind kind,
                          std::size_t& count);
    // Metadata: one change per (field, value) newer than the branch's, counted.
    Result<void> metadata(core::location::ChangedTable changed, FileKind kind, std::size_t& count);
    // Repositories git-annex has never heard of (a dolt-annex repository, say): uuid.log lines.
    Result<void> new_repositories(std::size_t& count);
    // The changed files as one commit on kExportRef (none when nothing changed); fills
    // summary's files, refused and commit.
    Result<void> commit(ExportSummary& summary);

    const std::string& watermark() const { return start_.watermark; }
    const std::string& since_commit() const { return start_.since_commit; }
    const std::optional<Timestamp>& newest() const { return newest_; }

  private:
    const git::Repository& repository_;
    const git::AnnexBranch& branch_;
    core::sql::Connection& connection_;
    const Start start_;
    core::annex_values::Gate gate_;
    Changes changes_;
    std::optional<Timestamp> newest_;
};

Result<void> BranchExport::export_kind(const LogKind& kind, std::size_t& count) {
    switch (kind.export_as) {
        case Export::none:
            return {};
        case Export::presence:
            return presence(kind.changed, kind.info, kind.kind, count);
        case Export::metadata:
            return metadata(kind.changed, kind.kind, count);
        case Export::new_repositories:
            return new_repositories(count);
    }
    return {};
}

Result<void> BranchExport::presence(core::location::ChangedTable changed, Kind info_kind,
                                    FileKind kind, std::size_t& count) {
    const std::string_view table = core::location::table_name(changed);
    return by_key(
        connection_, changed, start_.watermark, start_.since_commit, newest_,
        [&](const KeyRows& key) -> Result<void> {
            if (!gate_.admit(Kind::key, key.key, [&] { return fmt::format("table {}", table); })) {
                return {};
            }
            const std::string path = logs::branch_path_for_key(key.key, kind);
            auto content = branch_.read_file(path);
            if (!content) return std::unexpected(content.error());
            std::map<std::string, Timestamp> known;
            for (const auto& entry :
                 logs::compact_presence(logs::parse_presence_log(*content).entries)) {
                known[entry.info] = entry.ts;
            }
            std::vector<logs::PresenceEntry> lacking;
            for (const auto& row : key.rows) {
                auto ts = Timestamp::parse(row[3].value_or(""));
                if (!ts || !row[1] || !row[2]) continue;
                auto where = [&] { return fmt::format("table {}, key {}", table, key.key); };
                if (!gate_.admit(info_kind, *row[1], where) ||
                    !gate_.admit(Kind::presence_status, *row[2], where)) {
                    continue;
                }
                auto found = known.find(*row[1]);
                if (found != known.end() && found->second >= *ts) continue;
                lacking.push_back(logs::PresenceEntry{*ts, (*row[2])[0], *row[1]});
            }
            if (lacking.empty()) return {};
            count += lacking.size();
            return changes_.append(path, logs::format_presence_log(lacking));
        });
}

Result<void> BranchExport::metadata(core::location::ChangedTable changed, FileKind kind,
                                    std::size_t& count) {
    return by_key(
        connection_, changed, start_.watermark, start_.since_commit, newest_,
        [&](const KeyRows& key) -> Result<void> {
            if (!gate_.admit(Kind::key, key.key, [] { return "table gad_metadata"; })) return {};
            const std::string path = logs::branch_path_for_key(key.key, kind);
            auto content = branch_.read_file(path);
            if (!content) return std::unexpected(content.error());
            std::map<std::pair<std::string, std::string>, Timestamp> known;
            for (const auto& entry : logs::parse_metadata_log(*content).entries) {
                auto& ts = known[{entry.field, entry.value}];
                ts = std::max(ts, entry.ts);
            }
            std::vector<logs::MetadataEntry> lacking;
            for (const auto& row : key.rows) {
                auto ts = Timestamp::parse(row[4].value_or(""));
                if (!ts || !row[1] || !row[2] || !row[3]) continue;
                // The value needs no check: format_metadata_log encodes any that could break
                // the line.
                if (!gate_.admit(Kind::metadata_field, *row[1], [&] {
                        return fmt::format("table gad_metadata, key {}", key.key);
                    })) {
                    continue;
                }
                auto found = known.find({*row[1], *row[2]});
                if (found != known.end() && found->second >= *ts) continue;
                lacking.push_back(logs::MetadataEntry{*ts, *row[1], *row[2], *row[3] == "1"});
            }
            if (lacking.empty()) return {};
            count += lacking.size();
            return changes_.append(path, logs::format_metadata_log(lacking));
        });
}

Result<void> BranchExport::new_repositories(std::size_t& count) {
    auto uuid_log = branch_.read_file("uuid.log");
    if (!uuid_log) return std::unexpected(uuid_log.error());
    std::set<std::string> described;
    for (const auto& entry : logs::parse_uuid_based_log(*uuid_log).entries)
        described.insert(entry.id);
    auto repositories = core::location::read_repository_descriptions(connection_);
    if (!repositories) return std::unexpected(repositories.error());
    std::vector<logs::UuidBasedEntry> lacking;
    const Timestamp now = Timestamp::now();
    for (const auto& [uuid, stored_description] : *repositories) {
        if (uuid == kWebUuid || described.contains(uuid)) continue;
        auto where = [] { return "table gad_repositories"; };
        if (!gate_.admit(Kind::uuid, uuid, where)) continue;
        if (stored_description && !gate_.admit(Kind::description, *stored_description, [&] {
                return fmt::format("table gad_repositories, uuid {}", uuid);
            })) {
            continue;
        }
        std::string description = stored_description.value_or("");
        if (description.empty()) description = "dolt-annex";
        lacking.push_back(logs::UuidBasedEntry{uuid, description, now, true});
    }
    if (lacking.empty()) return {};
    count = lacking.size();
    return changes_.append("uuid.log", logs::format_uuid_based_log(lacking));
}

Result<void> BranchExport::commit(ExportSummary& summary) {
    summary.refused = gate_.refused();
    auto files = changes_.blobs();
    if (!files) return std::unexpected(files.error());
    summary.files = files->size();
    if (files->empty()) return {};
    auto tree = repository_.update_tree(branch_.local_tree(), *files);
    if (!tree) return std::unexpected(tree.error());
    std::optional<git::Oid> parent;
    if (!branch_.local_commit().empty()) {
        auto oid = git::Oid::parse(branch_.local_commit());
        if (!oid) return std::unexpected(oid.error());
        parent = *oid;
    }
    const std::string message = fmt::format(
        "git-annex-dolt sync: {} locations, {} URLs, {} metadata values, {} repositories",
        summary.locations, summary.urls, summary.metadata, summary.repositories);
    auto commit = repository_.commit(*tree, parent, message);
    if (!commit) return std::unexpected(commit.error());
    if (auto set = repository_.set_reference(kExportRef, *commit, message); !set) return set;
    summary.commit = commit->hex();
    return {};
}

// What the next export starts after: the newest row seen (no later than visible_by), or where
// this one started, and on Dolt head, the commit it started from; until git-annex merges a
// commit made, the next export starts where this did.
Result<void> save_export_state(core::sql::Connection& connection, std::string_view annex_uuid,
                               const BranchExport& exported, const ExportSummary& summary,
                               bool full, const Timestamp& started, const Timestamp& visible_by,
                               const std::string& head) {
    auto save = [&](std::string_view name, std::string_view value) -> Result<void> {
        return core::location::save_sync_state(connection, annex_uuid, name, value);
    };
    const std::string& watermark = exported.watermark();
    std::optional<Timestamp> newest = exported.newest();
    if (newest && *newest > visible_by) newest = visible_by;
    const std::string through = newest ? newest->to_decimal() : watermark;
    Result<void> saved = save(kExportedAt, started.to_decimal());
    if (!saved) return saved;
    if (!summary.commit.empty()) {
        saved = save(kDoneThrough, watermark);
        if (saved) saved = save(kDoneDoltCommit, exported.since_commit());
        if (saved) saved = save(kPendingCommit, summary.commit);
        if (saved) saved = save(kPendingThrough, through);
        if (saved) saved = save(kPendingDoltCommit, head);
    } else if (full || watermark != "-1" || newest) {
        saved = save(kDoneThrough, through);
        if (saved) saved = save(kDoneDoltCommit, head);
    }
    return saved;
}

}  // namespace

Result<ExportSummary> export_to_branch(const git::Repository& repository,
                                       std::string_view annex_uuid,
                                       core::sql::Connection& connection, bool full,
                                       const core::annex_values::RefusalSink& refused_sink) {
    auto branch = git::AnnexBranch::open(repository);
    if (!branch) return std::unexpected(branch.error());
    auto state = core::location::read_sync_state(connection, annex_uuid);
    if (!state) return std::unexpected(state.error());
    auto start = starting_point(repository, *branch, *state, full);
    if (!start) return std::unexpected(start.error());
    const Timestamp started = Timestamp::now();
    const Timestamp visible_by{started.seconds - kVisibilityMarginSeconds, started.picoseconds};
    // The Dolt head this export starts from, the next one's since_commit; none on other servers.
    Result<std::string> head = std::string();
    if (connection.is_dolt()) head = core::location::dolt_head(connection);
    if (!head) return std::unexpected(head.error());
    if (start->watermark == "-1" ||
        !core::location::holds_commit(connection, start->since_commit)) {
        start->since_commit.clear();
    }
    // Another repository's migration, merged or pulled since, brings facts older than the
    // watermark: on Dolt its rows are among the differences since the commit of the last export;
    // without that commit, everything is compared (1,000,000 keys: 115 s against 12 s).
    if (start->watermark != "-1" && start->since_commit.empty()) {
        auto others = others_migrated_since_export(connection, annex_uuid, *state);
        if (!others) return std::unexpected(others.error());
        if (*others) start->watermark = "-1";
    }

    ExportSummary summary;
    BranchExport exported(repository, *branch, connection, std::move(*start), refused_sink);
    Result<void> done;
    for (const LogKind& kind : log_kinds()) {
        if (done && kind.export_as != Export::none) {
            done = exported.export_kind(kind, summary.*kind.exported);
        }
    }
    if (done) done = exported.commit(summary);
    if (done) {
        done = save_export_state(connection, annex_uuid, exported, summary, full, started,
                                 visible_by, *head);
    }
    if (!done) return std::unexpected(done.error());
    return summary;
}

}  // namespace gad::compat::sync
