#include "bridge/credentials.h"

#include <cstdlib>

#include "core/creds_file.h"

namespace gad::bridge {

namespace fs = std::filesystem;

namespace {

std::string file_name(std::string_view uuid, const Secret& secret) {
    std::string name = fmt::format("{}-{}", uuid, secret.setting);
    for (char& c : name) {
        if (c == '/') c = '_';  // as git-annex names its creds files
    }
    return name;
}

}  // namespace

fs::path own_creds_file(const fs::path& git_dir, std::string_view uuid, const Secret& secret) {
    return git_dir / "annex" / "git-annex-dolt" / "creds" / file_name(uuid, secret);
}

fs::path annex_creds_file(const fs::path& git_dir, std::string_view uuid, const Secret& secret) {
    return git_dir / "annex" / "creds" / file_name(uuid, secret);
}

core::Result<std::optional<std::string>> find_password(const fs::path& git_dir,
                                                       std::string_view uuid,
                                                       const Secret& secret) {
    if (const char* given = std::getenv(secret.variable); given != nullptr) {
        return std::optional<std::string>(given);
    }
    for (const fs::path& file :
         {own_creds_file(git_dir, uuid, secret), annex_creds_file(git_dir, uuid, secret)}) {
        auto creds = core::read_creds_file(file);
        if (!creds) return std::unexpected(creds.error());
        if (*creds) return std::optional<std::string>(std::move((*creds)->password));
    }
    return std::optional<std::string>{};
}

core::Result<void> keep_password(const fs::path& git_dir, std::string_view uuid,
                                 const Secret& secret, const std::string& login) {
    const char* given = std::getenv(secret.variable);
    if (given == nullptr) return {};
    auto kept =
        core::write_creds_file(own_creds_file(git_dir, uuid, secret), core::CredPair{login, given});
    if (!kept) {
        return core::fail("{} is set, but {}", secret.variable, kept.error().message);
    }
    return {};
}

}  // namespace gad::bridge
