// The pieces git-annex-dolt sync --dataset shares between its files: the constants of the
// dolt-annex dataset layout, checks of names and values dolt-annex can take, and (path, key) rows
// read a page at a time. Internal to compat/sync/dataset_*.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dolt/written_mark.h"
#include "core/failure.h"
#include "core/sql/connection.h"
#include "core/utf8.h"

namespace gad::compat::sync::dataset {

using core::fail;
using core::Result;
using core::sql::Connection;
using core::sql::Param;
using core::sql::Row;

// Trailers of the commits we make on <uuid>-NAME branches: whose files they hold, and the commit
// of the location tables they were computed from. They tell our writes from dolt-annex's.
inline constexpr std::string_view kAnnexTrailer = "git-annex-dolt-annex: ";
inline constexpr std::string_view kLocationsTrailer = "git-annex-dolt-locations: ";
inline constexpr std::string_view kLocalRepo = "__local__";
inline constexpr std::size_t kMaxNameLength = 64;
inline constexpr std::size_t kPageRows = 5000;   // rows per page of a path-ordered read
inline constexpr std::size_t kWriteRows = 1000;  // rows per multi-row REPLACE
inline constexpr std::size_t kInListRows = 200;  // values per IN (...) list (Dolt slows beyond)

// identifier quoted for MySQL: in backticks, each backtick doubled.
std::string backticked(std::string_view identifier);

using core::dolt::is_dolt_hash;  // (core/dolt/written_mark.h)

using core::is_utf8;  // (core/utf8.h)

// dolt-annex (v0.4) knows SHA256E keys only; other keys in its tables break its commands.
bool dolt_annex_can_hold(std::string_view key);

struct PathRow {
    std::string path, key;
};

// (path, key) rows of one query, read a page at a time in path order (primary-key order, which
// Dolt reads without sorting). sql takes the fixed params, then "path > ?", and orders by path.
class PathPages {
  public:
    PathPages(Connection& connection, std::string sql, std::vector<std::string> fixed,
              std::string what)
        : connection_(connection),
          sql_(std::move(sql)),
          fixed_(std::move(fixed)),
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
                    return fail(
                        "{} came back out of byte order ('{}' after '{}'): cannot "
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
std::string placeholders(std::size_t n);

// The first column of the first row sql returns, or nullopt for none or NULL.
Result<std::optional<std::string>> single_value(Connection& connection, std::string_view sql,
                                                const std::vector<Param>& params = {});

// Runs sql (a CALL of a Dolt procedure), discarding its rows.
Result<void> call(Connection& connection, std::string_view sql, const std::vector<Param>& params);

// What the log of a <uuid>-NAME branch and its written tag say of our writes.
struct LastCommits {
    std::string written;    // the commit our last write made (core/dolt/written_mark.h), or empty
    std::string any;        // the newest commit with our message and author, or empty
    bool amended = false;   // a newer commit has our message but another author: dolt-annex's amend
    bool ours = false;      // whether this git-annex repository made one
    std::string locations;  // the location tables' commit its newest one was computed from
};

}  // namespace gad::compat::sync::dataset
