#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "protocol/line_codec.h"

namespace gad::protocol {
namespace {

using enum Direction;

struct AnnexCase {
    std::string line;
    Tagged<FromAnnex> message;
};

struct RemoteCase {
    std::string line;
    Tagged<FromRemote> message;
};

// Every message git-annex sends, in its exact wire form, including empty and spaced parameters.
std::vector<AnnexCase> annex_cases() {
    std::vector<AnnexCase> cases;
    auto add = [&cases](std::string line, std::optional<unsigned> job, FromAnnex message) {
        cases.push_back({std::move(line), {.job = job, .message = std::move(message)}});
    };
    add("EXTENSIONS INFO ASYNC GETGITREMOTENAME", std::nullopt,
        Extensions{.names = {"INFO", "ASYNC", "GETGITREMOTENAME"}});
    add("EXTENSIONS ", std::nullopt, Extensions{});
    add("INITREMOTE", std::nullopt, InitRemote{});
    add("PREPARE", std::nullopt, Prepare{});
    add("J 1 PREPARE", 1, Prepare{});
    add("TRANSFER STORE SHA256E-s10--ab.txt /tmp/my file  name ", std::nullopt,
        Transfer{.direction = store, .key = "SHA256E-s10--ab.txt", .file = "/tmp/my file  name "});
    add("J 12 TRANSFER RETRIEVE KEY1 .git/annex/tmp/KEY1", 12,
        Transfer{.direction = retrieve, .key = "KEY1", .file = ".git/annex/tmp/KEY1"});
    add("CHECKPRESENT KEY1", std::nullopt, CheckPresent{.key = "KEY1"});
    add("REMOVE KEY1", std::nullopt, Remove{.key = "KEY1"});
    add("LISTCONFIGS", std::nullopt, ListConfigs{});
    add("GETCOST", std::nullopt, GetCost{});
    add("GETAVAILABILITY", std::nullopt, GetAvailability{});
    add("CLAIMURL ipfs:QmX", std::nullopt, ClaimUrl{.url = "ipfs:QmX"});
    add("CHECKURL http://example.com/a b", std::nullopt, CheckUrl{.url = "http://example.com/a b"});
    add("WHEREIS KEY1", std::nullopt, WhereIs{.key = "KEY1"});
    add("GETINFO", std::nullopt, GetInfo{});
    add("EXPORTSUPPORTED", std::nullopt, ExportSupported{});
    add("EXPORT dir/my file.txt", std::nullopt, Export{.name = "dir/my file.txt"});
    add("TRANSFEREXPORT STORE KEY1 /tmp/a b", std::nullopt,
        TransferExport{.direction = store, .key = "KEY1", .file = "/tmp/a b"});
    add("J 2 TRANSFEREXPORT RETRIEVE KEY1 f", 2,
        TransferExport{.direction = retrieve, .key = "KEY1", .file = "f"});
    add("CHECKPRESENTEXPORT KEY1", std::nullopt, CheckPresentExport{.key = "KEY1"});
    add("REMOVEEXPORT KEY1", std::nullopt, RemoveExport{.key = "KEY1"});
    add("REMOVEEXPORTDIRECTORY dir/sub dir", std::nullopt,
        RemoveExportDirectory{.directory = "dir/sub dir"});
    add("RENAMEEXPORT KEY1 new dir/new name", std::nullopt,
        RenameExport{.key = "KEY1", .new_name = "new dir/new name"});
    add("ERROR something went  wrong", std::nullopt, Error{.message = "something went  wrong"});
    add("ERROR ", std::nullopt, Error{});
    add("VALUE /media/usb drive", std::nullopt, Value{.value = "/media/usb drive"});
    add("VALUE ", std::nullopt, Value{});
    add("J 3 VALUE http://example.com/", 3, Value{.value = "http://example.com/"});
    add("CREDS  ", std::nullopt, Creds{});
    add("CREDS alice pass word", std::nullopt, Creds{.user = "alice", .password = "pass word"});
    add("J 4 CREDS  secret", 4, Creds{.user = "", .password = "secret"});
    add("FROBNICATE a b", std::nullopt, Unknown{.line = "FROBNICATE a b"});
    add("J 5 FROBNICATE", 5, Unknown{.line = "FROBNICATE"});
    return cases;
}

// Every message a remote sends, in its exact wire form.
std::vector<RemoteCase> remote_cases() {
    std::vector<RemoteCase> cases;
    auto add = [&cases](std::string line, std::optional<unsigned> job, FromRemote message) {
        cases.push_back({std::move(line), {.job = job, .message = std::move(message)}});
    };
    add("VERSION 2", std::nullopt, Version{.version = 2});
    add("EXTENSIONS ", std::nullopt, Extensions{});
    add("EXTENSIONS INFO ASYNC", std::nullopt, Extensions{.names = {"INFO", "ASYNC"}});
    add("INITREMOTE-SUCCESS", std::nullopt, InitRemoteSuccess{});
    add("INITREMOTE-FAILURE ", std::nullopt, InitRemoteFailure{});
    add("INITREMOTE-FAILURE bucket exists", std::nullopt,
        InitRemoteFailure{.message = "bucket exists"});
    add("PREPARE-SUCCESS", std::nullopt, PrepareSuccess{});
    add("J 1 PREPARE-SUCCESS", 1, PrepareSuccess{});
    add("PREPARE-FAILURE no network", std::nullopt, PrepareFailure{.message = "no network"});
    add("TRANSFER-SUCCESS STORE KEY1", std::nullopt,
        TransferSuccess{.direction = store, .key = "KEY1"});
    add("J 2 TRANSFER-SUCCESS RETRIEVE KEY2", 2,
        TransferSuccess{.direction = retrieve, .key = "KEY2"});
    add("TRANSFER-FAILURE RETRIEVE KEY1 disk full, sorry", std::nullopt,
        TransferFailure{.direction = retrieve, .key = "KEY1", .message = "disk full, sorry"});
    add("PROGRESS 10240", std::nullopt, Progress{.bytes = 10240});
    add("J 1 PROGRESS 18446744073709551615", 1, Progress{.bytes = 18446744073709551615ULL});
    add("CHECKPRESENT-SUCCESS KEY1", std::nullopt, CheckPresentSuccess{.key = "KEY1"});
    add("CHECKPRESENT-FAILURE KEY1", std::nullopt, CheckPresentFailure{.key = "KEY1"});
    add("CHECKPRESENT-UNKNOWN KEY1 host unreachable", std::nullopt,
        CheckPresentUnknown{.key = "KEY1", .message = "host unreachable"});
    add("REMOVE-SUCCESS KEY1", std::nullopt, RemoveSuccess{.key = "KEY1"});
    add("REMOVE-FAILURE KEY1 permission denied", std::nullopt,
        RemoveFailure{.key = "KEY1", .message = "permission denied"});
    add("CONFIG directory store data here", std::nullopt,
        Config{.name = "directory", .description = "store data here"});
    add("CONFIGEND", std::nullopt, ConfigEnd{});
    add("COST 200", std::nullopt, Cost{.cost = 200});
    add("AVAILABILITY GLOBAL", std::nullopt, Availability{.kind = AvailabilityKind::global});
    add("AVAILABILITY LOCAL", std::nullopt, Availability{.kind = AvailabilityKind::local});
    add("CLAIMURL-SUCCESS", std::nullopt, ClaimUrlSuccess{});
    add("CLAIMURL-FAILURE", std::nullopt, ClaimUrlFailure{});
    add("CHECKURL-CONTENTS 1024 name with space.txt", std::nullopt,
        CheckUrlContents{.size = 1024, .filename = "name with space.txt"});
    add("CHECKURL-CONTENTS UNKNOWN ", std::nullopt, CheckUrlContents{});
    add("CHECKURL-MULTI u1 10 f1 u2 UNKNOWN ", std::nullopt,
        CheckUrlMulti{.entries = {{.url = "u1", .size = 10, .filename = "f1"},
                                  {.url = "u2", .size = {}, .filename = ""}}});
    add("CHECKURL-MULTI ", std::nullopt, CheckUrlMulti{});
    add("CHECKURL-FAILURE not found", std::nullopt, CheckUrlFailure{.message = "not found"});
    add("WHEREIS-SUCCESS https://example.com/k", std::nullopt,
        WhereIsSuccess{.location = "https://example.com/k"});
    add("WHEREIS-FAILURE", std::nullopt, WhereIsFailure{});
    add("INFOFIELD repository size", std::nullopt, InfoField{.name = "repository size"});
    add("INFOVALUE 10 GiB", std::nullopt, InfoValue{.value = "10 GiB"});
    add("INFOEND", std::nullopt, InfoEnd{});
    add("EXPORTSUPPORTED-SUCCESS", std::nullopt, ExportSupportedSuccess{});
    add("EXPORTSUPPORTED-FAILURE", std::nullopt, ExportSupportedFailure{});
    add("REMOVEEXPORTDIRECTORY-SUCCESS", std::nullopt, RemoveExportDirectorySuccess{});
    add("REMOVEEXPORTDIRECTORY-FAILURE", std::nullopt, RemoveExportDirectoryFailure{});
    add("RENAMEEXPORT-SUCCESS KEY1", std::nullopt, RenameExportSuccess{.key = "KEY1"});
    add("RENAMEEXPORT-FAILURE KEY1", std::nullopt, RenameExportFailure{.key = "KEY1"});
    add("UNSUPPORTED-REQUEST", std::nullopt, UnsupportedRequest{});
    add("J 5 UNSUPPORTED-REQUEST", 5, UnsupportedRequest{});
    add("ERROR cannot go on", std::nullopt, Error{.message = "cannot go on"});
    add("GETCONFIG directory", std::nullopt, GetConfig{.name = "directory"});
    add("J 3 GETCONFIG url", 3, GetConfig{.name = "url"});
    add("SETCONFIG directory /media/usb drive", std::nullopt,
        SetConfig{.name = "directory", .value = "/media/usb drive"});
    add("SETCONFIG directory ", std::nullopt, SetConfig{.name = "directory", .value = ""});
    add("GETUUID", std::nullopt, GetUuid{});
    add("GETGITDIR", std::nullopt, GetGitDir{});
    add("GETGITREMOTENAME", std::nullopt, GetGitRemoteName{});
    add("GETCREDS mycreds", std::nullopt, GetCreds{.setting = "mycreds"});
    add("SETCREDS mycreds alice pass word with spaces", std::nullopt,
        SetCreds{.setting = "mycreds", .user = "alice", .password = "pass word with spaces"});
    add("SETCREDS mycreds  ", std::nullopt,
        SetCreds{.setting = "mycreds", .user = "", .password = ""});
    add("DEBUG connecting to host", std::nullopt, Debug{.message = "connecting to host"});
    add("INFO uploading 3 files", std::nullopt, Info{.message = "uploading 3 files"});
    add("DIRHASH KEY1", std::nullopt, DirHash{.key = "KEY1"});
    add("DIRHASH-LOWER KEY1", std::nullopt, DirHashLower{.key = "KEY1"});
    add("SETSTATE KEY1 some state", std::nullopt, SetState{.key = "KEY1", .value = "some state"});
    add("GETSTATE KEY1", std::nullopt, GetState{.key = "KEY1"});
    add("SETURLPRESENT KEY1 http://x/a b", std::nullopt,
        SetUrlPresent{.key = "KEY1", .url = "http://x/a b"});
    add("SETURLMISSING KEY1 http://x/a", std::nullopt,
        SetUrlMissing{.key = "KEY1", .url = "http://x/a"});
    add("SETURIPRESENT KEY1 ipfs:Qm", std::nullopt, SetUriPresent{.key = "KEY1", .uri = "ipfs:Qm"});
    add("SETURIMISSING KEY1 ipfs:Qm", std::nullopt, SetUriMissing{.key = "KEY1", .uri = "ipfs:Qm"});
    add("GETURLS KEY1 ipfs:", std::nullopt, GetUrls{.key = "KEY1", .prefix = "ipfs:"});
    add("GETURLS KEY1 ", std::nullopt, GetUrls{.key = "KEY1", .prefix = ""});
    add("SETWANTED include=* and exclude=tmp/*", std::nullopt,
        SetWanted{.expression = "include=* and exclude=tmp/*"});
    add("GETWANTED", std::nullopt, GetWanted{});
    return cases;
}

TEST(LineCodec, ParsesEveryMessageFromAnnex) {
    for (const AnnexCase& c : annex_cases()) {
        SCOPED_TRACE(c.line);
        auto parsed = parse_from_annex(c.line);
        ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
        EXPECT_TRUE(*parsed == c.message);
    }
}

TEST(LineCodec, SerialisesEveryMessageFromAnnex) {
    for (const AnnexCase& c : annex_cases()) {
        EXPECT_EQ(serialise(c.message), c.line);
    }
}

TEST(LineCodec, ParsesEveryMessageFromRemote) {
    for (const RemoteCase& c : remote_cases()) {
        SCOPED_TRACE(c.line);
        auto parsed = parse_from_remote(c.line);
        ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
        EXPECT_TRUE(*parsed == c.message);
    }
}

TEST(LineCodec, SerialisesEveryMessageFromRemote) {
    for (const RemoteCase& c : remote_cases()) {
        EXPECT_EQ(serialise(c.message), c.line);
    }
}

TEST(LineCodec, TablesCoverEveryMessageType) {
    std::set<std::size_t> annex_types;
    for (const AnnexCase& c : annex_cases()) annex_types.insert(c.message.message.index());
    EXPECT_EQ(annex_types.size(), std::variant_size_v<FromAnnex>);
    std::set<std::size_t> remote_types;
    for (const RemoteCase& c : remote_cases()) remote_types.insert(c.message.message.index());
    EXPECT_EQ(remote_types.size(), std::variant_size_v<FromRemote>);
}

struct MalformedCase {
    std::string line;
    std::string error;
};

TEST(LineCodec, RejectsMalformedLinesFromAnnex) {
    const std::vector<MalformedCase> cases = {
        {"TRANSFER STORE KEY1",
         R"(malformed line "TRANSFER STORE KEY1": TRANSFER takes 3 parameters)"},
        {"TRANSFER COPY KEY1 file",
         R"(malformed line "TRANSFER COPY KEY1 file": TRANSFER: unknown direction "COPY" (expected STORE or RETRIEVE))"},
        {"TRANSFEREXPORT store KEY1 file",
         R"(malformed line "TRANSFEREXPORT store KEY1 file": TRANSFEREXPORT: unknown direction "store" (expected STORE or RETRIEVE))"},
        {"PREPARE now", R"(malformed line "PREPARE now": PREPARE takes no parameters)"},
        {"PREPARE ", R"(malformed line "PREPARE ": PREPARE takes no parameters)"},
        {"CHECKPRESENT", R"(malformed line "CHECKPRESENT": CHECKPRESENT takes 1 parameter)"},
        {"VALUE", R"(malformed line "VALUE": VALUE takes 1 parameter)"},
        {"CREDS alice", R"(malformed line "CREDS alice": CREDS takes 2 parameters)"},
        {"RENAMEEXPORT KEY1",
         R"(malformed line "RENAMEEXPORT KEY1": RENAMEEXPORT takes 2 parameters)"},
        {"J x PREPARE", R"(malformed line "J x PREPARE": bad job number "x")"},
        {"J -1 PREPARE", R"(malformed line "J -1 PREPARE": bad job number "-1")"},
        {"J  PREPARE", R"(malformed line "J  PREPARE": bad job number "")"},
        {"J 99999999999 PREPARE",
         R"(malformed line "J 99999999999 PREPARE": bad job number "99999999999")"},
        {"J 1", R"(malformed line "J 1": no command after the job number)"},
        {"J 1 ", R"(malformed line "J 1 ": no command)"},
        {" PREPARE", R"(malformed line " PREPARE": no command)"},
        {"", R"(malformed line "": no command)"},
        {"J 1 ERROR oops", R"(malformed line "J 1 ERROR oops": ERROR cannot carry a job number)"},
        {"J 1 EXTENSIONS ASYNC",
         R"(malformed line "J 1 EXTENSIONS ASYNC": EXTENSIONS cannot carry a job number)"},
    };
    for (const MalformedCase& c : cases) {
        SCOPED_TRACE(c.line);
        auto parsed = parse_from_annex(c.line);
        ASSERT_FALSE(parsed.has_value());
        EXPECT_EQ(parsed.error().message, c.error);
    }
}

TEST(LineCodec, RejectsMalformedLinesFromRemote) {
    const std::vector<MalformedCase> cases = {
        {"PROGRESS ten", R"(malformed line "PROGRESS ten": PROGRESS: "ten" is not a valid number)"},
        {"PROGRESS -1", R"(malformed line "PROGRESS -1": PROGRESS: "-1" is not a valid number)"},
        {"PROGRESS 10 ", R"(malformed line "PROGRESS 10 ": PROGRESS: "10 " is not a valid number)"},
        {"PROGRESS ", R"(malformed line "PROGRESS ": PROGRESS: "" is not a valid number)"},
        {"PROGRESS 18446744073709551616",
         R"(malformed line "PROGRESS 18446744073709551616": PROGRESS: "18446744073709551616" is not a valid number)"},
        {"COST high", R"(malformed line "COST high": COST: "high" is not a valid number)"},
        {"VERSION", R"(malformed line "VERSION": VERSION takes 1 parameter)"},
        {"TRANSFER-SUCCESS SEND KEY1",
         R"(malformed line "TRANSFER-SUCCESS SEND KEY1": TRANSFER-SUCCESS: unknown direction "SEND" (expected STORE or RETRIEVE))"},
        {"TRANSFER-FAILURE STORE KEY1",
         R"(malformed line "TRANSFER-FAILURE STORE KEY1": TRANSFER-FAILURE takes 3 parameters)"},
        {"AVAILABILITY SOMEWHERE",
         R"(malformed line "AVAILABILITY SOMEWHERE": AVAILABILITY: unknown availability "SOMEWHERE" (expected GLOBAL or LOCAL))"},
        {"CHECKURL-CONTENTS big f",
         R"(malformed line "CHECKURL-CONTENTS big f": CHECKURL-CONTENTS: "big" is not a valid number)"},
        {"CHECKURL-MULTI u1 10",
         R"(malformed line "CHECKURL-MULTI u1 10": CHECKURL-MULTI: expected Url Size Filename triples)"},
        {"SETCREDS mycreds alice",
         R"(malformed line "SETCREDS mycreds alice": SETCREDS takes 3 parameters)"},
        {"BOGUS x", R"(malformed line "BOGUS x": unknown command "BOGUS")"},
        {"J 1 VERSION 2", R"(malformed line "J 1 VERSION 2": VERSION cannot carry a job number)"},
    };
    for (const MalformedCase& c : cases) {
        SCOPED_TRACE(c.line);
        auto parsed = parse_from_remote(c.line);
        ASSERT_FALSE(parsed.has_value());
        EXPECT_EQ(parsed.error().message, c.error);
    }
}

TEST(LineCodec, NeverTagsVersionExtensionsOrError) {
    EXPECT_EQ(serialise(Tagged<FromRemote>{.job = 3, .message = Version{.version = 2}}),
              "VERSION 2");
    EXPECT_EQ(serialise(Tagged<FromRemote>{.job = 3, .message = Extensions{.names = {"ASYNC"}}}),
              "EXTENSIONS ASYNC");
    EXPECT_EQ(serialise(Tagged<FromRemote>{.job = 3, .message = Error{.message = "x"}}), "ERROR x");
    EXPECT_EQ(serialise(Tagged<FromAnnex>{.job = 3, .message = Error{.message = "x"}}), "ERROR x");
}

TEST(LineCodec, SerialisingReplacesLineBreaksInParameters) {
    EXPECT_EQ(serialise(Tagged<FromRemote>{
                  .message =
                      TransferFailure{
                          .direction = store, .key = "KEY1", .message = "first\nsecond\r\nthird"}}),
              "TRANSFER-FAILURE STORE KEY1 first second  third");
    EXPECT_EQ(serialise(Tagged<FromRemote>{.message = Error{.message = "a\nb"}}), "ERROR a b");
}

TEST(LineCodec, ListParametersIgnoreRepeatedSpaces) {
    auto parsed = parse_from_annex("EXTENSIONS INFO  ASYNC ");
    ASSERT_TRUE(parsed.has_value());
    EXPECT_TRUE(parsed->message == FromAnnex(Extensions{.names = {"INFO", "ASYNC"}}));
}

}  // namespace
}  // namespace gad::protocol
