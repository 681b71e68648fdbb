// core/file_reads.h: a whole small file read in one call (absent, binary, several blocks, over
// its limit, unreadable), and read_blocks handing over every byte.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "core/file_reads.h"
#include "core/unique_fd.h"
#include "test_servers.h"

namespace gad::core {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& file, const std::string& content) {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << content;
}

TEST(FileReads, AWholeSmallFileAsItsBytes) {
    test::TempDir dir;
    auto absent = read_small_file(dir.path() / "absent");
    ASSERT_TRUE(absent) << absent.error().message;
    EXPECT_FALSE(*absent);

    std::string content;
    for (int i = 0; content.size() < 70000; ++i) content += std::to_string(i) + '\0' + "\r\n";
    write(dir.path() / "big", content);
    auto read = read_small_file(dir.path() / "big");
    ASSERT_TRUE(read && *read);
    EXPECT_EQ(**read, content);

    write(dir.path() / "empty", "");
    auto empty = read_small_file(dir.path() / "empty");
    ASSERT_TRUE(empty && *empty);
    EXPECT_EQ(**empty, "");
}

TEST(FileReads, FailuresNameWhatAndWhich) {
    test::TempDir dir;
    write(dir.path() / "big", std::string(5000, 'x'));
    auto large = read_small_file(dir.path() / "big", "creds file", 4096);
    ASSERT_FALSE(large);
    EXPECT_EQ(large.error().message,
              "creds file " + (dir.path() / "big").string() + " is too large");
    auto exact = read_small_file(dir.path() / "big", "creds file", 5000);
    ASSERT_TRUE(exact && *exact);

    // A directory opens but cannot be read.
    auto directory = read_small_file(dir.path(), "journal file");
    ASSERT_FALSE(directory);
    EXPECT_EQ(directory.error().message.rfind("cannot read journal file " + dir.path().string(), 0),
              0u)
        << directory.error().message;
}

TEST(FileReads, ReadBlocksHandsOverEveryByteInBlocksOfTheSizeAsked) {
    test::TempDir dir;
    const std::string content(10000, 'y');
    write(dir.path() / "f", content);
    UniqueFd fd(::open((dir.path() / "f").c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(fd);
    std::string seen;
    std::size_t largest = 0;
    auto total = read_blocks(
        fd.get(), dir.path() / "f",
        [&](std::span<const std::byte> block) -> Result<void> {
            seen.append(reinterpret_cast<const char*>(block.data()), block.size());
            largest = std::max(largest, block.size());
            return {};
        },
        4096);
    ASSERT_TRUE(total) << total.error().message;
    EXPECT_EQ(*total, content.size());
    EXPECT_EQ(seen, content);
    EXPECT_EQ(largest, 4096u);
}

}  // namespace
}  // namespace gad::core
