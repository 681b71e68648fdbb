#!/usr/bin/env bash
# git-annex-dolt sync --with: two location databases agree, both ways, by the last-writer rule,
# and what one learns reaches the other's git-annex repositories.
#
# Repository a has the dolt special remote (its dolt-annex repository $TEST_TMP/store is also a's
# location database); clone b migrates into a database of its own (a second dolt-annex
# repository, or a MariaDB database). a and b never fetch from each other after cloning.
#  1. a stores f1 f2 f3 with the remote; b adds g1. `sync --with store` in b: b's database gets
#     the store's facts and the store gets b's; git annex whereis in b lists f1..f3 in the store,
#     and git-annex-dolt sync in a makes a's git annex whereis list g1 in b.
#  2. a drops f2 from the remote (a newer fact than what b's database took): the next sync --with
#     reads only the store's changes (Dolt), and b's whereis no longer lists f2 in the store.
#  3. An equal-timestamp disagreement resolves the same way on both sides (the smaller status).
#  4. --with a directory that is no location database fails with a one-line error naming it.
#
# usage: sync_with.sh debian|newest dolt|mariadb (b's database)
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
source "$(dirname "$0")/migrate_helpers.sh"
use_git_annex "${1:?usage: sync_with.sh debian|newest dolt|mariadb}"
flavour=${2:?usage: sync_with.sh debian|newest dolt|mariadb}
need_dolt
need_database "$flavour"
command -v git-annex-dolt >/dev/null || fail "git-annex-dolt is not built in $GAD_BUILD_DIR"
store="$TEST_TMP/store"

# with_field NAME EXPR: a Python expression over the JSON output o of sync NAME.
with_field() { jget "$TEST_TMP/$1.json" "$2"; }
# whereis_key KEY: the uuids git annex whereis --key KEY lists (sorted), in the current repository.
whereis_key() {
    git annex whereis --json --key "$1" 2>/dev/null |
        python3 -c 'import json,sys
for l in sys.stdin:
    if l.strip():
        o = json.loads(l)
        for e in o.get("whereis", []) + o.get("untrusted", []): print(e["uuid"])' | LC_ALL=C sort
}
# row SQLFN KEY UUID: "status ts" of a location row through SQLFN (a_sql or b_sql).
a_sql() { sql_dolt_repo "$store" "$1"; }
if [ "$flavour" = dolt ]; then
    b_where="$TEST_TMP/bdb"
    b_sql() { sql_dolt_repo "$TEST_TMP/bdb" "$1"; }
else
    socket=$(start_mariadb mariadb)
    mariadb --socket="$socket" -e "CREATE DATABASE bdb"
    b_where="mysql://root@localhost/bdb?socket=$socket"
    b_sql() { sql "$socket" bdb "$1"; }
fi
row() { "$1" "SELECT status, ts FROM gad_locations WHERE annex_key='$2' AND uuid='$3'" | tr '\t' ' '; }

# ---------------------------------------------------------------------------------------------
new_repo "$TEST_TMP/a" "repo a"
cd "$TEST_TMP/a"
for i in 1 2 3 4; do printf 'f%s %s %s\n' "$i" "$RANDOM" "$RANDOM" >"f$i"; done
git annex add -q . && git commit -q -m files
git annex initremote -q dolt type=external externaltype=dolt encryption=none "directory=$store" serveridle=3 >/dev/null
store_uuid=$(git config remote.dolt.annex-uuid)
git clone -q "$TEST_TMP/a" "$TEST_TMP/b"
(cd "$TEST_TMP/b" && git annex init -q "repo b")
b_uuid=$(git -C "$TEST_TMP/b" config annex.uuid)
declare -A K
for i in 1 2 3 4; do K[f$i]=$(git annex lookupkey "f$i"); done

git-annex-dolt migrate --to "$store" >/dev/null 2>"$TEST_TMP/a-migrate.err" ||
    fail "migrate in a: $(cat "$TEST_TMP/a-migrate.err")"
git annex copy -q --to dolt f1 f2 f3 >/dev/null || fail "git annex copy --to dolt in a"
wait_remote_exit "$TEST_TMP/a"

cd "$TEST_TMP/b"
printf 'g1 %s\n' "$RANDOM$RANDOM" >g1
git annex add -q g1 && git commit -q -m g1
g1=$(git annex lookupkey g1)
if [ "$flavour" = dolt ]; then
    git-annex-dolt migrate --to "$b_where" >/dev/null 2>"$TEST_TMP/b-migrate.err" || fail "migrate in b: $(cat "$TEST_TMP/b-migrate.err")"
else
    git-annex-dolt migrate --database "$b_where" >/dev/null 2>"$TEST_TMP/b-migrate.err" || fail "migrate in b: $(cat "$TEST_TMP/b-migrate.err")"
fi
expect_eq "$(whereis_key "${K[f1]}")" "$(printf '%s\n' "$(git -C "$TEST_TMP/a" config annex.uuid)" | LC_ALL=C sort)" \
    "f1's locations in b before sync --with (only a, from the clone)"
[ -z "$(row a_sql "$g1" "$b_uuid")" ] || fail "the store knows g1 before sync --with"

# 1. Both ways.
sync_json b1 --with "$store" && echo "sync b1: $(cat "$TEST_TMP/b1.json")"
expect_eq "$(with_field b1 "len(o['with'])")" 1 "merges reported by sync b1"
expect_eq "$(with_field b1 "o['with'][0]['into_here']['incremental']")" false "into_here.incremental of the first merge"
[ "$(with_field b1 "o['with'][0]['into_here']['rows_read']")" -ge 4 ] || fail "the first merge read too few rows of the store: $(cat "$TEST_TMP/b1.json")"
for f in f1 f2 f3; do
    whereis_key "${K[$f]}" | grep -qx "$store_uuid" || fail "git annex whereis in b does not list $f in the store after sync --with"
done
whereis_key "${K[f4]}" | grep -qx "$store_uuid" && fail "git annex whereis in b lists f4 in the store"
expect_eq "$(row a_sql "$g1" "$b_uuid" | cut -d' ' -f1)" 1 "g1 in b, in the store's database"
cd "$TEST_TMP/a"
git-annex-dolt sync >/dev/null 2>"$TEST_TMP/a-sync.err" || fail "git-annex-dolt sync in a: $(cat "$TEST_TMP/a-sync.err")"
whereis_key "$g1" | grep -qx "$b_uuid" || fail "git annex whereis --key g1 in a does not list b"

# 2. A newer fact on one side wins on the other; a Dolt side is read from its last merge on.
git annex drop -q --from dolt f2 >/dev/null || fail "git annex drop --from dolt f2 in a"
wait_remote_exit "$TEST_TMP/a"
read -r status dropped <<<"$(row a_sql "${K[f2]}" "$store_uuid")"
expect_eq "$status" 0 "f2 in the store's database after the drop"
cd "$TEST_TMP/b"
sync_json b2 --with "$store" && echo "sync b2: $(cat "$TEST_TMP/b2.json")"
expect_eq "$(with_field b2 "o['with'][0]['into_here']['incremental']")" true "into_here.incremental of the second merge"
# Its changes: the drop, and the rows it took from b in the first merge (they come back once).
store_rows=$(a_sql "SELECT (SELECT COUNT(*) FROM gad_locations) + (SELECT COUNT(*) FROM gad_repositories) + (SELECT COUNT(*) FROM gad_urls) + (SELECT COUNT(*) FROM gad_metadata) + (SELECT COUNT(*) FROM gad_chunks) + (SELECT COUNT(*) FROM gad_remote_state) + (SELECT COUNT(*) FROM gad_annex_settings)")
[ "$(with_field b2 "o['with'][0]['into_here']['rows_read']")" -lt "$store_rows" ] ||
    fail "the second merge read as many rows as the store has ($store_rows): $(cat "$TEST_TMP/b2.json")"
expect_eq "$(row b_sql "${K[f2]}" "$store_uuid")" "0 $dropped" "f2 in b's database after the second merge"
whereis_key "${K[f2]}" | grep -qx "$store_uuid" && fail "git annex whereis in b still lists f2 in the store"
whereis_key "${K[f1]}" | grep -qx "$store_uuid" || fail "git annex whereis in b lost f1 in the store"

# 3. The same timestamp with different statuses on the two sides: both end with the smaller
# status ('0' before '1' and 'X', as git-annex's sorted union keeps it first).
tie_key="SHA256E-s1--$(printf 'tie' | sha256sum | cut -c1-64)"
# (REPLACE and --allow-empty: sql_dolt_repo asks again when the server was stopping, and the
# statement may have run before the connection went.)
a_sql "REPLACE INTO gad_locations VALUES ('$tie_key', '$b_uuid', '1', 1000.5); CALL DOLT_COMMIT('-A', '--allow-empty', '-m', 'tie a')" >/dev/null
if [ "$flavour" = dolt ]; then
    b_sql "REPLACE INTO gad_locations VALUES ('$tie_key', '$b_uuid', '0', 1000.5); CALL DOLT_COMMIT('-A', '--allow-empty', '-m', 'tie b')" >/dev/null
else
    b_sql "REPLACE INTO gad_locations VALUES ('$tie_key', '$b_uuid', '0', 1000.5)"
fi
sync_json b3 --with "$store"
expect_eq "$(row a_sql "$tie_key" "$b_uuid")" "0 1000.500000000000" "the tie in the store's database"
expect_eq "$(row b_sql "$tie_key" "$b_uuid")" "0 1000.500000000000" "the tie in b's database"
if [ "$flavour" = dolt ]; then
    log=$(a_sql "SELECT message FROM dolt_log LIMIT 5")
    grep -q "sync --with" <<<"$log" || fail "no sync --with commit in the store's dolt_log: $log"
fi

# 4. Bad input.
mkdir "$TEST_TMP/empty"
rc=0
git-annex-dolt sync --with "$TEST_TMP/empty" >/dev/null 2>"$TEST_TMP/bad.err" || rc=$?
[ "$rc" -ne 0 ] || fail "sync --with an empty directory succeeded"
expect_eq "$(wc -l <"$TEST_TMP/bad.err")" 1 "lines of the error for --with an empty directory"
grep -qF "$TEST_TMP/empty" "$TEST_TMP/bad.err" || fail "the error does not name the directory: $(cat "$TEST_TMP/bad.err")"
echo "sync_with $flavour: OK (${SECONDS}s)"
