#include <gtest/gtest.h>

#include <deque>

#include "protocol/errors.h"
#include "protocol/handler.h"

namespace gad::protocol {
namespace {

// Implements only what every remote must; everything else keeps the defaults under test.
class MinimalHandler : public Handler {
  public:
    InitRemoteReply init_remote(Annex&) override { return InitRemoteSuccess{}; }
    PrepareReply prepare(Annex&) override { return PrepareSuccess{}; }
    TransferReply transfer(Annex&, const Transfer& request) override {
        return TransferSuccess{.direction = request.direction, .key = request.key};
    }
    CheckPresentReply check_present(Annex&, const CheckPresent& request) override {
        return CheckPresentFailure{.key = request.key};
    }
    RemoveReply remove(Annex&, const Remove& request) override {
        return RemoveSuccess{.key = request.key};
    }
};

// Defaults must not talk to git-annex at all.
class SilentLink : public AnnexLink {
  public:
    void send(const FromRemote&) override { ADD_FAILURE() << "a default sent a message"; }
    FromAnnex receive() override { throw ConnectionClosed{}; }
};

TEST(Handler, WantsNoExtensionsByDefault) {
    EXPECT_EQ(MinimalHandler().wanted_extensions(), ExtensionSet{});
}

TEST(Handler, OptionalRequestsDefaultToSaneReplies) {
    MinimalHandler handler;
    SilentLink link;
    Annex annex(link, ExtensionSet{});
    EXPECT_EQ(handler.list_configs(annex), ListConfigsReply(UnsupportedRequest{}));
    EXPECT_EQ(handler.get_cost(annex), GetCostReply(UnsupportedRequest{}));
    EXPECT_EQ(handler.get_availability(annex), GetAvailabilityReply(UnsupportedRequest{}));
    EXPECT_EQ(handler.claim_url(annex, ClaimUrl{.url = "ipfs:x"}),
              ClaimUrlReply(ClaimUrlFailure{}));
    EXPECT_EQ(handler.check_url(annex, CheckUrl{.url = "ipfs:x"}),
              CheckUrlReply(CheckUrlFailure{.message = "this special remote does not check urls"}));
    EXPECT_EQ(handler.where_is(annex, WhereIs{.key = "KEY1"}), WhereIsReply(UnsupportedRequest{}));
    EXPECT_EQ(handler.get_info(annex), GetInfoReply(UnsupportedRequest{}));
}

TEST(Handler, ExportRequestsDefaultToUnsupported) {
    MinimalHandler handler;
    SilentLink link;
    Annex annex(link, ExtensionSet{});
    EXPECT_EQ(handler.export_supported(annex), ExportSupportedReply(ExportSupportedFailure{}));
    EXPECT_EQ(handler.transfer_export(annex, TransferExport{.key = "KEY1", .file = "f"}, "a"),
              TransferExportReply(UnsupportedRequest{}));
    EXPECT_EQ(handler.check_present_export(annex, CheckPresentExport{.key = "KEY1"}, "a"),
              CheckPresentExportReply(UnsupportedRequest{}));
    EXPECT_EQ(handler.remove_export(annex, RemoveExport{.key = "KEY1"}, "a"),
              RemoveExportReply(UnsupportedRequest{}));
    EXPECT_EQ(handler.remove_export_directory(annex, RemoveExportDirectory{.directory = "d"}),
              RemoveExportDirectoryReply(UnsupportedRequest{}));
    EXPECT_EQ(handler.rename_export(annex, RenameExport{.key = "KEY1", .new_name = "b"}, "a"),
              RenameExportReply(UnsupportedRequest{}));
}

}  // namespace
}  // namespace gad::protocol
