// Small helpers the unit tests share.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace gad::test {

// The full path of program as the shell would find it on PATH, or nullopt.
std::optional<std::filesystem::path> on_path(const char* program);

// The SHA-256 of content in lowercase hex, as SHA256E keys carry it.
std::string sha256_hex(std::string_view content);

// A small tmpfs mounted at path (created if missing) while the object lives; root only, so
// mounted() says whether it worked (tests skip otherwise).
class SmallDisk {
  public:
    explicit SmallDisk(const std::filesystem::path& path, const char* size = "2m");
    ~SmallDisk();
    SmallDisk(const SmallDisk&) = delete;
    SmallDisk& operator=(const SmallDisk&) = delete;
    bool mounted() const { return mounted_; }

  private:
    std::filesystem::path path_;
    bool mounted_ = false;
};

// A named pipe at path, fed by a thread of its own with "y\n" until its reader closes it or
// limit bytes are written: an endless source, bounded so that a test of a store that does not
// stop cannot fill the disk.
class PipeFeeder {
  public:
    PipeFeeder(const std::filesystem::path& path, std::uint64_t limit);
    // Waits for the thread (first letting it go, if nobody ever opened the pipe).
    ~PipeFeeder();
    PipeFeeder(const PipeFeeder&) = delete;
    PipeFeeder& operator=(const PipeFeeder&) = delete;
    // Waits until the feeding ended; the bytes written into the pipe.
    std::uint64_t finish();

  private:
    std::filesystem::path path_;
    std::uint64_t written_ = 0;
    std::thread thread_;
};

}  // namespace gad::test
