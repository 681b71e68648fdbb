#include "core/file_reads.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/unique_fd.h"

namespace gad::core {

namespace {

constexpr std::size_t kSmallBlock = 16384;

}  // namespace

Result<std::uint64_t> read_blocks(
    int fd, const std::filesystem::path& path,
    const std::function<Result<void>(std::span<const std::byte>)>& consume,
    std::size_t block_size) {
    std::vector<std::byte> buffer(block_size);
    std::uint64_t total = 0;
    while (true) {
        const ssize_t got = ::read(fd, buffer.data(), buffer.size());
        if (got < 0) {
            if (errno == EINTR) continue;
            return fail("cannot read {}: {}", path.string(), std::strerror(errno));
        }
        if (got == 0) return total;
        if (auto consumed = consume(std::span(buffer.data(), static_cast<std::size_t>(got)));
            !consumed) {
            return std::unexpected(consumed.error());
        }
        total += static_cast<std::uint64_t>(got);
    }
}

Result<std::optional<std::string>> read_small_file(const std::filesystem::path& file,
                                                   std::string_view what, std::size_t max_bytes) {
    UniqueFd in(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in) {
        if (errno == ENOENT) return std::optional<std::string>{};
        return fail("cannot read {} {}: {}", what, file.string(), std::strerror(errno));
    }
    std::string text;
    // read_blocks names what it reads in its failures; so "cannot read creds file PATH: why".
    const std::filesystem::path named = fmt::format("{} {}", what, file.string());
    auto read = read_blocks(
        in.get(), named,
        [&](std::span<const std::byte> block) -> Result<void> {
            text.append(reinterpret_cast<const char*>(block.data()), block.size());
            if (text.size() > max_bytes) return fail("{} is too large", named.string());
            return {};
        },
        kSmallBlock);
    if (!read) return std::unexpected(read.error());
    return std::optional<std::string>(std::move(text));
}

}  // namespace gad::core
