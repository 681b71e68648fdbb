// The messages of git-annex's external special remote protocol (VERSION 2, with the ASYNC,
// INFO and GETGITREMOTENAME extensions and the simple export interface), one struct per message,
// grouped by direction into FromAnnex and FromRemote. Pure data: see line_codec.h for the wire
// form.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gad::protocol {

// A message with the optional "J <n> " job prefix that the ASYNC extension adds to every message
// except VERSION, EXTENSIONS and ERROR.
template <typename T>
struct Tagged {
    std::optional<unsigned> job{};
    T message;
    bool operator==(const Tagged&) const = default;
};

enum class Direction { store, retrieve };       // STORE | RETRIEVE
enum class AvailabilityKind { global, local };  // GLOBAL | LOCAL

// ---- Sent by both sides ----------------------------------------------------------------------

// EXTENSIONS List: the extensions git-annex offers, or those the remote uses (space-separated).
struct Extensions {
    static constexpr std::string_view kCommand = "EXTENSIONS";
    std::vector<std::string> names;
    bool operator==(const Extensions&) const = default;
};
// ERROR ErrorMsg: fatal; the conversation ends. Never tagged.
struct Error {
    static constexpr std::string_view kCommand = "ERROR";
    std::string message;
    bool operator==(const Error&) const = default;
};

// ---- Requests from git-annex -----------------------------------------------------------------

struct InitRemote {  // INITREMOTE
    static constexpr std::string_view kCommand = "INITREMOTE";
    bool operator==(const InitRemote&) const = default;
};
struct Prepare {  // PREPARE
    static constexpr std::string_view kCommand = "PREPARE";
    bool operator==(const Prepare&) const = default;
};
struct Transfer {  // TRANSFER STORE|RETRIEVE Key File (File may contain spaces)
    static constexpr std::string_view kCommand = "TRANSFER";
    Direction direction = Direction::store;
    std::string key;
    std::string file;
    bool operator==(const Transfer&) const = default;
};
struct CheckPresent {  // CHECKPRESENT Key
    static constexpr std::string_view kCommand = "CHECKPRESENT";
    std::string key;
    bool operator==(const CheckPresent&) const = default;
};
struct Remove {  // REMOVE Key
    static constexpr std::string_view kCommand = "REMOVE";
    std::string key;
    bool operator==(const Remove&) const = default;
};
struct ListConfigs {  // LISTCONFIGS
    static constexpr std::string_view kCommand = "LISTCONFIGS";
    bool operator==(const ListConfigs&) const = default;
};
struct GetCost {  // GETCOST
    static constexpr std::string_view kCommand = "GETCOST";
    bool operator==(const GetCost&) const = default;
};
struct GetAvailability {  // GETAVAILABILITY
    static constexpr std::string_view kCommand = "GETAVAILABILITY";
    bool operator==(const GetAvailability&) const = default;
};
struct ClaimUrl {  // CLAIMURL Url
    static constexpr std::string_view kCommand = "CLAIMURL";
    std::string url;
    bool operator==(const ClaimUrl&) const = default;
};
struct CheckUrl {  // CHECKURL Url
    static constexpr std::string_view kCommand = "CHECKURL";
    std::string url;
    bool operator==(const CheckUrl&) const = default;
};
struct WhereIs {  // WHEREIS Key
    static constexpr std::string_view kCommand = "WHEREIS";
    std::string key;
    bool operator==(const WhereIs&) const = default;
};
struct GetInfo {  // GETINFO
    static constexpr std::string_view kCommand = "GETINFO";
    bool operator==(const GetInfo&) const = default;
};
struct ExportSupported {  // EXPORTSUPPORTED
    static constexpr std::string_view kCommand = "EXPORTSUPPORTED";
    bool operator==(const ExportSupported&) const = default;
};
struct Export {  // EXPORT Name: names the file of the next export request; not answered.
    static constexpr std::string_view kCommand = "EXPORT";
    std::string name;
    bool operator==(const Export&) const = default;
};
struct TransferExport {  // TRANSFEREXPORT STORE|RETRIEVE Key File
    static constexpr std::string_view kCommand = "TRANSFEREXPORT";
    Direction direction = Direction::store;
    std::string key;
    std::string file;
    bool operator==(const TransferExport&) const = default;
};
struct CheckPresentExport {  // CHECKPRESENTEXPORT Key
    static constexpr std::string_view kCommand = "CHECKPRESENTEXPORT";
    std::string key;
    bool operator==(const CheckPresentExport&) const = default;
};
struct RemoveExport {  // REMOVEEXPORT Key
    static constexpr std::string_view kCommand = "REMOVEEXPORT";
    std::string key;
    bool operator==(const RemoveExport&) const = default;
};
struct RemoveExportDirectory {  // REMOVEEXPORTDIRECTORY Directory
    static constexpr std::string_view kCommand = "REMOVEEXPORTDIRECTORY";
    std::string directory;
    bool operator==(const RemoveExportDirectory&) const = default;
};
struct RenameExport {  // RENAMEEXPORT Key NewName
    static constexpr std::string_view kCommand = "RENAMEEXPORT";
    std::string key;
    std::string new_name;
    bool operator==(const RenameExport&) const = default;
};

// ---- Replies from git-annex to the remote's queries ------------------------------------------

struct Value {  // VALUE Value (may be empty)
    static constexpr std::string_view kCommand = "VALUE";
    std::string value;
    bool operator==(const Value&) const = default;
};
struct Creds {  // CREDS User Password (both empty when none are stored)
    static constexpr std::string_view kCommand = "CREDS";
    std::string user;
    std::string password;
    bool operator==(const Creds&) const = default;
};

// Any other command from git-annex; `line` is the message without its "J <n> " prefix.
struct Unknown {
    std::string line;
    bool operator==(const Unknown&) const = default;
};

// ---- Replies from the remote -----------------------------------------------------------------

struct Version {  // VERSION Int: sent first.
    static constexpr std::string_view kCommand = "VERSION";
    unsigned version = 2;
    bool operator==(const Version&) const = default;
};
struct InitRemoteSuccess {  // INITREMOTE-SUCCESS
    static constexpr std::string_view kCommand = "INITREMOTE-SUCCESS";
    bool operator==(const InitRemoteSuccess&) const = default;
};
struct InitRemoteFailure {  // INITREMOTE-FAILURE ErrorMsg
    static constexpr std::string_view kCommand = "INITREMOTE-FAILURE";
    std::string message;
    bool operator==(const InitRemoteFailure&) const = default;
};
struct PrepareSuccess {  // PREPARE-SUCCESS
    static constexpr std::string_view kCommand = "PREPARE-SUCCESS";
    bool operator==(const PrepareSuccess&) const = default;
};
struct PrepareFailure {  // PREPARE-FAILURE ErrorMsg
    static constexpr std::string_view kCommand = "PREPARE-FAILURE";
    std::string message;
    bool operator==(const PrepareFailure&) const = default;
};
struct TransferSuccess {  // TRANSFER-SUCCESS STORE|RETRIEVE Key
    static constexpr std::string_view kCommand = "TRANSFER-SUCCESS";
    Direction direction = Direction::store;
    std::string key;
    bool operator==(const TransferSuccess&) const = default;
};
struct TransferFailure {  // TRANSFER-FAILURE STORE|RETRIEVE Key ErrorMsg
    static constexpr std::string_view kCommand = "TRANSFER-FAILURE";
    Direction direction = Direction::store;
    std::string key;
    std::string message;
    bool operator==(const TransferFailure&) const = default;
};
struct CheckPresentSuccess {  // CHECKPRESENT-SUCCESS Key
    static constexpr std::string_view kCommand = "CHECKPRESENT-SUCCESS";
    std::string key;
    bool operator==(const CheckPresentSuccess&) const = default;
};
struct CheckPresentFailure {  // CHECKPRESENT-FAILURE Key: verified absent.
    static constexpr std::string_view kCommand = "CHECKPRESENT-FAILURE";
    std::string key;
    bool operator==(const CheckPresentFailure&) const = default;
};
struct CheckPresentUnknown {  // CHECKPRESENT-UNKNOWN Key ErrorMsg
    static constexpr std::string_view kCommand = "CHECKPRESENT-UNKNOWN";
    std::string key;
    std::string message;
    bool operator==(const CheckPresentUnknown&) const = default;
};
struct RemoveSuccess {  // REMOVE-SUCCESS Key
    static constexpr std::string_view kCommand = "REMOVE-SUCCESS";
    std::string key;
    bool operator==(const RemoveSuccess&) const = default;
};
struct RemoveFailure {  // REMOVE-FAILURE Key ErrorMsg
    static constexpr std::string_view kCommand = "REMOVE-FAILURE";
    std::string key;
    std::string message;
    bool operator==(const RemoveFailure&) const = default;
};
struct Config {  // CONFIG Name Description
    static constexpr std::string_view kCommand = "CONFIG";
    std::string name;
    std::string description;
    bool operator==(const Config&) const = default;
};
struct ConfigEnd {  // CONFIGEND
    static constexpr std::string_view kCommand = "CONFIGEND";
    bool operator==(const ConfigEnd&) const = default;
};
struct Cost {  // COST Int
    static constexpr std::string_view kCommand = "COST";
    int cost = 0;
    bool operator==(const Cost&) const = default;
};
struct Availability {  // AVAILABILITY GLOBAL|LOCAL
    static constexpr std::string_view kCommand = "AVAILABILITY";
    AvailabilityKind kind = AvailabilityKind::global;
    bool operator==(const Availability&) const = default;
};
struct ClaimUrlSuccess {  // CLAIMURL-SUCCESS
    static constexpr std::string_view kCommand = "CLAIMURL-SUCCESS";
    bool operator==(const ClaimUrlSuccess&) const = default;
};
struct ClaimUrlFailure {  // CLAIMURL-FAILURE
    static constexpr std::string_view kCommand = "CLAIMURL-FAILURE";
    bool operator==(const ClaimUrlFailure&) const = default;
};
struct CheckUrlContents {  // CHECKURL-CONTENTS Size|UNKNOWN Filename (nullopt size = UNKNOWN)
    static constexpr std::string_view kCommand = "CHECKURL-CONTENTS";
    std::optional<std::uint64_t> size{};
    std::string filename;
    bool operator==(const CheckUrlContents&) const = default;
};
// CHECKURL-MULTI Url1 Size1|UNKNOWN Filename1 ...: neither Url nor Filename may contain spaces.
struct CheckUrlMulti {
    static constexpr std::string_view kCommand = "CHECKURL-MULTI";
    struct Entry {
        std::string url;
        std::optional<std::uint64_t> size;
        std::string filename;
        bool operator==(const Entry&) const = default;
    };
    std::vector<Entry> entries;
    bool operator==(const CheckUrlMulti&) const = default;
};
struct CheckUrlFailure {  // CHECKURL-FAILURE ErrorMsg
    static constexpr std::string_view kCommand = "CHECKURL-FAILURE";
    std::string message;
    bool operator==(const CheckUrlFailure&) const = default;
};
struct WhereIsSuccess {  // WHEREIS-SUCCESS String
    static constexpr std::string_view kCommand = "WHEREIS-SUCCESS";
    std::string location;
    bool operator==(const WhereIsSuccess&) const = default;
};
struct WhereIsFailure {  // WHEREIS-FAILURE
    static constexpr std::string_view kCommand = "WHEREIS-FAILURE";
    bool operator==(const WhereIsFailure&) const = default;
};
struct InfoField {  // INFOFIELD Name: always followed by INFOVALUE.
    static constexpr std::string_view kCommand = "INFOFIELD";
    std::string name;
    bool operator==(const InfoField&) const = default;
};
struct InfoValue {  // INFOVALUE Value
    static constexpr std::string_view kCommand = "INFOVALUE";
    std::string value;
    bool operator==(const InfoValue&) const = default;
};
struct InfoEnd {  // INFOEND
    static constexpr std::string_view kCommand = "INFOEND";
    bool operator==(const InfoEnd&) const = default;
};
struct ExportSupportedSuccess {  // EXPORTSUPPORTED-SUCCESS
    static constexpr std::string_view kCommand = "EXPORTSUPPORTED-SUCCESS";
    bool operator==(const ExportSupportedSuccess&) const = default;
};
struct ExportSupportedFailure {  // EXPORTSUPPORTED-FAILURE
    static constexpr std::string_view kCommand = "EXPORTSUPPORTED-FAILURE";
    bool operator==(const ExportSupportedFailure&) const = default;
};
struct RemoveExportDirectorySuccess {  // REMOVEEXPORTDIRECTORY-SUCCESS
    static constexpr std::string_view kCommand = "REMOVEEXPORTDIRECTORY-SUCCESS";
    bool operator==(const RemoveExportDirectorySuccess&) const = default;
};
struct RemoveExportDirectoryFailure {  // REMOVEEXPORTDIRECTORY-FAILURE
    static constexpr std::string_view kCommand = "REMOVEEXPORTDIRECTORY-FAILURE";
    bool operator==(const RemoveExportDirectoryFailure&) const = default;
};
struct RenameExportSuccess {  // RENAMEEXPORT-SUCCESS Key
    static constexpr std::string_view kCommand = "RENAMEEXPORT-SUCCESS";
    std::string key;
    bool operator==(const RenameExportSuccess&) const = default;
};
struct RenameExportFailure {  // RENAMEEXPORT-FAILURE Key
    static constexpr std::string_view kCommand = "RENAMEEXPORT-FAILURE";
    std::string key;
    bool operator==(const RenameExportFailure&) const = default;
};
struct UnsupportedRequest {  // UNSUPPORTED-REQUEST
    static constexpr std::string_view kCommand = "UNSUPPORTED-REQUEST";
    bool operator==(const UnsupportedRequest&) const = default;
};

// ---- Queries and notices from the remote (git-annex answers only the queries) -----------------

struct Progress {  // PROGRESS Int: bytes transferred so far.
    static constexpr std::string_view kCommand = "PROGRESS";
    std::uint64_t bytes = 0;
    bool operator==(const Progress&) const = default;
};
struct DirHash {  // DIRHASH Key -> VALUE
    static constexpr std::string_view kCommand = "DIRHASH";
    std::string key;
    bool operator==(const DirHash&) const = default;
};
struct DirHashLower {  // DIRHASH-LOWER Key -> VALUE
    static constexpr std::string_view kCommand = "DIRHASH-LOWER";
    std::string key;
    bool operator==(const DirHashLower&) const = default;
};
struct SetConfig {  // SETCONFIG Setting Value
    static constexpr std::string_view kCommand = "SETCONFIG";
    std::string name;
    std::string value;
    bool operator==(const SetConfig&) const = default;
};
struct GetConfig {  // GETCONFIG Setting -> VALUE
    static constexpr std::string_view kCommand = "GETCONFIG";
    std::string name;
    bool operator==(const GetConfig&) const = default;
};
struct SetCreds {  // SETCREDS Setting User Password
    static constexpr std::string_view kCommand = "SETCREDS";
    std::string setting;
    std::string user;
    std::string password;
    bool operator==(const SetCreds&) const = default;
};
struct GetCreds {  // GETCREDS Setting -> CREDS
    static constexpr std::string_view kCommand = "GETCREDS";
    std::string setting;
    bool operator==(const GetCreds&) const = default;
};
struct GetUuid {  // GETUUID -> VALUE
    static constexpr std::string_view kCommand = "GETUUID";
    bool operator==(const GetUuid&) const = default;
};
struct GetGitDir {  // GETGITDIR -> VALUE
    static constexpr std::string_view kCommand = "GETGITDIR";
    bool operator==(const GetGitDir&) const = default;
};
struct GetGitRemoteName {  // GETGITREMOTENAME -> VALUE (extension GETGITREMOTENAME)
    static constexpr std::string_view kCommand = "GETGITREMOTENAME";
    bool operator==(const GetGitRemoteName&) const = default;
};
struct SetWanted {  // SETWANTED PreferredContentExpression
    static constexpr std::string_view kCommand = "SETWANTED";
    std::string expression;
    bool operator==(const SetWanted&) const = default;
};
struct GetWanted {  // GETWANTED -> VALUE
    static constexpr std::string_view kCommand = "GETWANTED";
    bool operator==(const GetWanted&) const = default;
};
struct SetState {  // SETSTATE Key Value
    static constexpr std::string_view kCommand = "SETSTATE";
    std::string key;
    std::string value;
    bool operator==(const SetState&) const = default;
};
struct GetState {  // GETSTATE Key -> VALUE
    static constexpr std::string_view kCommand = "GETSTATE";
    std::string key;
    bool operator==(const GetState&) const = default;
};
struct SetUrlPresent {  // SETURLPRESENT Key Url
    static constexpr std::string_view kCommand = "SETURLPRESENT";
    std::string key;
    std::string url;
    bool operator==(const SetUrlPresent&) const = default;
};
struct SetUrlMissing {  // SETURLMISSING Key Url
    static constexpr std::string_view kCommand = "SETURLMISSING";
    std::string key;
    std::string url;
    bool operator==(const SetUrlMissing&) const = default;
};
struct SetUriPresent {  // SETURIPRESENT Key Uri
    static constexpr std::string_view kCommand = "SETURIPRESENT";
    std::string key;
    std::string uri;
    bool operator==(const SetUriPresent&) const = default;
};
struct SetUriMissing {  // SETURIMISSING Key Uri
    static constexpr std::string_view kCommand = "SETURIMISSING";
    std::string key;
    std::string uri;
    bool operator==(const SetUriMissing&) const = default;
};
struct GetUrls {  // GETURLS Key Prefix -> VALUE per url, then an empty VALUE
    static constexpr std::string_view kCommand = "GETURLS";
    std::string key;
    std::string prefix;
    bool operator==(const GetUrls&) const = default;
};
struct Debug {  // DEBUG message
    static constexpr std::string_view kCommand = "DEBUG";
    std::string message;
    bool operator==(const Debug&) const = default;
};
struct Info {  // INFO message (extension INFO)
    static constexpr std::string_view kCommand = "INFO";
    std::string message;
    bool operator==(const Info&) const = default;
};

// Everything git-annex sends: its requests, and its replies to the remote's queries.
using FromAnnex =
    std::variant<Extensions, InitRemote, Prepare, Transfer, CheckPresent, Remove, ListConfigs,
                 GetCost, GetAvailability, ClaimUrl, CheckUrl, WhereIs, GetInfo, ExportSupported,
                 Export, TransferExport, CheckPresentExport, RemoveExport, RemoveExportDirectory,
                 RenameExport, Error, Value, Creds, Unknown>;

// Everything the remote sends: its replies to requests, and its own queries and notices.
using FromRemote =
    std::variant<Version, Extensions, InitRemoteSuccess, InitRemoteFailure, PrepareSuccess,
                 PrepareFailure, TransferSuccess, TransferFailure, Progress, CheckPresentSuccess,
                 CheckPresentFailure, CheckPresentUnknown, RemoveSuccess, RemoveFailure, Config,
                 ConfigEnd, Cost, Availability, ClaimUrlSuccess, ClaimUrlFailure, CheckUrlContents,
                 CheckUrlMulti, CheckUrlFailure, WhereIsSuccess, WhereIsFailure, InfoField,
                 InfoValue, InfoEnd, ExportSupportedSuccess, ExportSupportedFailure,
                 RemoveExportDirectorySuccess, RemoveExportDirectoryFailure, RenameExportSuccess,
                 RenameExportFailure, UnsupportedRequest, Error, GetConfig, SetConfig, GetUuid,
                 GetGitDir, GetGitRemoteName, GetCreds, SetCreds, Debug, Info, DirHash,
                 DirHashLower, SetState, GetState, SetUrlPresent, SetUrlMissing, SetUriPresent,
                 SetUriMissing, GetUrls, SetWanted, GetWanted>;

}  // namespace gad::protocol
