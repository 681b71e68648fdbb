#include "compat/sync/dataset_export.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "compat/logs/uuid_based_log.h"
#include "core/dolt/annex_repository.h"
#include "core/filestore/backends.h"
#include "core/key.h"
#include "core/location/location_store.h"
#include "core/location/schema.h"
#include "core/location/presence.h"
#include "core/timestamp.h"

namespace gad::compat::sync {

namespace {

namespace fs = std::filesystem;
using core::fail;
using core::Timestamp;
using core::location::LocationChange;
using core::location::Presence;
using core::sql::Connection;
using core::sql::Param;
using core::sql::Row;

// Trailers of the commits we make on <uuid>-NAME branches: whose files they hold, and the commit
// of the location tables they were computed from. They tell our writes from dolt-annex's.
constexpr std::string_view kAnnexTrailer = "git-annex-dolt-annex: ";
constexpr std::string_view kLocationsTrailer = "git-annex-dolt-locations: ";
constexpr std::string_view kLocalRepo = "__local__";
constexpr std::size_t kMaxNameLength = 64;
constexpr std::size_t kPageRows = 5000;     // rows per page of a path-ordered read
constexpr std::size_t kWriteRows = 1000;    // rows per multi-row REPLACE
constexpr std::size_t kInListRows = 200;    // values per IN (...) list (Dolt slows beyond)

std::string backticked(std::string_view identifier) {
    std::string out = "`";
    for (char c : identifier) {
        if (c == '`') out += '`';
        out += c;
    }
    return out + "`";
}

// A Dolt commit hash: 32 characters of its base-32 alphabet.
bool is_dolt_hash(std::string_view text) {
    return text.size() == 32 && std::ranges::all_of(text, [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'v');
           });
}

bool is_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3
                                           : (c >> 3) == 0x1e ? 4 : 0;
        if (length == 0 || i + length > text.size()) return false;
        std::uint32_t point = length == 1 ? c : c & (0x7f >> length);
        for (std::size_t j = 1; j < length; ++j) {
            const auto next = static_cast<unsigned char>(text[i + j]);
            if ((next >> 6) != 0x2) return false;
            point = (point << 6) | (next & 0x3f);
        }
        // Overlong forms, surrogates and points beyond U+10FFFF are not UTF-8.
        static constexpr std::uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
        if (point < kMinimum[length] || point > 0x10ffff || (point >= 0xd800 && point <= 0xdfff)) {
            return false;
        }
        i += length;
    }
    return true;
}

// dolt-annex (v0.4) knows SHA256E keys only; other keys in its tables break its commands.
bool dolt_annex_can_hold(std::string_view key) { return key.starts_with("SHA256E-s"); }

// 128 bits of the SHA-256 of a key: enough to tell a million keys apart without keeping them.
using KeyHash = std::array<std::uint64_t, 2>;
KeyHash key_hash(std::string_view key) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned length = 0;
    EVP_Digest(key.data(), key.size(), digest.data(), &length, EVP_sha256(), nullptr);
    KeyHash hash{};
    std::memcpy(hash.data(), digest.data(), sizeof hash);
    return hash;
}

// The keys a repository has, as hashes: 16 bytes each, looked up by binary search.
class KeySet {
  public:
    void add(std::string_view key) { hashes_.push_back(key_hash(key)); }
    void finish() {
        std::ranges::sort(hashes_);
        const auto [first, last] = std::ranges::unique(hashes_);
        hashes_.erase(first, last);
    }
    bool contains(std::string_view key) const {
        return std::ranges::binary_search(hashes_, key_hash(key));
    }
    bool empty() const { return hashes_.empty(); }

  private:
    std::vector<KeyHash> hashes_;
};

struct PathRow {
    std::string path, key;
};

// (path, key) rows of one query, read a page at a time in path order (primary-key order, which
// Dolt reads without sorting). sql takes the fixed params, then "path > ?", and orders by path.
class PathPages {
  public:
    PathPages(Connection& connection, std::string sql, std::vector<std::string> fixed,
              std::string what)
        : connection_(connection), sql_(std::move(sql)), fixed_(std::move(fixed)),
          what_(std::move(what)) {}

    // The next row, or nullptr at the end.
    Result<const PathRow*> peek() {
        if (rows_.empty() && !done_) {
            std::vector<Param> params(fixed_.begin(), fixed_.end());
            params.emplace_back(std::string_view(last_));
            auto page = connection_.query(sql_, params);
            if (!page) return std::unexpected(page.error());
            for (const Row& row : *page) {
                if (!row[0] || !row[1]) continue;
                // The merge relies on byte order; refuse a server that sorts otherwise.
                if (read_any_ && *row[0] <= last_) {
                    return fail("{} came back out of byte order ('{}' after '{}'): cannot "
                                "compare it with the annexed files",
                                what_, *row[0], last_);
                }
                read_any_ = true;
                last_ = *row[0];
                rows_.push_back(PathRow{*row[0], *row[1]});
            }
            done_ = page->size() < kPageRows;
        }
        return rows_.empty() ? nullptr : &rows_.front();
    }
    void pop() { rows_.pop_front(); }

  private:
    Connection& connection_;
    std::string sql_;
    std::vector<std::string> fixed_;
    std::string what_;
    std::string last_;
    std::deque<PathRow> rows_;
    bool done_ = false, read_any_ = false;
};

// "?, ?, ..." for n values.
std::string placeholders(std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += i == 0 ? "?" : ", ?";
    return out;
}

Result<std::optional<std::string>> single_value(Connection& connection, std::string_view sql,
                                                const std::vector<Param>& params = {}) {
    auto rows = params.empty() ? connection.query(sql) : connection.query(sql, params);
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty() || rows->front().empty() || !rows->front()[0]) return std::nullopt;
    return rows->front()[0];
}

Result<void> call(Connection& connection, std::string_view sql, const std::vector<Param>& params) {
    auto rows = connection.query(sql, params);
    if (!rows) return std::unexpected(rows.error());
    return {};
}

// What the log of a <uuid>-NAME branch says of our writes.
struct LastCommits {
    std::string any;        // the newest commit git-annex-dolt made, or empty
    bool ours = false;      // whether this git-annex repository made one
    std::string locations;  // the location tables' commit its newest one was computed from
};

// One run of the dataset step.
class DatasetSync {
  public:
    DatasetSync(const core::dolt::AnnexRepository& annex_repository,
                core::location::LocationDatabase& database, std::string name,
                std::string annex_uuid, const core::annex_values::RefusalSink& refused_sink)
        : root_(annex_repository.root()), local_uuid_(annex_repository.uuid()),
          database_(database), main_(database.store->connection()), name_(std::move(name)),
          annex_uuid_(std::move(annex_uuid)), started_(Timestamp::now()), gate_(refused_sink) {
        summary_.name = name_;
        summary_.definition = (root_ / (name_ + ".dataset")).string();
    }

    Result<DatasetSummary> run() {
        if (!main_.is_dolt()) {
            return fail("sync --dataset: the location database of {} is not Dolt",
                        root_.string());
        }
        auto db = single_value(main_, "SELECT DATABASE()");
        if (!db) return std::unexpected(db.error());
        auto branch = single_value(main_, "SELECT active_branch()");
        if (!branch) return std::unexpected(branch.error());
        if (!*db || !*branch) return fail("sync --dataset: no current Dolt database and branch");
        db_ = **db;
        main_branch_ = **branch;
        if (name_ == main_branch_) {
            return fail("sync --dataset {}: that is the branch of the location tables; choose "
                        "another name",
                        name_);
        }
        // A definition of another dataset under this name stops us before anything is written.
        auto missing = definition_missing();
        if (!missing) return std::unexpected(missing.error());
        if (auto done = ensure_empty_table(); !done) return std::unexpected(done.error());
        if (*missing) {
            if (auto written = core::dolt::write_file_atomically(summary_.definition, definition());
                !written) {
                return std::unexpected(written.error());
            }
        }

        auto repositories = repository_uuids();
        if (!repositories) return std::unexpected(repositories.error());
        for (const std::string& uuid : *repositories) {
            if (auto done = sync_repository(uuid); !done) {
                return fail("sync --dataset {}: branch {}: {}", name_, branch_of(uuid),
                            done.error().message);
            }
        }
        if (auto done = write_repo_files(); !done) return std::unexpected(done.error());
        summary_.refused = gate_.refused();
        return summary_;
    }

  private:
    std::string branch_of(std::string_view uuid) const { return fmt::format("{}-{}", uuid, name_); }
    // `db/branch` (or `db/commit`), a database name for another revision of ours.
    std::string revision(std::string_view branch) const {
        return backticked(fmt::format("{}/{}", db_, branch));
    }

    Result<Connection> connect_to(std::string_view branch) {
        auto connection = Connection::open(database_.target, database_.password);
        if (!connection) return std::unexpected(connection.error());
        if (auto used = connection->execute("USE " + revision(branch)); !used) {
            return std::unexpected(used.error());
        }
        // Commit dates are UTC; UNIX_TIMESTAMP reads them in the session's zone.
        if (auto set = connection->execute("SET time_zone = '+00:00'"); !set) {
            return std::unexpected(set.error());
        }
        return std::move(*connection);
    }

    Result<std::set<std::string>> branches() {
        std::set<std::string> names;
        auto rows = main_.query("SELECT name FROM dolt_branches");
        if (!rows) return std::unexpected(rows.error());
        for (const Row& row : *rows) {
            if (row[0]) names.insert(*row[0]);
        }
        return names;
    }

    // The empty-table branch NAME: made from the database's first commit (no tables), holding
    // only table NAME, so the <uuid>-NAME branches made from it carry nothing of ours.
    Result<void> ensure_empty_table() {
        auto names = branches();
        if (!names) return std::unexpected(names.error());
        const std::string check = fmt::format("SELECT path, annex_key FROM {}.{} LIMIT 0",
                                              revision(name_), backticked(name_));
        if (names->contains(name_)) {
            if (auto checked = main_.query(check); !checked) {
                return fail("sync --dataset {}: Dolt branch {} exists but has no table {}(path, "
                            "annex_key), so it is not this dataset's empty table; choose another "
                            "name",
                            name_, name_, name_);
            }
            return {};
        }
        auto root = single_value(main_, "SELECT commit_hash FROM dolt_log ORDER BY date ASC LIMIT 1");
        if (!root) return std::unexpected(root.error());
        if (!*root) return fail("sync --dataset: the Dolt database has no commit");
        if (auto made = call(main_, "CALL DOLT_BRANCH(?, ?)", {name_, **root}); !made) {
            return std::unexpected(made.error());
        }
        auto filled = [&]() -> Result<void> {
            auto connection = connect_to(name_);
            if (!connection) return std::unexpected(connection.error());
            auto tables = connection->query("SHOW TABLES");
            if (!tables) return std::unexpected(tables.error());
            for (const Row& row : *tables) {
                if (row[0] && *row[0] != name_) {
                    if (auto dropped = connection->execute("DROP TABLE " + backticked(*row[0]));
                        !dropped) {
                        return dropped;
                    }
                }
            }
            // Unquoted, as dolt-annex writes it: a name SQL cannot take fails here.
            auto created = connection->execute(fmt::format(
                "CREATE TABLE {} ("
                " path VARCHAR(2048) COLLATE utf8mb4_0900_bin NOT NULL PRIMARY KEY,"
                " annex_key VARCHAR(512) COLLATE utf8mb4_0900_bin NOT NULL,"
                " KEY by_annex_key (annex_key))",
                name_));
            if (!created) {
                return fail("sync --dataset {}: cannot create table {} ({}); choose another name",
                            name_, name_, created.error().message);
            }
            return call(*connection, "CALL DOLT_COMMIT('-A', '-m', ?, '--author', ?)",
                        {fmt::format("git-annex-dolt sync --dataset {}: the empty table", name_),
                         core::location::kCommitAuthor});
        }();
        if (!filled) {
            (void)call(main_, "CALL DOLT_BRANCH('-D', ?)", {name_});
            return filled;
        }
        return {};
    }

    // NAME.dataset, as dolt-annex reads it (JSON, which its JSON5 parser accepts; exactly the
    // fields it knows).
    std::string definition() const {
        return fmt::format(
            "{{\n"
            "    \"name\": \"{0}\",\n"
            "    \"tables\": [\n"
            "        {{\n"
            "            \"name\": \"{0}\",\n"
            "            \"file_column\": \"annex_key\",\n"
            "            \"key_columns\": [\"path\"]\n"
            "        }}\n"
            "    ],\n"
            "    \"empty_table_ref\": \"{0}\"\n"
            "}}\n",
            name_);
    }

    // True when NAME.dataset is still to be written; fails when it defines something else.
    Result<bool> definition_missing() const {
        const fs::path path = summary_.definition;
        if (!fs::exists(path)) return true;
        std::ifstream in(path);
        std::stringstream text;
        text << in.rdbuf();
        auto squeezed = [](std::string s) {
            std::erase_if(s, [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; });
            return s;
        };
        if (squeezed(text.str()) != squeezed(definition())) {
            return fail("sync --dataset {}: {} exists and defines another dataset than "
                        "git-annex-dolt writes (a table {}(path, annex_key) on branch {}); "
                        "choose another name",
                        name_, path.string(), name_, name_);
        }
        return false;
    }

    // Every repository with a present location, and every repository that has a branch.
    Result<std::vector<std::string>> repository_uuids() {
        std::set<std::string> uuids;
        auto streamed = main_.for_each("SELECT DISTINCT uuid FROM locations WHERE status = ?",
                                       {std::string_view("1")}, [&](const Row& row) -> Result<void> {
                                           if (row[0] && dolt_annex_uuid(*row[0])) {
                                               uuids.insert(*row[0]);
                                           }
                                           return {};
                                       });
        if (!streamed) return std::unexpected(streamed.error());
        auto names = branches();
        if (!names) return std::unexpected(names.error());
        branches_ = std::move(*names);
        const std::string suffix = "-" + name_;
        for (const std::string& branch : branches_) {
            // union-* branches are dolt-annex's own; they never parse as <uuid>-NAME.
            if (branch.size() == 36 + suffix.size() && branch.ends_with(suffix) &&
                core::dolt::is_uuid(std::string_view(branch).substr(0, 36))) {
                uuids.insert(branch.substr(0, 36));
            }
        }
        return std::vector<std::string>(uuids.begin(), uuids.end());
    }

    // True when uuid may name a dolt-annex branch: a git-annex UUID in lower case, as dolt-annex
    // writes them. Others are refused (counted and reported).
    bool dolt_annex_uuid(std::string_view uuid) {
        auto where = [] { return "table locations, for a dataset branch"; };
        if (!gate_.admit(core::annex_values::Kind::uuid, uuid, where)) return false;
        if (core::dolt::is_uuid(uuid)) return true;
        gate_.refuse({core::annex_values::Kind::uuid, std::string(uuid),
                      "not in lower case, as dolt-annex names its branches", where()});
        return false;
    }

    // The newest commits of git-annex-dolt sync --dataset on the branch: by any git-annex
    // repository (what dolt-annex did is what came after it; another git-annex repository's
    // writes come from the same location tables), and by this one (its locations trailer).
    Result<LastCommits> last_commits(Connection& branch) {
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

    // Which of keys a commit of the branch (or its working set, when commit is empty) holds.
    Result<std::set<std::string>> keys_held(Connection& branch, const std::string& commit,
                                            const std::vector<std::string>& keys) {
        std::set<std::string> held;
        for (std::size_t at = 0; at < keys.size(); at += kInListRows) {
            const std::size_t n = std::min(kInListRows, keys.size() - at);
            std::vector<Param> params;
            for (std::size_t i = 0; i < n; ++i) params.emplace_back(std::string_view(keys[at + i]));
            // A commit as the database `db/<hash>` (Dolt 1.86 crashes preparing "AS OF ?"); the
            // hash is a checked Dolt hash.
            auto rows = branch.query(
                fmt::format("SELECT DISTINCT annex_key FROM {}{} WHERE annex_key IN ({})",
                            commit.empty() ? "" : revision(commit) + ".", backticked(name_),
                            placeholders(n)),
                params);
            if (!rows) return std::unexpected(rows.error());
            for (const Row& row : *rows) {
                if (row[0]) held.insert(*row[0]);
            }
        }
        return held;
    }

    // Location facts of uuid for keys a change of the branch touched: each key's presence as the
    // changed commit (or working set: commit empty) holds it. A fact is recorded when it differs
    // from the table's, and the table's row is older than the change (dated) or was written by
    // this run: git-annex's newest-wins rule, applied at the time dolt-annex made the change.
    // It is written with a timestamp of this run, so the export that follows sees it.
    Result<void> record_facts(Connection& branch, std::string_view uuid, const std::string& commit,
                              const Timestamp& dated, std::map<std::string, bool>& touched) {
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

    static bool touched_added_or_held(const std::string& key, const std::vector<std::string>& unsure,
                                      const std::set<std::string>& held) {
        return !std::ranges::binary_search(unsure, key) || held.contains(key);
    }

    // The newest timestamp this run has written: started_ plus one picosecond per fact.
    Timestamp written_through() const {
        Timestamp ts = started_;
        ts.picoseconds += sequence_;
        ts.seconds += static_cast<std::int64_t>(ts.picoseconds / 1'000'000'000'000ULL);
        ts.picoseconds %= 1'000'000'000'000ULL;
        return ts;
    }

    // The changes between two revisions of the branch, as facts dated `dated`.
    Result<void> flow_diff(Connection& reader, Connection& branch, std::string_view uuid,
                           const std::string& from, const std::string& to, const Timestamp& dated) {
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

    // What dolt-annex did on the branch since our last commit there (or since it was made from
    // the empty table): each commit in turn, oldest first, then the uncommitted working set.
    // Returns whether there were such commits.
    Result<bool> flow_back(std::string_view uuid, Connection& reader, Connection& branch,
                           const LastCommits& last) {
        std::string since;
        if (!last.any.empty()) {
            since = last.any;
        } else {
            auto base = single_value(reader, "SELECT DOLT_MERGE_BASE(?, ?)",
                                     {name_, branch_of(uuid)});
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
            auto rows = reader.query(fmt::format(
                "SELECT commit_hash, UNIX_TIMESTAMP(date), parents FROM dolt_log('{}..{}', "
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

    // Rows of annexed files that left this git-annex repository's tree since `locations` (the
    // location tables' commit our last write was computed from): removed where they still hold
    // the key we wrote. Rows at paths the tree never had are dolt-annex's own and stay.
    Result<void> remove_left_files(Connection& branch, const std::string& locations,
                                   const std::string& now, std::size_t& removed) {
        std::vector<PathRow> left;
        auto flush = [&]() -> Result<void> {
            if (left.empty()) return {};
            std::vector<Param> params;
            for (const PathRow& row : left) params.emplace_back(std::string_view(row.path));
            auto rows = branch.query(fmt::format("SELECT path, annex_key FROM {} WHERE path IN ({})",
                                                 backticked(name_), placeholders(left.size())),
                                     params);
            if (!rows) return std::unexpected(rows.error());
            std::vector<std::string> doomed;
            for (const Row& row : *rows) {
                if (!row[0] || !row[1]) continue;
                auto wrote = std::ranges::find(left, *row[0], &PathRow::path);
                if (wrote != left.end() && wrote->key == *row[1]) doomed.push_back(*row[0]);
            }
            left.clear();
            return remove_rows(branch, doomed, removed);
        };
        auto streamed = main_.for_each(
            "SELECT from_path, from_annex_key FROM dolt_commit_diff_annexed_files WHERE "
            "from_commit = ? AND to_commit = ? AND diff_type = 'removed' AND from_annex_uuid = ?",
            {locations, now, annex_uuid_}, [&](const Row& row) -> Result<void> {
                if (!row[0] || !row[1]) return {};
                left.push_back(PathRow{*row[0], *row[1]});
                return left.size() >= kInListRows ? flush() : Result<void>{};
            });
        if (!streamed) return streamed;
        return flush();
    }

    Result<void> remove_rows(Connection& branch, const std::vector<std::string>& paths,
                             std::size_t& removed) {
        for (std::size_t at = 0; at < paths.size(); at += kInListRows) {
            const std::size_t n = std::min(kInListRows, paths.size() - at);
            std::vector<Param> params;
            for (std::size_t i = 0; i < n; ++i) params.emplace_back(std::string_view(paths[at + i]));
            auto ran = branch.run(fmt::format("DELETE FROM {} WHERE path IN ({})", backticked(name_),
                                              placeholders(n)),
                                  params);
            if (!ran) return std::unexpected(ran.error());
            removed += *ran;
        }
        return {};
    }

    Result<void> write_rows(Connection& branch, const std::vector<PathRow>& rows,
                            std::size_t& added) {
        if (rows.empty()) return {};
        std::vector<Param> params;
        for (const PathRow& row : rows) {
            params.emplace_back(std::string_view(row.path));
            params.emplace_back(std::string_view(row.key));
        }
        std::string values;
        for (std::size_t i = 0; i < rows.size(); ++i) values += i == 0 ? "(?, ?)" : ", (?, ?)";
        auto ran = branch.run(fmt::format("REPLACE INTO {} (path, annex_key) VALUES {}",
                                          backticked(name_), values),
                              params);
        if (!ran) return std::unexpected(ran.error());
        added += rows.size();
        return {};
    }

    Result<KeySet> present_keys(std::string_view uuid) {
        KeySet keys;
        auto streamed = main_.for_each(
            "SELECT annex_key FROM locations WHERE uuid = ? AND status = ?",
            {uuid, std::string_view("1")}, [&](const Row& row) -> Result<void> {
                if (row[0]) keys.add(*row[0]);
                return {};
            });
        if (!streamed) return std::unexpected(streamed.error());
        keys.finish();
        return keys;
    }

    // Brings the branch of one repository up to date, after recording what dolt-annex changed.
    Result<void> sync_repository(const std::string& uuid) {
        const std::string branch_name = branch_of(uuid);
        const bool existed = branches_.contains(branch_name);
        std::optional<Connection> reader, branch;
        LastCommits last;
        bool theirs = false;  // dolt-annex committed on the branch since our last commit
        if (existed) {
            auto opened = connect_to(branch_name);
            if (!opened) return std::unexpected(opened.error());
            reader.emplace(std::move(*opened));
            opened = connect_to(branch_name);
            if (!opened) return std::unexpected(opened.error());
            branch.emplace(std::move(*opened));
            auto read = last_commits(*reader);
            if (!read) return std::unexpected(read.error());
            last = std::move(*read);
            auto flowed = flow_back(uuid, *reader, *branch, last);
            if (!flowed) return std::unexpected(flowed.error());
            theirs = *flowed;
            // The facts, in a commit of the location tables before we read them back.
            auto committed = database_.store->dolt_commit(fmt::format(
                "git-annex-dolt sync --dataset {}: locations dolt-annex recorded on {}", name_,
                branch_name));
            if (!committed) return std::unexpected(committed.error());
        }
        auto keys = present_keys(uuid);
        if (!keys) return std::unexpected(keys.error());
        if (keys->empty() && !existed) return {};
        auto now = single_value(main_, "SELECT HASHOF('HEAD')");
        if (!now) return std::unexpected(now.error());
        const std::string locations = now->value_or("");

        std::size_t added = 0, removed = 0;
        if (existed && !last.locations.empty() && last.locations != locations) {
            if (auto done = remove_left_files(*branch, last.locations, locations, removed); !done) {
                return done;
            }
        }

        // The annexed files against the branch, both in path order.
        std::vector<PathRow> writes;
        std::vector<std::string> removals;
        auto flush = [&](bool all) -> Result<void> {
            if (!writes.empty() && (all || writes.size() >= kWriteRows)) {
                if (!branch) {
                    if (auto made = call(main_, "CALL DOLT_BRANCH(?, ?)", {branch_name, name_});
                        !made) {
                        return std::unexpected(made.error());
                    }
                    auto opened = connect_to(branch_name);
                    if (!opened) return std::unexpected(opened.error());
                    branch.emplace(std::move(*opened));
                    ++summary_.created;
                }
                if (auto done = write_rows(*branch, writes, added); !done) return done;
                writes.clear();
            }
            if (!removals.empty() && (all || removals.size() >= kInListRows)) {
                if (auto done = remove_rows(*branch, removals, removed); !done) return done;
                removals.clear();
            }
            return {};
        };
        PathPages files(main_,
                        fmt::format("SELECT path, annex_key FROM annexed_files WHERE annex_uuid = ? "
                                    "AND path > ? ORDER BY {} LIMIT {}",
                                    core::location::annexed_files_path_order(main_), kPageRows),
                        {annex_uuid_}, "annexed_files");
        std::optional<PathPages> rows;
        if (reader) {
            rows.emplace(*reader,
                         fmt::format("SELECT path, annex_key FROM {} WHERE path > ? ORDER BY path "
                                     "LIMIT {}",
                                     backticked(name_), kPageRows),
                         std::vector<std::string>{}, "branch " + branch_name);
        }
        const bool count_left_out = !left_out_counted_;
        left_out_counted_ = true;
        while (true) {
            auto file = files.peek();
            if (!file) return std::unexpected(file.error());
            const PathRow* row = nullptr;
            if (rows) {
                auto peeked = rows->peek();
                if (!peeked) return std::unexpected(peeked.error());
                row = *peeked;
            }
            const PathRow* f = *file;
            if (f == nullptr && row == nullptr) break;
            if (f == nullptr || (row != nullptr && row->path < f->path)) {
                // A row at a path the tree does not have (dolt-annex's own): kept while the
                // repository has its key, as far as the location tables know.
                if (core::Key::check_syntax(row->key) && !keys->contains(row->key)) {
                    removals.push_back(row->path);
                }
                rows->pop();
            } else {
                bool usable = dolt_annex_can_hold(f->key) && is_utf8(f->path);
                if (!usable && count_left_out) ++summary_.left_out;
                // A key that is no git-annex key (written into the tables by hand, say) would
                // become a file name in dolt-annex: refused, once per run.
                if (usable) {
                    usable = count_left_out
                                 ? gate_.admit(core::annex_values::Kind::stored_key, f->key,
                                               [&] { return fmt::format("annexed file {}", f->path); })
                                 : core::annex_values::check(core::annex_values::Kind::stored_key,
                                                             f->key)
                                       .has_value();
                }
                const bool wanted = usable && keys->contains(f->key);
                if (row != nullptr && row->path == f->path) {
                    if (!wanted) {
                        removals.push_back(row->path);
                    } else if (row->key != f->key) {
                        writes.push_back(*f);
                    }
                    rows->pop();
                } else if (wanted) {
                    writes.push_back(*f);
                }
                files.pop();
            }
            if (auto done = flush(false); !done) return done;
        }
        if (auto done = flush(true); !done) return done;
        if (!branch) return {};
        ++summary_.branches;
        summary_.rows_added += added;
        summary_.rows_removed += removed;
        // Also commits what dolt-annex left uncommitted (recorded above as facts already). After
        // commits of dolt-annex, even an empty commit: the next sync reads on from it.
        return call(*branch,
                    theirs ? "CALL DOLT_COMMIT('-A', '--allow-empty', '-m', ?, '--author', ?)"
                           : "CALL DOLT_COMMIT('-A', '--skip-empty', '-m', ?, '--author', ?)",
                    {fmt::format("git-annex-dolt sync --dataset {}: {} rows written, {} removed "
                                 "for repository {}\n\n{}{}\n{}{}\n",
                                 name_, added, removed, uuid, kAnnexTrailer, annex_uuid_,
                                 kLocationsTrailer, locations),
                     core::location::kCommitAuthor});
    }

    // repos/<name>.repo for every other git-annex-remote-dolt special remote whose objects
    // dolt-annex can read: unencrypted and unchunked, in an SFTP filestore or in the annex/ of a
    // dolt-annex repository directory on this machine. (This directory's own filestore is
    // repos/__local__.repo already.) Existing files for the same UUID are left as they are.
    Result<void> write_repo_files() {
        auto rows = main_.query(
            "SELECT uuid, remote_config FROM repositories WHERE remote_config IS NOT NULL");
        if (!rows) return std::unexpected(rows.error());
        for (const Row& row : *rows) {
            if (!row[0] || !row[1] || !core::dolt::is_uuid(*row[0]) || *row[0] == local_uuid_) {
                continue;
            }
            std::map<std::string, std::string> config;
            for (auto& [key, value] : logs::parse_remote_config(*row[1])) config[key] = value;
            auto get = [&](const std::string& key) {
                auto it = config.find(key);
                return it == config.end() ? std::string() : it->second;
            };
            if (get("type") != "external" || get("externaltype") != "dolt") continue;
            const std::string encryption = get("encryption");
            if (!encryption.empty() && encryption != "none") continue;
            if (!get("chunk").empty() || !get("chunksize").empty()) continue;
            core::filestore::RepoFilestore filestore;
            if (const std::string url = get("filestore"); !url.empty()) {
                auto checked = core::filestore::check_filestore(url);
                if (!checked) continue;
                filestore.where = std::move(*checked);
                if (const std::string file = get("identityfile"); !file.empty()) {
                    filestore.options.identity_file = file;
                }
            } else {
                const fs::path directory = get("directory");
                if (!directory.is_absolute() ||
                    core::dolt::read_repo_uuid(directory / "repos" / "__local__.repo") != *row[0]) {
                    continue;
                }
                filestore.where = (directory / "annex").string();
            }
            auto written = write_repo_file(*row[0], get("name"), filestore);
            if (!written) return written;
        }
        return {};
    }

    Result<void> write_repo_file(const std::string& uuid, std::string name,
                                 const core::filestore::RepoFilestore& filestore) {
        // dolt-annex finds a repository by its file name, cut at the first '.'.
        for (char& c : name) {
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') c = '_';
        }
        if (name.empty() || name == kLocalRepo) name = "remote";
        const fs::path directory = root_ / "repos";
        for (const std::string& candidate : {name, fmt::format("{}-{}", name, uuid.substr(0, 8))}) {
            const fs::path file = directory / (candidate + ".repo");
            if (fs::exists(file)) {
                if (core::dolt::read_repo_uuid(file) == uuid) return {};
                continue;
            }
            auto written = core::dolt::write_repo_file(file, candidate, uuid, filestore);
            if (!written) return written;
            ++summary_.repo_files;
            return {};
        }
        return {};  // both names taken by other repositories: leave them be
    }

    fs::path root_;
    std::string local_uuid_;
    core::location::LocationDatabase& database_;
    Connection& main_;
    std::string name_, annex_uuid_;
    std::string db_, main_branch_;
    std::set<std::string> branches_;
    Timestamp started_;
    std::uint64_t sequence_ = 0;
    bool left_out_counted_ = false;
    DatasetSummary summary_;
    core::annex_values::Gate gate_;
};

}  // namespace

Result<void> check_dataset_name(std::string_view name) {
    const bool ok =
        !name.empty() && name.size() <= kMaxNameLength &&
        ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z')) &&
        std::ranges::all_of(name, [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '_';
        });
    std::string lower(name);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!ok || lower.starts_with("dolt_")) {
        return fail("bad dataset name '{}': use ASCII letters, digits and '_', starting with a "
                    "letter, at most {} characters, not starting with dolt_ (dolt-annex uses it "
                    "unquoted as an SQL table name, and in file and branch names)",
                    name, kMaxNameLength);
    }
    return {};
}

std::string DatasetSummary::json() const {
    return fmt::format(
        R"({{"name":"{}","definition":{},"branches":{},"created":{},"rows_added":{},)"
        R"("rows_removed":{},"present_facts":{},"missing_facts":{},"bad_keys":{},"repo_files":{},)"
        R"("left_out":{},"refused":{}}})",
        name, core::dolt::json_string(definition), branches, created, rows_added, rows_removed,
        present_facts, missing_facts, bad_keys, repo_files, left_out, refused);
}

std::string DatasetSummary::text() const {
    return fmt::format(
        "sync --dataset {}: {} repository branches ({} new), {} rows written, {} removed; {} rows "
        "dolt-annex added and {} it removed recorded as locations; {} repos/*.repo written{}{}\n",
        name, branches, created, rows_added, rows_removed, present_facts, missing_facts,
        repo_files,
        left_out == 0 ? std::string()
                      : fmt::format("; {} files left out (not SHA256E keys or not UTF-8 paths)",
                                    left_out),
        refused == 0 ? std::string()
                     : fmt::format("; {} values refused (named on stderr)", refused));
}

Result<std::optional<DatasetSummary>> sync_dataset(
    const git::Repository& repository, std::string_view annex_uuid, OpenDatabase& open,
    const std::optional<std::string>& name, const core::annex_values::RefusalSink& refused_sink) {
    std::optional<std::string> chosen = name;
    if (!chosen) {
        auto remembered = repository.config(kDatasetConfig);
        if (!remembered) return std::unexpected(remembered.error());
        if (!*remembered) return std::nullopt;
        chosen = **remembered;
    }
    if (auto checked = check_dataset_name(*chosen); !checked) {
        if (name) return std::unexpected(checked.error());
        return fail("git config {}: {}", kDatasetConfig, checked.error().message);
    }
    if (!open.repository) {
        return fail("sync --dataset {}: a dataset lives in a dolt-annex repository directory "
                    "(git-annex-dolt migrate --to PATH), and the location database of this "
                    "repository is the server {}{}",
                    *chosen, open.database.description,
                    name ? "" : fmt::format(" (git config --unset {} stops this)", kDatasetConfig));
    }
    DatasetSync sync(*open.repository, open.database, *chosen, std::string(annex_uuid),
                     refused_sink);
    auto summary = sync.run();
    if (!summary) return std::unexpected(summary.error());
    if (name) {
        if (auto remembered = repository.set_config(kDatasetConfig, *name); !remembered) {
            return std::unexpected(remembered.error());
        }
    }
    return std::move(*summary);
}

}  // namespace gad::compat::sync
