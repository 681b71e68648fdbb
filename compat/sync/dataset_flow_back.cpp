// The flow back of git-annex-dolt sync --dataset: rows dolt-annex added to or removed from a
// <uuid>-NAME branch since our last write there become "present" / "missing" location facts.
#include <algorithm>
#include <sstream>

#include "compat/sync/dataset_sync.h"
#include "core/location/presence.h"

namespace gad::compat::sync::dataset {

using core::location::LocationChange;
using core::location::Presence;

Result<LastCommits> DatasetSync::last_commits(Connection& branch) {
    const std::string first_line = fmt::format("git-annex-dolt sync --dataset {}:", name_);
    const std::string trailer = fmt::format("{}{}", kAnnexTrailer, annex_uuid_);
    LastCommits last;
    auto streamed = branch.for_each(
        "SELECT commit_hash, message FROM dolt_log", {}, [&](const Row& row) -> Result<void> {
            if (!row[0] || !row[1] || !row[1]->starts_with(first_line)) return {};
            if (last.any.empty()) last.any = *row[0];
            std::istringstream lines(*row[1]);
            std::string line, locations;
            bool ours = false;
            while (std::getline(lines, line)) {
                if (line == trailer) ours = true;
                if (line.starts_with(kLocationsTrailer)) {
                    locations = line.substr(kLocationsTrailer.size());
                }
            }
            if (!ours) return {};
            last.locations = is_dolt_hash(locations) ? locations : std::string();
            last.ours = true;
            return fail("found");  // stops the stream
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
            fmt::format("SELECT annex_key, status, ts FROM locations WHERE uuid = ? AND "
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

Result<bool> DatasetSync::flow_back(std::string_view uuid, Connection& reader, Connection& branch,
                                    const LastCommits& last) {
    std::string since;
    if (!last.any.empty()) {
        since = last.any;
    } else {
        auto base = single_value(reader, "SELECT DOLT_MERGE_BASE(?, ?)", {name_, branch_of(uuid)});
        if (!base) return std::unexpected(base.error());
        if (!*base || !is_dolt_hash(**base)) return false;
        since = **base;
    }
    auto head = single_value(reader, "SELECT HASHOF('HEAD')");
    if (!head) return std::unexpected(head.error());
    if (!*head || !is_dolt_hash(**head)) return fail("no HEAD commit");
    struct Commit {
        std::string hash, parent;
        Timestamp date;
    };
    std::vector<Commit> commits;  // newest first
    if (since != **head) {
        // since and head are checked commit hashes: safe in the table function's text.
        auto rows = reader.query(
            fmt::format("SELECT commit_hash, UNIX_TIMESTAMP(date), parents FROM dolt_log('{}..{}', "
                        "'--parents')",
                        since, **head));
        if (!rows) return std::unexpected(rows.error());
        for (const Row& row : *rows) {
            if (!row[0] || !row[1] || !row[2]) continue;
            auto date = Timestamp::parse(*row[1]);
            if (!date) return std::unexpected(date.error());
            std::string parent = row[2]->substr(0, row[2]->find(','));
            std::erase(parent, ' ');
            if (!is_dolt_hash(parent)) continue;
            commits.push_back(Commit{*row[0], parent, std::min(*date, started_)});
        }
    }
    for (auto it = commits.rbegin(); it != commits.rend(); ++it) {
        if (auto done = flow_diff(reader, branch, uuid, it->parent, it->hash, it->date); !done) {
            return std::unexpected(done.error());
        }
    }
    if (auto done = flow_diff(reader, branch, uuid, **head, "WORKING", started_); !done) {
        return std::unexpected(done.error());
    }
    return !commits.empty();
}

}  // namespace gad::compat::sync::dataset
