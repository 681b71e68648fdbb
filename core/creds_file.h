// A login and password kept in a file only its owner can read, in the format of git-annex's own
// creds files (.git/annex/creds/*: the login, a newline, the password, a newline).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "core/failure.h"

namespace gad::core {

struct CredPair {
    std::string login;
    std::string password;
    bool operator==(const CredPair&) const = default;
};

// Replaces file with creds at once (a new file of mode 0600, renamed over it), creating its
// directory with mode 0700 when missing. Fails naming the file, never the password; refuses a
// login or password holding a newline, which the format cannot keep.
Result<void> write_creds_file(const std::filesystem::path& file, const CredPair& creds);

// The creds in file; nullopt when there is no such file. Fails naming the file when it cannot
// be read or is not two lines.
Result<std::optional<CredPair>> read_creds_file(const std::filesystem::path& file);

}  // namespace gad::core
