#include "compat/migrate/content_import.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "compat/logs/branch_file.h"
#include "core/filestore/local_filestore.h"
#include "core/key.h"

namespace gad::compat::migrate {

namespace fs = std::filesystem;
using core::fail;
using core::location::LocationChange;
using core::location::Presence;

namespace {

constexpr std::size_t kMaxProblems = 20;
constexpr std::size_t kRecordEvery = 500;

// Whether the file at path holds key's content (size, and digest for hash backends).
Result<bool> holds_content(const core::Key& key, const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail("cannot read {}: {}", path.string(), std::strerror(errno));
    core::filestore::StreamCheck check(key);
    auto read = core::filestore::read_blocks(
        fd, path, [&](std::span<const std::byte> block) -> Result<void> {
            check.update(block);
            return {};
        });
    ::close(fd);
    if (!read) return std::unexpected(read.error());
    return check.finish(*read, path.string()).has_value();
}

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
    auto filestore = core::filestore::LocalFilestore::open(target.filestore_root(),
                                                           target.state_dir() / "tmp");
    if (!filestore) return std::unexpected(filestore.error());
    ContentSummary summary;
    // The filestore's repository, named unless the git-annex branch named it already (as it does
    // for a directory made by git-annex-remote-dolt).
    auto named = store.connection().run(
        "INSERT INTO repositories (uuid, description) VALUES (?, ?) "
        "ON DUPLICATE KEY UPDATE description = IF(description = '', VALUES(description), description)",
        {target.uuid(), std::string_view(fmt::format("dolt-annex {}", target.root().string()))});
    if (!named) return std::unexpected(named.error());
    auto problem = [&](std::string text) {
        ++summary.failed;
        if (summary.problems.size() < kMaxProblems) summary.problems.push_back(std::move(text));
    };

    // Stored objects wait here until their record is committed; then (move) their sources go.
    std::vector<LocationChange> changes;
    std::vector<fs::path> sources;
    auto commit = [&]() -> Result<void> {
        if (changes.empty()) return {};
        if (auto recorded = store.record(changes); !recorded) return recorded;
        for (const fs::path& source : sources) {
            // git-annex keeps objects read-only in a read-only KEY/ directory.
            const fs::path directory = source.parent_path();
            ::chmod(directory.c_str(), 0755);
            if (::unlink(source.c_str()) != 0) {
                problem(fmt::format("{}: stored and recorded, but cannot delete the source: {}",
                                    source.string(), std::strerror(errno)));
                --summary.failed;  // the object itself is safe
                continue;
            }
            ::rmdir(directory.c_str());
            ++summary.removed;
        }
        changes.clear();
        sources.clear();
        if (progress) progress(summary);
        return {};
    };

    const fs::path objects = git_dir / "annex" / "objects";
    std::error_code error;
    fs::recursive_directory_iterator walk(objects, error);
    if (error) {
        if (error == std::errc::no_such_file_or_directory) return summary;
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
        const std::string text = logs::unescape_key_file_name(path.filename().string());
        auto key = core::Key::parse(text);
        if (!key) {
            problem(fmt::format("{}: cannot be kept in a dolt-annex filestore: {}", path.string(),
                                key.error().message));
            continue;
        }
        auto present = (*filestore)->contains(*key);
        if (!present) return std::unexpected(present.error());
        if (*present) {
            // An object already there is only trusted once verified: a damaged one of the right
            // size must not be recorded, nor (move) let the good source be deleted. It is
            // replaced from the source below.
            auto intact = holds_content(*key, (*filestore)->object_path(*key));
            if (!intact) return std::unexpected(intact.error());
            *present = *intact;
        }
        if (*present) {
            ++summary.already_stored;
        } else {
            auto stored = mode == ContentMode::copy ? (*filestore)->put(*key, path, {})
                                                    : (*filestore)->put_link(*key, path);
            if (!stored) {
                problem(fmt::format("{}: not imported, left in place: {}", path.string(),
                                    stored.error().message));
                continue;
            }
            ++summary.stored;
        }
        const core::Timestamp now = core::Timestamp::now();
        changes.push_back(LocationChange{text, target.uuid(), Presence::present, now});
        if (mode == ContentMode::move) {
            changes.push_back(LocationChange{text, std::string(annex_uuid), Presence::missing, now});
            sources.push_back(path);
        }
        if (changes.size() >= kRecordEvery) {
            if (auto done = commit(); !done) return std::unexpected(done.error());
        }
    }
    if (auto done = commit(); !done) return std::unexpected(done.error());
    return summary;
}

}  // namespace gad::compat::migrate
