#include "core/filestore/local_filestore.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/json.h"
#include "core/unique_fd.h"

namespace gad::core::filestore {

namespace fs = std::filesystem;

namespace {

// root/aaa/bbb/KEY: the path of key's object in the AnnexFS filestore at root.
fs::path object_path_in(const fs::path& root, const Key& key) {
    fs::path path = root;
    path += '/';
    path += key.hashdir_lower();  // "aaa/bbb/"
    path += key.to_string();
    return path;
}

std::string errno_text() { return std::strerror(errno); }

constexpr std::uint64_t kWritebackStep = 8 << 20;

// mkdir that tolerates an existing directory.
bool make_directory(const fs::path& path) {
    return ::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST;
}

Result<void> fsync_directory(const fs::path& directory) {
    UniqueFd fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd || ::fsync(fd.get()) != 0) {
        return fail("cannot sync directory {}: {}", directory.string(), errno_text());
    }
    return {};
}

// Before writing an object for key into directory: fails when its filesystem lacks the room
// (check_free_space). A filesystem that cannot tell is not checked.
Result<void> check_room(const Key& key, const fs::path& directory) {
    if (!expected_object_size(key)) return {};
    struct statvfs info {};
    if (::statvfs(directory.c_str(), &info) != 0) return {};
    const std::uint64_t block = info.f_frsize ? info.f_frsize : info.f_bsize;
    return check_free_space(key, directory.string(), std::uint64_t{info.f_bavail} * block,
                            std::uint64_t{info.f_blocks} * block);
}

}  // namespace

Result<std::unique_ptr<LocalFilestore>> LocalFilestore::open(const fs::path& root,
                                                             const fs::path& temporary) {
    std::error_code ec;
    if (!fs::is_directory(root, ec)) {
        return fail(Failure::Kind::unreachable, "filestore {} does not exist", root.string());
    }
    fs::create_directories(temporary, ec);
    if (ec) return fail("cannot create {}: {}", temporary.string(), ec.message());
    return std::unique_ptr<LocalFilestore>(
        new LocalFilestore(fs::absolute(root), fs::absolute(temporary)));
}

LocalFilestore::LocalFilestore(fs::path root, fs::path temporary)
    : root_(std::move(root)),
      temporary_(std::move(temporary)),
      hidden_(temporary_ / fmt::format("hidden-{}", ::getpid())) {}

LocalFilestore::~LocalFilestore() {
    for (const fs::path& slot : free_slots_) ::rmdir(slot.c_str());
    ::rmdir(hidden_.c_str());
}

fs::path LocalFilestore::object_path(const Key& key) const { return object_path_in(root_, key); }

std::string LocalFilestore::locate(const Key& key) const { return object_path(key).string(); }

Result<void> LocalFilestore::put(const Key& key, const fs::path& source, const Progress& progress) {
    UniqueFd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in) return fail("cannot read {}: {}", source.string(), errno_text());
    return copy_in(key, in.get(), source, progress);
}

Result<void> LocalFilestore::copy_in(const Key& key, int in, const fs::path& source,
                                     const Progress& progress) {
    if (auto room = check_room(key, temporary_); !room) return room;
    const fs::path temporary = temporary_name();
    UniqueFd out(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!out) return fail("cannot create {}: {}", temporary.string(), errno_text());
    UnlinkUnlessKept cleanup(temporary.string());

    // A full disk is named as such (the partial object is deleted on the way out).
    auto write_failure = [&](std::uint64_t written) {
        if (errno == ENOSPC) {
            return fail("cannot store {}: no space left on {} after {} bytes", key.to_string(),
                        temporary_.string(), written);
        }
        return fail("cannot write {}: {}", temporary.string(), errno_text());
    };

    // Copy, hashing on the way (large content on another thread), so the content is read once;
    // content beyond the key's size is never written.
    StreamCheck check(key);
    std::uint64_t written = 0;
    std::uint64_t flushed = 0;  // written back (started) up to here
    auto copied = read_checked_blocks(
        in, source, check, [&](std::span<const std::byte> block) -> Result<void> {
            if (auto bounded = check.within_size(written + block.size(), source.string());
                !bounded) {
                return bounded;
            }
            for (std::size_t done = 0; done < block.size();) {
                const ssize_t wrote = ::write(out.get(), block.data() + done, block.size() - done);
                if (wrote < 0) {
                    if (errno == EINTR) continue;
                    return write_failure(written + done);
                }
                done += static_cast<std::size_t>(wrote);
            }
            written += block.size();
            // Start writing back what is written so far, so the fsync at the end waits only for
            // the last part (advisory: errors show up at the fsync).
            if (written - flushed >= kWritebackStep) {
                ::sync_file_range(out.get(), static_cast<off_t>(flushed),
                                  static_cast<off_t>(written - flushed), SYNC_FILE_RANGE_WRITE);
                flushed = written;
            }
            if (progress) progress(written);
            return {};
        });
    if (!copied) return std::unexpected(copied.error());
    const std::uint64_t total = *copied;
    if (auto checked = check.finish(total, source.string()); !checked) return checked;
    if (::fsync(out.get()) != 0 || out.reset() != 0) return write_failure(total);
    if (auto installed = install(temporary, key); !installed) return installed;
    cleanup.keep();
    return {};
}

fs::path LocalFilestore::temporary_name() {
    return temporary_ / fmt::format("put-{}-{}", ::getpid(), counter_.fetch_add(1));
}

Result<void> LocalFilestore::install(const fs::path& temporary, const Key& key) {
    const fs::path destination = object_path(key);
    const fs::path directory = destination.parent_path();
    if (!make_directory(directory.parent_path()) || !make_directory(directory)) {
        return fail("cannot create {}: {}", directory.string(), errno_text());
    }
    if (::rename(temporary.c_str(), destination.c_str()) != 0) {
        return fail("cannot move object into {}: {}", destination.string(), errno_text());
    }
    return fsync_directory(directory);
}

Result<void> LocalFilestore::put_link(const Key& key, const fs::path& source) {
    UniqueFd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in) return fail("cannot read {}: {}", source.string(), errno_text());
    // Only a regular file is linked (a link to a pipe or device would be no object).
    struct stat info {};
    if (::fstat(in.get(), &info) != 0)
        return fail("cannot read {}: {}", source.string(), errno_text());
    if (!S_ISREG(info.st_mode)) return copy_in(key, in.get(), source, {});
    StreamCheck check(key);
    std::uint64_t total_read = 0;
    auto read =
        read_blocks(in.get(), source, [&](std::span<const std::byte> block) -> Result<void> {
            total_read += block.size();
            if (auto bounded = check.within_size(total_read, source.string()); !bounded)
                return bounded;
            check.update(block);
            return {};
        });
    if (!read) return std::unexpected(read.error());
    const std::uint64_t total = *read;
    if (auto checked = check.finish(total, source.string()); !checked) return checked;
    const fs::path temporary = temporary_name();
    if (::link(source.c_str(), temporary.c_str()) != 0) {
        if (errno == EXDEV) return put(key, source, {});
        return fail("cannot link {} into {}: {}", source.string(), temporary_.string(),
                    errno_text());
    }
    auto installed = install(temporary, key);
    if (!installed) ::unlink(temporary.c_str());
    return installed;
}

Result<void> LocalFilestore::get(const Key& key, const fs::path& destination,
                                 const Progress& progress) {
    const fs::path path = object_path(key);
    UniqueFd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in) {
        if (errno == ENOENT)
            return fail("{} is not in the filestore {}", key.to_string(), root_.string());
        return fail("cannot read {}: {}", path.string(), errno_text());
    }
    UniqueFd out(::open(destination.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!out) return fail("cannot write {}: {}", destination.string(), errno_text());
    std::uint64_t total = 0;
    while (true) {
        // The kernel copies (and may share extents); 8 MiB at a time for progress reports.
        const ssize_t copied = ::copy_file_range(in.get(), nullptr, out.get(), nullptr, 8 << 20, 0);
        if (copied < 0) {
            if (errno == EINTR) continue;
            return fail("cannot copy {} to {}: {}", path.string(), destination.string(),
                        errno_text());
        }
        if (copied == 0) break;
        total += static_cast<std::uint64_t>(copied);
        if (progress) progress(total);
    }
    if (auto size = expected_object_size(key); size && *size != total) {
        return fail("object {} in {} is damaged: {} bytes instead of {}", key.to_string(),
                    root_.string(), total, *size);
    }
    if (out.reset() != 0) return fail("cannot write {}: {}", destination.string(), errno_text());
    return {};
}

Result<bool> LocalFilestore::contains(const Key& key) {
    struct stat info {};
    const fs::path path = object_path(key);
    if (::stat(path.c_str(), &info) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) return false;
        return fail(Failure::Kind::unreachable, "cannot check {}: {}", path.string(), errno_text());
    }
    if (!S_ISREG(info.st_mode)) return false;
    auto size = expected_object_size(key);
    return !size || *size == static_cast<std::uint64_t>(info.st_size);
}

Result<bool> LocalFilestore::verify(const Key& key) {
    const fs::path path = object_path(key);
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT || errno == ENOTDIR) return false;
        return fail("cannot read {}: {}", path.string(), errno_text());
    }
    StreamCheck check(key);
    auto read = read_blocks(fd.get(), path, [&](std::span<const std::byte> block) -> Result<void> {
        check.update(block);
        return {};
    });
    if (!read) return std::unexpected(read.error());
    return check.finish(*read, path.string()).has_value();
}

Result<std::optional<Filestore::Hidden>> LocalFilestore::hide(const Key& key) {
    const fs::path path = object_path(key);
    // hidden-<pid>/<n>/<KEY>: the key stays readable for restore_abandoned(). Slot directories
    // are reused once empty, so a removal costs one rename rather than a mkdir and an rmdir too.
    auto slot = take_slot();
    if (!slot) return std::unexpected(slot.error());
    const fs::path hidden = *slot / key.to_string();
    if (::rename(path.c_str(), hidden.c_str()) != 0) {
        const int error = errno;
        give_back_slot(*slot);
        if (error == ENOENT) return std::optional<Hidden>{};
        return fail("cannot remove {}: {}", path.string(), std::strerror(error));
    }
    return std::optional<Hidden>(Hidden{key.to_string(), hidden.string()});
}

Result<fs::path> LocalFilestore::take_slot() {
    {
        std::lock_guard lock(slots_mutex_);
        if (!free_slots_.empty()) {
            fs::path slot = std::move(free_slots_.back());
            free_slots_.pop_back();
            return slot;
        }
    }
    if (!make_directory(hidden_))
        return fail("cannot create {}: {}", hidden_.string(), errno_text());
    fs::path slot = hidden_ / std::to_string(counter_.fetch_add(1));
    if (!make_directory(slot)) return fail("cannot create {}: {}", slot.string(), errno_text());
    return slot;
}

void LocalFilestore::give_back_slot(const fs::path& slot) {
    if (slot.parent_path() != hidden_) {  // another (dead) process's: not ours to reuse
        ::rmdir(slot.c_str());
        return;
    }
    std::lock_guard lock(slots_mutex_);
    free_slots_.push_back(slot);
}

Result<void> LocalFilestore::purge(const Hidden& hidden) {
    const fs::path path = hidden.place;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        return fail("cannot delete {}: {}", path.string(), errno_text());
    }
    give_back_slot(path.parent_path());
    return {};
}

Result<void> LocalFilestore::put_back(const fs::path& hidden, const Key& key) {
    const fs::path destination = object_path(key);
    // link() never replaces: a newer object stored meanwhile wins, and the hidden one goes.
    if (::link(hidden.c_str(), destination.c_str()) != 0 && errno != EEXIST) {
        return fail("cannot restore {}: {}", destination.string(), errno_text());
    }
    ::unlink(hidden.c_str());
    give_back_slot(hidden.parent_path());
    return {};
}

Result<void> LocalFilestore::restore(const Hidden& hidden) {
    auto key = Key::parse(hidden.key);
    if (!key) return std::unexpected(key.error());
    return put_back(hidden.place, *key);
}

Result<std::size_t> LocalFilestore::restore_abandoned(const RemovalRecorded& recorded) {
    std::size_t restored = 0;
    std::error_code ec;
    // A live process other than this one still owns its partial uploads and hidden objects.
    auto owner_alive = [](pid_t pid) {
        return pid != ::getpid() && pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
    };
    for (const auto& owner : fs::directory_iterator(temporary_, ec)) {
        const std::string name = owner.path().filename().string();
        if (name.starts_with("put-")) {  // put-<pid>-<n>: an upload its process never finished
            if (!owner_alive(static_cast<pid_t>(std::atoll(name.c_str() + 4)))) {
                fs::remove(owner.path(), ec);
            }
            continue;
        }
        if (!name.starts_with("hidden-")) continue;
        if (owner_alive(static_cast<pid_t>(std::atoll(name.c_str() + 7)))) continue;
        for (const auto& slot : fs::directory_iterator(owner.path(), ec)) {
            for (const auto& object : fs::directory_iterator(slot.path(), ec)) {
                auto key = Key::parse(object.path().filename().string());
                if (!key) continue;
                if (recorded) {
                    struct stat info {};
                    std::optional<Timestamp> hidden_at;
                    if (::stat(object.path().c_str(), &info) == 0) {
                        hidden_at =
                            Timestamp{static_cast<std::int64_t>(info.st_ctim.tv_sec),
                                      static_cast<std::uint64_t>(info.st_ctim.tv_nsec) * 1000};
                    }
                    auto removed = recorded(*key, hidden_at);
                    if (!removed) return std::unexpected(removed.error());
                    if (*removed) {
                        if (::unlink(object.path().c_str()) != 0 && errno != ENOENT) {
                            return fail("cannot delete {}: {}", object.path().string(),
                                        errno_text());
                        }
                        continue;
                    }
                }
                if (auto back = put_back(object.path(), *key); !back)
                    return std::unexpected(back.error());
                ++restored;
            }
            fs::remove(slot.path(), ec);
        }
        fs::remove(owner.path(), ec);
    }
    return restored;
}

namespace {

// A filestore opened by its directory alone keeps partial objects here, inside it.
constexpr std::string_view kTemporaryName = ".git-annex-dolt-tmp";

Result<std::string> annexfs_check(std::string_view where) {
    const fs::path path(where);
    if (path.empty() || !path.is_absolute()) {
        return fail("filestore directory {} is not an absolute path", where);
    }
    std::string canonical = path.lexically_normal().string();
    if (canonical.size() > 1 && canonical.back() == '/') canonical.pop_back();
    return canonical;
}

Result<std::unique_ptr<Filestore>> annexfs_open(std::string_view where,
                                                const FilestoreOptions& options) {
    const fs::path root(where);
    auto opened = LocalFilestore::open(root, options.temporary.value_or(root / kTemporaryName));
    if (!opened) return std::unexpected(opened.error());
    return std::unique_ptr<Filestore>(std::move(*opened));
}

Result<void> annexfs_create(std::string_view where, const FilestoreOptions&) {
    std::error_code ec;
    fs::create_directories(fs::path(where), ec);
    if (ec) return fail("cannot create filestore {}: {}", where, ec.message());
    return {};
}

Result<std::string> annexfs_repo_entry(std::string_view where, const FilestoreOptions&) {
    return fmt::format(R"({{"type": "annexfs", "root": {}}})", json_string(where));
}

Result<RepoFilestore> annexfs_from_repo_entry(std::string_view entry, const fs::path& base) {
    const std::optional<std::string> root = json_field(entry, "root");
    if (!root || root->empty()) return fail("annexfs filestore entry {} has no root", entry);
    return RepoFilestore{(base / *root).lexically_normal().string(), {}};
}

std::string no_login(std::string_view) { return {}; }

std::string annexfs_locate(std::string_view where, const Key& key) {
    return object_path_in(fs::path(where), key).string();
}

}  // namespace

const Backend kAnnexFsBackend{
    .type = "annexfs",
    .scheme = "",
    .remote = false,
    .check = annexfs_check,
    .open = annexfs_open,
    .create = annexfs_create,
    .repo_entry = annexfs_repo_entry,
    .from_repo_entry = annexfs_from_repo_entry,
    .login = no_login,
    .locate = annexfs_locate,
};

}  // namespace gad::core::filestore
