// A staged bulk load (create_stage, LOAD DATA into the stage, lww_merge_sql) against real Dolt
// and MariaDB: merging random rows into a table that holds rows leaves it exactly as upserting
// them row by row with lww_upsert_sql does (newer ts wins, on an equal ts the smaller value), and
// the stage carries the table's primary key and no other index.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "core/location/bulk_load.h"
#include "core/location/schema.h"
#include "core/location/tables.h"
#include "test_servers.h"

namespace gad::core::location {
namespace {

using Cells = std::vector<std::string>;

class StagedLoadTest : public testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        std::string why_not;
        server_ = test::start_server(GetParam(), why_not);
        if (!server_) GTEST_SKIP() << GetParam() << ": " << why_not;
    }

    // A database with our schema, on one connection (a stage is a connection's own).
    sql::Connection open(const std::string& name) {
        auto connection = sql::Connection::open(server_->new_database(name));
        EXPECT_TRUE(connection) << connection.error().message;
        auto schema = ensure_schema(*connection);
        EXPECT_TRUE(schema) << schema.error().message;
        return std::move(*connection);
    }

    static void upsert(sql::Connection& connection, const LwwTable& table,
                       const std::vector<Cells>& rows) {
        ASSERT_TRUE(connection.execute("START TRANSACTION"));
        for (const Cells& row : rows) {
            std::vector<sql::Param> params(row.begin(), row.end());
            auto ran = connection.run(lww_upsert_sql(table, 1), params);
            ASSERT_TRUE(ran) << ran.error().message;
        }
        ASSERT_TRUE(connection.execute("COMMIT"));
    }

    static std::set<Cells> rows_of(sql::Connection& connection, const LwwTable& table) {
        auto rows =
            connection.query(fmt::format("SELECT {} FROM {}", column_list(table), table.name));
        EXPECT_TRUE(rows) << rows.error().message;
        std::set<Cells> cells;
        for (const sql::Row& row : *rows) {
            Cells one;
            for (const auto& cell : row) one.push_back(cell.value_or("NULL"));
            cells.insert(std::move(one));
        }
        return cells;
    }

    std::unique_ptr<test::TestServer> server_;
};

// Rows of table whose identities come from a few keys, so that the two sets overlap; values from
// two values and ts from three, so that equal timestamps with other values are common.
std::vector<Cells> random_rows(const LwwTable& table, std::mt19937& random, std::size_t count) {
    std::vector<Cells> rows;
    std::set<Cells> identities;
    while (rows.size() < count) {
        Cells row;
        for (std::size_t i = 0; i < table.identity.size(); ++i) {
            row.push_back(
                fmt::format("id{}-{}", i, random() % (table.identity.size() == 2 ? 12 : 5)));
        }
        if (!identities.insert(row).second) continue;  // one row per identity, as a read makes
        for (std::size_t i = 0; i < table.values.size(); ++i)
            row.push_back(random() % 2 ? "1" : "0");
        row.push_back(fmt::format("{}.000000000000", 1700000000 + random() % 3));
        rows.push_back(std::move(row));
    }
    return rows;
}

TEST_P(StagedLoadTest, MergingAStageEqualsUpsertingItsRowsOneByOne) {
    for (const LwwTable* table : {&tables::kLocations, &tables::kMetadata}) {
        SCOPED_TRACE(table->name);
        for (unsigned seed = 1; seed <= 4; ++seed) {
            std::mt19937 random(seed);
            const std::size_t identities = table->identity.size() == 2 ? 144 : 125;
            const std::vector<Cells> before = random_rows(*table, random, identities / 2);
            const std::vector<Cells> incoming = random_rows(*table, random, identities / 2);

            sql::Connection upserted = open(fmt::format("upserted{}", seed));
            sql::Connection staged = open(fmt::format("staged{}", seed));
            upsert(upserted, *table, before);
            upsert(staged, *table, before);
            upsert(upserted, *table, incoming);

            ASSERT_TRUE(local_loading_allowed(staged));
            const std::string stage = fmt::format("{}_stage", table->name);
            auto created = create_stage(staged, *table, stage);
            ASSERT_TRUE(created) << created.error().message;
            auto indexes = staged.query(fmt::format("SHOW INDEX FROM {}", stage));
            ASSERT_TRUE(indexes) << indexes.error().message;
            for (const sql::Row& index : *indexes) EXPECT_EQ(index[2].value_or(""), "PRIMARY");
            EXPECT_EQ(indexes->size(), table->identity.size());

            std::string text;
            for (const Cells& row : incoming) {
                for (std::size_t i = 0; i < row.size(); ++i) {
                    sql::append_load_field(text, row[i]);
                    text += i + 1 == row.size() ? '\n' : '\t';
                }
            }
            auto loaded = staged.load_data(load_sql(stage, column_list(*table)), text);
            ASSERT_TRUE(loaded) << loaded.error().message;
            EXPECT_EQ(*loaded, incoming.size());
            auto merged = staged.execute(lww_merge_sql(*table, stage));
            ASSERT_TRUE(merged) << merged.error().message;
            ASSERT_TRUE(staged.execute(fmt::format("DROP TEMPORARY TABLE {}", stage)));

            const std::set<Cells> expected = rows_of(upserted, *table);
            EXPECT_EQ(rows_of(staged, *table), expected) << "seed " << seed;
            // The rule decided something: the table is neither as it was nor as taking every
            // incoming row wholesale would leave it.
            std::map<Cells, Cells> wholesale;
            for (const auto* rows : {&before, &incoming}) {
                for (const Cells& row : *rows) {
                    wholesale[Cells(row.begin(), row.begin() + table->identity.size())] = row;
                }
            }
            std::set<Cells> taken;
            for (const auto& [identity, row] : wholesale) taken.insert(row);
            EXPECT_NE(expected, taken);
            EXPECT_NE(expected, std::set<Cells>(before.begin(), before.end()));
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Servers, StagedLoadTest, testing::Values("dolt", "mariadb"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace gad::core::location
