#include "test_tools.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace gad::test {

std::optional<std::filesystem::path> on_path(const char* program) {
    const char* path = std::getenv("PATH");
    if (path == nullptr) return std::nullopt;
    std::stringstream dirs(path);
    for (std::string dir; std::getline(dirs, dir, ':');) {
        const auto candidate = std::filesystem::path(dir.empty() ? "." : dir) / program;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return std::nullopt;
}

std::string sha256_hex(std::string_view content) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned length = 0;
    EVP_Digest(content.data(), content.size(), digest, &length, EVP_sha256(), nullptr);
    std::string hex;
    for (unsigned i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
    return hex;
}

SmallDisk::SmallDisk(const std::filesystem::path& path, const char* size) : path_(path) {
    std::filesystem::create_directories(path);
    const std::string options = fmt::format("size={}", size);
    mounted_ = ::geteuid() == 0 && ::mount("tmpfs", path.c_str(), "tmpfs", 0, options.c_str()) == 0;
}

SmallDisk::~SmallDisk() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
}

PipeFeeder::PipeFeeder(const std::filesystem::path& path, std::uint64_t limit) : path_(path) {
    if (::mkfifo(path.c_str(), 0600) != 0) return;
    thread_ = std::thread([this, limit] {
        // A write to a closed pipe then fails with EPIPE instead of killing the test.
        sigset_t pipe_signal;
        sigemptyset(&pipe_signal);
        sigaddset(&pipe_signal, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
        const int fd = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) return;
        std::vector<char> block(64 << 10);
        for (std::size_t i = 0; i < block.size(); i += 2) {
            block[i] = 'y';
            block[i + 1] = '\n';
        }
        while (written_ < limit) {
            const ssize_t wrote = ::write(fd, block.data(), block.size());
            if (wrote < 0) {
                if (errno == EINTR) continue;
                break;
            }
            written_ += static_cast<std::uint64_t>(wrote);
        }
        ::close(fd);
    });
}

std::uint64_t PipeFeeder::finish() {
    if (thread_.joinable()) {
        // The thread may still wait for a reader: open the pipe (and close it) to let it go.
        const int fd = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) ::close(fd);
        thread_.join();
    }
    return written_;
}

PipeFeeder::~PipeFeeder() { finish(); }

}  // namespace gad::test
