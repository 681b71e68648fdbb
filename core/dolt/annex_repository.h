// A dolt-annex repository directory, laid out as dolt-annex itself lays one out: config.json,
// repos/__local__.repo (name, uuid, AnnexFS filestore, key format), the filestore annex/, and the
// Dolt database in dolt/ (the database is named after that folder).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/failure.h"
#include "core/filestore/backends.h"
#include "core/json.h"

namespace gad::core::dolt {

class AnnexRepository {
  public:
    // Makes root a dolt-annex repository for the repository uuid, creating whatever is missing
    // (idempotent). with_dolt also runs `dolt init` in dolt/ when it has no database.
    // repos/__local__.repo, which claims root for uuid, is written last. Fails when root already
    // belongs to another UUID, or cannot be written.
    // filestore is where the repository's objects are, as repos/__local__.repo will say (a
    // backends.h address and its options; default: AnnexFS in its own annex/ folder).
    // clone_from (a checked remote_url.h URL): a database that does not exist yet is cloned from
    // it instead (`dolt clone`, origin then names it), or, when it is a file:// remote holding no
    // Dolt data yet, made by `dolt init` (seeded_remote() then says so).
    static Result<AnnexRepository> init(
        const std::filesystem::path& root, std::string_view uuid, bool with_dolt,
        const filestore::RepoFilestore& filestore = {std::string(kOwnAnnex), {}},
        const std::optional<std::string>& clone_from = {});

    // The filestore of a repository whose objects are in its own annex/ folder, as its
    // repos/__local__.repo names it (relative to the repository).
    static constexpr std::string_view kOwnAnnex = "./annex";

    // Undoes the claim of a repository that init() newly made, when the set-up it was part of
    // failed, so that a retry with another UUID may use root; everything else is kept.
    void forget_new_claim() const;

    // True when init() wrote repos/__local__.repo (it did not exist before).
    bool newly_claimed() const { return newly_claimed_; }
    // True when init() was to clone a file:// remote that held no Dolt data, and made a new
    // database instead: the remote is to receive it (remote_history.h: seed_origin).
    bool seeded_remote() const { return seeded_remote_; }

    // Opens an existing dolt-annex repository; fails when root has no repos/__local__.repo.
    static Result<AnnexRepository> open(const std::filesystem::path& root);

    const std::filesystem::path& root() const { return root_; }
    const std::string& uuid() const { return uuid_; }
    // The AnnexFS filestore root (<root>/annex).
    std::filesystem::path filestore_root() const { return root_ / "annex"; }
    // The Dolt database directory (<root>/dolt).
    std::filesystem::path dolt_dir() const { return root_ / "dolt"; }
    // Our own state (server locks, socket, log), invisible to dolt-annex.
    std::filesystem::path state_dir() const { return root_ / ".git-annex-dolt"; }

  private:
    AnnexRepository(std::filesystem::path root, std::string uuid)
        : root_(std::move(root)), uuid_(std::move(uuid)) {}
    std::filesystem::path root_;
    std::string uuid_;
    bool newly_claimed_ = false;
    bool seeded_remote_ = false;
};

// JSON quoting, for the callers that have it through this header (core/json.h holds it).
using core::json_string;

// Writes the repos/<name>.repo file at path (as write_file_atomically does), by which a
// dolt-annex repository knows the repository uuid called name and its filestore: the one at
// filestore.where, its entry written by the filestore's backend (backends.h: repo_entry). Fails
// on an address no backend takes, or when the file cannot be written.
Result<void> write_repo_file(const std::filesystem::path& path, std::string_view name,
                             std::string_view uuid, const filestore::RepoFilestore& filestore);

// The uuid field of a repos/<name>.repo file (JSON5, written by dolt-annex or by us), or empty
// when the file cannot be read or has none.
std::string read_repo_uuid(const std::filesystem::path& file);

// Writes content to path through a temporary file in the same directory and a rename, so a
// reader sees the old file or the whole new one.
Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view content);

// True for a UUID in the form git-annex and dolt-annex write: 36 characters, lowercase hex digits
// in groups 8-4-4-4-12 separated by '-'.
bool is_uuid(std::string_view text);

// A new random (version 4) UUID in that form, for a repository that has none yet.
std::string new_uuid();

}  // namespace gad::core::dolt
