#include "core/filestore/sftp_filestore.h"

#include <fcntl.h>
#include <libssh/sftp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/filestore/sftp_remote.h"
#include "core/filestore/sftp_transfer.h"
#include "core/unique_fd.h"

namespace gad::core::filestore {

namespace fs = std::filesystem;
using ssh::SftpAttributes;
using ssh::SftpDir;
using ssh::SftpFile;
using ssh::SshSession;
using namespace sftp;

namespace {

constexpr std::string_view kTemporary = ".git-annex-dolt-tmp";

// Slot and partial-file numbers, unique in this process whatever the number of stores.
std::atomic<std::uint64_t> next_number{0};

std::string errno_text() { return std::strerror(errno); }

// Writes all of data to the file open as fd (path names it).
Result<void> write_all(int fd, std::span<const std::byte> data, const fs::path& path) {
    for (std::size_t done = 0; done < data.size();) {
        const ssize_t wrote = ::write(fd, data.data() + done, data.size() - done);
        if (wrote < 0) {
            if (errno == EINTR) continue;
            return fail("cannot write {}: {}", path.string(), errno_text());
        }
        done += static_cast<std::size_t>(wrote);
    }
    return {};
}

}  // namespace

// Deletes a partial upload unless disarmed: at once while connected, else after reconnecting.
struct SftpFilestore::Cleanup {
    SftpFilestore& store;
    SshSession& session;
    std::string path;
    ~Cleanup() {
        if (path.empty()) return;
        if (session.usable()) {
            sftp_unlink(session.sftp(), path.c_str());
        } else {
            std::lock_guard lock(store.mutex_);
            store.stale_.push_back(path);
        }
    }
};

SftpFilestore::SftpFilestore(SftpUrl url, ssh::ConnectOptions options, std::size_t max_sessions)
    : url_(std::move(url)),
      options_(std::move(options)),
      temporary_(url_.remote_path(kTemporary)),
      owner_(fmt::format("{}-{}", host_name(), ::getpid())),
      limit_(std::max<std::size_t>(1, max_sessions)) {}

Result<std::unique_ptr<SftpFilestore>> SftpFilestore::open(const SftpUrl& url,
                                                           const ssh::ConnectOptions& options,
                                                           std::size_t max_sessions) {
    std::unique_ptr<SftpFilestore> store(new SftpFilestore(url, options, max_sessions));
    auto checked = store->with_session<void>([&](SshSession& session) -> Result<void> {
        SftpAttributes info = stat_path(session, url.path);
        if (!info) {
            if (session.usable() && session.status() == SSH_FX_NO_SUCH_FILE) {
                return fail(Failure::Kind::unreachable, "filestore {} does not exist on {}",
                            url.path, url.host);
            }
            return std::unexpected(
                session.failure(fmt::format("cannot check filestore {}", url.path)));
        }
        if (info->type != SSH_FILEXFER_TYPE_DIRECTORY) {
            return fail("filestore {} on {} is not a directory", url.path, url.host);
        }
        return {};
    });
    if (!checked) return std::unexpected(checked.error());
    return store;
}

Result<void> SftpFilestore::create_root(const SftpUrl& url, const ssh::ConnectOptions& options) {
    auto session = SshSession::connect(url.endpoint(), options);
    if (!session) return std::unexpected(session.error());
    // Absolute paths are made from "/", paths relative to the login directory from ".".
    const bool absolute = url.path.starts_with('/');
    return make_directories(**session, absolute ? "" : ".",
                            std::string_view(url.path).substr(absolute ? 1 : 0));
}

Result<std::unique_ptr<SshSession>> SftpFilestore::borrow() {
    std::unique_lock lock(mutex_);
    while (true) {
        // A connected session first (the most recently returned), else one to connect again.
        for (auto it = idle_.rbegin(); it != idle_.rend(); ++it) {
            if (*it) {
                std::unique_ptr<SshSession> session = std::move(*it);
                idle_.erase(std::next(it).base());
                return session;
            }
        }
        if (!idle_.empty()) {
            idle_.pop_back();
            return std::unique_ptr<SshSession>{};
        }
        if (sessions_ < limit_) {
            ++sessions_;  // counted while connecting, so no other caller goes over the limit
            lock.unlock();
            auto connected = SshSession::connect(url_.endpoint(), options_);
            lock.lock();
            if (connected) return std::move(*connected);
            --sessions_;
            if (sessions_ == 0) return std::unexpected(connected.error());
            // The server takes no more connections than we have (MaxStartups, a per-user limit,
            // or it went away: then the calls on the others report it): make do with those.
            limit_ = sessions_;
            continue;
        }
        returned_.wait(lock);
    }
}

void SftpFilestore::give_back(std::unique_ptr<SshSession> session) {
    {
        std::lock_guard lock(mutex_);
        idle_.push_back(std::move(session));
    }
    returned_.notify_one();
}

std::size_t SftpFilestore::sessions() const {
    std::lock_guard lock(mutex_);
    return sessions_;
}

void SftpFilestore::delete_stale(SshSession& session) {
    std::vector<std::string> paths;
    {
        std::lock_guard lock(mutex_);
        paths.swap(stale_);
    }
    for (const std::string& path : paths) {
        if (sftp_unlink(session.sftp(), path.c_str()) != 0 && !session.usable()) {
            std::lock_guard lock(mutex_);  // lost again: for the next connection
            stale_.push_back(path);
        }
    }
}

template <typename T, typename Op>
Result<T> SftpFilestore::with_session(Op&& op) {
    auto borrowed = borrow();
    if (!borrowed) return std::unexpected(borrowed.error());
    // Gives the session back to the pool however the call ends.
    struct Lease {
        SftpFilestore& store;
        std::unique_ptr<SshSession> session;
        ~Lease() { store.give_back(std::move(session)); }
    } lease{*this, std::move(*borrowed)};
    std::optional<Failure> dropped;
    for (int attempt = 0;; ++attempt) {
        if (!lease.session || !lease.session->usable()) {
            lease.session.reset();
            auto connected = SshSession::connect(url_.endpoint(), options_);
            if (!connected) {
                if (!dropped) return std::unexpected(connected.error());
                return fail(Failure::Kind::unreachable, "{}; reconnecting failed: {}",
                            dropped->message, connected.error().message);
            }
            lease.session = std::move(*connected);
        }
        // Partial uploads cut off with an earlier connection (this one's or another's).
        delete_stale(*lease.session);
        Result<T> result = op(*lease.session);
        if (result || attempt > 0 || lease.session->usable()) return result;
        dropped = result.error();
    }
}

std::string SftpFilestore::object_path(const Key& key) const {
    return url_.remote_path(key.hashdir_lower() + key.to_string());
}

std::string SftpFilestore::temporary_path() const { return temporary_; }

std::string SftpFilestore::locate(const Key& key) const {
    return url_.to_string(key.hashdir_lower() + key.to_string());
}

Result<void> SftpFilestore::put(const Key& key, const fs::path& source, const Progress& progress) {
    return with_session<void>(
        [&](SshSession& session) { return put_once(session, key, source, progress); });
}

Result<void> SftpFilestore::check_room(SshSession& session, const Key& key) {
    const std::optional<std::uint64_t> size = expected_object_size(key);
    if (!size) return {};
    const std::string where = url_.to_string();
    const auto now = std::chrono::steady_clock::now();
    // Takes the object's size off the figure, for the uploads that follow before the next ask.
    auto claim = [&] { room_.free -= std::min(room_.free, *size); };
    {
        std::lock_guard lock(mutex_);
        if (room_.known && now - room_.asked < kRoomFresh &&
            check_free_space(key, where, room_.free, room_.capacity)) {
            claim();
            return {};
        }
    }
    if (!session.has_extension("statvfs@openssh.com", "2")) return {};
    sftp_statvfs_t info = sftp_statvfs(session.sftp(), url_.path.c_str());
    if (info == nullptr) {
        if (!session.usable()) {
            return std::unexpected(
                session.failure(fmt::format("cannot check the space on {}", where)));
        }
        return {};  // the server cannot tell: not checked
    }
    const std::uint64_t block = info->f_frsize ? info->f_frsize : info->f_bsize;
    const std::uint64_t free = info->f_bavail * block;
    const std::uint64_t capacity = info->f_blocks * block;
    sftp_statvfs_free(info);
    std::lock_guard lock(mutex_);
    room_ = Room{now, free, capacity, true};
    auto checked = check_free_space(key, where, free, capacity);
    if (checked) claim();
    return checked;
}

Result<ssh::SftpFile> SftpFilestore::create_partial(SshSession& session,
                                                    const std::string& temporary) {
    const int flags = O_WRONLY | O_CREAT | O_EXCL;
    SftpFile out(sftp_open(session.sftp(), temporary.c_str(), flags, 0644));
    if (!out && session.usable() && session.status() == SSH_FX_NO_SUCH_FILE) {
        if (auto made = make_directory(session, temporary_); !made) {
            return std::unexpected(made.error());
        }
        out.reset(sftp_open(session.sftp(), temporary.c_str(), flags, 0644));
    }
    if (!out) return std::unexpected(session.failure(fmt::format("cannot create {}", temporary)));
    return out;
}

Result<void> SftpFilestore::make_durable(SshSession& session, SftpFile out,
                                         const std::string& temporary, const Key& key,
                                         std::uint64_t total) {
    if (SftpAttributes info(sftp_fstat(out.get())); !info || info->size != total) {
        if (!info) {
            return std::unexpected(session.failure(fmt::format("cannot check {}", temporary)));
        }
        return fail("upload of {} to {} is incomplete: the server has {} of {} bytes",
                    key.to_string(), url_.to_string(), info->size, total);
    }
    if (session.has_extension("fsync@openssh.com", "1") && sftp_fsync(out.get()) != 0) {
        return std::unexpected(write_failure(session, temporary));
    }
    if (sftp_close(out.release()) != 0) return std::unexpected(write_failure(session, temporary));
    return {};
}

Result<void> SftpFilestore::install(SshSession& session, const std::string& temporary,
                                    const Key& key) {
    const std::string destination = object_path(key);
    SshSession::Status moved = rename_replacing(session, temporary, destination);
    if (moved.code == SSH_FX_NO_SUCH_FILE) {  // the first object in its hash directories
        if (auto made = make_directories(session, url_.path, key.hashdir_lower()); !made) {
            return made;
        }
        moved = rename_replacing(session, temporary, destination);
    }
    if (!moved.ok()) {
        return std::unexpected(
            session.failure(fmt::format("cannot move object into {}", destination), moved));
    }
    return {};
}

Result<void> SftpFilestore::put_once(SshSession& session, const Key& key, const fs::path& source,
                                     const Progress& progress) {
    if (auto room = check_room(session, key); !room) return room;
    UniqueFd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in) return fail("cannot read {}: {}", source.string(), errno_text());
    const std::string temporary =
        fmt::format("{}/put-{}-{}", temporary_, owner_, next_number.fetch_add(1));
    // Declared before the file handle, so the handle is closed before the file is deleted.
    Cleanup cleanup{*this, session, temporary};
    auto out = create_partial(session, temporary);
    if (!out) {
        cleanup.path.clear();  // nothing was created
        return std::unexpected(out.error());
    }
    // Hashed on the way, so the content is read once.
    StreamCheck check(key);
    auto sent = sftp::upload(session, in.get(), source, out->get(), temporary, check, progress);
    if (!sent) return std::unexpected(sent.error());
    if (auto checked = check.finish(*sent, source.string()); !checked) return checked;
    if (auto durable = make_durable(session, std::move(*out), temporary, key, *sent); !durable) {
        return durable;
    }
    if (auto installed = install(session, temporary, key); !installed) return installed;
    cleanup.path.clear();
    return {};
}

Result<void> SftpFilestore::get(const Key& key, const fs::path& destination,
                                const Progress& progress) {
    return with_session<void>(
        [&](SshSession& session) { return get_once(session, key, destination, progress); });
}

std::string SftpFilestore::describe(const Key& key) const {
    return fmt::format("object {} in {}", key.to_string(), url_.to_string());
}

Result<std::optional<SftpFilestore::RemoteObject>> SftpFilestore::open_object(
    SshSession& session, const Key& key) const {
    const std::string path = object_path(key);
    SftpFile file(sftp_open(session.sftp(), path.c_str(), O_RDONLY, 0));
    if (!file) {
        if (session.usable() && session.status() == SSH_FX_NO_SUCH_FILE) return std::nullopt;
        return std::unexpected(session.failure(fmt::format("cannot read {}", path)));
    }
    SftpAttributes info(sftp_fstat(file.get()));
    if (!info) return std::unexpected(session.failure(fmt::format("cannot read {}", path)));
    const std::uint64_t size = info->size;
    return RemoteObject{std::move(file), size};
}

Result<void> SftpFilestore::get_once(SshSession& session, const Key& key,
                                     const fs::path& destination, const Progress& progress) {
    auto object = open_object(session, key);
    if (!object) return std::unexpected(object.error());
    if (!*object) return fail("{} is not in the filestore {}", key.to_string(), url_.to_string());
    const std::uint64_t size = (*object)->size;
    if (auto expected = expected_object_size(key); expected && *expected != size) {
        return fail("{} is damaged: {} bytes instead of {}", describe(key), size, *expected);
    }
    UniqueFd out(::open(destination.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!out) return fail("cannot write {}: {}", destination.string(), errno_text());
    StreamCheck check(key);
    std::uint64_t total = 0;
    std::uint64_t next_report = sftp::kProgressStep;
    auto keep = [&](std::span<const std::byte> piece) -> Result<void> {
        check.update(piece);
        if (auto written = write_all(out.get(), piece, destination); !written) return written;
        total += piece.size();
        if (progress && (total >= next_report || total == size)) {
            progress(total);
            next_report = total + sftp::kProgressStep;
        }
        return {};
    };
    if (auto read = sftp::download(session, (*object)->file.get(), size, object_path(key),
                                   describe(key), keep);
        !read) {
        return read;
    }
    if (!check.content_matches()) {
        return fail("{} is damaged: its {} digest is {}", describe(key), key.backend(),
                    check.digest_hex());
    }
    if (out.reset() != 0) return fail("cannot write {}: {}", destination.string(), errno_text());
    return {};
}

Result<bool> SftpFilestore::verify(const Key& key) {
    return with_session<bool>([&](SshSession& session) -> Result<bool> {
        auto object = open_object(session, key);
        if (!object) return std::unexpected(object.error());
        if (!*object) return false;
        const std::uint64_t size = (*object)->size;
        if (auto expected = expected_object_size(key); expected && *expected != size) return false;
        StreamCheck check(key);
        auto read = sftp::download(session, (*object)->file.get(), size, object_path(key),
                                   describe(key), [&](std::span<const std::byte> piece) {
                                       check.update(piece);
                                       return Result<void>();
                                   });
        if (!read) return std::unexpected(read.error());
        return check.finish(size, describe(key)).has_value();
    });
}

Result<bool> SftpFilestore::contains(const Key& key) {
    return with_session<bool>([&](SshSession& session) -> Result<bool> {
        const std::string path = object_path(key);
        SftpAttributes info = stat_path(session, path);
        if (!info) {
            if (session.usable() && session.status() == SSH_FX_NO_SUCH_FILE) return false;
            Failure failure = session.failure(fmt::format("cannot check {}", path));
            failure.kind = Failure::Kind::unreachable;  // cannot be told now
            return std::unexpected(failure);
        }
        if (info->type != SSH_FILEXFER_TYPE_REGULAR) return false;
        const auto size = expected_object_size(key);
        return !size || *size == info->size;
    });
}

Result<std::optional<Filestore::Hidden>> SftpFilestore::hide(const Key& key) {
    // The slot is chosen once, so a repeat after a lost connection finds what the first try
    // moved. hidden-<host>-<pid>/<n>/<KEY>: the key stays readable for restore_abandoned().
    const std::string owner = fmt::format("{}/hidden-{}", temporary_, owner_);
    std::string slot = fmt::format("{}/{}", owner, next_number.fetch_add(1));
    bool slot_made = false;
    return with_session<std::optional<Hidden>>(
        [&](SshSession& session) -> Result<std::optional<Hidden>> {
            const std::string path = object_path(key);
            while (!slot_made) {
                if (sftp_mkdir(session.sftp(), slot.c_str(), 0755) == 0) {
                    slot_made = true;
                    break;
                }
                if (!session.usable()) {
                    return std::unexpected(session.failure(fmt::format("cannot create {}", slot)));
                }
                const Failure failure = session.failure(fmt::format("cannot create {}", slot));
                if (session.status() == SSH_FX_NO_SUCH_FILE) {  // the first hide of this process
                    if (auto made = make_directory(session, temporary_); !made) {
                        return std::unexpected(made.error());
                    }
                    if (auto made = make_directory(session, owner); !made) {
                        return std::unexpected(made.error());
                    }
                    continue;
                }
                auto taken = exists(session, slot);  // left by a dead process with our pid
                if (!taken) return std::unexpected(taken.error());
                if (!*taken) return std::unexpected(failure);
                slot = fmt::format("{}/{}", owner, next_number.fetch_add(1));
            }
            const std::string hidden = fmt::format("{}/{}", slot, key.to_string());
            if (sftp_rename(session.sftp(), path.c_str(), hidden.c_str()) == 0) {
                return std::optional<Hidden>(Hidden{key.to_string(), hidden});
            }
            const Failure failure = session.failure(fmt::format("cannot remove {}", path));
            if (!session.usable()) return std::unexpected(failure);
            auto present = exists(session, path);
            if (!present) return std::unexpected(present.error());
            if (*present) return std::unexpected(failure);
            auto moved = exists(session, hidden);  // by a try whose answer was lost
            if (!moved) return std::unexpected(moved.error());
            if (*moved) return std::optional<Hidden>(Hidden{key.to_string(), hidden});
            sftp_rmdir(session.sftp(), slot.c_str());
            return std::optional<Hidden>{};
        });
}

Result<void> SftpFilestore::purge(const Hidden& hidden) {
    return with_session<void>(
        [&](SshSession& session) { return delete_with_directory(session, hidden.place); });
}

Result<void> SftpFilestore::put_back(SshSession& session, const std::string& place,
                                     const Key& key) {
    const std::string destination = object_path(key);
    auto discard = [&] { return delete_with_directory(session, place); };
    // An object stored meanwhile wins, and the hidden one goes.
    auto stored = exists(session, destination);
    if (!stored) return std::unexpected(stored.error());
    if (*stored) return discard();
    for (int attempt = 0; attempt < 2; ++attempt) {
        // Plain SFTP rename never replaces (see restore() in the header).
        if (sftp_rename(session.sftp(), place.c_str(), destination.c_str()) == 0) {
            sftp_rmdir(session.sftp(), parent_of(place).c_str());
            return {};
        }
        const Failure failure = session.failure(fmt::format("cannot restore {}", destination));
        if (!session.usable()) return std::unexpected(failure);
        auto now_stored = exists(session, destination);  // stored meanwhile, or moved by a lost try
        if (!now_stored) return std::unexpected(now_stored.error());
        if (*now_stored) return discard();
        auto still_hidden = exists(session, place);
        if (!still_hidden) return std::unexpected(still_hidden.error());
        if (!*still_hidden) return fail("cannot restore {}: {} is gone", destination, place);
        if (attempt > 0) return std::unexpected(failure);
        // The hash directories were removed meanwhile.
        if (auto made = make_directories(session, url_.path, key.hashdir_lower()); !made)
            return made;
    }
    return {};
}

Result<void> SftpFilestore::restore(const Hidden& hidden) {
    auto key = Key::parse(hidden.key);
    if (!key) return std::unexpected(key.error());
    return with_session<void>(
        [&](SshSession& session) { return put_back(session, hidden.place, *key); });
}

Result<std::size_t> SftpFilestore::restore_abandoned(const RemovalRecorded& recorded) {
    return with_session<std::size_t>([&](SshSession& session) -> Result<std::size_t> {
        const std::string here = host_name();
        // Owners of this host that are gone (or this very process, as LocalFilestore does).
        auto abandoned = [&](std::string_view owner) {
            auto parsed = parse_owner(owner);
            if (!parsed || parsed->first != here) return false;
            return parsed->second == ::getpid() || !pid_is_running(parsed->second);
        };
        auto entries = list_directory(session, temporary_);
        if (!entries) return std::unexpected(entries.error());
        std::size_t restored = 0;
        for (const std::string& name : *entries) {
            const std::string path = fmt::format("{}/{}", temporary_, name);
            if (name.starts_with("put-")) {
                // put-<host>-<pid>-<n>: a partial upload of a process that died.
                const std::size_t dash = name.rfind('-');
                auto owner = dash > 4 ? parse_owner(std::string_view(name).substr(4, dash - 4))
                                      : std::nullopt;
                if (owner && owner->first == here && owner->second != ::getpid() &&
                    !pid_is_running(owner->second)) {
                    sftp_unlink(session.sftp(), path.c_str());
                }
                continue;
            }
            if (!name.starts_with("hidden-") || !abandoned(std::string_view(name).substr(7))) {
                continue;
            }
            auto slots = list_directory(session, path);
            if (!slots) return std::unexpected(slots.error());
            for (const std::string& slot : *slots) {
                const std::string slot_path = fmt::format("{}/{}", path, slot);
                auto objects = list_directory(session, slot_path);
                if (!objects) return std::unexpected(objects.error());
                for (const std::string& object : *objects) {
                    auto key = Key::parse(object);
                    if (!key) continue;
                    const std::string hidden = fmt::format("{}/{}", slot_path, object);
                    if (recorded) {
                        auto removed = recorded(*key, std::nullopt);
                        if (!removed) return std::unexpected(removed.error());
                        if (*removed) {
                            if (sftp_unlink(session.sftp(), hidden.c_str()) != 0 &&
                                session.status() != SSH_FX_NO_SUCH_FILE) {
                                return std::unexpected(
                                    session.failure(fmt::format("cannot delete {}", hidden)));
                            }
                            continue;
                        }
                    }
                    auto back = put_back(session, hidden, *key);
                    if (!back) return std::unexpected(back.error());
                    ++restored;
                }
                sftp_rmdir(session.sftp(), slot_path.c_str());
            }
            sftp_rmdir(session.sftp(), path.c_str());
        }
        return restored;
    });
}

}  // namespace gad::core::filestore
