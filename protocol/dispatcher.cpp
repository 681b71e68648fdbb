// The calling thread reads and parses every line. Without ASYNC it also serves each request, and a
// handler's query reads its reply from the same loop. With ASYNC it routes each tagged message to
// its job's inbox, where that job's worker thread serves requests and receives query replies.
#include "protocol/dispatcher.h"

#include <fmt/format.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "protocol/errors.h"
#include "protocol/line_codec.h"

namespace gad::protocol {
namespace {

using Status = SessionResult::Status;

// ---- Replies as lines ------------------------------------------------------------------------

std::vector<FromRemote> lines(const std::vector<Config>& configs) {
    std::vector<FromRemote> out(configs.begin(), configs.end());
    out.emplace_back(ConfigEnd{});
    return out;
}

std::vector<FromRemote> lines(const std::vector<InfoItem>& items) {
    std::vector<FromRemote> out;
    for (const InfoItem& item : items) {
        out.emplace_back(InfoField{.name = item.field});
        out.emplace_back(InfoValue{.value = item.value});
    }
    out.emplace_back(InfoEnd{});
    return out;
}

template <typename Message>
std::vector<FromRemote> lines(const Message& message) {
    return {FromRemote(message)};
}

template <typename... Alternatives>
std::vector<FromRemote> lines(const std::variant<Alternatives...>& reply) {
    return std::visit([](const auto& alternative) { return lines(alternative); }, reply);
}

// ---- A job's inbox ---------------------------------------------------------------------------

class Inbox {
  public:
    void push(FromAnnex message) {
        std::lock_guard lock(mutex_);
        messages_.push_back(std::move(message));
        ready_.notify_one();
    }

    // After close, pop returns what is left, then nullopt.
    void close() {
        std::lock_guard lock(mutex_);
        closed_ = true;
        ready_.notify_all();
    }

    // Blocks until a message arrives or the inbox is closed and empty.
    std::optional<FromAnnex> pop() {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return closed_ || !messages_.empty(); });
        if (messages_.empty()) return std::nullopt;
        FromAnnex message = std::move(messages_.front());
        messages_.pop_front();
        return message;
    }

  private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<FromAnnex> messages_;
    bool closed_ = false;
};

// ---- The conversation ------------------------------------------------------------------------

// What a request's handling needs to remember between messages of one job.
struct Job {
    std::optional<unsigned> id;                // nullopt without ASYNC.
    std::optional<std::string> export_name{};  // From EXPORT, for the next export request.
};

class Session {
  public:
    Session(Handler& handler, const ReadLine& read_line, const WriteLine& write_line,
            const DispatcherOptions& options)
        : handler_(handler), read_line_(read_line), write_line_(write_line), options_(options) {}

    SessionResult run();

    // Writes messages as consecutive lines, tagged with `job`; dropped once the session failed.
    void send(std::optional<unsigned> job, const std::vector<FromRemote>& messages);
    // Reads until the next message for the reader loop; nullopt when the conversation is over.
    std::optional<Tagged<FromAnnex>> next_message();
    // Calls the handler for one request of `job` and writes the reply.
    void serve_request(Job& job, AnnexLink& link, const ExtensionSet& negotiated,
                       const FromAnnex& message);
    bool failed() const { return failed_; }

  private:
    class SyncLink;
    class Worker;

    // Ends the conversation with `status` (first failure wins), sending ERROR for a protocol error.
    void fail(Status status, std::string message);
    void negotiate(const Extensions& offered);
    void route(unsigned job, FromAnnex message);
    std::vector<FromRemote> answer(Job& job, Annex& annex, const FromAnnex& message);
    PrepareReply prepare_once(Annex& annex);

    Handler& handler_;
    const ReadLine& read_line_;
    const WriteLine& write_line_;
    const DispatcherOptions options_;

    // Reader thread only.
    ExtensionSet negotiated_;
    bool negotiated_once_ = false;  // git-annex sends EXTENSIONS at most once, first.
    bool input_closed_ = false;
    std::map<unsigned, std::unique_ptr<Worker>> workers_;

    std::mutex write_mutex_;  // Guards writes and result_.
    SessionResult result_;
    std::atomic<bool> failed_ = false;

    std::mutex prepare_mutex_;  // Held while the handler prepares.
    std::optional<PrepareReply> prepared_;
};

// Without ASYNC: queries read their reply through the reader loop, on the calling thread.
class Session::SyncLink : public AnnexLink {
  public:
    explicit SyncLink(Session& session) : session_(session) {}
    void send(const FromRemote& message) override { session_.send(std::nullopt, {message}); }
    FromAnnex receive() override {
        std::optional<Tagged<FromAnnex>> next = session_.next_message();
        if (!next) throw ConnectionClosed{};
        return std::move(next->message);
    }

  private:
    Session& session_;
};

// With ASYNC: one job's thread, serving the requests and replies routed to its inbox in order.
class Session::Worker : public AnnexLink {
  public:
    Worker(Session& session, unsigned id, const ExtensionSet& negotiated)
        : session_(session), job_{.id = id}, negotiated_(negotiated), thread_([this] { loop(); }) {}
    ~Worker() override {
        inbox_.close();
        thread_.join();
    }

    Inbox& inbox() { return inbox_; }
    void send(const FromRemote& message) override { session_.send(job_.id, {message}); }
    FromAnnex receive() override {
        std::optional<FromAnnex> message = inbox_.pop();
        if (!message) throw ConnectionClosed{};
        return std::move(*message);
    }

  private:
    void loop() {
        while (!session_.failed()) {
            std::optional<FromAnnex> message = inbox_.pop();
            if (!message) return;
            session_.serve_request(job_, *this, negotiated_, *message);
        }
    }

    Session& session_;
    Job job_;
    const ExtensionSet negotiated_;
    Inbox inbox_;
    std::thread thread_;  // Last: starts once the members it uses exist.
};

SessionResult Session::run() {
    send(std::nullopt, {Version{.version = 2}});
    Job sync_job;
    SyncLink sync_link(*this);
    while (std::optional<Tagged<FromAnnex>> next = next_message()) {
        if (const auto* offered = std::get_if<Extensions>(&next->message)) {
            negotiate(*offered);
        } else if (next->job) {
            route(*next->job, std::move(next->message));
        } else {
            serve_request(sync_job, sync_link, negotiated_, next->message);
        }
    }
    for (auto& [id, worker] : workers_) worker->inbox().close();
    workers_.clear();  // Joins: running jobs finish and write their replies.
    std::lock_guard lock(write_mutex_);
    return result_;
}

void Session::send(std::optional<unsigned> job, const std::vector<FromRemote>& messages) {
    std::lock_guard lock(write_mutex_);
    if (failed_) return;
    for (const FromRemote& message : messages) {
        write_line_(serialise(Tagged<FromRemote>{.job = job, .message = message}));
    }
}

void Session::fail(Status status, std::string message) {
    std::lock_guard lock(write_mutex_);
    if (failed_) return;
    failed_ = true;
    result_ = {.status = status, .error = std::move(message)};
    if (status == Status::protocol_error) {
        try {
            write_line_(serialise(Tagged<FromRemote>{.message = Error{.message = result_.error}}));
        } catch (...) {
            // The conversation is over either way.
        }
    }
}

std::optional<Tagged<FromAnnex>> Session::next_message() {
    while (!input_closed_ && !failed_) {
        std::optional<std::string> line = read_line_();
        if (!line) {
            input_closed_ = true;
        } else if (!line->empty()) {
            std::expected<Tagged<FromAnnex>, ParseError> parsed = parse_from_annex(*line);
            if (!parsed) {
                fail(Status::protocol_error, parsed.error().message);
            } else if (const auto* error = std::get_if<Error>(&parsed->message)) {
                fail(Status::annex_error, error->message);
            } else if (!std::holds_alternative<Extensions>(parsed->message) &&
                       parsed->job.has_value() != negotiated_.async) {
                fail(Status::protocol_error,
                     fmt::format("{} job number in \"{}\"",
                                 negotiated_.async ? "missing" : "unexpected", *line));
            } else {
                return std::move(*parsed);
            }
        }
    }
    return std::nullopt;
}

// A second EXTENSIONS is refused: withdrawing ASYNC while jobs wait for answers would leave the
// reader serving requests itself, with nobody left to route those answers.
void Session::negotiate(const Extensions& offered) {
    if (std::exchange(negotiated_once_, true)) {
        fail(Status::protocol_error, "EXTENSIONS sent twice: git-annex negotiates once");
        return;
    }
    negotiated_ = handler_.wanted_extensions() & ExtensionSet::from_names(offered.names);
    send(std::nullopt, {Extensions{.names = negotiated_.names()}});
}

void Session::route(unsigned job, FromAnnex message) {
    auto worker = workers_.find(job);
    if (worker == workers_.end()) {
        if (workers_.size() >= options_.max_jobs) {
            fail(Status::protocol_error,
                 fmt::format("job {} exceeds the limit of {} jobs", job, options_.max_jobs));
            return;
        }
        worker = workers_.emplace(job, std::make_unique<Worker>(*this, job, negotiated_)).first;
    }
    worker->second->inbox().push(std::move(message));
}

void Session::serve_request(Job& job, AnnexLink& link, const ExtensionSet& negotiated,
                            const FromAnnex& message) {
    Annex annex(link, negotiated);
    try {
        send(job.id, answer(job, annex, message));
    } catch (const ConnectionClosed&) {
        // Nobody is listening for this reply any more.
    } catch (const ProtocolViolation& violation) {
        fail(Status::protocol_error, violation.message);
    } catch (const std::exception& error) {
        fail(Status::protocol_error, error.what());
    } catch (...) {
        fail(Status::protocol_error, "the special remote failed with an unknown exception");
    }
}

// The lines answering one message from git-annex; empty for EXPORT, which gets no reply.
std::vector<FromRemote> Session::answer(Job& job, Annex& annex, const FromAnnex& message) {
    // Consumes the name given by the EXPORT before an export request.
    auto export_name = [&job](std::string_view command) {
        if (!job.export_name) {
            throw ProtocolViolation{fmt::format("{} without a preceding EXPORT", command)};
        }
        return std::exchange(job.export_name, std::nullopt).value();
    };
    return std::visit(
        [&]<typename T>(const T& request) -> std::vector<FromRemote> {
            if constexpr (std::is_same_v<T, InitRemote>) {
                return lines(handler_.init_remote(annex));
            } else if constexpr (std::is_same_v<T, Prepare>) {
                return lines(prepare_once(annex));
            } else if constexpr (std::is_same_v<T, Transfer>) {
                return lines(handler_.transfer(annex, request));
            } else if constexpr (std::is_same_v<T, CheckPresent>) {
                return lines(handler_.check_present(annex, request));
            } else if constexpr (std::is_same_v<T, Remove>) {
                return lines(handler_.remove(annex, request));
            } else if constexpr (std::is_same_v<T, ListConfigs>) {
                return lines(handler_.list_configs(annex));
            } else if constexpr (std::is_same_v<T, GetCost>) {
                return lines(handler_.get_cost(annex));
            } else if constexpr (std::is_same_v<T, GetAvailability>) {
                return lines(handler_.get_availability(annex));
            } else if constexpr (std::is_same_v<T, ClaimUrl>) {
                return lines(handler_.claim_url(annex, request));
            } else if constexpr (std::is_same_v<T, CheckUrl>) {
                return lines(handler_.check_url(annex, request));
            } else if constexpr (std::is_same_v<T, WhereIs>) {
                return lines(handler_.where_is(annex, request));
            } else if constexpr (std::is_same_v<T, GetInfo>) {
                return lines(handler_.get_info(annex));
            } else if constexpr (std::is_same_v<T, ExportSupported>) {
                return lines(handler_.export_supported(annex));
            } else if constexpr (std::is_same_v<T, Export>) {
                job.export_name = request.name;
                return {};
            } else if constexpr (std::is_same_v<T, TransferExport>) {
                return lines(handler_.transfer_export(annex, request, export_name(T::kCommand)));
            } else if constexpr (std::is_same_v<T, CheckPresentExport>) {
                return lines(
                    handler_.check_present_export(annex, request, export_name(T::kCommand)));
            } else if constexpr (std::is_same_v<T, RemoveExport>) {
                return lines(handler_.remove_export(annex, request, export_name(T::kCommand)));
            } else if constexpr (std::is_same_v<T, RemoveExportDirectory>) {
                return lines(handler_.remove_export_directory(annex, request));
            } else if constexpr (std::is_same_v<T, RenameExport>) {
                return lines(handler_.rename_export(annex, request, export_name(T::kCommand)));
            } else if constexpr (std::is_same_v<T, Unknown>) {
                return lines(UnsupportedRequest{});
            } else {
                static_assert(std::is_same_v<T, Value> || std::is_same_v<T, Creds> ||
                              std::is_same_v<T, Extensions> || std::is_same_v<T, Error>);
                throw ProtocolViolation{
                    fmt::format("unexpected \"{}\": no query is waiting for a reply",
                                serialise(Tagged<FromAnnex>{.job = job.id, .message = request}))};
            }
        },
        message);
}

PrepareReply Session::prepare_once(Annex& annex) {
    std::lock_guard lock(prepare_mutex_);
    if (!prepared_) prepared_ = handler_.prepare(annex);
    return *prepared_;
}

}  // namespace

SessionResult serve(Handler& handler, const ReadLine& read_line, const WriteLine& write_line,
                    const DispatcherOptions& options) {
    return Session(handler, read_line, write_line, options).run();
}

}  // namespace gad::protocol
