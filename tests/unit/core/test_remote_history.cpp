// pull_remotes and push_remotes against a real Dolt server: two location databases sharing one
// history through a file:// Dolt remote (the second cloned from it), changed apart and exchanged.
#include <gtest/gtest.h>

#include "core/location/location_store.h"
#include "core/location/remote_history.h"
#include "test_servers.h"

namespace gad::core::location {
namespace {

// Opens databases on the server of url (its revision databases DB/BRANCH).
OpenDatabase opener(const sql::DatabaseUrl& url) {
    return [url](const std::string& database) {
        sql::DatabaseUrl at = url;
        at.database = database;
        return sql::Connection::open(at);
    };
}

constexpr std::string_view kU1 = "11111111-2222-4333-8444-555555555555";

LocationChange change(std::string key, Presence presence, std::int64_t ts) {
    return LocationChange{"WORM--" + key, std::string(kU1), presence, Timestamp{ts, 0}};
}

LocationStore open(const sql::DatabaseUrl& url) {
    auto connection = sql::Connection::open(url);
    EXPECT_TRUE(connection) << connection.error().message;
    auto store = LocationStore::open(std::move(*connection));
    EXPECT_TRUE(store) << store.error().message;
    return std::move(*store);
}

void record(LocationStore& store, std::vector<LocationChange> changes) {
    ASSERT_TRUE(store.record(changes));
    ASSERT_TRUE(store.dolt_commit("test changes"));
}

// "status@ts" of key in the store.
std::string row(LocationStore& store, std::string_view key) {
    auto rows = store.connection().query("SELECT status, ts FROM gad_locations WHERE annex_key = ?",
                                         {"WORM--" + std::string(key)});
    EXPECT_TRUE(rows) << rows.error().message;
    if (!rows || rows->empty()) return "none";
    return *(*rows)[0][0] + "@" + (*rows)[0][1]->substr(0, (*rows)[0][1]->find('.'));
}

TEST(RemoteHistory, ClonesOfOneOriginConvergeByTheRule) {
    std::string why_not;
    auto server = test::start_server("dolt", why_not);
    if (!server) GTEST_SKIP() << "dolt: " << why_not;
    test::TempDir origin_dir;
    const std::string origin = "file://" + (origin_dir.path() / "origin").string();
    const sql::DatabaseUrl a_url = server->new_database("hist_a");
    LocationStore a = open(a_url);
    record(a, {change("K", Presence::present, 1), change("L", Presence::present, 1)});
    ASSERT_TRUE(ensure_origin(a.connection(), origin));
    ASSERT_TRUE(ensure_origin(a.connection(), origin));  // the same URL again: kept
    EXPECT_FALSE(ensure_origin(a.connection(), "file:///elsewhere"));
    ASSERT_TRUE(push_default_branch(a.connection()));
    ASSERT_TRUE(a.connection().query("CALL DOLT_CLONE(?, 'hist_b')", {std::string_view(origin)}));
    sql::DatabaseUrl b_url = a_url;
    b_url.database = "hist_b";
    LocationStore b = open(b_url);

    // A clean merge (Dolt commits it itself): b takes a's new row.
    record(a, {change("M", Presence::present, 5)});
    auto pushed = push_remotes(a.connection(), opener(a_url));
    ASSERT_TRUE(pushed) << pushed.error().message;
    auto pulled = pull_remotes(b.connection(), opener(b_url));
    ASSERT_TRUE(pulled) << pulled.error().message;
    EXPECT_EQ(pulled->merged, 1u);
    EXPECT_EQ(pulled->conflicts, 0u);
    EXPECT_EQ(row(b, "M"), "1@5");

    // Both change K and L, and their own bookkeeping: K newer on a, L newer on b.
    record(a, {change("K", Presence::missing, 20), change("L", Presence::missing, 5)});
    ASSERT_TRUE(a.connection().run("REPLACE INTO gad_meta (name, value) VALUES ('note', 'a')", {}));
    ASSERT_TRUE(a.dolt_commit("a's note"));
    record(b, {change("K", Presence::dead, 10), change("L", Presence::dead, 7)});
    ASSERT_TRUE(b.connection().run("REPLACE INTO gad_meta (name, value) VALUES ('note', 'b')", {}));
    ASSERT_TRUE(b.dolt_commit("b's note"));
    ASSERT_TRUE(push_remotes(a.connection(), opener(a_url)));
    // b's push finds the origin moved: it pulls (resolving by the rule), then pushes.
    pushed = push_remotes(b.connection(), opener(b_url));
    ASSERT_TRUE(pushed) << pushed.error().message;
    EXPECT_EQ(pushed->conflicts, 2u);
    EXPECT_EQ(row(b, "K"), "0@20");  // theirs, newer
    EXPECT_EQ(row(b, "L"), "X@7");   // ours, newer
    auto note = b.connection().query("SELECT value FROM gad_meta WHERE name = 'note'", {});
    ASSERT_TRUE(note && !note->empty());
    EXPECT_EQ(*(*note)[0][0], "b");  // bookkeeping: ours
    pulled = pull_remotes(a.connection(), opener(a_url));
    ASSERT_TRUE(pulled) << pulled.error().message;
    EXPECT_EQ(row(a, "K"), "0@20");
    EXPECT_EQ(row(a, "L"), "X@7");
}

}  // namespace
}  // namespace gad::core::location
