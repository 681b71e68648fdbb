#include "core/filestore/sftp_remote.h"

#include <libssh/sftp.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

namespace gad::core::filestore::sftp {

using ssh::SftpAttributes;
using ssh::SftpDir;
using ssh::SshSession;

std::string parent_of(const std::string& path) {
    const std::size_t slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

std::string host_name() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || !*name) return "localhost";
    std::string text = name;
    for (char& c : text) {
        if (c == '/') c = '_';
    }
    return text;
}

bool pid_is_running(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

std::optional<std::pair<std::string, pid_t>> parse_owner(std::string_view text) {
    const std::size_t dash = text.rfind('-');
    if (dash == std::string_view::npos || dash == 0 || dash + 1 == text.size()) return std::nullopt;
    pid_t pid = 0;
    for (const char c : text.substr(dash + 1)) {
        if (c < '0' || c > '9' || pid > 100'000'000) return std::nullopt;
        pid = pid * 10 + (c - '0');
    }
    return std::pair{std::string(text.substr(0, dash)), pid};
}

SftpAttributes stat_path(SshSession& session, const std::string& path) {
    return SftpAttributes(sftp_stat(session.sftp(), path.c_str()));
}

Result<bool> exists(SshSession& session, const std::string& path) {
    if (stat_path(session, path)) return true;
    if (session.usable() && session.status() == SSH_FX_NO_SUCH_FILE) return false;
    return std::unexpected(session.failure(fmt::format("cannot check {}", path)));
}

Result<void> make_directory(SshSession& session, const std::string& path) {
    if (sftp_mkdir(session.sftp(), path.c_str(), 0755) == 0) return {};
    const Failure failure = session.failure(fmt::format("cannot create {}", path));
    if (!session.usable()) return std::unexpected(failure);
    if (SftpAttributes info = stat_path(session, path);
        info && info->type == SSH_FILEXFER_TYPE_DIRECTORY) {
        return {};
    }
    return std::unexpected(failure);
}

Result<void> make_directories(SshSession& session, const std::string& base,
                              std::string_view relative_dirs) {
    std::string path = base;
    for (std::size_t start = 0; start < relative_dirs.size();) {
        std::size_t end = relative_dirs.find('/', start);
        if (end == std::string_view::npos) end = relative_dirs.size();
        if (end > start) {
            path += '/';
            path += relative_dirs.substr(start, end - start);
            if (auto made = make_directory(session, path); !made) return made;
        }
        start = end + 1;
    }
    return {};
}

Failure write_failure(SshSession& session, const std::string& path, const Failure& failure,
                      int code) {
    if (!session.usable() || code != SSH_FX_FAILURE ||
        !session.has_extension("statvfs@openssh.com", "2")) {
        return failure;
    }
    sftp_statvfs_t info = sftp_statvfs(session.sftp(), parent_of(path).c_str());
    if (!info) return failure;
    const std::uint64_t free = info->f_bavail * info->f_frsize;
    sftp_statvfs_free(info);
    if (free >= session.max_request()) return failure;
    return Failure{failure.kind, fmt::format("cannot write {}: no space left on {} ({} bytes free)",
                                             path, session.endpoint().host, free)};
}

Failure write_failure(SshSession& session, const std::string& path) {
    const Failure failure = session.failure(fmt::format("cannot write {}", path));
    return write_failure(session, path, failure, session.usable() ? session.status() : SSH_FX_OK);
}

SshSession::Status rename_replacing(SshSession& session, const std::string& from,
                                    const std::string& to) {
    if (session.has_extension("posix-rename@openssh.com", "1")) {
        return session.posix_rename(from, to);
    }
    // Plain SFTP rename refuses an existing target: remove it first (the key is then briefly
    // absent, never partial).
    if (sftp_rename(session.sftp(), from.c_str(), to.c_str()) == 0) return {};
    if (session.usable() && stat_path(session, to)) {
        sftp_unlink(session.sftp(), to.c_str());
        if (sftp_rename(session.sftp(), from.c_str(), to.c_str()) == 0) return {};
    }
    if (!session.usable()) return {SSH_FX_CONNECTION_LOST, ssh_get_error(session.ssh())};
    return {session.status(), ssh_get_error(session.ssh())};
}

Result<std::vector<std::string>> list_directory(SshSession& session, const std::string& path) {
    std::vector<std::string> names;
    SftpDir dir(sftp_opendir(session.sftp(), path.c_str()));
    if (!dir) {
        if (session.usable() && session.status() == SSH_FX_NO_SUCH_FILE) return names;
        return std::unexpected(session.failure(fmt::format("cannot list {}", path)));
    }
    while (SftpAttributes entry{sftp_readdir(session.sftp(), dir.get())}) {
        const std::string_view name = entry->name ? entry->name : "";
        if (!name.empty() && name != "." && name != "..") names.emplace_back(name);
    }
    if (!sftp_dir_eof(dir.get())) {
        return std::unexpected(session.failure(fmt::format("cannot list {}", path)));
    }
    return names;
}

Result<void> delete_with_directory(SshSession& session, const std::string& path) {
    if (sftp_unlink(session.sftp(), path.c_str()) != 0 &&
        !(session.usable() && session.status() == SSH_FX_NO_SUCH_FILE)) {
        return std::unexpected(session.failure(fmt::format("cannot delete {}", path)));
    }
    sftp_rmdir(session.sftp(), parent_of(path).c_str());
    return {};
}

}  // namespace gad::core::filestore::sftp
