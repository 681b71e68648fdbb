// Filestores chosen by where they are (as ccache chooses its remote storage backends): a table
// with one row per kind of filestore, each naming its URL scheme, its type in dolt-annex's
// repos/*.repo files, and how to check, create, open and describe one. A filestore is given as
// a local directory (an AnnexFS filestore, "/srv/annex") or as a URL ("sftp://user@host/path"),
// or by the "filestore" entry of a repos/*.repo file.
//
// How to add a backend (S3, say): write core/filestore/s3_filestore.{h,cpp} with a class that
// implements Filestore (filestore.h) and a `const Backend kS3Backend` row (scheme "s3://", type
// as dolt-annex names it, its functions), declare that row in s3_filestore.h, and add it to
// kBackends in backends.cpp. Nothing else changes: the remote's filestore=, its cost and
// availability, `sync --dataset`'s repos/*.repo files and open_filestore() all go through here.
// (Settings the backend needs beyond FilestoreOptions go into FilestoreOptions.)
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/failure.h"
#include "core/filestore/filestore.h"

namespace gad::core::filestore {

// How to reach a filestore, besides where it is.
struct FilestoreOptions {
    // Where a local filestore writes partial objects, on the filesystem of its directory
    // (created if missing); when unset, <directory>/.git-annex-dolt-tmp.
    std::optional<std::filesystem::path> temporary;
    // For filestores on another host: the private key to try (and to name in a .repo entry), the
    // known hosts file, and a password tried last. Unset: the backend's defaults (~/.ssh/...).
    std::optional<std::filesystem::path> identity_file;
    std::optional<std::filesystem::path> known_hosts;
    std::optional<std::string> password;
};

// A filestore as a repos/*.repo file's "filestore" entry names it: where it is, and options with
// what the entry says about reaching it (an SSH key file).
struct RepoFilestore {
    std::string where;
    FilestoreOptions options;
};

// One kind of filestore: a row of the table.
struct Backend {
    // dolt-annex's name for it, the "type" of a .repo file's filestore entry ("annexfs").
    std::string_view type;
    // The URL scheme it is chosen by, with "://" ("sftp://"); empty for the local directory
    // backend, which takes every address without "://".
    std::string_view scheme;
    // Whether its filestores are on another host (git-annex's expensive cost and global
    // availability) rather than on this machine.
    bool remote;
    // The canonical form of where (a URL or path of this backend), or a one-line error naming
    // what is wrong with it.
    Result<std::string> (*check)(std::string_view where);
    // Opens the filestore at where (canonical); fails naming the cause, with Kind::unreachable
    // when it cannot be reached now.
    Result<std::unique_ptr<Filestore>> (*open)(std::string_view where,
                                               const FilestoreOptions& options);
    // Creates the filestore's directory at where, with any missing parents (for initremote).
    Result<void> (*create)(std::string_view where, const FilestoreOptions& options);
    // The "filestore" entry of a repos/*.repo file for the filestore at where (JSON); a relative
    // local directory stays relative (to the repository, as dolt-annex reads it).
    Result<std::string> (*repo_entry)(std::string_view where, const FilestoreOptions& options);
    // The filestore a .repo entry of this type describes (relative directories taken from base,
    // the dolt-annex repository); fails naming what the entry lacks.
    Result<RepoFilestore> (*from_repo_entry)(std::string_view entry,
                                             const std::filesystem::path& base);
    // The login a filestore uses, for the record ("" when it has none).
    std::string (*login)(std::string_view where);
    // Where the object of key is in the filestore at where (canonical), as its Filestore::locate
    // says (the remote's WHEREIS answer), without opening it.
    std::string (*locate)(std::string_view where, const Key& key);
};

// Every backend, the table's rows.
std::span<const Backend* const> backends();

// The backend whose scheme where has (the local directory backend when it has no "://"); fails
// naming an unknown scheme and the known ones.
Result<const Backend*> backend_for(std::string_view where);

// where checked by its backend: canonical, or a one-line error.
Result<std::string> check_filestore(std::string_view where);

// Opens the filestore at where (a local directory or a URL) by its backend.
Result<std::unique_ptr<Filestore>> open_filestore(std::string_view where,
                                                  const FilestoreOptions& options);

// Creates the filestore's directory at where (for initremote).
Result<void> create_filestore(std::string_view where, const FilestoreOptions& options);

// The "filestore" entry of a repos/*.repo file for where.
Result<std::string> repo_entry(std::string_view where, const FilestoreOptions& options = {});

// Reads a .repo file's filestore entry (JSON, or JSON5 as dolt-annex writes it); base is the
// dolt-annex repository, against which relative directories are taken. Fails naming an unknown
// type or a missing field.
Result<RepoFilestore> read_repo_entry(std::string_view entry, const std::filesystem::path& base);

// Opens the filestore a .repo file's filestore entry describes; options add to (never override)
// what the entry says.
Result<std::unique_ptr<Filestore>> open_filestore(std::string_view entry,
                                                  const std::filesystem::path& base,
                                                  const FilestoreOptions& options);

// The login the filestore at where uses, for the record ("" when it has none or where is not a
// filestore address).
std::string filestore_login(std::string_view where);

// Where the object of key is in the filestore at where (a local directory or a URL), as the
// opened filestore's locate() would say; fails naming where when no backend takes it.
Result<std::string> locate_object(std::string_view where, const Key& key);

// Whether the filestore at where is on another host (false for a local directory and for an
// address no backend takes).
bool is_remote(std::string_view where);

}  // namespace gad::core::filestore
