// The steps SftpFilestore takes on the server's files over one SSH session: checking, creating,
// renaming and listing paths, and naming the cause of a failed write.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/failure.h"
#include "core/ssh/ssh_session.h"

namespace gad::core::filestore::sftp {

// The attributes of path on the server; null when it cannot be had (session.status() says why).
ssh::SftpAttributes stat_path(ssh::SshSession& session, const std::string& path);

// Whether path exists on the server; a Failure when that cannot be told.
Result<bool> exists(ssh::SshSession& session, const std::string& path);

// mkdir that tolerates an existing directory (OpenSSH reports EEXIST as a plain failure).
Result<void> make_directory(ssh::SshSession& session, const std::string& path);

// Creates each missing directory of relative_dirs ("aaa/bbb") below base.
Result<void> make_directories(ssh::SshSession& session, const std::string& base,
                              std::string_view relative_dirs);

// A failed write of path (code: its SSH_FX_* status): names a full disk when the server's
// statvfs says so, else failure as it is.
Failure write_failure(ssh::SshSession& session, const std::string& path, const Failure& failure,
                      int code);

// A failed libssh call writing path, as above.
Failure write_failure(ssh::SshSession& session, const std::string& path);

// Renames from onto to, replacing an object there (atomically with posix-rename).
ssh::SshSession::Status rename_replacing(ssh::SshSession& session, const std::string& from,
                                         const std::string& to);

// The names in a remote directory (without . and ..); empty when it does not exist.
Result<std::vector<std::string>> list_directory(ssh::SshSession& session, const std::string& path);

// Deletes the file at path (a missing one is no failure), then its directory if now empty.
Result<void> delete_with_directory(ssh::SshSession& session, const std::string& path);

// The directory part of a remote path ("." for a bare name, "/" for a file in /).
std::string parent_of(const std::string& path);

// This machine's name, as it names partial and hidden files ('/' replaced).
std::string host_name();

// Whether a process of this machine with that pid is running.
bool pid_is_running(pid_t pid);

// Splits "<host>-<pid>" (host may contain '-'); nullopt when it is not of that form.
std::optional<std::pair<std::string, pid_t>> parse_owner(std::string_view text);

}  // namespace gad::core::filestore::sftp
