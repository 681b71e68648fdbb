// The branches of git-annex-dolt sync --dataset: the empty-table branch NAME, and each
// repository's <uuid>-NAME branch brought in line with the location tables and annexed files.
#include <algorithm>

#include "compat/sync/dataset_sync.h"
#include "core/dolt/written_mark.h"
#include "core/key.h"
#include "core/location/schema.h"

namespace gad::compat::sync::dataset {

Result<void> DatasetSync::ensure_empty_table() {
    auto names = branches();
    if (!names) return std::unexpected(names.error());
    const std::string check = fmt::format("SELECT path, annex_key FROM {}.{} LIMIT 0",
                                          revision(name_), backticked(name_));
    if (names->contains(name_)) {
        if (auto checked = main_.query(check); !checked) {
            return fail(
                "sync --dataset {}: Dolt branch {} exists but has no table {}(path, "
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
        auto created = connection->execute(
            fmt::format("CREATE TABLE {} ("
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

Result<void> DatasetSync::remove_left_files(Connection& branch, const std::string& locations,
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
        "SELECT from_path, from_annex_key FROM dolt_commit_diff_gad_annexed_files WHERE "
        "from_commit = ? AND to_commit = ? AND diff_type = 'removed' AND from_annex_uuid = ?",
        {locations, now, annex_uuid_}, [&](const Row& row) -> Result<void> {
            if (!row[0] || !row[1]) return {};
            left.push_back(PathRow{*row[0], *row[1]});
            return left.size() >= kInListRows ? flush() : Result<void>{};
        });
    if (!streamed) return streamed;
    return flush();
}

Result<void> DatasetSync::remove_rows(Connection& branch, const std::vector<std::string>& paths,
                                      std::size_t& removed) {
    for (std::size_t at = 0; at < paths.size(); at += kInListRows) {
        const std::size_t n = std::min(kInListRows, paths.size() - at);
        std::vector<Param> params;
        for (std::size_t i = 0; i < n; ++i) params.emplace_back(std::string_view(paths[at + i]));
        auto ran = branch.run(
            fmt::format("DELETE FROM {} WHERE path IN ({})", backticked(name_), placeholders(n)),
            params);
        if (!ran) return std::unexpected(ran.error());
        removed += *ran;
    }
    return {};
}

Result<void> DatasetSync::write_rows(Connection& branch, const std::vector<PathRow>& rows,
                                     std::size_t& added) {
    if (rows.empty()) return {};
    std::vector<Param> params;
    for (const PathRow& row : rows) {
        params.emplace_back(std::string_view(row.path));
        params.emplace_back(std::string_view(row.key));
    }
    std::string values;
    for (std::size_t i = 0; i < rows.size(); ++i) values += i == 0 ? "(?, ?)" : ", (?, ?)";
    auto ran = branch.run(
        fmt::format("REPLACE INTO {} (path, annex_key) VALUES {}", backticked(name_), values),
        params);
    if (!ran) return std::unexpected(ran.error());
    added += rows.size();
    return {};
}

Result<void> DatasetSync::sync_repository(const std::string& uuid) {
    BranchWrite write;
    write.uuid = uuid;
    write.branch_name = branch_of(uuid);
    const bool existed = branches_.contains(write.branch_name);
    if (existed) {
        if (auto done = flow_back_from(write); !done) return done;
    }
    auto keys = query::KeySet::present_in(main_, uuid);
    if (!keys) return std::unexpected(keys.error());
    if (keys->size() == 0 && !existed) return {};
    auto now = single_value(main_, "SELECT HASHOF('HEAD')");
    if (!now) return std::unexpected(now.error());
    const std::string locations = now->value_or("");

    if (existed && !write.last.locations.empty() && write.last.locations != locations) {
        if (auto done =
                remove_left_files(*write.branch, write.last.locations, locations, write.removed);
            !done) {
            return done;
        }
    }
    if (auto done = merge_files(write, *keys); !done) return done;
    if (!write.branch) return {};
    ++summary_.branches;
    summary_.rows_added += write.added;
    summary_.rows_removed += write.removed;
    return commit_branch(write, locations);
}

Result<void> DatasetSync::flow_back_from(BranchWrite& write) {
    auto opened = connect_to(write.branch_name);
    if (!opened) return std::unexpected(opened.error());
    write.reader.emplace(std::move(*opened));
    opened = connect_to(write.branch_name);
    if (!opened) return std::unexpected(opened.error());
    write.branch.emplace(std::move(*opened));
    auto read = last_commits(*write.reader);
    if (!read) return std::unexpected(read.error());
    write.last = std::move(*read);
    auto written = core::dolt::written_commit(main_, write.branch_name);
    if (!written) return std::unexpected(written.error());
    write.last.written = written->value_or("");
    auto flowed = flow_back(write.uuid, *write.reader, *write.branch, write.last);
    if (!flowed) return std::unexpected(flowed.error());
    write.theirs = *flowed;
    // The facts, in a commit of the location tables before we read them back.
    auto committed = database_.store->dolt_commit(
        fmt::format("git-annex-dolt sync --dataset {}: locations dolt-annex recorded on {}", name_,
                    write.branch_name));
    if (!committed) return std::unexpected(committed.error());
    return {};
}

Result<void> DatasetSync::flush(BranchWrite& write, bool all) {
    if (!write.writes.empty() && (all || write.writes.size() >= kWriteRows)) {
        if (!write.branch) {
            if (auto made = call(main_, "CALL DOLT_BRANCH(?, ?)", {write.branch_name, name_});
                !made) {
                return std::unexpected(made.error());
            }
            auto opened = connect_to(write.branch_name);
            if (!opened) return std::unexpected(opened.error());
            write.branch.emplace(std::move(*opened));
            ++summary_.created;
        }
        if (auto done = write_rows(*write.branch, write.writes, write.added); !done) return done;
        write.writes.clear();
    }
    if (!write.removals.empty() && (all || write.removals.size() >= kInListRows)) {
        auto gone = gone_paths(write.uuid, write.removals);
        if (!gone) return std::unexpected(gone.error());
        if (auto done = remove_rows(*write.branch, *gone, write.removed); !done) return done;
        write.removals.clear();
    }
    return {};
}

Result<void> DatasetSync::merge_files(BranchWrite& write, const query::KeySet& keys) {
    PathPages files(
        main_,
        fmt::format("SELECT path, annex_key FROM gad_annexed_files WHERE annex_uuid = ? "
                    "AND path > ? ORDER BY {} LIMIT {}",
                    core::location::annexed_files_path_order(main_), kPageRows),
        {annex_uuid_}, "gad_annexed_files");
    std::optional<PathPages> rows;
    if (write.reader) {
        rows.emplace(*write.reader,
                     fmt::format("SELECT path, annex_key FROM {} WHERE path > ? ORDER BY path "
                                 "LIMIT {}",
                                 backticked(name_), kPageRows),
                     std::vector<std::string>{}, "branch " + write.branch_name);
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
            // A row at a path the tree does not have (dolt-annex's own): kept unless the
            // location tables know the repository no longer has its key.
            if (core::Key::check_syntax(row->key) && !keys.contains(row->key)) {
                write.removals.push_back(*row);
            }
            rows->pop();
        } else {
            const bool wanted = wanted_file(*f, keys, count_left_out);
            if (row != nullptr && row->path == f->path) {
                if (!wanted) {
                    write.removals.push_back(*row);
                } else if (row->key != f->key) {
                    write.writes.push_back(*f);
                }
                rows->pop();
            } else if (wanted) {
                write.writes.push_back(*f);
            }
            files.pop();
        }
        if (auto done = flush(write, false); !done) return done;
    }
    return flush(write, true);
}

bool DatasetSync::wanted_file(const PathRow& file, const query::KeySet& keys, bool count_left_out) {
    bool usable = dolt_annex_can_hold(file.key) && is_utf8(file.path);
    if (!usable && count_left_out) ++summary_.left_out;
    // A key that is no git-annex key (written into the tables by hand, say) would become a file
    // name in dolt-annex: refused, once per run.
    if (usable) {
        usable = count_left_out
                     ? gate_.admit(core::annex_values::Kind::stored_key, file.key,
                                   [&] { return fmt::format("annexed file {}", file.path); })
                     : core::annex_values::check(core::annex_values::Kind::stored_key, file.key)
                           .has_value();
    }
    return usable && keys.contains(file.key);
}

Result<std::vector<std::string>> DatasetSync::gone_paths(const std::string& uuid,
                                                         const std::vector<PathRow>& rows) {
    std::set<std::string> gone;
    for (std::size_t at = 0; at < rows.size(); at += kInListRows) {
        const std::size_t n = std::min(kInListRows, rows.size() - at);
        std::vector<Param> params{std::string_view(uuid)};
        for (std::size_t i = 0; i < n; ++i) params.emplace_back(std::string_view(rows[at + i].key));
        auto found = main_.query(
            fmt::format(
                "SELECT annex_key FROM gad_locations WHERE uuid = ? AND status IN ('0', 'X') "
                "AND annex_key IN ({})",
                placeholders(n)),
            params);
        if (!found) return std::unexpected(found.error());
        for (const Row& row : *found) {
            if (row[0]) gone.insert(*row[0]);
        }
    }
    std::vector<std::string> paths;
    for (const PathRow& row : rows) {
        if (gone.contains(row.key)) paths.push_back(row.path);
    }
    return paths;
}

Result<void> DatasetSync::commit_branch(BranchWrite& write, const std::string& locations) {
    // Also commits what dolt-annex left uncommitted (recorded above as facts already). After
    // commits of dolt-annex, even an empty commit: the next sync reads on from it.
    auto committed =
        call(*write.branch,
             write.theirs ? "CALL DOLT_COMMIT('-A', '--allow-empty', '-m', ?, '--author', ?)"
                          : "CALL DOLT_COMMIT('-A', '--skip-empty', '-m', ?, '--author', ?)",
             {fmt::format("git-annex-dolt sync --dataset {}: {} rows written, {} removed "
                          "for repository {}\n\n{}{}\n{}{}\n",
                          name_, write.added, write.removed, write.uuid, kAnnexTrailer, annex_uuid_,
                          kLocationsTrailer, locations),
              core::location::kCommitAuthor});
    if (!committed) return committed;
    // What the branch holds now is what we wrote: the next flow back reads on from it, whatever
    // dolt-annex's amends do to this commit.
    auto head = single_value(*write.branch, "SELECT HASHOF('HEAD')");
    if (!head) return std::unexpected(head.error());
    if (!*head) return fail("no HEAD commit after our commit");
    return core::dolt::mark_written(main_, write.branch_name, **head);
}

}  // namespace gad::compat::sync::dataset
