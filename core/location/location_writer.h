// Records location changes for many threads through one background thread and one database
// connection: changes are grouped into SQL transactions, and on Dolt into Dolt commits made by
// count and by time and always before the writer goes away, never one commit per change. A change
// can be waited for (a removal): it is written at once, sharing its transaction with whatever
// else is queued by then (group commit).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include "core/location/location_store.h"

namespace gad::core::location {

struct WriterOptions {
    std::size_t commit_every = 1000;                                   // changes per Dolt commit
    std::chrono::milliseconds commit_after{std::chrono::seconds(10)};  // oldest uncommitted change
    std::string commit_prefix = "git-annex-remote-dolt";  // Dolt commit messages start with this
    // How long a queued change may wait for more to share its SQL transaction, unless something
    // waits for it (flush, record_now): each transaction costs Dolt about 6 ms of CPU, more than
    // git-annex's own work per small file. A crash loses at most this much of changes nobody
    // waited for (stores, which CHECKPRESENT repairs). Dolt's CPU for 2000 stores at -J1:
    // 3.8-5.9 s with 20 ms, 1.9 s with 100 ms, 0.7-1.1 s with 1 s.
    std::chrono::milliseconds gather{1000};
    // How long the writer's end may take (its last writes and Dolt commit); after that the
    // connection is cut and what is still queued is lost, so a frozen server cannot hold the
    // program's exit. The connection's own timeouts bound each statement before that.
    std::chrono::milliseconds exit_timeout{std::chrono::seconds(30)};
    std::string database = "the location database";  // named in messages
    // A removal waited for (record_now) is done only once its absence is in a Dolt commit that
    // remote origin took (remote_history.h: push_default_branch), one push per transaction;
    // otherwise it fails with Failure::Kind::unpublished naming the remote.
    bool push_removals = false;
};

// What the writer has done so far.
struct WriterStats {
    std::size_t transactions = 0;  // SQL transactions committed
    std::size_t changes = 0;       // changes written in them
};

class LocationWriter {
  public:
    LocationWriter(LocationStore store, WriterOptions options);
    // Writes everything still queued and makes the last Dolt commit, giving up (and saying so on
    // stderr) after options.exit_timeout.
    ~LocationWriter();
    LocationWriter(const LocationWriter&) = delete;
    LocationWriter& operator=(const LocationWriter&) = delete;

    // Why a change is made; counted in the Dolt commit message.
    enum class Reason { store, remove, repair };

    // Called on the writer thread once the change's transaction committed, or failed.
    using Written = std::function<void(const Result<void>&)>;

    // Queues a change and returns at once (used after a store: the object is already in place,
    // so a crash before the write only leaves the database not knowing of a copy). then, when
    // given, runs after the write (used to delete a removed object only once its absence is
    // committed).
    void record_later(LocationChange change, Reason reason, Written then = {});

    // Queues a change and waits until its SQL transaction is committed (not for the Dolt commit,
    // which follows on the usual schedule); used before a removal is reported done. Changes that
    // are queued meanwhile, by other threads too, share that transaction. Fails with the cause,
    // the table then unchanged, within the connection's timeouts.
    Result<void> record_now(LocationChange change, Reason reason);

    // Queues a check of what the table says of (key, uuid) against observed; when they differ and
    // still_true() confirms observed at writing time, observed is recorded with the current time.
    void reconcile(std::string key, std::string uuid, Presence observed,
                   std::function<bool()> still_true);

    // Waits until everything queued so far is written and committed (a Dolt commit on Dolt).
    Result<void> flush();

    WriterStats stats() const;

  private:
    struct Item {
        enum class Kind { change, check, flush } kind;
        LocationChange change;
        Reason reason = Reason::store;
        std::function<bool()> still_true;
        Written then;  // for changes: told the outcome; for flushes: told the commit's outcome
        bool urgent = false;  // someone waits for it: written without gathering
    };

    // Queues item (under mutex_).
    void enqueue(Item item);

    void run();
    void write_batch(std::vector<Item>& batch);
    Result<void> commit();
    // With push_removals, when batch holds a removal someone waits for: commits and pushes.
    Result<void> publish(const std::vector<Item>& batch);
    // Prints message on stderr (core/log.h) as one line: the database, then message.
    void report(std::string_view message) const;

    LocationStore store_;
    WriterOptions options_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable finished_wake_;
    bool finished_ = false;  // run() has returned
    std::atomic<std::size_t> transactions_{0};
    std::atomic<std::size_t> changes_written_{0};
    std::deque<Item> queue_;
    std::size_t urgent_ = 0;                              // urgent items in queue_
    std::chrono::steady_clock::time_point queued_since_;  // when queue_ last became non-empty
    bool stopping_ = false;

    // Owned by the writer thread.
    std::size_t uncommitted_ = 0;
    std::size_t counts_[3] = {0, 0, 0};
    std::chrono::steady_clock::time_point first_uncommitted_;
    std::thread thread_;
};

}  // namespace gad::core::location
