// Fuzzes the dispatcher with whole conversations: the input's lines are what git-annex says, and
// a handler that asks git-annex questions and echoes the (hostile) values it gets into its
// replies stands in for the remote. No crash, hang or leak, and every line the remote writes is
// one line (no CR or LF) that parses as a message from a remote.
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_check.h"
#include "protocol/dispatcher.h"
#include "protocol/line_codec.h"

using namespace gad::protocol;
using gad::fuzz::check;

namespace {

class EchoHandler : public Handler {
  public:
    ExtensionSet wanted_extensions() const override {
        return {.info = true, .async = true, .get_git_remote_name = true};
    }
    InitRemoteReply init_remote(Annex& annex) override {
        annex.set_config("name", annex.get_config("name"));
        const Creds creds = annex.get_creds("creds");
        annex.set_creds("creds", creds.user, creds.password);
        return InitRemoteFailure{.message = annex.get_uuid()};
    }
    PrepareReply prepare(Annex& annex) override {
        const std::optional<std::string> name = annex.get_git_remote_name();
        annex.info(annex.get_git_dir());
        if (name) return PrepareFailure{.message = *name};
        return PrepareSuccess{};
    }
    TransferReply transfer(Annex& annex, const Transfer& request) override {
        annex.progress(request.file.size());
        annex.debug(annex.dirhash(request.key) + annex.dirhash_lower(request.key));
        return TransferFailure{
            .direction = request.direction, .key = request.key, .message = request.file};
    }
    CheckPresentReply check_present(Annex& annex, const CheckPresent& request) override {
        std::string urls;
        for (const std::string& url : annex.get_urls(request.key, "")) urls += url;
        return CheckPresentUnknown{.key = request.key, .message = urls};
    }
    RemoveReply remove(Annex& annex, const Remove& request) override {
        const std::string state = annex.get_state(request.key);
        annex.set_state(request.key, state);
        annex.set_url_present(request.key, state);
        annex.set_uri_missing(request.key, state);
        if (state.empty()) return RemoveSuccess{.key = request.key};
        return RemoveFailure{.key = request.key, .message = state};
    }
    ListConfigsReply list_configs(Annex& annex) override {
        return std::vector<Config>{{.name = "wanted", .description = annex.get_wanted()}};
    }
    GetInfoReply get_info(Annex& annex) override {
        return std::vector<InfoItem>{{.field = annex.get_config("f"), .value = "v"}};
    }
    ClaimUrlReply claim_url(Annex&, const ClaimUrl&) override { return ClaimUrlSuccess{}; }
    CheckUrlReply check_url(Annex&, const CheckUrl& request) override {
        return CheckUrlContents{.size = request.url.size(), .filename = request.url};
    }
    WhereIsReply where_is(Annex&, const WhereIs& request) override {
        return WhereIsSuccess{.location = request.key};
    }
    ExportSupportedReply export_supported(Annex&) override { return ExportSupportedSuccess{}; }
    TransferExportReply transfer_export(Annex&, const TransferExport& request,
                                        std::string_view name) override {
        return TransferFailure{
            .direction = request.direction, .key = request.key, .message = std::string(name)};
    }
    CheckPresentExportReply check_present_export(Annex&, const CheckPresentExport& request,
                                                 std::string_view name) override {
        return CheckPresentUnknown{.key = request.key, .message = std::string(name)};
    }
    RenameExportReply rename_export(Annex& annex, const RenameExport& request,
                                    std::string_view) override {
        annex.set_wanted(request.new_name);
        return RenameExportFailure{.key = request.key};
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input = gad::fuzz::as_text(data, size);
    std::mutex mutex;  // read_line runs on the reader thread, write_line on any job's.
    ReadLine read_line = [&]() -> std::optional<std::string> {
        std::lock_guard lock(mutex);
        if (input.empty()) return std::nullopt;
        const std::size_t end = input.find('\n');
        std::string line(input.substr(0, end));
        input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);
        return line;
    };
    WriteLine write_line = [](std::string_view line) {
        check(line.find_first_of("\r\n") == std::string_view::npos, "the remote writes one line",
              line);
        check(parse_from_remote(line).has_value(), "the remote writes valid messages", line);
    };
    EchoHandler handler;
    const SessionResult result = serve(handler, read_line, write_line, {.max_jobs = 8});
    // (It may quote a CR the line held; the ERROR line sent has a space instead.)
    check(result.error.find('\n') == std::string::npos, "the error has no line feed", result.error);
    return 0;
}
