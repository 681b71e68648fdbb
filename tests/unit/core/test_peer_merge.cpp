// merge_from_peer and merge_branch against real servers: two or three location databases on
// Dolt, on MariaDB, and mixed, merged both ways; random histories checked against a model of
// git-annex's union merge.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "core/location/location_store.h"
#include "core/location/peer_merge.h"
#include "test_servers.h"

namespace gad::core::location {
namespace {

constexpr std::string_view kU1 = "11111111-2222-4333-8444-555555555555";
constexpr std::string_view kU2 = "22222222-2222-4333-8444-555555555555";

using Table = std::map<std::pair<std::string, std::string>, std::pair<std::string, std::string>>;

std::string short_key(std::string_view key) {
    return std::string(key.starts_with("WORM--") ? key.substr(6) : key);
}

// The servers a test needs ("dolt", "mariadb"), started once per test.
class PeerMergeTest : public testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        for (const std::string& kind : kinds()) {
            if (servers_.count(kind)) continue;
            std::string why_not;
            auto server = test::start_server(kind, why_not);
            if (!server) GTEST_SKIP() << kind << ": " << why_not;
            servers_[kind] = std::move(server);
        }
    }

    // The server kinds of the databases: "mixed" puts the first on Dolt, the others on MariaDB.
    std::vector<std::string> kinds() const {
        if (GetParam() == "mixed") return {"dolt", "mariadb", "mariadb"};
        return {GetParam(), GetParam(), GetParam()};
    }

    PeerEnd new_end(std::size_t index, const std::string& name) {
        const std::string kind = kinds()[index % 3];
        return PeerEnd{servers_[kind]->new_database(name), "", fmt::format("{} ({})", name, kind)};
    }

    static LocationStore open(const PeerEnd& end) {
        auto connection = sql::Connection::open(end.url);
        EXPECT_TRUE(connection) << connection.error().message;
        auto store = LocationStore::open(std::move(*connection));
        EXPECT_TRUE(store) << store.error().message;
        return std::move(*store);
    }

    static void record(const PeerEnd& end, std::vector<LocationChange> changes,
                       bool commit = true) {
        LocationStore store = open(end);
        auto done = store.record(changes);
        ASSERT_TRUE(done) << done.error().message;
        if (commit) {
            ASSERT_TRUE(store.dolt_commit("test changes"));
        }
    }

    static Table locations(const PeerEnd& end) {
        LocationStore store = open(end);
        auto rows =
            store.connection().query("SELECT annex_key, uuid, status, ts FROM gad_locations", {});
        EXPECT_TRUE(rows) << rows.error().message;
        Table table;
        for (const auto& row : *rows) table[{short_key(*row[0]), *row[1]}] = {*row[2], *row[3]};
        return table;
    }

    static PeerMergeSummary merge(const PeerEnd& ours, const PeerEnd& theirs,
                                  std::vector<std::string>* refusals = nullptr) {
        auto merged = merge_from_peer(ours, theirs, [&](const annex_values::Refusal& refusal) {
            if (refusals) {
                refusals->push_back(refusal.line());
            } else {
                ADD_FAILURE() << refusal.line();
            }
        });
        EXPECT_TRUE(merged) << merged.error().message;
        return merged ? *merged : PeerMergeSummary{};
    }

    std::map<std::string, std::unique_ptr<test::TestServer>> servers_;
};

// The tests name keys "K1", "K2"...: written as the git-annex keys "WORM--K1"... (the merge
// refuses rows whose key is none), and read back without the prefix.
LocationChange change(std::string key, std::string_view uuid, Presence presence, std::int64_t ts) {
    return LocationChange{"WORM--" + key, std::string(uuid), presence, Timestamp{ts, 0}};
}

TEST_P(PeerMergeTest, BothWaysByTheRuleThenOnlyTheChanges) {
    PeerEnd a = new_end(0, "both_a"), b = new_end(1, "both_b");
    record(a, {change("K1", kU1, Presence::present, 10), change("K2", kU1, Presence::present, 5)});
    record(b, {change("K1", kU1, Presence::missing, 12), change("K2", kU1, Presence::missing, 3),
               change("K3", kU2, Presence::present, 1)});
    {
        LocationStore store = open(b);
        ASSERT_TRUE(store.set_repository(kU2, "only known to b"));
    }
    // b's last change is not committed yet: the merge commits it first.
    record(b, {change("K4", kU2, Presence::dead, 7)}, /*commit=*/false);

    PeerMergeSummary into_a = merge(a, b);
    EXPECT_FALSE(into_a.incremental);
    EXPECT_EQ(into_a.rows_read, 4u + 1u);  // four locations and one repository
    merge(b, a);
    const Table expected = {{{"K1", std::string(kU1)}, {"0", "12.000000000000"}},
                            {{"K2", std::string(kU1)}, {"1", "5.000000000000"}},
                            {{"K3", std::string(kU2)}, {"1", "1.000000000000"}},
                            {{"K4", std::string(kU2)}, {"X", "7.000000000000"}}};
    EXPECT_EQ(locations(a), expected);
    EXPECT_EQ(locations(b), expected);
    auto described = open(a).connection().query(
        "SELECT description FROM gad_repositories WHERE uuid = ?", {kU2});
    ASSERT_TRUE(described && described->size() == 1);
    EXPECT_EQ((*described)[0][0].value_or(""), "only known to b");

    // One more change in b: a Dolt b is read from its last merged commit on, others whole.
    record(b, {change("K5", kU1, Presence::present, 20)});
    PeerMergeSummary again = merge(a, b);
    if (b.description.find("dolt") != std::string::npos) {
        EXPECT_TRUE(again.incremental);
        // K5, and K2, which b took from a in the merge after a last read b.
        EXPECT_EQ(again.rows_read, 2u);
    } else {
        EXPECT_FALSE(again.incremental);
        EXPECT_EQ(again.rows_read, 5u + 1u);
    }
    EXPECT_EQ(locations(a).at({"K5", std::string(kU1)}).first, "1");
    if (a.description.find("dolt") != std::string::npos) {
        EXPECT_EQ(again.commit.size(), 32u);
    }

    // Merging a database with itself is refused.
    auto self = merge_from_peer(a, a, {});
    ASSERT_FALSE(self);
    EXPECT_NE(self.error().message.find("same location database"), std::string::npos)
        << self.error().message;
}

// A model of git-annex: every database's log is the union of the lines written to it; merging
// unions the lines; the location in effect is the newest line, and among equal timestamps the
// first in the sorted union.
struct Model {
    static Table state(
        const std::map<std::string, std::set<std::tuple<std::int64_t, char, std::string>>>& logs) {
        Table table;
        for (const auto& [key, log] : logs) {
            std::map<std::string, std::pair<std::int64_t, char>> best;
            for (const auto& [ts, status, uuid] : log) {  // sorted: ts, then status
                auto found = best.find(uuid);
                if (found == best.end() || ts > found->second.first) best[uuid] = {ts, status};
            }
            for (const auto& [uuid, value] : best) {
                table[{key, uuid}] = {std::string(1, value.second),
                                      fmt::format("{}.000000000000", value.first)};
            }
        }
        return table;
    }
};

// A copy that inherited the other's identity (a Dolt clone of a database that had one) is
// merged, not refused as "the same database", and the two part identities; one database reached
// twice is still the same.
TEST_P(PeerMergeTest, CopiesWithOneIdentityMergeAndPartIdentities) {
    PeerEnd a = new_end(0, "copy_a"), b = new_end(1, "copy_b");
    record(a, {change("K1", kU1, Presence::present, 10)});
    record(b, {change("K2", kU1, Presence::present, 11)});
    auto a_id = database_id(open(a).connection());
    ASSERT_TRUE(a_id) << a_id.error().message;
    {
        LocationStore copy = open(b);
        ASSERT_TRUE(copy.connection().run(
            "REPLACE INTO gad_meta (name, value) VALUES ('database_id', ?)", {*a_id}));
    }
    auto merged = merge_from_peer(a, b, {});
    ASSERT_TRUE(merged) << merged.error().message;
    EXPECT_EQ(locations(a).at({"K2", std::string(kU1)}).first, "1");
    auto a_now = database_id(open(a).connection());
    auto b_now = database_id(open(b).connection());
    ASSERT_TRUE(a_now && b_now);
    EXPECT_NE(*a_now, *b_now);
    auto again = merge_from_peer(b, a, {});
    ASSERT_TRUE(again) << again.error().message;

    LocationStore one = open(a), twice = open(a), other = open(b);
    auto same = same_database(one.connection(), twice.connection());
    ASSERT_TRUE(same) << same.error().message;
    EXPECT_TRUE(*same);
    auto apart = same_database(one.connection(), other.connection());
    ASSERT_TRUE(apart) << apart.error().message;
    EXPECT_FALSE(*apart);
}

TEST_P(PeerMergeTest, RandomHistoriesInAnyOrderAgreeWithUnionMerge) {
    constexpr std::string_view kUuids[] = {kU1, kU2, "33333333-2222-4333-8444-555555555555"};
    constexpr Presence kPresences[] = {Presence::present, Presence::missing, Presence::dead};
    constexpr char kStatus[] = {'1', '0', 'X'};
    for (unsigned seed = 1; seed <= 3; ++seed) {
        SCOPED_TRACE(fmt::format("seed {}", seed));
        std::mt19937 random(seed);
        auto pick = [&](int n) { return static_cast<int>(random() % n); };
        std::vector<PeerEnd> ends;
        for (std::size_t i = 0; i < 3; ++i)
            ends.push_back(new_end(i, fmt::format("r{}_{}", seed, i)));
        // What each database has been told, as git-annex log lines per key.
        using Log = std::map<std::string, std::set<std::tuple<std::int64_t, char, std::string>>>;
        std::vector<Log> told(3);
        for (int round = 0; round < 6; ++round) {
            const int at = pick(3);
            std::vector<LocationChange> changes;
            for (int n = 1 + pick(4); n > 0; --n) {
                const std::string key = fmt::format("K{}", pick(5));
                const int uuid = pick(3), status = pick(3);
                const std::int64_t ts = 1 + pick(4);  // few timestamps: many ties
                changes.push_back(change(key, kUuids[uuid], kPresences[status], ts));
                told[at][key].insert({ts, kStatus[status], std::string(kUuids[uuid])});
            }
            record(ends[at], changes, /*commit=*/pick(2) == 0);
            const int x = pick(3), y = (x + 1 + pick(2)) % 3;
            merge(ends[x], ends[y]);
            for (const auto& [key, log] : told[y]) told[x][key].insert(log.begin(), log.end());
            // What each holds now is the model of the lines it was told.
            EXPECT_EQ(locations(ends[x]), Model::state(told[x]))
                << "after merging " << y << " into " << x;
        }
        // Then everything everywhere, in a random order of pairs.
        Log all;
        for (const Log& log : told) {
            for (const auto& [key, lines] : log) all[key].insert(lines.begin(), lines.end());
        }
        std::vector<std::pair<int, int>> pairs = {{0, 1}, {1, 2}, {2, 0}, {1, 0}, {2, 1}, {0, 2}};
        std::shuffle(pairs.begin(), pairs.end(), random);
        for (int pass = 0; pass < 2; ++pass) {
            for (auto [x, y] : pairs) merge(ends[x], ends[y]);
        }
        for (const PeerEnd& end : ends)
            EXPECT_EQ(locations(end), Model::state(all)) << end.description;
    }
}

// Rows of theirs with values that could forge a git-annex log line (written straight into the
// tables, as anyone with SQL access can) stay out of ours, each value named once; the other
// rows of the same merge land.
TEST_P(PeerMergeTest, HostileRowsOfThePeerAreRefused) {
    PeerEnd a = new_end(0, "hostile_a"), b = new_end(1, "hostile_b");
    record(b, {change("GOOD", kU2, Presence::present, 10)});
    {
        LocationStore store = open(b);
        ASSERT_TRUE(store.set_repository(kU2, "a good repository"));
        const std::vector<std::pair<std::string, std::vector<std::string>>> rows = {
            {"INSERT INTO gad_locations (annex_key, uuid, status, ts) VALUES (?, ?, ?, 11)",
             {"WORM--K1", "x\n9999999999s 1 fake-repository", "1"}},
            {"INSERT INTO gad_locations (annex_key, uuid, status, ts) VALUES (?, ?, ?, 11)",
             {"WORM--K1\n", std::string(kU1), "1"}},
            {"INSERT INTO gad_locations (annex_key, uuid, status, ts) VALUES (?, ?, ?, 11)",
             {"WORM--K2", std::string(kU1), "\n"}},
            {"INSERT INTO gad_urls (annex_key, url, status, ts) VALUES (?, ?, ?, 11)",
             {"WORM--K1", "http://example.com/a\r\n9999999999s 1 http://evil.example/", "1"}},
            {"INSERT INTO gad_urls (annex_key, url, status, ts) VALUES (?, ?, ?, 11)",
             {"WORM--K1", "http://example.com/good", "1"}},
            {"INSERT INTO gad_metadata (annex_key, field, value, status, ts) VALUES (?, ?, ?, ?, "
             "11)",
             {"WORM--K1", "tag +forged", "x", "1"}},
            {"INSERT INTO gad_metadata (annex_key, field, value, status, ts) VALUES (?, ?, ?, ?, "
             "11)",
             {"WORM--K1", "note", "two\nlines", "1"}},  // a value is encoded when written
            {"INSERT INTO gad_repositories (uuid, description, description_ts) VALUES (?, ?, 11)",
             {"33333333-2222-4333-8444-555555555555",
              "x timestamp=1s\n" + std::string(kU1) + " HACKED timestamp=9999999999s"}},
        };
        for (const auto& [sql, values] : rows) {
            std::vector<sql::Param> params(values.begin(), values.end());
            auto ran = store.connection().run(sql, params);
            ASSERT_TRUE(ran) << sql << ": " << ran.error().message;
        }
        if (store.is_dolt()) {
            ASSERT_TRUE(store.dolt_commit("hostile rows"));
        }
    }
    std::vector<std::string> refusals;
    PeerMergeSummary into_a = merge(a, b, &refusals);
    EXPECT_EQ(into_a.refused, 6u);
    ASSERT_EQ(refusals.size(), 6u);
    for (const std::string& line : refusals) {
        EXPECT_TRUE(line.starts_with("refused ")) << line;
        EXPECT_EQ(line.find_first_of("\r\n"), std::string::npos) << line;
        EXPECT_NE(line.find("from " + b.description), std::string::npos) << line;
    }
    EXPECT_NE(refusals[0].find("refused repository UUID 'x\\x0a9999999999s 1 fake-repository'"),
              std::string::npos)
        << refusals[0];

    LocationStore store = open(a);
    auto count = [&](std::string_view sql) {
        auto rows = store.connection().query(sql, {});
        EXPECT_TRUE(rows) << rows.error().message;
        return rows ? rows->front()[0].value_or("") : std::string();
    };
    EXPECT_EQ(locations(a), (Table{{{"GOOD", std::string(kU2)}, {"1", "10.000000000000"}}}));
    EXPECT_EQ(count("SELECT GROUP_CONCAT(url) FROM gad_urls"), "http://example.com/good");
    EXPECT_EQ(count("SELECT GROUP_CONCAT(field) FROM gad_metadata"), "note");
    EXPECT_EQ(count("SELECT GROUP_CONCAT(description ORDER BY description) FROM gad_repositories"),
              "a good repository");

    // The other way, ours has nothing hostile: nothing refused.
    std::vector<std::string> none;
    EXPECT_EQ(merge(b, a, &none).refused, 0u);
    EXPECT_TRUE(none.empty());
}

INSTANTIATE_TEST_SUITE_P(Servers, PeerMergeTest, testing::Values("dolt", "mariadb", "mixed"),
                         [](const auto& info) { return info.param; });

// Dolt only: rows changed on both branches come out of DOLT_MERGE as conflicts, resolved by the
// rule, and the result is a merge commit.
TEST(PeerMergeDolt, ConflictingRowsResolvedByTheRule) {
    std::string why_not;
    auto server = test::start_server("dolt", why_not);
    if (!server) GTEST_SKIP() << "dolt: " << why_not;
    sql::DatabaseUrl url = server->new_database("conflicts");
    auto connection = sql::Connection::open(url);
    ASSERT_TRUE(connection) << connection.error().message;
    auto store = LocationStore::open(std::move(*connection));
    ASSERT_TRUE(store) << store.error().message;
    auto changes = [](Presence k, std::int64_t kts, Presence l, std::int64_t lts) {
        return std::vector<LocationChange>{change("K", kU1, k, kts), change("L", kU1, l, lts)};
    };
    ASSERT_TRUE(store->record(changes(Presence::present, 1, Presence::present, 1)));
    ASSERT_TRUE(store->dolt_commit("base"));
    ASSERT_TRUE(store->connection().query("CALL DOLT_BRANCH('side')"));
    {
        sql::DatabaseUrl side = url;
        side.database += "/side";
        auto on_side = sql::Connection::open(side);
        ASSERT_TRUE(on_side) << on_side.error().message;
        auto side_store = LocationStore::open(std::move(*on_side));
        ASSERT_TRUE(side_store) << side_store.error().message;
        // side: K newer (missing at 20), L older (missing at 5)
        ASSERT_TRUE(side_store->record(changes(Presence::missing, 20, Presence::missing, 5)));
        ASSERT_TRUE(side_store->dolt_commit("side"));
    }
    // main: K older (dead at 10), L newer (dead at 7)
    ASSERT_TRUE(store->record(changes(Presence::dead, 10, Presence::dead, 7)));
    ASSERT_TRUE(store->dolt_commit("main"));

    bool ran_before_commit = false;
    auto resolved = merge_branch(store->connection(), "side", "merge side", [&]() -> Result<void> {
        ran_before_commit = true;
        return {};
    });
    ASSERT_TRUE(resolved) << resolved.error().message;
    EXPECT_EQ(*resolved, 2u);
    EXPECT_TRUE(ran_before_commit);
    auto rows = store->connection().query(
        "SELECT annex_key, status, ts FROM gad_locations ORDER BY annex_key", {});
    ASSERT_TRUE(rows && rows->size() == 2);
    EXPECT_EQ((*rows)[0][1].value(), "0");  // K: side's newer line
    EXPECT_EQ((*rows)[0][2].value(), "20.000000000000");
    EXPECT_EQ((*rows)[1][1].value(), "X");  // L: main's newer line
    EXPECT_EQ((*rows)[1][2].value(), "7.000000000000");
    auto parents = store->connection().query(
        "SELECT COUNT(*) FROM dolt_commit_ancestors WHERE commit_hash = HASHOF('HEAD')", {});
    ASSERT_TRUE(parents) << parents.error().message;
    EXPECT_EQ((*parents)[0][0].value(), "2");
    auto left = store->connection().query("SELECT COUNT(*) FROM dolt_conflicts", {});
    ASSERT_TRUE(left);
    EXPECT_EQ((*left)[0][0].value(), "0");
}

}  // namespace
}  // namespace gad::core::location
