#include "compat/migrate/row_sorter.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <queue>

namespace gad::compat::migrate {

namespace {

using core::fail;

constexpr std::size_t kWriteBuffer = 1u << 20;
constexpr std::size_t kMinReadBuffer = 64u << 10, kMaxReadBuffer = 1u << 20;

std::uint32_t length_at(const char* at) {
    std::uint32_t length;
    std::memcpy(&length, at, sizeof length);
    return length;
}

// The cells of the row encoded at `at` into cells (which holds one per column).
void decode(const char* at, std::vector<std::string_view>& cells) {
    for (std::string_view& cell : cells) {
        const std::uint32_t length = length_at(at);
        cell = std::string_view(at + sizeof length, length);
        at += sizeof length + length;
    }
}

}  // namespace

// Reads one run of the spill file back, a row at a time, through a buffer of its own.
class RowSorter::Cursor {
  public:
    Cursor(int fd, Run run, std::size_t buffer, std::size_t columns, std::size_t order)
        : fd_(fd),
          pos_(run.begin),
          end_(run.end),
          buffer_(buffer, '\0'),
          cells_(columns),
          order_(order) {}

    // Moves to the next row; false at the end of the run.
    Result<bool> next() {
        at_ += row_size_;
        row_size_ = 0;
        while (true) {
            if (const std::size_t size = complete_row(); size != 0) {
                row_size_ = size;
                decode(record(), cells_);
                return true;
            }
            if (pos_ == end_) {
                if (at_ != filled_) return fail("the sort's temporary file ends inside a row");
                return false;
            }
            if (auto read = refill(); !read) return std::unexpected(read.error());
        }
    }
    const char* record() const { return buffer_.data() + at_; }
    std::span<const std::string_view> cells() const { return cells_; }
    std::size_t order() const { return order_; }

  private:
    // The size of the whole row at at_, or 0 when it is not all in the buffer yet.
    std::size_t complete_row() const {
        std::size_t size = 0;
        for (std::size_t cell = 0; cell < cells_.size(); ++cell) {
            if (filled_ - at_ - size < sizeof(std::uint32_t)) return 0;
            size += sizeof(std::uint32_t) + length_at(buffer_.data() + at_ + size);
            if (size > filled_ - at_) return 0;
        }
        return size;
    }
    Result<void> refill() {
        std::memmove(buffer_.data(), buffer_.data() + at_, filled_ - at_);
        filled_ -= at_;
        at_ = 0;
        if (filled_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);  // a row this long
        const std::size_t want = std::min(buffer_.size() - filled_, end_ - pos_);
        ssize_t got;
        do {
            got = ::pread(fd_, buffer_.data() + filled_, want, static_cast<off_t>(pos_));
        } while (got < 0 && errno == EINTR);
        if (got <= 0) {
            return fail("cannot read the sort's temporary file back: {}",
                        got < 0 ? std::strerror(errno) : "it is shorter than written");
        }
        pos_ += static_cast<std::size_t>(got);
        filled_ += static_cast<std::size_t>(got);
        return {};
    }

    int fd_;
    std::size_t pos_, end_;
    std::string buffer_;
    std::size_t at_ = 0, row_size_ = 0, filled_ = 0;
    std::vector<std::string_view> cells_;
    std::size_t order_;  // the run's place: of equal rows, the earlier run's comes first
};

RowSorter::RowSorter(std::size_t columns, std::size_t key_cells, std::filesystem::path spill_dir)
    : columns_(columns),
      key_cells_(std::clamp<std::size_t>(key_cells, 1, columns)),
      spill_dir_(std::move(spill_dir)) {}

void RowSorter::add(std::span<const std::string_view> cells) {
    index_.push_back(arena_.size());
    for (std::string_view cell : cells) {
        const auto length = static_cast<std::uint32_t>(cell.size());
        arena_.append(reinterpret_cast<const char*>(&length), sizeof length);
        arena_.append(cell);
    }
    ++rows_;
}

bool RowSorter::less(const char* a, const char* b) const {
    for (std::size_t cell = 0; cell < key_cells_; ++cell) {
        const std::uint32_t la = length_at(a), lb = length_at(b);
        a += sizeof la;
        b += sizeof lb;
        if (const int c = std::memcmp(a, b, std::min(la, lb)); c != 0) return c < 0;
        if (la != lb) return la < lb;
        a += la;
        b += lb;
    }
    return false;
}

void RowSorter::sort_index() {
    // Stable: of equal rows, the one added first stays first (as in the runs' merge).
    std::stable_sort(index_.begin(), index_.end(), [this](std::size_t a, std::size_t b) {
        return less(arena_.data() + a, arena_.data() + b);
    });
}

Result<void> RowSorter::spill() {
    if (index_.empty()) return {};
    if (!file_) {
        int fd = ::open(spill_dir_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (fd < 0) {
            // Without O_TMPFILE (some filesystems): a named file, unlinked at once.
            std::string name = (spill_dir_ / "git-annex-dolt-sort-XXXXXX").string();
            fd = ::mkstemp(name.data());
            if (fd >= 0) ::unlink(name.c_str());
        }
        if (fd < 0) {
            return fail("cannot create a temporary file for sorting rows in {}: {}",
                        spill_dir_.string(), std::strerror(errno));
        }
        file_ = core::UniqueFd(fd);
    }
    sort_index();
    Run run{file_size_, file_size_};
    std::string out;
    out.reserve(kWriteBuffer);
    auto flush = [&]() -> Result<void> {
        std::size_t done = 0;
        while (done < out.size()) {
            const ssize_t wrote = ::pwrite(file_.get(), out.data() + done, out.size() - done,
                                           static_cast<off_t>(run.end + done));
            if (wrote < 0 && errno == EINTR) continue;
            if (wrote < 0) {
                return fail("cannot write rows to sort into a temporary file in {}: {}",
                            spill_dir_.string(), std::strerror(errno));
            }
            done += static_cast<std::size_t>(wrote);
        }
        run.end += out.size();
        out.clear();
        return {};
    };
    for (const std::size_t begin : index_) {
        const char* at = arena_.data() + begin;
        std::size_t size = 0;
        for (std::size_t cell = 0; cell < columns_; ++cell) {
            size += sizeof(std::uint32_t) + length_at(at + size);
        }
        if (out.size() + size > kWriteBuffer && !out.empty()) {
            if (auto flushed = flush(); !flushed) return flushed;
        }
        out.append(at, size);
    }
    if (auto flushed = flush(); !flushed) return flushed;
    file_size_ = run.end;
    runs_.push_back(run);
    arena_.clear();
    index_.clear();
    return {};
}

Result<void> RowSorter::drain(const Emit& emit, std::size_t merge_memory) {
    Result<void> drained;
    if (runs_.empty()) {
        sort_index();
        std::vector<std::string_view> cells(columns_);
        for (std::size_t begin : index_) {
            decode(arena_.data() + begin, cells);
            if (drained = emit(cells); !drained) break;
        }
    } else {
        drained = spill();
        arena_ = std::string();  // the merge's read buffers take the memory the rows held
        index_ = std::vector<std::size_t>();
        if (drained) drained = merge(emit, merge_memory);
    }
    arena_.clear();
    arena_.shrink_to_fit();
    index_.clear();
    index_.shrink_to_fit();
    runs_.clear();
    file_.reset();
    file_size_ = 0;
    rows_ = 0;
    return drained;
}

Result<void> RowSorter::merge(const Emit& emit, std::size_t merge_memory) {
    const std::size_t buffer =
        std::clamp(merge_memory / runs_.size(), kMinReadBuffer, kMaxReadBuffer);
    std::vector<Cursor> cursors;
    cursors.reserve(runs_.size());
    for (std::size_t i = 0; i < runs_.size(); ++i) {
        cursors.emplace_back(file_.get(), runs_[i], buffer, columns_, i);
    }
    // The cursor whose row comes first on top.
    auto after = [this](const Cursor* a, const Cursor* b) {
        if (less(b->record(), a->record())) return true;
        return !less(a->record(), b->record()) && a->order() > b->order();
    };
    std::priority_queue<Cursor*, std::vector<Cursor*>, decltype(after)> heap(after);
    for (Cursor& cursor : cursors) {
        auto has = cursor.next();
        if (!has) return std::unexpected(has.error());
        if (*has) heap.push(&cursor);
    }
    while (!heap.empty()) {
        Cursor* top = heap.top();
        heap.pop();
        if (auto emitted = emit(top->cells()); !emitted) return emitted;
        auto has = top->next();
        if (!has) return std::unexpected(has.error());
        if (*has) heap.push(top);
    }
    return {};
}

}  // namespace gad::compat::migrate
