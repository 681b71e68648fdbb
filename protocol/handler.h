// The interface a special remote implements: one virtual per git-annex request, each returning
// the typed reply. The dispatcher calls it, handing each call an Annex for the request's job.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/annex.h"
#include "protocol/extension_set.h"
#include "protocol/messages.h"

namespace gad::protocol {

// One INFOFIELD/INFOVALUE pair of a GETINFO reply.
struct InfoItem {
    std::string field;
    std::string value;
    bool operator==(const InfoItem&) const = default;
};

using InitRemoteReply = std::variant<InitRemoteSuccess, InitRemoteFailure>;
using PrepareReply = std::variant<PrepareSuccess, PrepareFailure>;
using TransferReply = std::variant<TransferSuccess, TransferFailure>;
using CheckPresentReply =
    std::variant<CheckPresentSuccess, CheckPresentFailure, CheckPresentUnknown>;
using RemoveReply = std::variant<RemoveSuccess, RemoveFailure>;
// The dispatcher ends the CONFIG lines with CONFIGEND.
using ListConfigsReply = std::variant<std::vector<Config>, UnsupportedRequest>;
using GetCostReply = std::variant<Cost, UnsupportedRequest>;
using GetAvailabilityReply = std::variant<Availability, UnsupportedRequest>;
using ClaimUrlReply = std::variant<ClaimUrlSuccess, ClaimUrlFailure>;
using CheckUrlReply = std::variant<CheckUrlContents, CheckUrlMulti, CheckUrlFailure>;
using WhereIsReply = std::variant<WhereIsSuccess, WhereIsFailure, UnsupportedRequest>;
// The dispatcher sends each item as INFOFIELD and INFOVALUE, then INFOEND.
using GetInfoReply = std::variant<std::vector<InfoItem>, UnsupportedRequest>;
using ExportSupportedReply = std::variant<ExportSupportedSuccess, ExportSupportedFailure>;
using TransferExportReply = std::variant<TransferSuccess, TransferFailure, UnsupportedRequest>;
using CheckPresentExportReply =
    std::variant<CheckPresentSuccess, CheckPresentFailure, CheckPresentUnknown, UnsupportedRequest>;
using RemoveExportReply = std::variant<RemoveSuccess, RemoveFailure, UnsupportedRequest>;
using RemoveExportDirectoryReply =
    std::variant<RemoveExportDirectorySuccess, RemoveExportDirectoryFailure, UnsupportedRequest>;
using RenameExportReply =
    std::variant<RenameExportSuccess, RenameExportFailure, UnsupportedRequest>;

// With ASYNC negotiated, calls for different jobs run concurrently on different threads, so an
// implementation must be thread-safe. A handler reports failure through its reply; an exception
// derived from std::exception makes the dispatcher send ERROR with its what() and stop.
// The five requests every remote must support are pure; the rest have the defaults noted.
class Handler {
  public:
    virtual ~Handler() = default;

    // The extensions the remote would use; the dispatcher replies with those git-annex offers.
    virtual ExtensionSet wanted_extensions() const { return {}; }

    // INITREMOTE: one-time, idempotent setup (also run by enableremote).
    virtual InitRemoteReply init_remote(Annex& annex) = 0;
    // PREPARE: get ready for use. Called at most once per conversation.
    virtual PrepareReply prepare(Annex& annex) = 0;
    // TRANSFER: store `request.file` under the key, or retrieve the key into it.
    virtual TransferReply transfer(Annex& annex, const Transfer& request) = 0;
    // CHECKPRESENT: whether the key's content is in the remote.
    virtual CheckPresentReply check_present(Annex& annex, const CheckPresent& request) = 0;
    // REMOVE: remove the key's content; success if it was already absent.
    virtual RemoveReply remove(Annex& annex, const Remove& request) = 0;

    // LISTCONFIGS: the settings the remote uses. Default: UNSUPPORTED-REQUEST.
    virtual ListConfigsReply list_configs(Annex& annex);
    // GETCOST: the remote's cost. Default: UNSUPPORTED-REQUEST.
    virtual GetCostReply get_cost(Annex& annex);
    // GETAVAILABILITY: GLOBAL or LOCAL. Default: UNSUPPORTED-REQUEST (taken as GLOBAL).
    virtual GetAvailabilityReply get_availability(Annex& annex);
    // CLAIMURL: whether the remote handles the url. Default: CLAIMURL-FAILURE.
    virtual ClaimUrlReply claim_url(Annex& annex, const ClaimUrl& request);
    // CHECKURL: whether a claimed url can be downloaded. Default: CHECKURL-FAILURE.
    virtual CheckUrlReply check_url(Annex& annex, const CheckUrl& request);
    // WHEREIS: where else the key's content can be found. Default: UNSUPPORTED-REQUEST.
    virtual WhereIsReply where_is(Annex& annex, const WhereIs& request);
    // GETINFO: fields shown by git annex info. Default: UNSUPPORTED-REQUEST.
    virtual GetInfoReply get_info(Annex& annex);

    // EXPORTSUPPORTED: whether tree export works with this remote. Default:
    // EXPORTSUPPORTED-FAILURE.
    virtual ExportSupportedReply export_supported(Annex& annex);
    // The export requests; `name` is the file named by the EXPORT that preceded the request.
    // Defaults: UNSUPPORTED-REQUEST.
    virtual TransferExportReply transfer_export(Annex& annex, const TransferExport& request,
                                                std::string_view name);
    virtual CheckPresentExportReply check_present_export(Annex& annex,
                                                         const CheckPresentExport& request,
                                                         std::string_view name);
    virtual RemoveExportReply remove_export(Annex& annex, const RemoveExport& request,
                                            std::string_view name);
    virtual RemoveExportDirectoryReply remove_export_directory(
        Annex& annex, const RemoveExportDirectory& request);
    virtual RenameExportReply rename_export(Annex& annex, const RenameExport& request,
                                            std::string_view name);
};

}  // namespace gad::protocol
