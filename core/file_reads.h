// Reading files: any file a block at a time (content checked or copied as it streams), or a
// whole small file (a git-annex journal file, a dolt-annex .repo or config.json, a creds file,
// /proc/PID/cmdline) into a string. Every such read in the programs goes through here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/failure.h"

namespace gad::core {

// Reads the file open as fd to its end, block_size bytes at a time (read(2), EINTR retried),
// passing each block to consume (which may stop the reading by failing); returns the number of
// bytes read. Fails naming path.
Result<std::uint64_t> read_blocks(
    int fd, const std::filesystem::path& path,
    const std::function<Result<void>(std::span<const std::byte>)>& consume,
    std::size_t block_size = std::size_t{1} << 20);

// The whole content of file, its bytes as they are. Nullopt, not a failure, when the file does
// not exist; fails with "cannot read WHAT FILE: why" when it cannot be opened or read, and
// "WHAT FILE is too large" past max_bytes.
Result<std::optional<std::string>> read_small_file(const std::filesystem::path& file,
                                                   std::string_view what = "file",
                                                   std::size_t max_bytes = std::size_t{64} << 20);

}  // namespace gad::core
