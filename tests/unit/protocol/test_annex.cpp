#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "protocol/annex.h"
#include "protocol/errors.h"
#include "protocol/line_codec.h"

namespace gad::protocol {
namespace {

// Records what the Annex sends, as lines, and answers with scripted replies.
class FakeLink : public AnnexLink {
  public:
    explicit FakeLink(std::deque<std::string> replies = {}) : replies_(std::move(replies)) {}

    void send(const FromRemote& message) override {
        sent.push_back(serialise(Tagged<FromRemote>{.message = message}));
    }
    FromAnnex receive() override {
        if (replies_.empty()) throw ConnectionClosed{};
        auto parsed = parse_from_annex(replies_.front());
        replies_.pop_front();
        EXPECT_TRUE(parsed.has_value());
        return parsed->message;
    }

    std::vector<std::string> sent;

  private:
    std::deque<std::string> replies_;
};

using Lines = std::vector<std::string>;
constexpr ExtensionSet kNone{};
constexpr ExtensionSet kAll{.info = true, .async = true, .get_git_remote_name = true};

TEST(Annex, GetConfigReturnsTheValue) {
    FakeLink link({"VALUE /media/usb drive"});
    Annex annex(link, kNone);
    EXPECT_EQ(annex.get_config("directory"), "/media/usb drive");
    EXPECT_EQ(link.sent, Lines{"GETCONFIG directory"});
}

TEST(Annex, GetConfigOfAnUnsetSettingIsEmpty) {
    FakeLink link({"VALUE "});
    Annex annex(link, kNone);
    EXPECT_EQ(annex.get_config("unset"), "");
}

TEST(Annex, ValueQueries) {
    FakeLink link({"VALUE 1234-uuid", "VALUE /repo/.git", "VALUE aB/Cd/", "VALUE abc/def/",
                   "VALUE some state", "VALUE include=*"});
    Annex annex(link, kNone);
    EXPECT_EQ(annex.get_uuid(), "1234-uuid");
    EXPECT_EQ(annex.get_git_dir(), "/repo/.git");
    EXPECT_EQ(annex.dirhash("KEY1"), "aB/Cd/");
    EXPECT_EQ(annex.dirhash_lower("KEY1"), "abc/def/");
    EXPECT_EQ(annex.get_state("KEY1"), "some state");
    EXPECT_EQ(annex.get_wanted(), "include=*");
    EXPECT_EQ(link.sent, (Lines{"GETUUID", "GETGITDIR", "DIRHASH KEY1", "DIRHASH-LOWER KEY1",
                                "GETSTATE KEY1", "GETWANTED"}));
}

TEST(Annex, GetCredsReturnsUserAndPassword) {
    FakeLink link({"CREDS alice pass word", "CREDS  "});
    Annex annex(link, kNone);
    EXPECT_EQ(annex.get_creds("mycreds"), (Creds{.user = "alice", .password = "pass word"}));
    EXPECT_EQ(annex.get_creds("other"), Creds{});
    EXPECT_EQ(link.sent, (Lines{"GETCREDS mycreds", "GETCREDS other"}));
}

TEST(Annex, GetUrlsReadsValuesUntilAnEmptyOne) {
    FakeLink link({"VALUE ipfs:a", "VALUE ipfs:b c", "VALUE "});
    Annex annex(link, kNone);
    EXPECT_EQ(annex.get_urls("KEY1", "ipfs:"), (Lines{"ipfs:a", "ipfs:b c"}));
    EXPECT_EQ(link.sent, Lines{"GETURLS KEY1 ipfs:"});
}

TEST(Annex, GetUrlsWithNoUrls) {
    FakeLink link({"VALUE "});
    Annex annex(link, kNone);
    EXPECT_TRUE(annex.get_urls("KEY1", "").empty());
    EXPECT_EQ(link.sent, Lines{"GETURLS KEY1 "});
}

TEST(Annex, GetGitRemoteNameOnlyWhenNegotiated) {
    FakeLink without;
    EXPECT_EQ(Annex(without, kNone).get_git_remote_name(), std::nullopt);
    EXPECT_TRUE(without.sent.empty());

    FakeLink with({"VALUE origin-dolt"});
    EXPECT_EQ(Annex(with, kAll).get_git_remote_name(), "origin-dolt");
    EXPECT_EQ(with.sent, Lines{"GETGITREMOTENAME"});
}

TEST(Annex, InfoFallsBackToDebugWithoutTheExtension) {
    FakeLink without;
    Annex(without, kNone).info("hello there");
    EXPECT_EQ(without.sent, Lines{"DEBUG hello there"});

    FakeLink with;
    Annex(with, kAll).info("hello there");
    EXPECT_EQ(with.sent, Lines{"INFO hello there"});
}

TEST(Annex, NoticesSendOneLineAndWaitForNothing) {
    FakeLink link;  // No replies: any wait would throw ConnectionClosed.
    Annex annex(link, kNone);
    annex.set_config("directory", "/media/usb drive");
    annex.set_creds("mycreds", "alice", "pass word");
    annex.progress(10240);
    annex.debug("working");
    annex.set_state("KEY1", "state");
    annex.set_url_present("KEY1", "http://x/a");
    annex.set_url_missing("KEY1", "http://x/a");
    annex.set_uri_present("KEY1", "ipfs:Qm");
    annex.set_uri_missing("KEY1", "ipfs:Qm");
    annex.set_wanted("include=*");
    EXPECT_EQ(
        link.sent,
        (Lines{"SETCONFIG directory /media/usb drive", "SETCREDS mycreds alice pass word",
               "PROGRESS 10240", "DEBUG working", "SETSTATE KEY1 state",
               "SETURLPRESENT KEY1 http://x/a", "SETURLMISSING KEY1 http://x/a",
               "SETURIPRESENT KEY1 ipfs:Qm", "SETURIMISSING KEY1 ipfs:Qm", "SETWANTED include=*"}));
}

TEST(Annex, WrongReplyIsAProtocolViolation) {
    FakeLink link({"CREDS a b"});
    Annex annex(link, kNone);
    try {
        annex.get_config("directory");
        FAIL() << "expected ProtocolViolation";
    } catch (const ProtocolViolation& violation) {
        EXPECT_EQ(violation.message,
                  R"(expected VALUE in reply to "GETCONFIG directory", got "CREDS a b")");
    }
}

TEST(Annex, ClosedConnectionThrowsConnectionClosed) {
    FakeLink link;
    Annex annex(link, kNone);
    EXPECT_THROW(annex.get_config("directory"), ConnectionClosed);
    EXPECT_THROW(annex.get_creds("mycreds"), ConnectionClosed);
}

}  // namespace
}  // namespace gad::protocol
