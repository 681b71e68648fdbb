// RowSorter: rows come back in the order of their key cells, compared cell by cell, whether they
// stayed in memory or went through runs in the temporary file.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "compat/migrate/row_sorter.h"

namespace gad::compat::migrate {
namespace {

using Row = std::vector<std::string>;

std::filesystem::path temp_dir() { return std::filesystem::temp_directory_path(); }

void add(RowSorter& sorter, const Row& row) {
    std::vector<std::string_view> cells(row.begin(), row.end());
    sorter.add(cells);
}

std::vector<Row> drain(RowSorter& sorter, std::size_t merge_memory = 32u << 20) {
    std::vector<Row> rows;
    auto drained = sorter.drain(
        [&](std::span<const std::string_view> cells) -> core::Result<void> {
            rows.emplace_back(cells.begin(), cells.end());
            return {};
        },
        merge_memory);
    EXPECT_TRUE(drained) << (drained ? "" : drained.error().message);
    return rows;
}

// Random rows of three cells (the first two the key) from a small alphabet with NULs and bytes
// above 0x7f, so that equal prefixes, cells that are prefixes of others and equal keys occur.
std::vector<Row> random_rows(std::size_t count, unsigned seed) {
    std::mt19937 random(seed);
    const std::string alphabet("ab\0\xff", 4);
    auto cell = [&](std::size_t max_length) {
        std::string text(random() % (max_length + 1), 'a');
        for (char& c : text) c = alphabet[random() % alphabet.size()];
        return text;
    };
    std::vector<Row> rows;
    for (std::size_t i = 0; i < count; ++i) rows.push_back({cell(4), cell(2), std::to_string(i)});
    return rows;
}

// What the sorter should give: by the key cells as unsigned bytes; equal keys in the order added.
std::vector<Row> expected_order(std::vector<Row> rows, std::size_t key_cells) {
    std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
        for (std::size_t i = 0; i < key_cells; ++i) {
            if (a[i] != b[i]) return a[i] < b[i];  // std::string compares as unsigned char
        }
        return false;
    });
    return rows;
}

TEST(RowSorter, ComparesCellByCellNotTheirConcatenation) {
    RowSorter sorter(3, 2, temp_dir());
    add(sorter, {"ab", "c", "1"});
    add(sorter, {"a", "bc", "2"});
    add(sorter, {"a", "b", "3"});
    add(sorter, {"", "z", "4"});
    EXPECT_EQ(sorter.rows(), 4u);
    const std::vector<Row> want = {
        {"", "z", "4"}, {"a", "b", "3"}, {"a", "bc", "2"}, {"ab", "c", "1"}};
    EXPECT_EQ(drain(sorter), want);
    EXPECT_EQ(sorter.rows(), 0u);
    EXPECT_EQ(sorter.memory(), 0u);
}

TEST(RowSorter, InMemoryOrderIsByteOrderAndStable) {
    const std::vector<Row> rows = random_rows(5000, 1);
    RowSorter sorter(3, 2, temp_dir());
    for (const Row& row : rows) add(sorter, row);
    EXPECT_EQ(drain(sorter), expected_order(rows, 2));
}

TEST(RowSorter, RunsInTheFileMergeIntoTheSameOrder) {
    const std::vector<Row> rows = random_rows(20000, 2);
    RowSorter sorter(3, 2, temp_dir());
    std::size_t spills = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        add(sorter, rows[i]);
        if (i % 1500 == 1499) {  // runs of different lengths, the last one left in memory
            ASSERT_TRUE(sorter.spill());
            EXPECT_EQ(sorter.memory(), 0u);
            ++spills;
        }
    }
    ASSERT_EQ(spills, 13u);
    EXPECT_EQ(sorter.rows(), rows.size());
    // 64 KiB buffers (the least) hold many rows each; refills happen mid-row.
    EXPECT_EQ(drain(sorter, 1), expected_order(rows, 2));
    // Drained, the sorter starts again from nothing.
    add(sorter, {"b", "", "x"});
    ASSERT_TRUE(sorter.spill());
    add(sorter, {"a", "", "y"});
    const std::vector<Row> again = {{"a", "", "y"}, {"b", "", "x"}};
    EXPECT_EQ(drain(sorter), again);
}

TEST(RowSorter, RowsLongerThanAReadBuffer) {
    RowSorter sorter(2, 1, temp_dir());
    const std::string long_cell(300 * 1024, 'v');  // more than the 64 KiB read buffer
    add(sorter, {"c", long_cell});
    add(sorter, {"a", "short"});
    ASSERT_TRUE(sorter.spill());
    add(sorter, {"b", long_cell + "w"});
    ASSERT_TRUE(sorter.spill());
    const std::vector<Row> want = {{"a", "short"}, {"b", long_cell + "w"}, {"c", long_cell}};
    EXPECT_EQ(drain(sorter, 1), want);
}

TEST(RowSorter, AFailedEmitStopsTheDrain) {
    RowSorter sorter(1, 1, temp_dir());
    for (const char* cell : {"d", "c", "b", "a"}) add(sorter, {cell});
    ASSERT_TRUE(sorter.spill());
    std::vector<std::string> seen;
    auto drained = sorter.drain([&](std::span<const std::string_view> cells) -> core::Result<void> {
        seen.emplace_back(cells[0]);
        if (seen.size() == 2) return core::fail("the database went away");
        return {};
    });
    ASSERT_FALSE(drained);
    EXPECT_EQ(drained.error().message, "the database went away");
    EXPECT_EQ(seen, (std::vector<std::string>{"a", "b"}));
}

TEST(RowSorter, ASpillDirectoryThatIsNotThereIsNamed) {
    const std::filesystem::path missing = temp_dir() / "git-annex-dolt-no-such-directory";
    std::filesystem::remove_all(missing);
    RowSorter sorter(1, 1, missing);
    add(sorter, {"a"});
    auto spilled = sorter.spill();
    ASSERT_FALSE(spilled);
    EXPECT_NE(spilled.error().message.find(missing.string()), std::string::npos)
        << spilled.error().message;
    // The rows are still there to drain from memory.
    EXPECT_EQ(drain(sorter), (std::vector<Row>{{"a"}}));
}

}  // namespace
}  // namespace gad::compat::migrate
