// The flow back of git-annex-dolt sync --dataset: rows dolt-annex added to or removed from a
// <uuid>-NAME branch since our last write there become "present" / "missing" location facts.
#include <algorithm>
#include <sstream>

#include "compat/sync/dataset_sync.h"
#include "core/dolt/written_mark.h"
#include "core/location/location_store.h"
#include "core/location/presence.h"

namespace gad::compat::sync::dataset {

using core::location::LocationChange;
using core::location::Presence;

Result<LastCommits> DatasetSync::last_commits(Connection& branch) {
    const std::string first_line = fmt::format("git-annex-dolt sync --dataset {}:", name_);
    const std::string trailer = fmt::format("{}{}", kAnnexTrailer, annex_uuid_);
    LastCommits last;
    auto streamed = branch.for_each(
        "SELECT commit_hash, committer, email, message FROM dolt_log", {},
        [&](const Row& row) -> Result<void> {
            if (!row[0] || !row[3] || !row[3]->starts_with(first_line)) return {};
            // dolt-annex's amend keeps our message; its author is the server's user.
            const bool by_us =
                row[1] && row[2] &&
                fmt::format("{} <{}>", *row[1], *row[2]) == core::location::kCommitAuthor;
            if (last.any.empty() && !last.amended) {
                if (by_us) {
                    last.any = *row[0];
                } else {
                    last.amended = true;
                }
            }
            if (!last.ours) {
                std::istringstream lines(*row[3]);
                std::string line, locations;
                while (std::getline(lines, line)) {
                    if (line == trailer) last.ours = true;
                    if (line.starts_with(kLocationsTrailer)) {
                        locations = line.substr(kLocationsTrailer.size());
                    }
                }
                if (last.ours) last.locations = is_dolt_hash(locations) ? locations : "";
            }
            return last.ours ? fail("found") : Result<void>{};  // "found" stops the stream
        });
    if (!streamed && !last.ours) return std::unexpected(streamed.error());
    return last;
}

Result<std::set<std::string>> DatasetSync::keys_held(Connection& branch, const std::string& commit,
                                                     const std::vector<std::string>& keys) {
    std::set<std::string> held;
    for (std::size_t at = 0; at < keys.size(); at += kInListRows) {
        const std::size_t n = std::min(kInListRows, keys.size() - at);
        std::vector<Param> params;
        for (std::size_t i = 0; i < n; ++i) params.emplace_back(std::string_view(keys[at + i]));
        // A commit as the database `db/<hash>` (Dolt 1.86 crashes preparing "AS OF ?"); the
        // hash is a checked Dolt hash.
        auto rows =
            branch.query(fmt::format("SELECT DISTINCT annex_key FROM {}{} WHERE annex_key IN ({})",
                                     commit.empty() ? "" : revision(commit) + ".",
                                     backticked(name_), placeholders(n)),
                         params);
        if (!rows) return std::unexpected(rows.error());
        for (const Row& row : *rows) {
            if (row[0]) held.insert(*row[0]);
        }
    }
    return held;
}

Result<void> DatasetSync::record_facts(Connection& branch, std::string_view uuid,
                                       const std::string& commit, const Timestamp& dated,
                                       std::map<std::string, bool>& touched) {
    std::vector<std::string> keys, unsure;
    for (const auto& [key, added] : touched) {
        if (!gate_.admit(core::annex_values::Kind::key, key, [&] {
                return fmt::format("a row dolt-annex wrote on {}", branch_of(uuid));
            })) {
            ++summary_.bad_keys;
            continue;
        }
        keys.push_back(key);
        if (!added) unsure.push_back(key);
    }
    touched.clear();
    if (keys.empty()) return {};
    auto held = keys_held(branch, commit, unsure);
    if (!held) return std::unexpected(held.error());
    std::map<std::string, std::pair<char, Timestamp>> current;
    for (std::size_t at = 0; at < keys.size(); at += kInListRows) {
        const std::size_t n = std::min(kInListRows, keys.size() - at);
        std::vector<Param> params{uuid};
        for (std::size_t i = 0; i < n; ++i) params.emplace_back(std::string_view(keys[at + i]));
        auto rows = main_.query(
            fmt::format("SELECT annex_key, status, ts FROM gad_locations WHERE uuid = ? AND "
                        "annex_key IN ({})",
                        placeholders(n)),
            params);
        if (!rows) return std::unexpected(rows.error());
        for (const Row& row : *rows) {
            if (!row[0] || !row[1] || row[1]->empty() || !row[2]) continue;
            auto ts = Timestamp::parse(*row[2]);
            if (!ts) return std::unexpected(ts.error());
            current[*row[0]] = {(*row[1])[0], *ts};
        }
    }
    std::vector<LocationChange> changes;
    for (const std::string& key : keys) {
        const bool present = touched_added_or_held(key, unsure, *held);
        auto row = current.find(key);
        if (row == current.end()) {
            if (!present) continue;
        } else {
            const bool had = row->second.first == '1';
            const Timestamp& ts = row->second.second;
            const bool ours = ts >= started_ && ts <= written_through();
            if (had == present || (!ours && !(ts < dated))) continue;
        }
        ++sequence_;
        changes.push_back(LocationChange{key, std::string(uuid),
                                         present ? Presence::present : Presence::missing,
                                         written_through()});
        (present ? summary_.present_facts : summary_.missing_facts)++;
    }
    if (changes.empty()) return {};
    return database_.store->record(changes);
}

bool DatasetSync::touched_added_or_held(const std::string& key,
                                        const std::vector<std::string>& unsure,
                                        const std::set<std::string>& held) {
    return !std::ranges::binary_search(unsure, key) || held.contains(key);
}

Timestamp DatasetSync::written_through() const {
    Timestamp ts = started_;
    ts.picoseconds += sequence_;
    ts.seconds += static_cast<std::int64_t>(ts.picoseconds / 1'000'000'000'000ULL);
    ts.picoseconds %= 1'000'000'000'000ULL;
    return ts;
}

Result<void> DatasetSync::flow_diff(Connection& reader, Connection& branch, std::string_view uuid,
                                    const std::string& from, const std::string& to,
                                    const Timestamp& dated) {
    std::map<std::string, bool> touched;  // key -> in a row of `to`
    const std::string held_at = to == "WORKING" ? std::string() : to;
    Result<void> recorded;
    auto streamed = reader.for_each(
        fmt::format("SELECT from_annex_key, to_annex_key FROM dolt_commit_diff_{} WHERE "
                    "from_commit = ? AND to_commit = ?",
                    name_),
        {from, to}, [&](const Row& row) -> Result<void> {
            if (row[1]) touched[*row[1]] = true;
            if (row[0]) touched.try_emplace(*row[0], false);
            if (touched.size() >= kInListRows) {
                return record_facts(branch, uuid, held_at, dated, touched);
            }
            return {};
        });
    if (!streamed) return streamed;
    return record_facts(branch, uuid, held_at, dated, touched);
}

Result<std::string> DatasetSync::baseline(Connection& reader, const LastCommits& last) {
    if (!last.written.empty()) return last.written;
    if (!last.any.empty() && !last.amended) return last.any;
    // No tag (a branch dolt-annex made, or one written before tags were kept) and no commit of
    // ours that dolt-annex left as it was: everything since the empty table.
    auto empty = single_value(reader, "SELECT HASHOF(?)", {name_});
    if (!empty) return std::unexpected(empty.error());
    if (!*empty || !is_dolt_hash(**empty)) return fail("no commit on branch {}", name_);
    return **empty;
}

Result<std::vector<DatasetSync::Change>> DatasetSync::changes_since(Connection& reader,
                                                                    const std::string& since,
                                                                    const std::string& head) {
    std::vector<Change> changes;  // newest first
    if (since == head) return changes;
    // since and head are checked commit hashes: safe in the table functions' text.
    auto base = single_value(reader, "SELECT DOLT_MERGE_BASE(?, ?)", {since, head});
    if (!base) return std::unexpected(base.error());
    const bool rewritten = !*base || **base != since;
    auto rows = reader.query(
        rewritten ? fmt::format("SELECT commit_hash, UNIX_TIMESTAMP(date), parents FROM "
                                "dolt_log('{}', '--parents') LIMIT 1",
                                head)
                  : fmt::format("SELECT commit_hash, UNIX_TIMESTAMP(date), parents FROM "
                                "dolt_log('{}..{}', '--parents')",
                                since, head));
    if (!rows) return std::unexpected(rows.error());
    for (const Row& row : *rows) {
        if (!row[0] || !row[1] || !row[2]) continue;
        auto date = Timestamp::parse(*row[1]);
        if (!date) return std::unexpected(date.error());
        std::string parent = row[2]->substr(0, row[2]->find(','));
        std::erase(parent, ' ');
        // Our written commit amended (or the branch otherwise rewritten) by dolt-annex: all it
        // changed since, in one step dated by the branch's head.
        if (rewritten) parent = since;
        if (!is_dolt_hash(parent)) continue;
        changes.push_back(Change{*row[0], parent, std::min(*date, started_)});
    }
    return changes;
}

Result<bool> DatasetSync::flow_back(std::string_view uuid, Connection& reader, Connection& branch,
                                    const LastCommits& last) {
    auto since = baseline(reader, last);
    if (!since) return std::unexpected(since.error());
    auto head = single_value(reader, "SELECT HASHOF('HEAD')");
    if (!head) return std::unexpected(head.error());
    if (!*head || !is_dolt_hash(**head)) return fail("no HEAD commit");
    auto changes = changes_since(reader, *since, **head);
    if (!changes) return std::unexpected(changes.error());
    for (auto it = changes->rbegin(); it != changes->rend(); ++it) {
        if (auto done = flow_diff(reader, branch, uuid, it->parent, it->hash, it->date); !done) {
            return std::unexpected(done.error());
        }
    }
    if (auto done = flow_diff(reader, branch, uuid, **head, "WORKING", started_); !done) {
        return std::unexpected(done.error());
    }
    return !changes->empty();
}

}  // namespace gad::compat::sync::dataset
