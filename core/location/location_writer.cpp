#include "core/location/location_writer.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "core/location/remote_history.h"
#include "core/log.h"

namespace gad::core::location {

namespace {

constexpr std::size_t kMaxBatch = 4096;
constexpr std::size_t kChecksPerQuery = 256;

}  // namespace

LocationWriter::LocationWriter(LocationStore store, WriterOptions options)
    : store_(std::move(store)), options_(std::move(options)), thread_([this] { run(); }) {}

LocationWriter::~LocationWriter() {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    wake_.notify_one();
    if (!finished_wake_.wait_for(lock, options_.exit_timeout, [&] { return finished_; })) {
        lock.unlock();
        report(fmt::format(
            "no answer within {} s; location changes not yet written are lost "
            "(CHECKPRESENT or git annex fsck --from the remote repairs them)",
            std::chrono::duration_cast<std::chrono::seconds>(options_.exit_timeout).count()));
        store_.connection().interrupt();
    } else {
        lock.unlock();
    }
    thread_.join();
}

WriterStats LocationWriter::stats() const {
    return WriterStats{transactions_.load(), changes_written_.load()};
}

void LocationWriter::report(std::string_view message) const {
    log::error("{}: {}", options_.database, message);
}

void LocationWriter::enqueue(Item item) {
    {
        std::lock_guard lock(mutex_);
        if (queue_.empty()) queued_since_ = std::chrono::steady_clock::now();
        if (item.urgent) ++urgent_;
        queue_.push_back(std::move(item));
    }
    wake_.notify_one();
}

void LocationWriter::record_later(LocationChange change, Reason reason, Written then) {
    enqueue(Item{Item::Kind::change, std::move(change), reason, {}, std::move(then)});
}

Result<void> LocationWriter::record_now(LocationChange change, Reason reason) {
    std::promise<Result<void>> done;
    auto future = done.get_future();
    enqueue(Item{Item::Kind::change,
                 std::move(change),
                 reason,
                 {},
                 [&done](const Result<void>& written) { done.set_value(written); },
                 true});
    return future.get();
}

void LocationWriter::reconcile(std::string key, std::string uuid, Presence observed,
                               std::function<bool()> still_true) {
    enqueue(Item{Item::Kind::check,
                 LocationChange{std::move(key), std::move(uuid), observed, {}},
                 Reason::repair,
                 std::move(still_true),
                 {}});
}

Result<void> LocationWriter::flush() {
    std::promise<Result<void>> done;
    auto future = done.get_future();
    enqueue(Item{Item::Kind::flush,
                 {},
                 Reason::store,
                 {},
                 [&done](const Result<void>& committed) { done.set_value(committed); },
                 true});
    return future.get();
}

void LocationWriter::run() {
    std::vector<Item> batch;
    while (true) {
        bool stopping = false;
        {
            std::unique_lock lock(mutex_);
            auto ready = [&] { return stopping_ || !queue_.empty(); };
            if (uncommitted_ > 0) {
                wake_.wait_until(lock, first_uncommitted_ + options_.commit_after, ready);
            } else {
                wake_.wait(lock, ready);
            }
            // Let more changes join this transaction, unless one is waited for.
            if (!queue_.empty()) {
                wake_.wait_until(lock, queued_since_ + options_.gather, [&] {
                    return stopping_ || urgent_ > 0 || queue_.size() >= kMaxBatch;
                });
            }
            while (!queue_.empty() && batch.size() < kMaxBatch) {
                if (queue_.front().urgent) --urgent_;
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
            // What is left over has gathered long enough: the next round takes it at once.
            if (!queue_.empty()) queued_since_ = std::chrono::steady_clock::now() - options_.gather;
            stopping = stopping_ && queue_.empty();
        }
        if (!batch.empty()) write_batch(batch);
        batch.clear();
        const bool due = uncommitted_ >= options_.commit_every ||
                         (uncommitted_ > 0 && std::chrono::steady_clock::now() >=
                                                  first_uncommitted_ + options_.commit_after);
        if (due || (stopping && uncommitted_ > 0)) {
            if (auto committed = commit(); !committed) {
                report("Dolt commit failed: " + committed.error().message);
            }
        }
        if (stopping) {
            std::lock_guard lock(mutex_);
            finished_ = true;
            finished_wake_.notify_all();
            return;
        }
    }
}

void LocationWriter::write_batch(std::vector<Item>& batch) {
    std::vector<LocationChange> changes;
    std::vector<Reason> reasons;
    changes.reserve(batch.size());

    // Checks: read what the table says of all of them at once, keep those that disagree.
    std::map<std::string, std::vector<Item*>> checks_by_uuid;
    for (Item& item : batch) {
        if (item.kind == Item::Kind::check) checks_by_uuid[item.change.uuid].push_back(&item);
    }
    for (auto& [uuid, checks] : checks_by_uuid) {
        for (std::size_t start = 0; start < checks.size(); start += kChecksPerQuery) {
            const std::size_t count = std::min(kChecksPerQuery, checks.size() - start);
            std::string sql =
                "SELECT annex_key, status FROM gad_locations WHERE uuid = ? AND annex_key IN (";
            std::vector<sql::Param> params{std::string_view(uuid)};
            for (std::size_t i = 0; i < count; ++i) {
                sql += i == 0 ? "?" : ", ?";
                params.emplace_back(std::string_view(checks[start + i]->change.key));
            }
            sql += ")";
            auto rows = store_.connection().query(sql, params);
            if (!rows) {
                report("checking locations failed: " + rows.error().message);
                continue;
            }
            std::map<std::string_view, char> known;
            for (const sql::Row& row : *rows) {
                if (row[0] && row[1] && !row[1]->empty()) known[*row[0]] = (*row[1])[0];
            }
            for (std::size_t i = 0; i < count; ++i) {
                Item& check = *checks[start + i];
                auto found = known.find(check.change.key);
                const bool agrees =
                    found == known.end()
                        ? check.change.presence != Presence::present
                        : found->second == to_char(check.change.presence) ||
                              (found->second == 'X' && check.change.presence == Presence::missing);
                if (agrees || !check.still_true()) continue;
                check.change.timestamp = Timestamp::now();
                changes.push_back(std::move(check.change));
                reasons.push_back(Reason::repair);
            }
        }
    }

    for (Item& item : batch) {
        if (item.kind != Item::Kind::change) continue;
        changes.push_back(item.change);
        reasons.push_back(item.reason);
    }
    Result<void> written = store_.record(changes);
    if (written) {
        if (uncommitted_ == 0 && !changes.empty()) {
            first_uncommitted_ = std::chrono::steady_clock::now();
        }
        uncommitted_ += changes.size();
        for (Reason reason : reasons) ++counts_[static_cast<int>(reason)];
        if (!changes.empty()) ++transactions_;
        changes_written_ += changes.size();
        written = publish(batch);
    } else {
        // Those waited for get the failure themselves; the others are only reported here.
        std::size_t unwaited = changes.size();
        for (const Item& item : batch) unwaited -= item.kind == Item::Kind::change && item.urgent;
        if (unwaited > 0) {
            report(fmt::format("recording {} location change(s) failed: {}", unwaited,
                               written.error().message));
        }
    }
    for (Item& item : batch) {
        if (item.kind == Item::Kind::change && item.then) item.then(written);
        if (item.kind == Item::Kind::flush) item.then(written ? commit() : written);
    }
}

Result<void> LocationWriter::publish(const std::vector<Item>& batch) {
    if (!options_.push_removals) return {};
    const bool waited = std::ranges::any_of(batch, [](const Item& item) {
        return item.kind == Item::Kind::change && item.urgent && item.reason == Reason::remove;
    });
    if (!waited) return {};
    Result<void> pushed = commit();
    if (pushed) pushed = push_default_branch(store_.connection());
    if (pushed) return {};
    return fail(Failure::Kind::unpublished, "{}", pushed.error().message);
}

Result<void> LocationWriter::commit() {
    if (uncommitted_ == 0) return {};
    std::string message = options_.commit_prefix + ":";
    const char* names[3] = {"stored", "removed", "repaired"};
    const char* separator = " ";
    for (int i = 0; i < 3; ++i) {
        if (counts_[i] == 0) continue;
        message += fmt::format("{}{} {}", separator, names[i], counts_[i]);
        separator = ", ";
    }
    auto committed = store_.dolt_commit(message);
    if (!committed) return std::unexpected(committed.error());
    uncommitted_ = 0;
    counts_[0] = counts_[1] = counts_[2] = 0;
    return {};
}

}  // namespace gad::core::location
