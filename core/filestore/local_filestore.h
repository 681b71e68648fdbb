// The AnnexFS filestore of dolt-annex on a local filesystem: each object at
// <root>/<aaa>/<bbb>/<KEY> (git-annex's hashdirlower directories, the key file directly inside).
#pragma once

#include <atomic>
#include <filesystem>
#include <mutex>
#include <vector>

#include "core/filestore/backends.h"
#include "core/filestore/filestore.h"

namespace gad::core::filestore {

// The backends.h row of AnnexFS filestores in a local directory: an absolute path (no scheme);
// type "annexfs" in .repo files.
extern const Backend kAnnexFsBackend;

class LocalFilestore final : public Filestore {
  public:
    // root: the filestore directory, which must exist (a missing one is an unreachable store, as
    // when a drive is not mounted); temporary: where partial objects are written, on the same
    // filesystem as root (created if missing).
    static Result<std::unique_ptr<LocalFilestore>> open(const std::filesystem::path& root,
                                                        const std::filesystem::path& temporary);

    // Removes this process's empty hiding places (an object still hidden keeps its own).
    ~LocalFilestore() override;

    Result<void> put(const Key& key, const std::filesystem::path& source,
                     const Progress& progress) override;
    Result<void> get(const Key& key, const std::filesystem::path& destination,
                     const Progress& progress) override;
    Result<bool> contains(const Key& key) override;
    Result<bool> verify(const Key& key) override;
    Result<std::optional<Hidden>> hide(const Key& key) override;
    Result<void> purge(const Hidden& hidden) override;
    Result<void> restore(const Hidden& hidden) override;
    // Objects are taken to be hidden at their inode's change time (set by the rename that hid
    // them).
    Result<std::size_t> restore_abandoned(const RemovalRecorded& recorded = {}) override;
    std::string locate(const Key& key) const override;

    // Stores source under key as a hard link to it (sharing its bytes) once its content is
    // verified against the key, with put()'s guarantees; copies like put() when source is on
    // another filesystem. Whoever writes source afterwards changes the object too: for sources
    // that are never written again, such as git-annex's read-only object files.
    Result<void> put_link(const Key& key, const std::filesystem::path& source) override;

    // The path an object for key has in this store.
    std::filesystem::path object_path(const Key& key) const;

  private:
    LocalFilestore(std::filesystem::path root, std::filesystem::path temporary);
    // put() from the file open as in (read from where it is to its end; source names it).
    Result<void> copy_in(const Key& key, int in, const std::filesystem::path& source,
                         const Progress& progress);
    // A new name for a partial object in temporary_.
    std::filesystem::path temporary_name();
    // Renames the complete object at temporary under key, creating its directories.
    Result<void> install(const std::filesystem::path& temporary, const Key& key);
    // Moves hidden back under key without replacing an object there; deletes it otherwise.
    Result<void> put_back(const std::filesystem::path& hidden, const Key& key);

    // An empty directory under hidden_ to hide one object in; give_back_slot() returns it for
    // reuse (or removes it, when it belongs to another process).
    Result<std::filesystem::path> take_slot();
    void give_back_slot(const std::filesystem::path& slot);

    std::filesystem::path root_;
    std::filesystem::path temporary_;
    std::filesystem::path hidden_;  // temporary/hidden-<pid>: this process's hidden objects
    std::atomic<std::uint64_t> counter_{0};
    std::mutex slots_mutex_;
    std::vector<std::filesystem::path> free_slots_;  // empty slots of hidden_
};

}  // namespace gad::core::filestore
