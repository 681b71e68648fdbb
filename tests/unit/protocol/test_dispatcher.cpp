#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "protocol/dispatcher.h"

namespace gad::protocol {
namespace {

using namespace std::chrono_literals;
using Lines = std::vector<std::string>;
using Status = SessionResult::Status;

constexpr auto kPatience = 5s;  // How long to wait for a line that should come.

// Plays git-annex: queues lines for the remote to read and records the lines it writes.
class FakeGitAnnex {
  public:
    // Queues a line for the remote to read.
    void say(std::string line) {
        std::lock_guard lock(mutex_);
        input_.push_back(std::move(line));
        changed_.notify_all();
    }

    // Closes the remote's stdin once the queued lines are read.
    void close() {
        std::lock_guard lock(mutex_);
        closed_ = true;
        changed_.notify_all();
    }

    std::optional<std::string> read_line() {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [this] { return closed_ || !input_.empty(); });
        if (input_.empty()) return std::nullopt;
        std::string line = std::move(input_.front());
        input_.pop_front();
        return line;
    }

    void write_line(std::string_view line) {
        std::lock_guard lock(mutex_);
        output_.emplace_back(line);
        changed_.notify_all();
    }

    // The remote's next line not yet taken, waiting for it if need be; "<nothing>" if none comes.
    std::string next_line() {
        std::unique_lock lock(mutex_);
        if (!changed_.wait_for(lock, kPatience, [this] { return taken_ < output_.size(); })) {
            return "<nothing>";
        }
        return output_[taken_++];
    }

    // Every line the remote wrote.
    Lines written() {
        std::lock_guard lock(mutex_);
        return output_;
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::string> input_;
    bool closed_ = false;
    Lines output_;
    std::size_t taken_ = 0;
};

// A handler whose replies the tests script, recording each call.
class ScriptedHandler : public Handler {
  public:
    ExtensionSet wanted;
    std::function<PrepareReply(Annex&)> on_prepare = [](Annex&) { return PrepareSuccess{}; };
    std::function<TransferReply(Annex&, const Transfer&)> on_transfer =
        [](Annex&, const Transfer& request) {
            return TransferSuccess{.direction = request.direction, .key = request.key};
        };
    std::function<CheckPresentReply(Annex&, const CheckPresent&)> on_check_present =
        [](Annex&, const CheckPresent& request) { return CheckPresentSuccess{.key = request.key}; };

    ExtensionSet wanted_extensions() const override { return wanted; }
    InitRemoteReply init_remote(Annex&) override {
        record("init_remote");
        return InitRemoteSuccess{};
    }
    PrepareReply prepare(Annex& annex) override {
        record("prepare");
        return on_prepare(annex);
    }
    TransferReply transfer(Annex& annex, const Transfer& request) override {
        record("transfer " + request.key + " " + request.file);
        return on_transfer(annex, request);
    }
    CheckPresentReply check_present(Annex& annex, const CheckPresent& request) override {
        record("check_present " + request.key);
        return on_check_present(annex, request);
    }
    RemoveReply remove(Annex&, const Remove& request) override {
        record("remove " + request.key);
        return RemoveFailure{.key = request.key, .message = "read-only"};
    }
    ListConfigsReply list_configs(Annex&) override {
        return std::vector<Config>{{.name = "url", .description = "where the database is"},
                                   {.name = "branch", .description = "which branch"}};
    }
    GetInfoReply get_info(Annex&) override {
        return std::vector<InfoItem>{{.field = "database", .value = "annex db"}};
    }
    TransferExportReply transfer_export(Annex&, const TransferExport& request,
                                        std::string_view name) override {
        record("transfer_export " + request.key + " to " + std::string(name));
        return TransferSuccess{.direction = request.direction, .key = request.key};
    }

    Lines calls() {
        std::lock_guard lock(mutex_);
        return calls_;
    }

  private:
    void record(std::string call) {
        std::lock_guard lock(mutex_);
        calls_.push_back(std::move(call));
    }

    std::mutex mutex_;
    Lines calls_;
};

// serve() running on its own thread against a FakeGitAnnex.
class Running {
  public:
    Running(Handler& handler, FakeGitAnnex& annex, DispatcherOptions options = {})
        : annex_(annex), result_(std::async(std::launch::async, [&handler, &annex, options] {
              return serve(
                  handler, [&annex] { return annex.read_line(); },
                  [&annex](std::string_view line) { annex.write_line(line); }, options);
          })) {}

    // Closes stdin and returns serve()'s result; aborts the test program if serve() hangs.
    SessionResult finish() {
        annex_.close();
        if (result_.wait_for(kPatience) != std::future_status::ready) {
            std::fprintf(stderr, "serve() did not return after stdin closed\n");
            std::abort();
        }
        return result_.get();
    }

  private:
    FakeGitAnnex& annex_;
    std::future<SessionResult> result_;
};

// Runs a whole scripted conversation: git-annex says `input`, then closes stdin.
SessionResult converse(Handler& handler, const Lines& input, Lines& output,
                       DispatcherOptions options = {}) {
    FakeGitAnnex annex;
    for (const std::string& line : input) annex.say(line);
    SessionResult result = Running(handler, annex, options).finish();
    output = annex.written();
    return result;
}

const SessionResult kOk{};

TEST(Dispatcher, SendsVersionFirst) {
    ScriptedHandler handler;
    Lines output;
    EXPECT_EQ(converse(handler, {}, output), kOk);
    EXPECT_EQ(output, Lines{"VERSION 2"});
}

TEST(Dispatcher, ServesRequestsInOrder) {
    ScriptedHandler handler;
    Lines output;
    EXPECT_EQ(converse(handler,
                       {"INITREMOTE", "PREPARE", "TRANSFER STORE KEY1 /tmp/my file",
                        "CHECKPRESENT KEY1", "REMOVE KEY1"},
                       output),
              kOk);
    EXPECT_EQ(output, (Lines{"VERSION 2", "INITREMOTE-SUCCESS", "PREPARE-SUCCESS",
                             "TRANSFER-SUCCESS STORE KEY1", "CHECKPRESENT-SUCCESS KEY1",
                             "REMOVE-FAILURE KEY1 read-only"}));
    EXPECT_EQ(handler.calls(), (Lines{"init_remote", "prepare", "transfer KEY1 /tmp/my file",
                                      "check_present KEY1", "remove KEY1"}));
}

TEST(Dispatcher, NegotiatesTheSharedExtensionsWithoutAsync) {
    ScriptedHandler handler;
    handler.wanted = {.info = true, .async = false, .get_git_remote_name = true};
    handler.on_prepare = [](Annex& annex) {
        annex.info("ready");
        return PrepareSuccess{};
    };
    Lines output;
    EXPECT_EQ(converse(handler, {"EXTENSIONS INFO ASYNC GETGITREMOTENAME", "PREPARE"}, output),
              kOk);
    EXPECT_EQ(output, (Lines{"VERSION 2", "EXTENSIONS INFO GETGITREMOTENAME", "INFO ready",
                             "PREPARE-SUCCESS"}));
}

TEST(Dispatcher, RepliesEmptyExtensionsWhenNoneAreShared) {
    ScriptedHandler handler;
    handler.wanted = {.info = false, .async = true, .get_git_remote_name = false};
    Lines output;
    EXPECT_EQ(converse(handler, {"EXTENSIONS INFO GETGITREMOTENAME", "PREPARE"}, output), kOk);
    EXPECT_EQ(output, (Lines{"VERSION 2", "EXTENSIONS ", "PREPARE-SUCCESS"}));
}

TEST(Dispatcher, NegotiatesAsync) {
    ScriptedHandler handler;
    handler.wanted = {.info = false, .async = true, .get_git_remote_name = false};
    FakeGitAnnex annex;
    Running running(handler, annex);
    EXPECT_EQ(annex.next_line(), "VERSION 2");
    annex.say("EXTENSIONS INFO ASYNC");
    EXPECT_EQ(annex.next_line(), "EXTENSIONS ASYNC");
    annex.say("J 1 PREPARE");
    EXPECT_EQ(annex.next_line(), "J 1 PREPARE-SUCCESS");
    EXPECT_EQ(running.finish(), kOk);
}

TEST(Dispatcher, WorksWithAnOldGitAnnexThatSendsNoExtensions) {
    ScriptedHandler handler;
    handler.wanted = {.info = true, .async = true, .get_git_remote_name = true};
    handler.on_prepare = [](Annex& annex) {
        annex.info("ready");
        EXPECT_EQ(annex.get_git_remote_name(), std::nullopt);
        return PrepareSuccess{};
    };
    Lines output;
    EXPECT_EQ(converse(handler, {"PREPARE", "CHECKPRESENT KEY1"}, output), kOk);
    EXPECT_EQ(output,
              (Lines{"VERSION 2", "DEBUG ready", "PREPARE-SUCCESS", "CHECKPRESENT-SUCCESS KEY1"}));
}

TEST(Dispatcher, AnswersUnknownRequestsUnsupported) {
    ScriptedHandler handler;
    Lines output;
    EXPECT_EQ(converse(handler, {"FROBNICATE now", "GETCOST", "PREPARE"}, output), kOk);
    EXPECT_EQ(output, (Lines{"VERSION 2", "UNSUPPORTED-REQUEST", "UNSUPPORTED-REQUEST",
                             "PREPARE-SUCCESS"}));
}

TEST(Dispatcher, IgnoresEmptyLines) {
    ScriptedHandler handler;
    Lines output;
    EXPECT_EQ(converse(handler, {"", "PREPARE", ""}, output), kOk);
    EXPECT_EQ(output, (Lines{"VERSION 2", "PREPARE-SUCCESS"}));
}

TEST(Dispatcher, SendsErrorAndStopsOnAMalformedLine) {
    ScriptedHandler handler;
    Lines output;
    SessionResult result = converse(handler, {"TRANSFER STORE KEY1", "PREPARE"}, output);
    const std::string error =
        R"(malformed line "TRANSFER STORE KEY1": TRANSFER takes 3 parameters)";
    EXPECT_EQ(result, (SessionResult{.status = Status::protocol_error, .error = error}));
    EXPECT_EQ(output, (Lines{"VERSION 2", "ERROR " + error}));
    EXPECT_TRUE(handler.calls().empty());
}

TEST(Dispatcher, StopsWhenGitAnnexSendsError) {
    ScriptedHandler handler;
    Lines output;
    SessionResult result = converse(handler, {"ERROR giving up", "PREPARE"}, output);
    EXPECT_EQ(result, (SessionResult{.status = Status::annex_error, .error = "giving up"}));
    EXPECT_EQ(output, Lines{"VERSION 2"});
    EXPECT_TRUE(handler.calls().empty());
}

TEST(Dispatcher, GetConfigRoundTripWithoutAsync) {
    ScriptedHandler handler;
    std::string directory;
    handler.on_prepare = [&directory](Annex& annex) {
        directory = annex.get_config("directory");
        return PrepareSuccess{};
    };
    Lines output;
    EXPECT_EQ(converse(handler, {"PREPARE", "VALUE /media/usb drive"}, output), kOk);
    EXPECT_EQ(output, (Lines{"VERSION 2", "GETCONFIG directory", "PREPARE-SUCCESS"}));
    EXPECT_EQ(directory, "/media/usb drive");
}

TEST(Dispatcher, WrongReplyToAQueryIsAProtocolError) {
    ScriptedHandler handler;
    handler.on_prepare = [](Annex& annex) {
        annex.get_config("directory");
        return PrepareSuccess{};
    };
    Lines output;
    SessionResult result = converse(handler, {"PREPARE", "CREDS a b"}, output);
    const std::string error =
        R"(expected VALUE in reply to "GETCONFIG directory", got "CREDS a b")";
    EXPECT_EQ(result, (SessionResult{.status = Status::protocol_error, .error = error}));
    EXPECT_EQ(output, (Lines{"VERSION 2", "GETCONFIG directory", "ERROR " + error}));
}

TEST(Dispatcher, ValueWithoutAQueryIsAProtocolError) {
    ScriptedHandler handler;
    Lines output;
    SessionResult result = converse(handler, {"VALUE x"}, output);
    const std::string error = R"(unexpected "VALUE x": no query is waiting for a reply)";
    EXPECT_EQ(result, (SessionResult{.status = Status::protocol_error, .error = error}));
    EXPECT_EQ(output, (Lines{"VERSION 2", "ERROR " + error}));
}

TEST(Dispatcher, HandlerExceptionBecomesError) {
    ScriptedHandler handler;
    handler.on_prepare = [](Annex&) -> PrepareReply { throw std::runtime_error("out of memory"); };
    Lines output;
    SessionResult result = converse(handler, {"PREPARE", "CHECKPRESENT KEY1"}, output);
    EXPECT_EQ(result, (SessionResult{.status = Status::protocol_error, .error = "out of memory"}));
    EXPECT_EQ(output, (Lines{"VERSION 2", "ERROR out of memory"}));
}

TEST(Dispatcher, SendsConfigAndInfoBlocks) {
    ScriptedHandler handler;
    Lines output;
    EXPECT_EQ(converse(handler, {"LISTCONFIGS", "GETINFO"}, output), kOk);
    EXPECT_EQ(output,
              (Lines{"VERSION 2", "CONFIG url where the database is", "CONFIG branch which branch",
                     "CONFIGEND", "INFOFIELD database", "INFOVALUE annex db", "INFOEND"}));
}

TEST(Dispatcher, DefaultRepliesForOptionalRequests) {
    ScriptedHandler handler;
    Lines output;
    EXPECT_EQ(converse(handler,
                       {"GETCOST", "GETAVAILABILITY", "CLAIMURL http://x", "CHECKURL http://x",
                        "WHEREIS KEY1", "EXPORTSUPPORTED", "REMOVEEXPORTDIRECTORY a dir"},
                       output),
              kOk);
    EXPECT_EQ(output,
              (Lines{"VERSION 2", "UNSUPPORTED-REQUEST", "UNSUPPORTED-REQUEST", "CLAIMURL-FAILURE",
                     "CHECKURL-FAILURE this special remote does not check urls",
                     "UNSUPPORTED-REQUEST", "EXPORTSUPPORTED-FAILURE", "UNSUPPORTED-REQUEST"}));
}

TEST(Dispatcher, ExportNamesTheFileOfTheNextExportRequest) {
    ScriptedHandler handler;
    Lines output;
    EXPECT_EQ(converse(handler,
                       {"EXPORT dir/my file.txt", "TRANSFEREXPORT STORE KEY1 /tmp/KEY1",
                        "EXPORT other", "CHECKPRESENTEXPORT KEY1"},
                       output),
              kOk);
    EXPECT_EQ(output, (Lines{"VERSION 2", "TRANSFER-SUCCESS STORE KEY1", "UNSUPPORTED-REQUEST"}));
    EXPECT_EQ(handler.calls(), Lines{"transfer_export KEY1 to dir/my file.txt"});
}

TEST(Dispatcher, ExportRequestWithoutExportIsAProtocolError) {
    ScriptedHandler handler;
    Lines output;
    SessionResult result = converse(
        handler, {"EXPORT a", "TRANSFEREXPORT STORE KEY1 f", "TRANSFEREXPORT STORE KEY2 f"},
        output);
    EXPECT_EQ(result.status, Status::protocol_error);
    EXPECT_EQ(output, (Lines{"VERSION 2", "TRANSFER-SUCCESS STORE KEY1",
                             "ERROR TRANSFEREXPORT without a preceding EXPORT"}));
}

TEST(Dispatcher, TaggedLineWithoutAsyncIsAProtocolError) {
    ScriptedHandler handler;
    Lines output;
    SessionResult result = converse(handler, {"J 1 PREPARE"}, output);
    EXPECT_EQ(result.status, Status::protocol_error);
    EXPECT_EQ(output, (Lines{"VERSION 2", R"(ERROR unexpected job number in "J 1 PREPARE")"}));
}

TEST(Dispatcher, UntaggedLineWithAsyncIsAProtocolError) {
    ScriptedHandler handler;
    handler.wanted.async = true;
    Lines output;
    SessionResult result = converse(handler, {"EXTENSIONS ASYNC", "PREPARE"}, output);
    EXPECT_EQ(result.status, Status::protocol_error);
    EXPECT_EQ(output,
              (Lines{"VERSION 2", "EXTENSIONS ASYNC", R"(ERROR missing job number in "PREPARE")"}));
}

TEST(Dispatcher, SecondExtensionsIsAProtocolError) {
    ScriptedHandler handler;
    handler.wanted.info = true;
    Lines output;
    SessionResult result =
        converse(handler, {"EXTENSIONS INFO", "EXTENSIONS INFO", "PREPARE"}, output);
    EXPECT_EQ(result.status, Status::protocol_error);
    EXPECT_EQ(output, (Lines{"VERSION 2", "EXTENSIONS INFO",
                             "ERROR EXTENSIONS sent twice: git-annex negotiates once"}));
    EXPECT_EQ(handler.calls(), Lines{});
}

// Found by fuzz_dispatcher: a job's PREPARE waits for git-annex's answer while holding the
// prepare lock; a second EXTENSIONS without ASYNC then made the reader serve an untagged PREPARE
// itself, waiting for that lock, so nobody routed the answer and serve() never returned.
TEST(Dispatcher, ExtensionsWithdrawingAsyncMidJobDoesNotHang) {
    ScriptedHandler handler;
    handler.wanted.async = true;
    handler.on_prepare = [](Annex& annex) {
        annex.get_config("directory");
        return PrepareSuccess{};
    };
    FakeGitAnnex annex;
    Running running(handler, annex);
    annex.say("EXTENSIONS ASYNC");
    annex.say("J 1 PREPARE");
    EXPECT_EQ(annex.next_line(), "VERSION 2");
    EXPECT_EQ(annex.next_line(), "EXTENSIONS ASYNC");
    EXPECT_EQ(annex.next_line(), "J 1 GETCONFIG directory");
    annex.say("EXTENSIONS INFO");
    annex.say("PREPARE");
    EXPECT_EQ(annex.next_line(), "ERROR EXTENSIONS sent twice: git-annex negotiates once");
    EXPECT_EQ(running.finish().status, Status::protocol_error);
}

TEST(Dispatcher, CallsPrepareOnlyOnce) {
    ScriptedHandler handler;
    handler.wanted.async = true;
    FakeGitAnnex annex;
    Running running(handler, annex);
    annex.say("EXTENSIONS ASYNC");
    annex.say("J 1 PREPARE");
    EXPECT_EQ(annex.next_line(), "VERSION 2");
    EXPECT_EQ(annex.next_line(), "EXTENSIONS ASYNC");
    EXPECT_EQ(annex.next_line(), "J 1 PREPARE-SUCCESS");
    annex.say("J 2 PREPARE");
    EXPECT_EQ(annex.next_line(), "J 2 PREPARE-SUCCESS");
    EXPECT_EQ(running.finish(), kOk);
    EXPECT_EQ(handler.calls(), Lines{"prepare"});
}

TEST(Dispatcher, AnswersUnknownRequestsUnsupportedWithAsync) {
    ScriptedHandler handler;
    handler.wanted.async = true;
    Lines output;
    EXPECT_EQ(converse(handler, {"EXTENSIONS ASYNC", "J 7 FROBNICATE"}, output), kOk);
    EXPECT_EQ(output, (Lines{"VERSION 2", "EXTENSIONS ASYNC", "J 7 UNSUPPORTED-REQUEST"}));
}

TEST(Dispatcher, RunsJobsConcurrently) {
    ScriptedHandler handler;
    handler.wanted.async = true;
    std::promise<void> job2_replied;
    std::shared_future<void> job2_replied_seen = job2_replied.get_future().share();
    handler.on_transfer = [job2_replied_seen](Annex& annex,
                                              const Transfer& request) -> TransferReply {
        annex.progress(10);
        if (job2_replied_seen.wait_for(kPatience) != std::future_status::ready) {
            return TransferFailure{.direction = request.direction,
                                   .key = request.key,
                                   .message = "job 2 never completed"};
        }
        annex.progress(20);
        return TransferSuccess{.direction = request.direction, .key = request.key};
    };
    FakeGitAnnex annex;
    Running running(handler, annex);
    EXPECT_EQ(annex.next_line(), "VERSION 2");
    annex.say("EXTENSIONS INFO ASYNC");
    EXPECT_EQ(annex.next_line(), "EXTENSIONS ASYNC");
    annex.say("J 1 TRANSFER STORE KEY1 file one");
    EXPECT_EQ(annex.next_line(), "J 1 PROGRESS 10");  // Job 1 is now blocked in its handler.
    annex.say("J 2 CHECKPRESENT KEY2");
    EXPECT_EQ(annex.next_line(), "J 2 CHECKPRESENT-SUCCESS KEY2");
    job2_replied.set_value();
    EXPECT_EQ(annex.next_line(), "J 1 PROGRESS 20");
    EXPECT_EQ(annex.next_line(), "J 1 TRANSFER-SUCCESS STORE KEY1");
    EXPECT_EQ(running.finish(), kOk);
}

TEST(Dispatcher, RoutesValuesToTheirJobs) {
    ScriptedHandler handler;
    handler.wanted.async = true;
    handler.on_check_present = [](Annex& annex, const CheckPresent& request) {
        return CheckPresentUnknown{.key = request.key, .message = annex.get_config(request.key)};
    };
    FakeGitAnnex annex;
    Running running(handler, annex);
    annex.say("EXTENSIONS ASYNC");
    EXPECT_EQ(annex.next_line(), "VERSION 2");
    EXPECT_EQ(annex.next_line(), "EXTENSIONS ASYNC");
    annex.say("J 1 CHECKPRESENT KEY1");
    EXPECT_EQ(annex.next_line(), "J 1 GETCONFIG KEY1");
    annex.say("J 2 CHECKPRESENT KEY2");
    EXPECT_EQ(annex.next_line(), "J 2 GETCONFIG KEY2");
    annex.say("J 2 VALUE for job two");  // Job 1 is waiting too, for its own value.
    EXPECT_EQ(annex.next_line(), "J 2 CHECKPRESENT-UNKNOWN KEY2 for job two");
    annex.say("J 1 VALUE for job one");
    EXPECT_EQ(annex.next_line(), "J 1 CHECKPRESENT-UNKNOWN KEY1 for job one");
    EXPECT_EQ(running.finish(), kOk);
}

TEST(Dispatcher, LimitsTheNumberOfJobs) {
    ScriptedHandler handler;
    handler.wanted.async = true;
    Lines output;
    SessionResult result = converse(handler,
                                    {"EXTENSIONS ASYNC", "J 1 CHECKPRESENT A", "J 2 CHECKPRESENT B",
                                     "J 3 CHECKPRESENT C", "J 1 CHECKPRESENT D"},
                                    output, {.max_jobs = 2});
    EXPECT_EQ(result, (SessionResult{.status = Status::protocol_error,
                                     .error = "job 3 exceeds the limit of 2 jobs"}));
    EXPECT_EQ(output.back(), "ERROR job 3 exceeds the limit of 2 jobs");
    EXPECT_EQ(std::count(output.begin(), output.end(), "ERROR job 3 exceeds the limit of 2 jobs"),
              1);
    EXPECT_EQ(std::ranges::find(output, "J 1 CHECKPRESENT-SUCCESS D"), output.end());
}

TEST(Dispatcher, ClosingStdinDuringAPendingQueryDoesNotHang) {
    ScriptedHandler handler;
    handler.on_prepare = [](Annex& annex) {
        annex.get_config("directory");
        ADD_FAILURE() << "get_config returned after stdin closed";
        return PrepareSuccess{};
    };
    FakeGitAnnex annex;
    Running running(handler, annex);
    annex.say("PREPARE");
    EXPECT_EQ(annex.next_line(), "VERSION 2");
    EXPECT_EQ(annex.next_line(), "GETCONFIG directory");
    EXPECT_EQ(running.finish(), kOk);
    EXPECT_EQ(annex.written(), (Lines{"VERSION 2", "GETCONFIG directory"}));
}

TEST(Dispatcher, ClosingStdinDuringAPendingAsyncQueryDoesNotHang) {
    ScriptedHandler handler;
    handler.wanted.async = true;
    handler.on_check_present = [](Annex& annex, const CheckPresent& request) {
        annex.get_config("directory");
        ADD_FAILURE() << "get_config returned after stdin closed";
        return CheckPresentSuccess{.key = request.key};
    };
    FakeGitAnnex annex;
    Running running(handler, annex);
    annex.say("EXTENSIONS ASYNC");
    annex.say("J 1 CHECKPRESENT KEY1");
    EXPECT_EQ(annex.next_line(), "VERSION 2");
    EXPECT_EQ(annex.next_line(), "EXTENSIONS ASYNC");
    EXPECT_EQ(annex.next_line(), "J 1 GETCONFIG directory");
    EXPECT_EQ(running.finish(), kOk);
    EXPECT_EQ(annex.written(), (Lines{"VERSION 2", "EXTENSIONS ASYNC", "J 1 GETCONFIG directory"}));
}

TEST(Dispatcher, RunningJobsFinishTheirRepliesAfterStdinCloses) {
    ScriptedHandler handler;
    handler.wanted.async = true;
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    handler.on_transfer = [released](Annex& annex, const Transfer& request) {
        annex.progress(1);
        released.wait();
        return TransferSuccess{.direction = request.direction, .key = request.key};
    };
    FakeGitAnnex annex;
    Running running(handler, annex);
    annex.say("EXTENSIONS ASYNC");
    annex.say("J 1 TRANSFER RETRIEVE KEY1 f");
    EXPECT_EQ(annex.next_line(), "VERSION 2");
    EXPECT_EQ(annex.next_line(), "EXTENSIONS ASYNC");
    EXPECT_EQ(annex.next_line(), "J 1 PROGRESS 1");
    annex.close();
    release.set_value();
    EXPECT_EQ(running.finish(), kOk);
    EXPECT_EQ(annex.next_line(), "J 1 TRANSFER-SUCCESS RETRIEVE KEY1");
}

TEST(Dispatcher, GitAnnexErrorDuringAPendingAsyncQueryStops) {
    ScriptedHandler handler;
    handler.wanted.async = true;
    handler.on_check_present = [](Annex& annex, const CheckPresent& request) {
        annex.get_config("directory");
        return CheckPresentSuccess{.key = request.key};
    };
    FakeGitAnnex annex;
    Running running(handler, annex);
    annex.say("EXTENSIONS ASYNC");
    annex.say("J 1 CHECKPRESENT KEY1");
    EXPECT_EQ(annex.next_line(), "VERSION 2");
    EXPECT_EQ(annex.next_line(), "EXTENSIONS ASYNC");
    EXPECT_EQ(annex.next_line(), "J 1 GETCONFIG directory");
    annex.say("ERROR interrupted");
    EXPECT_EQ(running.finish(),
              (SessionResult{.status = Status::annex_error, .error = "interrupted"}));
    EXPECT_EQ(annex.written(), (Lines{"VERSION 2", "EXTENSIONS ASYNC", "J 1 GETCONFIG directory"}));
}

}  // namespace
}  // namespace gad::protocol
