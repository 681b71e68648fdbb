// Writes many rows into SQL tables from a background thread: rows are gathered into multi-row
// statements, statements into transactions, so that parsing and the database work at once.
// Memory is bounded by a fixed number of pending batches, and the rows held for sorting by a
// budget beyond which they spill to a temporary file (RowSorter).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "compat/migrate/row_sorter.h"
#include "core/failure.h"
#include "core/sql/connection.h"

namespace gad::compat::migrate {

using core::Result;

class BulkWriter {
  public:
    // A kind of row: how many cells it has, and the SQL writing n of them at once.
    struct Table {
        std::size_t columns = 0;
        std::function<std::string(std::size_t rows)> sql;
        std::size_t rows_per_statement = 1000;
        // When set, rows are written in batches of rows_per_load by this LOAD DATA LOCAL INFILE
        // statement (tab-separated, see sql::append_load_field) instead of by sql.
        std::string load_sql = {};
        std::size_t rows_per_load = 10000;
        // With load_sql: when set, the rows are loaded in the order of their first sort_cells
        // cells (the primary key), all at finish(), through a RowSorter.
        std::size_t sort_cells = 0;
        // Statements run once every row is written, in the last transaction, before its commit:
        // a staged load's merge into its table, and the stage's drop.
        std::vector<std::string> after_load = {};
    };

    // Starts the writer thread on connection, which nothing else may use until finish().
    BulkWriter(core::sql::Connection& connection, std::vector<Table> tables);
    BulkWriter(const BulkWriter&) = delete;
    BulkWriter& operator=(const BulkWriter&) = delete;
    // Stops the thread; rows not yet written by finish() are dropped (their transaction is not
    // committed).
    ~BulkWriter();

    // Adds one row to table (an index into the constructor's tables); cells must number the
    // table's columns. Blocks while too many batches are pending. Fails, from then on, once the
    // writer has failed.
    Result<void> add(std::size_t table, std::initializer_list<std::string_view> cells);

    // Writes every pending row (the sorted tables' last, in order; loaded(n) is told every
    // 100,000 of them), runs the tables' after_load statements, commits, and stops the thread.
    // The first failure is returned.
    Result<void> finish(const std::function<void(std::size_t rows)>& loaded = {});

  private:
    struct Batch {
        std::size_t table = 0;
        std::size_t rows = 0;
        std::string arena;              // the cells, one after another
        std::vector<std::size_t> ends;  // where each cell ends in arena
    };

    // Adds one row to the batch filling for table, submitting it when full.
    Result<void> add_to_batch(std::size_t table, std::span<const std::string_view> cells);
    void submit(Batch batch);
    void run();
    Result<void> write(const Batch& batch);

    core::sql::Connection& connection_;
    std::vector<Table> tables_;
    std::vector<Batch> filling_;                       // one per table
    std::vector<std::unique_ptr<RowSorter>> sorters_;  // one per table; null unless it sorts
    std::size_t sorting_memory_ = 0;                   // what the sorters hold in memory

    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Batch> queue_;
    bool closing_ = false;
    std::optional<core::Failure> failure_;
    std::thread thread_;
};

}  // namespace gad::compat::migrate
