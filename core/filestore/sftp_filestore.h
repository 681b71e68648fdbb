// The AnnexFS filestore on a server reached over SFTP (libssh): each object at
// <root>/<aaa>/<bbb>/<KEY> as LocalFilestore lays it out, with the same guarantees.
//
// Partial uploads go to <root>/.git-annex-dolt-tmp/put-<host>-<pid>-<n> and are renamed into
// place once their size (and digest, for hash keys) is verified and fsync@openssh.com (when
// offered) has made them durable; the rename replaces atomically with posix-rename@openssh.com,
// or else removes an old object first (then the key is briefly absent, never partial).
// Hidden objects go to <root>/.git-annex-dolt-tmp/hidden-<host>-<pid>/<n>/<KEY>.
// Calls run in parallel on a small pool of SSH sessions (a libssh session is not thread-safe, so
// each call borrows one for itself): the first is connected by open(), more only when calls
// overlap, at most max_sessions (4 by default, like git annex -J4). A call whose connection drops
// reconnects once and is done again.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/filestore/backends.h"
#include "core/filestore/filestore.h"
#include "core/filestore/sftp_url.h"
#include "core/ssh/ssh_session.h"

namespace gad::core::filestore {

// The backends.h row of SFTP filestores: sftp:// URLs (sftp_url.h); type "sftp" in .repo files,
// whose "connection" holds user, hostname, port, path and client_key (the identity file).
extern const Backend kSftpBackend;

class SftpFilestore final : public Filestore {
  public:
    static constexpr std::size_t kDefaultSessions = 4;

    // Connects to the server of url and checks that its path is a directory there (a missing
    // one is an unreachable store, as with LocalFilestore). Fails naming the cause: host
    // unreachable, unknown or changed host key, authentication refused, missing directory.
    // Concurrent calls use up to max_sessions SSH connections (at least 1); more calls wait.
    static Result<std::unique_ptr<SftpFilestore>> open(const SftpUrl& url,
                                                       const ssh::ConnectOptions& options,
                                                       std::size_t max_sessions = kDefaultSessions);

    // Connects like open() and creates url's directory, with any missing parents, on the server
    // (for initremote). Fails naming the cause.
    static Result<void> create_root(const SftpUrl& url, const ssh::ConnectOptions& options);

    Result<void> put(const Key& key, const std::filesystem::path& source,
                     const Progress& progress) override;
    Result<void> get(const Key& key, const std::filesystem::path& destination,
                     const Progress& progress) override;
    Result<bool> contains(const Key& key) override;
    Result<bool> verify(const Key& key) override;
    Result<std::optional<Hidden>> hide(const Key& key) override;
    Result<void> purge(const Hidden& hidden) override;
    // Checks that nothing is stored under the key, then renames the hidden object back. SFTP's
    // plain rename refuses an existing target (OpenSSH links, then unlinks), which closes the
    // gap on OpenSSH; on a server whose rename replaces, an object stored between the check
    // and the rename would be replaced by the hidden one (same key: the same content).
    Result<void> restore(const Hidden& hidden) override;
    // Restores (or deletes, as recorded says) what processes of this host that are no longer
    // running hid, and deletes their partial uploads. SFTP cannot tell when an object was hidden.
    Result<std::size_t> restore_abandoned(const RemovalRecorded& recorded = {}) override;
    // sftp://user@host:port/<root>/aaa/bbb/<KEY>.
    std::string locate(const Key& key) const override;

    // The path an object for key has on the server.
    std::string object_path(const Key& key) const;

    // The directory on the server holding partial uploads and hidden objects.
    std::string temporary_path() const;

    // SSH sessions in the pool now, in use or idle (counting one being connected, and one whose
    // connection was lost and is to be made again): never more than open()'s max_sessions.
    std::size_t sessions() const;

  private:
    struct Cleanup;

    SftpFilestore(SftpUrl url, ssh::ConnectOptions options, std::size_t max_sessions);

    // Runs op on a connected session of its own, borrowed from the pool; when op fails because
    // the connection dropped, reconnects that session and runs op once more.
    template <typename T, typename Op>
    Result<T> with_session(Op&& op);

    // An idle session (nullptr: one to connect again) for the caller alone; connects a new one
    // when none is idle and the pool is not full, else waits for one to be given back. Fails
    // only when a new connection fails and no other session exists to wait for.
    Result<std::unique_ptr<ssh::SshSession>> borrow();
    // Returns a borrowed session (nullptr when it could not be reconnected) to the pool.
    void give_back(std::unique_ptr<ssh::SshSession> session);
    // Deletes partial uploads whose connection was lost, now that session is connected.
    void delete_stale(ssh::SshSession& session);

    // Before an upload for key: fails when the server's filesystem lacks the room for it
    // (check_free_space), as statvfs@openssh.com tells (a server without it is not checked).
    // The server is asked at most once per kRoomFresh; in between, the figure it gave is lowered
    // by what this process started to upload since.
    Result<void> check_room(ssh::SshSession& session, const Key& key);
    static constexpr std::chrono::seconds kRoomFresh{1};

    // put() on one session: check_room, create_partial, upload (sftp_transfer.h), make_durable,
    // install; the partial file is deleted unless installed.
    Result<void> put_once(ssh::SshSession& session, const Key& key,
                          const std::filesystem::path& source, const Progress& progress);
    // A new partial upload file at temporary (creating temporary_ when missing).
    Result<ssh::SftpFile> create_partial(ssh::SshSession& session, const std::string& temporary);
    // Checks that the server holds all total bytes of the upload out (at temporary), asks it to
    // make them durable (fsync@openssh.com, when offered) and closes out.
    Result<void> make_durable(ssh::SshSession& session, ssh::SftpFile out,
                              const std::string& temporary, const Key& key, std::uint64_t total);
    // Renames the complete upload at temporary to key's object path, creating its directories.
    Result<void> install(ssh::SshSession& session, const std::string& temporary, const Key& key);

    // An object file open for reading, and its size as the server tells it.
    struct RemoteObject {
        ssh::SftpFile file;
        std::uint64_t size = 0;
    };
    // Opens the object stored under key; nullopt when there is none.
    Result<std::optional<RemoteObject>> open_object(ssh::SshSession& session, const Key& key) const;
    // get() on one session: open_object, its size checked against the key, download
    // (sftp_transfer.h) into destination with the digest checked on the way.
    Result<void> get_once(ssh::SshSession& session, const Key& key,
                          const std::filesystem::path& destination, const Progress& progress);
    // "object KEY in sftp://...", for messages about a stored object.
    std::string describe(const Key& key) const;
    // Moves the hidden object at place back under key, unless an object is stored there (then
    // deletes it).
    Result<void> put_back(ssh::SshSession& session, const std::string& place, const Key& key);

    SftpUrl url_;
    ssh::ConnectOptions options_;
    std::string temporary_;     // <root>/.git-annex-dolt-tmp
    std::string owner_;         // "<host>-<pid>": names this process's partial and hidden files
    mutable std::mutex mutex_;  // guards everything below
    std::condition_variable returned_;  // a session was given back to idle_
    // Sessions in the pool (borrowed, idle, or being connected): at most limit_.
    std::size_t sessions_ = 0;
    // max_sessions; lowered to the sessions that exist when the server refuses another one.
    std::size_t limit_;
    // Sessions not in use, the most recently returned last; nullptr for one whose connection was
    // lost and could not be made again yet.
    std::vector<std::unique_ptr<ssh::SshSession>> idle_;
    // Partial uploads whose connection was lost: deleted once a session is connected.
    std::vector<std::string> stale_;
    // The free space of the filestore's filesystem, as check_room() last heard of it.
    struct Room {
        std::chrono::steady_clock::time_point asked;
        std::uint64_t free = 0;
        std::uint64_t capacity = 0;
        bool known = false;
    } room_;
};

}  // namespace gad::core::filestore
