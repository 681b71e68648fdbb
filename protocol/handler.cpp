#include "protocol/handler.h"

namespace gad::protocol {

ListConfigsReply Handler::list_configs(Annex&) { return UnsupportedRequest{}; }

GetCostReply Handler::get_cost(Annex&) { return UnsupportedRequest{}; }

GetAvailabilityReply Handler::get_availability(Annex&) { return UnsupportedRequest{}; }

ClaimUrlReply Handler::claim_url(Annex&, const ClaimUrl&) { return ClaimUrlFailure{}; }

CheckUrlReply Handler::check_url(Annex&, const CheckUrl&) {
    return CheckUrlFailure{.message = "this special remote does not check urls"};
}

WhereIsReply Handler::where_is(Annex&, const WhereIs&) { return UnsupportedRequest{}; }

GetInfoReply Handler::get_info(Annex&) { return UnsupportedRequest{}; }

ExportSupportedReply Handler::export_supported(Annex&) { return ExportSupportedFailure{}; }

TransferExportReply Handler::transfer_export(Annex&, const TransferExport&, std::string_view) {
    return UnsupportedRequest{};
}

CheckPresentExportReply Handler::check_present_export(Annex&, const CheckPresentExport&,
                                                      std::string_view) {
    return UnsupportedRequest{};
}

RemoveExportReply Handler::remove_export(Annex&, const RemoveExport&, std::string_view) {
    return UnsupportedRequest{};
}

RemoveExportDirectoryReply Handler::remove_export_directory(Annex&, const RemoveExportDirectory&) {
    return UnsupportedRequest{};
}

RenameExportReply Handler::rename_export(Annex&, const RenameExport&, std::string_view) {
    return UnsupportedRequest{};
}

}  // namespace gad::protocol
