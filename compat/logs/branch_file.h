// Names of files in the git-annex branch (Logs.hs, Annex/Locations.hs keyFile/fileKey,
// Annex/Journal.hs): which log a path is, the key a per-key log is about, the path of a key's
// log, and the branch path a journal file stands for.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gad::compat::logs {

enum class FileKind {
    uuid,                     // uuid.log
    remote,                   // remote.log
    trust,                    // trust.log
    group,                    // group.log
    preferred_content,        // preferred-content.log
    required_content,         // required-content.log
    group_preferred_content,  // group-preferred-content.log (a MapLog)
    numcopies,                // numcopies.log
    mincopies,                // mincopies.log
    config,                   // config.log
    location,                 // HASH/KEY.log
    web,                      // HASH/KEY.log.web
    metadata,                 // HASH/KEY.log.met
    chunk,                    // HASH/KEY.log.cnk
    remote_state,             // HASH/KEY.log.rmt
    content_identifier,       // HASH/KEY.log.cid (a MapLog: UUID -> its content identifiers)
    remote_metadata,          // HASH/KEY.log.rmet (a metadata log of "UUID:field" fields)
    export_log,               // export.log (a MapLog: "FROM:TO" UUIDs -> exported tree shas)
    cluster,                  // cluster.log (a MapLog: cluster UUID -> its node UUIDs)
    proxy,                    // proxy.log (a MapLog: proxy UUID -> "UUID:NAME" it proxies)
    maxsize,                  // maxsize.log (a MapLog: repository UUID -> maximum size)
    // Known to git-annex but not migrated: difference.log, activity.log,
    // multicast.log, schedule.log, transitions.log,
    // HASH/KEY.log.ek, the old remote/web/... URL logs, and anything under
    // the export.tree/ and migrate.tree/ graft points.
    other_known,
    unknown,
};

struct BranchFile {
    FileKind kind = FileKind::unknown;
    std::string
        key;  // the unescaped annex key for per-key kinds (also other_known ones), else empty
    // other_known only: what git-annex knows it by: its file name ("export.log"), its per-key
    // suffix (".log.cid") or its directory ("export.tree/"); a static string.
    std::string_view known_as = {};
};

// Whether kind is a per-key log (HASH/KEY.log...), of which each key has its own file.
bool is_per_key(FileKind kind);

// Classifies a path of the git-annex branch tree ("uuid.log", "abc/def/KEY.log.web", or with
// annex.tune.branchhash1 "abc/KEY.log"). Per-key logs must sit under one or two directories
// of 3 lowercase hex digits; their suffix is matched exactly (".log" is a location log only when
// no longer suffix matches), and the key is unescaped from the file name ("&a" '&', "&s" '%',
// "&c" ':', '%' '/'); a name that unescapes to no key is unknown. The key is not otherwise checked.
BranchFile classify_branch_path(std::string_view path);

// The branch path of a key's log of a per-key kind: hashdirlower of the key (md5 of the key,
// without chunk fields when it parses as a core::Key) over hash_levels directories (2, or 1 with
// annex.tune.branchhash1), then the escaped key and the kind's suffix. For the top-level kinds,
// their file name; empty for other_known and unknown.
std::string branch_path_for_key(std::string_view key, FileKind kind, int hash_levels = 2);

// git-annex's keyFile escaping of a key into a file name, and its inverse fileKey.
std::string escape_key_file_name(std::string_view key);
std::string unescape_key_file_name(std::string_view file_name);

// The branch path a file in .git/annex/journal/ stands for: '_' is '/', "__" is '_' (read
// left to right, so "___" is "_/", as git-annex's fileJournal reads it). Nullopt for names that
// cannot be journal files: empty, ".", "..", or decoding to an empty path component.
std::optional<std::string> journal_name_to_branch_path(std::string_view file_name);

// The journal file name for a branch path: '_' written "__", '/' written '_'.
std::string branch_path_to_journal_name(std::string_view path);

}  // namespace gad::compat::logs
