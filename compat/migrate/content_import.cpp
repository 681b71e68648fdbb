#include "compat/migrate/content_import.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "compat/logs/branch_file.h"
#include "core/filestore/backends.h"
#include "core/key.h"
#include "core/location/repository_rows.h"

namespace gad::compat::migrate {

namespace fs = std::filesystem;
using core::fail;
using core::location::LocationChange;
using core::location::Presence;

namespace {

constexpr std::size_t kMaxProblems = 20;
constexpr std::size_t kRecordEvery = 500;

// One run of import_content: the object files walked, stored, and recorded in batches.
class ContentImport {
  public:
    ContentImport(std::string_view annex_uuid, const core::dolt::AnnexRepository& target,
                  core::location::LocationStore& store, ContentMode mode,
                  const std::function<void(const ContentSummary&)>& progress)
        : annex_uuid_(annex_uuid),
          target_(target),
          store_(store),
          mode_(mode),
          progress_(progress) {}

    // Opens target's filestore and names its repository, unless the git-annex branch named it
    // already (as it does for a directory made by git-annex-remote-dolt).
    Result<void> start() {
        core::filestore::FilestoreOptions options;
        options.temporary = target_.state_dir() / "tmp";
        auto filestore =
            core::filestore::open_filestore(target_.filestore_root().string(), options);
        if (!filestore) return std::unexpected(filestore.error());
        filestore_ = std::move(*filestore);
        return core::location::name_repository_if_unnamed(
            store_.connection(), target_.uuid(),
            fmt::format("dolt-annex {}", target_.root().string()));
    }

    // Stores the object file at path (KEY/KEY) unless the filestore holds it intact already, and
    // queues its record. Fails only when the filestore or the database fails.
    Result<void> import(const fs::path& path) {
        const std::string text = logs::unescape_key_file_name(path.filename().string());
        auto key = core::Key::parse(text);
        if (!key) {
            problem(fmt::format("{}: cannot be kept in a dolt-annex filestore: {}", path.string(),
                                key.error().message));
            return {};
        }
        // An object already there is only trusted once verified: a damaged one of the right size
        // must not be recorded, nor (move) let the good source be deleted. It is replaced from
        // the source below.
        auto present = filestore_->contains(*key);
        if (!present) return std::unexpected(present.error());
        if (*present) present = filestore_->verify(*key);
        if (!present) return std::unexpected(present.error());
        if (*present) {
            ++summary_.already_stored;
        } else {
            auto stored = mode_ == ContentMode::copy ? filestore_->put(*key, path, {})
                                                     : filestore_->put_link(*key, path);
            if (!stored) {
                problem(fmt::format("{}: not imported, left in place: {}", path.string(),
                                    stored.error().message));
                return {};
            }
            ++summary_.stored;
        }
        const core::Timestamp now = core::Timestamp::now();
        changes_.push_back(LocationChange{text, target_.uuid(), Presence::present, now});
        if (mode_ == ContentMode::move) {
            changes_.push_back(
                LocationChange{text, std::string(annex_uuid_), Presence::missing, now});
            sources_.push_back(path);
        }
        if (changes_.size() >= kRecordEvery) return commit();
        return {};
    }

    // Records the queued changes; then (move) deletes their sources.
    Result<void> commit() {
        if (changes_.empty()) return {};
        if (auto recorded = store_.record(changes_); !recorded) return recorded;
        for (const fs::path& source : sources_) delete_source(source);
        changes_.clear();
        sources_.clear();
        if (progress_) progress_(summary_);
        return {};
    }

    ContentSummary& summary() { return summary_; }

  private:
    void problem(std::string text) {
        ++summary_.failed;
        if (summary_.problems.size() < kMaxProblems) summary_.problems.push_back(std::move(text));
    }

    // Deletes a source whose object is stored and recorded, and its KEY/ directory.
    void delete_source(const fs::path& source) {
        // git-annex keeps objects read-only in a read-only KEY/ directory.
        const fs::path directory = source.parent_path();
        ::chmod(directory.c_str(), 0755);
        if (::unlink(source.c_str()) != 0) {
            problem(fmt::format("{}: stored and recorded, but cannot delete the source: {}",
                                source.string(), std::strerror(errno)));
            --summary_.failed;  // the object itself is safe
            return;
        }
        ::rmdir(directory.c_str());
        ++summary_.removed;
    }

    std::string_view annex_uuid_;
    const core::dolt::AnnexRepository& target_;
    core::location::LocationStore& store_;
    const ContentMode mode_;
    const std::function<void(const ContentSummary&)>& progress_;
    std::unique_ptr<core::filestore::Filestore> filestore_;
    ContentSummary summary_;
    // Stored objects wait here until their record is committed; then (move) their sources go.
    std::vector<LocationChange> changes_;
    std::vector<fs::path> sources_;
};

}  // namespace

Result<ContentMode> parse_content_mode(std::string_view text) {
    if (text == "copy") return ContentMode::copy;
    if (text == "hardlink") return ContentMode::hardlink;
    if (text == "move") return ContentMode::move;
    return fail("--content={}: expected copy, hardlink or move", text);
}

Result<ContentSummary> import_content(const fs::path& git_dir, std::string_view annex_uuid,
                                      const core::dolt::AnnexRepository& target,
                                      core::location::LocationStore& store, ContentMode mode,
                                      const std::function<void(const ContentSummary&)>& progress) {
    ContentImport run(annex_uuid, target, store, mode, progress);
    if (auto started = run.start(); !started) return std::unexpected(started.error());
    const fs::path objects = git_dir / "annex" / "objects";
    std::error_code error;
    fs::recursive_directory_iterator walk(objects, error);
    if (error) {
        if (error == std::errc::no_such_file_or_directory) return run.summary();
        return fail("cannot read {}: {}", objects.string(), error.message());
    }
    for (; walk != fs::recursive_directory_iterator(); walk.increment(error)) {
        if (error) return fail("cannot read {}: {}", objects.string(), error.message());
        const fs::directory_entry& entry = *walk;
        const fs::path& path = entry.path();
        // Objects are KEY/KEY; anything else (a partial transfer, a lock) is not one.
        if (!entry.is_regular_file(error) || path.filename() != path.parent_path().filename()) {
            continue;
        }
        if (auto imported = run.import(path); !imported) {
            return std::unexpected(imported.error());
        }
    }
    if (auto done = run.commit(); !done) return std::unexpected(done.error());
    return run.summary();
}

}  // namespace gad::compat::migrate
