#include <gtest/gtest.h>

#include "annex_fixture.h"
#include "compat/logs/branch_file.h"
#include "compat/logs/chunk_log.h"

namespace gad::compat::logs {
namespace {

TEST(ChunkLog, ParsesTheInternalsExample) {
    const std::string text =
        "1287290776.765152s e605dca6-446a-11e0-8b2a-002170d25c55:10240 9\n"
        "1287290776.765153s e605dca6-446a-11e0-8b2a-002170d25c55:102400 1\n";
    const auto parsed = parse_chunk_log(text);
    EXPECT_TRUE(parsed.errors.empty());
    ASSERT_EQ(parsed.entries.size(), 2u);
    EXPECT_EQ(
        parsed.entries[0],
        (ChunkEntry{{1287290776, 765152000000}, "e605dca6-446a-11e0-8b2a-002170d25c55", 10240, 9}));
    EXPECT_EQ(parsed.entries[1].chunk_size, 102400u);
    EXPECT_EQ(parsed.entries[1].chunk_count, 1u);
    EXPECT_EQ(format_chunk_log(parsed.entries), text);
}

TEST(ChunkLog, ReportsCorruptLines) {
    const auto parsed = parse_chunk_log(
        "1s u:1024 3\n"
        "2s u 3\n"
        "3s u:big 3\n"
        "4s u:1024 many\n"
        "bad u:1 1\n");
    ASSERT_EQ(parsed.entries.size(), 1u);
    ASSERT_EQ(parsed.errors.size(), 4u);
    for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(parsed.errors[i].line, i + 2);
}

TEST(ChunkLog, CompactsPerUuidAndSize) {
    const auto parsed = parse_chunk_log(
        "2s b:10 4\n"
        "1s a:20 1\n"
        "3s b:10 0\n"
        "1s a:5 2\n");
    const auto compact = compact_chunk_log(parsed.entries);
    ASSERT_EQ(compact.size(), 3u);
    EXPECT_EQ(compact[0], (ChunkEntry{{1, 0}, "a", 5, 2}));
    EXPECT_EQ(compact[1], (ChunkEntry{{1, 0}, "a", 20, 1}));
    EXPECT_EQ(compact[2], (ChunkEntry{{3, 0}, "b", 10, 0}));
}

TEST(ChunkLog, ReadsAChunkLogGitAnnexWrote) {
    ANNEX_REPO_OR_SKIP(repo);
    const std::string key = repo->key_of("big.bin");
    const std::string text = repo->branch_file(branch_path_for_key(key, FileKind::chunk));
    const auto parsed = parse_chunk_log(text);
    EXPECT_TRUE(parsed.errors.empty());
    ASSERT_EQ(parsed.entries.size(), 1u);
    EXPECT_EQ(parsed.entries[0].uuid, repo->dr_uuid);
    EXPECT_EQ(parsed.entries[0].chunk_size, 1024u);
    EXPECT_EQ(parsed.entries[0].chunk_count, 3u);  // 3000 bytes in 1 KiB chunks
    EXPECT_EQ(format_chunk_log(compact_chunk_log(parsed.entries)), text);
}

}  // namespace
}  // namespace gad::compat::logs
