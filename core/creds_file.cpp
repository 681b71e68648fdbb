#include "core/creds_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "core/file_reads.h"
#include "core/unique_fd.h"

namespace gad::core {

namespace fs = std::filesystem;

namespace {

std::string errno_text() { return std::strerror(errno); }

}  // namespace

Result<void> write_creds_file(const fs::path& file, const CredPair& creds) {
    if (creds.login.find_first_of("\r\n") != std::string::npos ||
        creds.password.find_first_of("\r\n") != std::string::npos) {
        return fail("cannot keep creds in {}: the login or password holds a line break",
                    file.string());
    }
    const fs::path directory = file.parent_path();
    std::error_code ec;
    fs::create_directories(directory.parent_path(), ec);
    if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) {
        return fail("cannot create {}: {}", directory.string(), errno_text());
    }
    if (::chmod(directory.c_str(), 0700) != 0) {
        return fail("cannot make {} private: {}", directory.string(), errno_text());
    }
    // mkstemp creates the file with O_EXCL and mode 0600.
    std::string name = (directory / ("." + file.filename().string() + ".XXXXXX")).string();
    UniqueFd out(::mkstemp(name.data()));
    if (!out) return fail("cannot create a file in {}: {}", directory.string(), errno_text());
    UnlinkUnlessKept cleanup(name);
    const std::string text = creds.login + "\n" + creds.password + "\n";
    for (std::size_t done = 0; done < text.size();) {
        const ssize_t wrote = ::write(out.get(), text.data() + done, text.size() - done);
        if (wrote < 0) {
            if (errno == EINTR) continue;
            return fail("cannot write {}: {}", name, errno_text());
        }
        done += static_cast<std::size_t>(wrote);
    }
    if (::fchmod(out.get(), 0600) != 0 || ::fsync(out.get()) != 0 || out.reset() != 0) {
        return fail("cannot write {}: {}", name, errno_text());
    }
    if (::rename(name.c_str(), file.c_str()) != 0) {
        return fail("cannot write {}: {}", file.string(), errno_text());
    }
    cleanup.keep();
    UniqueFd dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir) ::fsync(dir.get());
    return {};
}

Result<std::optional<CredPair>> read_creds_file(const fs::path& file) {
    auto read = read_small_file(file, "creds file", std::size_t{1} << 20);
    if (!read) return std::unexpected(read.error());
    if (!*read) return std::optional<CredPair>{};
    const std::string& text = **read;
    // As git-annex's decodeCredPair: exactly two lines (the last newline optional).
    std::vector<std::string> lines;
    for (std::size_t start = 0; start < text.size();) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        lines.emplace_back(text.substr(start, end - start));
        start = end + 1;
    }
    if (lines.size() != 2) {
        return fail("creds file {} is not a login line and a password line", file.string());
    }
    return std::optional<CredPair>(CredPair{std::move(lines[0]), std::move(lines[1])});
}

}  // namespace gad::core
