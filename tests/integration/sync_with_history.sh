#!/usr/bin/env bash
# git-annex-dolt sync --with a peer that shares history with ours (issue 17 item 4): the store of
# repository a and the database of clone b are clones of one Dolt origin, so the peer's branch is
# merged with a real Dolt merge (its commits become part of ours, and ours of its) instead of its
# rows being copied onto a side branch; a row both changed is resolved by the newest-wins rule.
#
# a: f1..f4, the dolt special remote (store sa), migrate --to sa, copy f1 f2; sa's database is
#    pushed to file://origin while no server holds it.
# b: git clone of a; its database sb/dolt is cloned from origin; migrate --to sb.
# Then a drops f1 and copies f3 (newer facts in sa), b adds g1 (a fact in sb), and both write
# a row for (f4, b) with different timestamps (the newer in sb). sync --with sb in a: each
# database's history holds the other's head, both hold the same rows, the newer row won on both,
# and b's git annex whereis shows what a did after git-annex-dolt sync there.
#
# usage: sync_with_history.sh debian|newest
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
source "$(dirname "$0")/migrate_helpers.sh"
use_git_annex "${1:?usage: sync_with_history.sh debian|newest}"
need_dolt
command -v git-annex-dolt >/dev/null || fail "git-annex-dolt is not built in $GAD_BUILD_DIR"
sa="$TEST_TMP/sa" sb="$TEST_TMP/sb" origin="$TEST_TMP/origin"

whereis_key() {
    git annex whereis --json --key "$1" 2>/dev/null |
        python3 -c 'import json,sys
for l in sys.stdin:
    if l.strip():
        o = json.loads(l)
        for e in o.get("whereis", []) + o.get("untrusted", []): print(e["uuid"])' | LC_ALL=C sort
}
row() { sql_dolt_repo "$1" "SELECT status, ts FROM gad_locations WHERE annex_key='$2' AND uuid='$3'" | tr '\t' ' '; }
all_rows() { sql_dolt_repo "$1" "SELECT annex_key, uuid, status, ts FROM gad_locations ORDER BY annex_key, uuid"; }
head_of() { sql_dolt_repo "$1" "SELECT HASHOF('HEAD')"; }
# in_history DIR COMMIT: 1 when COMMIT is in the history of DIR's database's branch, else 0.
in_history() { sql_dolt_repo "$1" "SELECT COUNT(*) FROM dolt_log WHERE commit_hash = '$2'"; }

# ---------------------------------------------------------------------------------------------
new_repo "$TEST_TMP/a" "repo a"
cd "$TEST_TMP/a"
for i in 1 2 3 4; do printf 'f%s %s %s\n' "$i" "$RANDOM" "$RANDOM" >"f$i"; done
git annex add -q . && git commit -q -m files
git annex initremote -q dolt type=external externaltype=dolt encryption=none "directory=$sa" serveridle=2 >/dev/null
store_uuid=$(git config remote.dolt.annex-uuid)
declare -A K
for i in 1 2 3 4; do K[f$i]=$(git annex lookupkey "f$i"); done
git-annex-dolt migrate --to "$sa" >/dev/null 2>"$TEST_TMP/a-migrate.err" || fail "migrate in a: $(cat "$TEST_TMP/a-migrate.err")"
git annex copy -q --to dolt f1 f2 >/dev/null || fail "git annex copy --to dolt in a"
wait_remote_exit "$TEST_TMP/a"
wait_until 30 server_stopped "$sa" || fail "sa's server did not stop"
# sa has its identity before the push, as after an earlier sync --with (it is made on first use,
# in gad_meta, and committed with the next Dolt commit): sb, cloned from the origin, inherits it.
(cd "$sa/dolt" && dolt sql -q "INSERT INTO gad_meta (name, value) VALUES ('database_id', UUID())" &&
    dolt add gad_meta && dolt commit -q -m "sa's identity, as a sync --with makes it" ||
    dolt commit -m "sa's identity, as a sync --with makes it") >"$TEST_TMP/identity.log" 2>&1 ||
    fail "giving sa its identity: $(cat "$TEST_TMP/identity.log")"
(cd "$sa/dolt" && dolt remote add origin "file://$origin" && dolt push origin main) >"$TEST_TMP/push.log" 2>&1 ||
    fail "pushing sa to the origin: $(cat "$TEST_TMP/push.log")"

git clone -q "$TEST_TMP/a" "$TEST_TMP/b"
cd "$TEST_TMP/b"
git annex init -q "repo b"
b_uuid=$(git config annex.uuid)
mkdir -p "$sb"
dolt clone "file://$origin" "$sb/dolt" >"$TEST_TMP/clone.log" 2>&1 || fail "dolt clone of the origin: $(cat "$TEST_TMP/clone.log")"
git-annex-dolt migrate --to "$sb" >/dev/null 2>"$TEST_TMP/b-migrate.err" || fail "migrate in b: $(cat "$TEST_TMP/b-migrate.err")"
printf 'g1 %s\n' "$RANDOM$RANDOM" >g1
git annex add -q g1 && git commit -q -m g1
g1=$(git annex lookupkey g1)
git-annex-dolt migrate >/dev/null 2>"$TEST_TMP/b-migrate2.err" || fail "migrate in b: $(cat "$TEST_TMP/b-migrate2.err")"
expect_eq "$(row "$sb" "$g1" "$b_uuid" | cut -d' ' -f1)" 1 "g1 in b, in sb"
sql_dolt_repo "$sb" "REPLACE INTO gad_locations VALUES ('${K[f4]}', '$b_uuid', '1', 2000.5); CALL DOLT_COMMIT('-A', '--allow-empty', '-m', 'f4 in b, newer')" >/dev/null

cd "$TEST_TMP/a"
git annex drop -q --from dolt f1 >/dev/null || fail "git annex drop --from dolt f1 in a"
git annex copy -q --to dolt f3 >/dev/null || fail "git annex copy --to dolt f3 in a"
wait_remote_exit "$TEST_TMP/a"
sql_dolt_repo "$sa" "REPLACE INTO gad_locations VALUES ('${K[f4]}', '$b_uuid', '0', 1000.5); CALL DOLT_COMMIT('-A', '--allow-empty', '-m', 'f4 in b, older')" >/dev/null
sql_dolt_repo "$sa" "CALL DOLT_COMMIT('-A', '--allow-empty', '-m', 'what the remote left')" >/dev/null
a_head=$(head_of "$sa") b_head=$(head_of "$sb")
expect_eq "$(in_history "$sa" "$b_head")" 0 "sb's head in sa's history before sync --with"

sync_json with --with "$sb" && echo "sync --with: $(cat "$TEST_TMP/with.json")"
expect_eq "$(in_history "$sa" "$b_head")" 1 "sb's head in sa's history after sync --with (a Dolt merge)"
expect_eq "$(in_history "$sb" "$a_head")" 1 "sa's head in sb's history after sync --with (a Dolt merge)"
expect_eq "$(row "$sa" "${K[f4]}" "$b_uuid")" "1 2000.500000000000" "the row both changed, in sa (newest wins)"
expect_eq "$(row "$sb" "${K[f4]}" "$b_uuid")" "1 2000.500000000000" "the row both changed, in sb (newest wins)"
expect_eq "$(row "$sa" "$g1" "$b_uuid" | cut -d' ' -f1)" 1 "g1 in b, in sa"
all_rows "$sa" >"$TEST_TMP/sa.rows"
all_rows "$sb" >"$TEST_TMP/sb.rows"
diff "$TEST_TMP/sa.rows" "$TEST_TMP/sb.rows" >&2 || fail "sa and sb hold different locations after sync --with"
branches=$(sql_dolt_repo "$sa" "SELECT COUNT(*) FROM dolt_branches WHERE name LIKE 'gad-with-%'")
expect_eq "$branches" 0 "side branches left in sa"
# Each names the other apart, though sb was cloned with sa's identity: the merge that took sa's
# side did not take its identity, and a second sync --with is incremental.
db_id() { sql_dolt_repo "$1" "SELECT value FROM gad_meta WHERE name = 'database_id'"; }
[ "$(db_id "$sa")" != "$(db_id "$sb")" ] || fail "sa and sb have one identity after sync --with: $(db_id "$sa")"
sync_json with --with "$sb" && echo "sync --with again: $(cat "$TEST_TMP/with.json")"
[ "$(db_id "$sa")" != "$(db_id "$sb")" ] || fail "sa and sb have one identity after a second sync --with"

cd "$TEST_TMP/b"
git-annex-dolt sync >/dev/null 2>"$TEST_TMP/b-sync.err" || fail "git-annex-dolt sync in b: $(cat "$TEST_TMP/b-sync.err")"
whereis_key "${K[f3]}" | grep -qx "$store_uuid" || fail "git annex whereis in b does not list f3 in the store"
whereis_key "${K[f1]}" | grep -qx "$store_uuid" && fail "git annex whereis in b still lists f1 in the store"
whereis_key "${K[f2]}" | grep -qx "$store_uuid" || fail "git annex whereis in b does not list f2 in the store"
summary "$1 git-annex: sync --with a clone of the same origin merged both ways through Dolt"
