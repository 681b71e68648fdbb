// Where the remote keeps the passwords given at initremote (database=, an SFTP filestore=) and
// finds them later, all by itself: no password ever crosses the git-annex protocol, where
// GETCREDS and SETCREDS would show it in git annex --debug.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "bridge/remote_config.h"
#include "core/failure.h"

namespace gad::bridge {

// A password the remote may need: the environment variable that gives it, and the creds setting
// earlier versions of the remote had git-annex keep it under (SETCREDS).
struct Secret {
    const char* variable;
    std::string_view setting;
};

inline constexpr Secret kDatabaseSecret{kPasswordVariable, kDatabaseCreds};
inline constexpr Secret kSftpSecret{kSftpPasswordVariable, kSftpCreds};

// The remote's own file for secret: <git dir>/annex/git-annex-dolt/creds/<uuid>-<setting>,
// mode 0600 in a directory of mode 0700.
std::filesystem::path own_creds_file(const std::filesystem::path& git_dir, std::string_view uuid,
                                     const Secret& secret);

// The file git-annex keeps an external remote's SETCREDS in (Remote/External.hs: credPairFile,
// <uuid>-<setting> in .git/annex/creds/), where remotes set up by earlier versions have theirs.
std::filesystem::path annex_creds_file(const std::filesystem::path& git_dir, std::string_view uuid,
                                       const Secret& secret);

// The password for secret: its environment variable, else the remote's own file, else
// git-annex's; nullopt when none has one. Fails naming a file that cannot be read.
core::Result<std::optional<std::string>> find_password(const std::filesystem::path& git_dir,
                                                       std::string_view uuid, const Secret& secret);

// At initremote and enableremote: when secret's environment variable is set, keeps its value
// (with login, for the record) in the remote's own file for later commands.
core::Result<void> keep_password(const std::filesystem::path& git_dir, std::string_view uuid,
                                 const Secret& secret, const std::string& login);

}  // namespace gad::bridge
