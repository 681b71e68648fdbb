#include "compat/migrate/bulk_writer.h"

#include <algorithm>
#include <filesystem>

namespace gad::compat::migrate {

namespace {

constexpr std::size_t kMaxPendingBatches = 4;
// Statements per transaction: large transactions are what makes bulk loading fast, and a
// failure midway loses nothing (every row written is a fact the next run writes again).
constexpr std::size_t kStatementsPerTransaction = 100;
// Rows held in memory for sorting, all tables together; beyond it the largest set spills.
constexpr std::size_t kSortMemory = 32u << 20;
constexpr std::size_t kLoadedEvery = 100000;

}  // namespace

BulkWriter::BulkWriter(core::sql::Connection& connection, std::vector<Table> tables)
    : connection_(connection),
      tables_(std::move(tables)),
      filling_(tables_.size()),
      sorters_(tables_.size()) {
    std::error_code error;
    std::filesystem::path spill_dir = std::filesystem::temp_directory_path(error);
    if (error) spill_dir = "/tmp";
    for (std::size_t i = 0; i < tables_.size(); ++i) {
        filling_[i].table = i;
        const Table& table = tables_[i];
        if (table.sort_cells != 0 && !table.load_sql.empty()) {
            sorters_[i] = std::make_unique<RowSorter>(table.columns, table.sort_cells, spill_dir);
        }
    }
    thread_ = std::thread([this] { run(); });
}

BulkWriter::~BulkWriter() {
    {
        std::lock_guard lock(mutex_);
        closing_ = true;
        if (!failure_) failure_ = core::Failure{core::Failure::Kind::error, "stopped"};
        queue_.clear();
    }
    changed_.notify_all();
    if (thread_.joinable()) thread_.join();
}

Result<void> BulkWriter::add(std::size_t table, std::initializer_list<std::string_view> cells) {
    const std::span<const std::string_view> row(cells.begin(), cells.size());
    RowSorter* sorter = sorters_[table].get();
    if (!sorter) return add_to_batch(table, row);
    const std::size_t before = sorter->memory();
    sorter->add(row);
    sorting_memory_ += sorter->memory() - before;
    if (sorting_memory_ <= kSortMemory) return {};
    auto largest = std::max_element(
        sorters_.begin(), sorters_.end(),
        [](const auto& a, const auto& b) { return (a ? a->memory() : 0) < (b ? b->memory() : 0); });
    sorting_memory_ -= (*largest)->memory();
    return (*largest)->spill();
}

Result<void> BulkWriter::add_to_batch(std::size_t table, std::span<const std::string_view> cells) {
    Batch& batch = filling_[table];
    for (std::string_view cell : cells) {
        batch.arena.append(cell);
        batch.ends.push_back(batch.arena.size());
    }
    const Table& shape = tables_[table];
    if (++batch.rows < (shape.load_sql.empty() ? shape.rows_per_statement : shape.rows_per_load)) {
        return {};
    }
    Batch full = std::move(batch);
    batch = Batch{};
    batch.table = table;
    batch.arena.reserve(full.arena.size());
    batch.ends.reserve(full.ends.size());
    submit(std::move(full));
    std::lock_guard lock(mutex_);
    if (failure_) return std::unexpected(*failure_);
    return {};
}

void BulkWriter::submit(Batch batch) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return queue_.size() < kMaxPendingBatches || failure_; });
    if (failure_) return;
    queue_.push_back(std::move(batch));
    changed_.notify_all();
}

Result<void> BulkWriter::finish(const std::function<void(std::size_t rows)>& loaded) {
    std::size_t sorted_rows = 0;
    for (std::size_t table = 0; table < sorters_.size(); ++table) {
        if (!sorters_[table]) continue;
        auto drained = sorters_[table]->drain([&](std::span<const std::string_view> cells) {
            if (++sorted_rows % kLoadedEvery == 0 && loaded) loaded(sorted_rows);
            return add_to_batch(table, cells);
        });
        sorters_[table].reset();
        if (!drained) {
            std::lock_guard lock(mutex_);
            if (!failure_) failure_ = drained.error();
            break;
        }
    }
    sorting_memory_ = 0;
    for (Batch& batch : filling_) {
        if (batch.rows != 0) submit(std::move(batch));
        batch = Batch{};
    }
    {
        std::lock_guard lock(mutex_);
        closing_ = true;
    }
    changed_.notify_all();
    thread_.join();
    if (failure_) {
        (void)connection_.execute("ROLLBACK");  // a failure of ours stopped the thread mid-way
        return std::unexpected(*failure_);
    }
    return {};
}

void BulkWriter::run() {
    std::size_t in_transaction = 0;
    auto fail_with = [this](core::Failure failure) {
        (void)connection_.execute("ROLLBACK");
        std::lock_guard lock(mutex_);
        if (!failure_) failure_ = std::move(failure);
        queue_.clear();
        changed_.notify_all();
    };
    while (true) {
        Batch batch;
        {
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [&] { return !queue_.empty() || closing_ || failure_; });
            if (failure_) return;
            if (queue_.empty()) break;  // closing, and everything written
            batch = std::move(queue_.front());
            queue_.pop_front();
            changed_.notify_all();
        }
        if (in_transaction == 0) {
            if (auto begun = connection_.execute("START TRANSACTION"); !begun) {
                return fail_with(begun.error());
            }
        }
        if (auto written = write(batch); !written) return fail_with(written.error());
        if (++in_transaction == kStatementsPerTransaction) {
            in_transaction = 0;
            if (auto done = connection_.execute("COMMIT"); !done) return fail_with(done.error());
        }
    }
    for (const Table& table : tables_) {
        for (const std::string& statement : table.after_load) {
            if (in_transaction++ == 0) {
                if (auto begun = connection_.execute("START TRANSACTION"); !begun) {
                    return fail_with(begun.error());
                }
            }
            if (auto ran = connection_.execute(statement); !ran) return fail_with(ran.error());
        }
    }
    if (in_transaction != 0) {
        if (auto done = connection_.execute("COMMIT"); !done) return fail_with(done.error());
    }
}

Result<void> BulkWriter::write(const Batch& batch) {
    const Table& table = tables_[batch.table];
    if (!table.load_sql.empty()) {
        std::string text;
        text.reserve(batch.arena.size() + batch.ends.size() * 2);
        std::size_t begin = 0;
        for (std::size_t i = 0; i < batch.ends.size(); ++i) {
            core::sql::append_load_field(
                text, std::string_view(batch.arena).substr(begin, batch.ends[i] - begin));
            text += (i + 1) % table.columns == 0 ? '\n' : '\t';
            begin = batch.ends[i];
        }
        auto loaded = connection_.load_data(table.load_sql, text);
        if (!loaded) return std::unexpected(loaded.error());
        return {};
    }
    std::vector<core::sql::Param> params;
    params.reserve(batch.ends.size());
    std::size_t begin = 0;
    for (std::size_t end : batch.ends) {
        params.emplace_back(std::string_view(batch.arena).substr(begin, end - begin));
        begin = end;
    }
    auto ran = connection_.run(table.sql(batch.rows), params);
    if (!ran) return std::unexpected(ran.error());
    return {};
}

}  // namespace gad::compat::migrate
