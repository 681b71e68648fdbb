#!/usr/bin/env bash
# Location history shared through a Dolt remote (issue 17 item 4): two git-annex clones, each
# with a dolt special remote whose store is made from one origin (file://), copy and drop
# different files and run git-annex-dolt sync, which pulls from and pushes to the origin: both
# location databases, the origin and both git-annex branches end with the same locations, and a
# row both changed is resolved by the newest-wins rule (here the other side's, not ours). Then a
# dolt-annex repository joins the origin and pushes a dataset branch, and git-annex sees its
# file after the next sync. No git fetch between the clones after the first clone: all of it
# crosses the Dolt remote.
#
# a: f1..f6; initremote ra doltremote=file://origin (origin empty: ra's new database seeds it).
# b: git clone of a; initremote rb doltremote=file://origin (rb's database cloned from origin).
# b: setpresentkey f6 U 0 (older); a: copy f1 f2 f3 to ra, drop f3, setpresentkey f6 U 1 (newer);
# b: get f4 f5 from a, copy them to rb, drop f5. Then sync a, b, a.
#
# With "remotesapi" the origin is instead a third store, served by its remote's shared server
# with remotesapi=PORT (http://127.0.0.1:PORT/dolt): both clones' stores are cloned from it, and
# pull from and push to it while its server runs.
#
# usage: dolt_remote_sync.sh debian|newest [file|remotesapi]
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
source "$(dirname "$0")/migrate_helpers.sh"
source "$(dirname "$0")/dolt_annex_replay.sh"
use_git_annex "${1:?usage: dolt_remote_sync.sh debian|newest}"
need_dolt
command -v git-annex-dolt >/dev/null || fail "git-annex-dolt is not built in $GAD_BUILD_DIR"
origin="$TEST_TMP/origin"
url="file://$origin"
origin_kind=${2:-file}
if [ "$origin_kind" = remotesapi ]; then
    # The origin store: repository o's remote ro serves its database on 127.0.0.1:PORT; its
    # server stays up (serveridle) for the whole test, and stops when the directory goes.
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    new_repo "$TEST_TMP/o" "repo o"
    (cd "$TEST_TMP/o" && git annex initremote -q ro type=external externaltype=dolt encryption=none \
        "directory=$TEST_TMP/so" "remotesapi=$port" serveridle=900 >/dev/null 2>"$TEST_TMP/init-o.err") ||
        fail "initremote ro with remotesapi=$port: $(cat "$TEST_TMP/init-o.err")"
    ro=$(git -C "$TEST_TMP/o" config remote.ro.annex-uuid)
    url="http://127.0.0.1:$port/dolt"
    wait_until 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null || fail "nothing serves $url"
elif [ "$origin_kind" != file ]; then
    fail "usage: dolt_remote_sync.sh debian|newest [file|remotesapi]"
fi

# locations DIR: every row of the location table of store DIR, sorted.
locations() { sql_dolt_repo "$1" "SELECT annex_key, uuid, status, ts FROM gad_locations ORDER BY annex_key, uuid"; }
# origin_locations: the same rows as the origin holds them (a fresh clone of it).
origin_locations() {
    rm -rf "$TEST_TMP/origin-check"
    dolt clone "$url" "$TEST_TMP/origin-check" >/dev/null 2>&1 || fail "cannot clone the origin $url"
    (cd "$TEST_TMP/origin-check" && dolt sql -r csv -q "SELECT annex_key, uuid, status, ts FROM gad_locations ORDER BY annex_key, uuid") |
        tail -n +2 | tr ',' '\t'
}
# where_all: "file<TAB>uuid uuid ..." for every annexed file, as git annex whereis --json lists it.
where_all() {
    git annex whereis --json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    if line.strip():
        o = json.loads(line)
        uuids = sorted(e["uuid"] for e in o.get("whereis", []) + o.get("untrusted", []))
        print(o["file"] + "\t" + " ".join(uuids))
' | LC_ALL=C sort
}
# in_where FILE UUID: whether git annex whereis FILE lists UUID.
in_where() { where_all | grep -P "^$1\t" | grep -q "$2"; }

# ---------------------------------------------------------------------------------------------
new_repo "$TEST_TMP/a" "repo a"
cd "$TEST_TMP/a"
for f in f1 f2 f3 f4 f5 f6; do printf 'content of %s %s %s\n' "$f" "$RANDOM" "$RANDOM" >"$f.txt"; done
git annex add -q . && git commit -q -m files
for i in 1 2 3 4 5 6; do declare "k$i=$(git annex lookupkey "f$i.txt")"; done
git annex initremote -q ra type=external externaltype=dolt encryption=none "directory=$TEST_TMP/sa" \
    "doltremote=$url" >/dev/null 2>"$TEST_TMP/init-a.err" || fail "initremote ra: $(cat "$TEST_TMP/init-a.err")"
ra=$(git config remote.ra.annex-uuid)
a_uuid=$(git config annex.uuid)
origin_locations >/dev/null
origin_branches=$(cd "$TEST_TMP/origin-check" && dolt branch -a | sed -E 's/\x1b\[[0-9;]*m//g')
grep -q main <<<"$origin_branches" || fail "ra's new database was not pushed to the empty origin: $origin_branches"

git clone -q "$TEST_TMP/a" "$TEST_TMP/b"
cd "$TEST_TMP/b"
git annex init -q "repo b"
git annex initremote -q rb type=external externaltype=dolt encryption=none "directory=$TEST_TMP/sb" \
    "doltremote=$url" >/dev/null 2>"$TEST_TMP/init-b.err" || fail "initremote rb: $(cat "$TEST_TMP/init-b.err")"
rb=$(git config remote.rb.annex-uuid)
b_uuid=$(git config annex.uuid)
expect_eq "$(sql_dolt_repo "$TEST_TMP/sb" "SELECT url FROM dolt_remotes WHERE name = 'origin'")" "$url" "origin of rb's database"
sb_log=$(sql_dolt_repo "$TEST_TMP/sb" "SELECT message FROM dolt_log")
if [ "$origin_kind" = remotesapi ]; then
    grep -qF "initremote ro ($ro)" <<<"$sb_log" ||
        fail "rb's database was not cloned from the origin store (no commit of ro's initremote): $sb_log"
else
    grep -qF "initremote ra ($ra)" <<<"$sb_log" ||
        fail "rb's database was not cloned from the origin (no commit of ra's initremote)"
fi
# A URL carrying credentials is refused, naming neither its user nor its password.
if git annex initremote rc type=external externaltype=dolt encryption=none "directory=$TEST_TMP/sc" \
    "doltremote=http://annex:hunter2@127.0.0.1:1/db" >"$TEST_TMP/init-c.out" 2>&1; then
    fail "initremote took a doltremote= URL with a password"
fi
grep -q "user or password" "$TEST_TMP/init-c.out" || fail "no one-line reason for the refused URL: $(cat "$TEST_TMP/init-c.out")"
! grep -q hunter2 "$TEST_TMP/init-c.out" || fail "the refused password was echoed"

# Each clone's git-annex-dolt uses its remote's store.
(cd "$TEST_TMP/a" && git-annex-dolt migrate --to "$TEST_TMP/sa" >/dev/null 2>"$TEST_TMP/m-a.err") || fail "migrate a: $(cat "$TEST_TMP/m-a.err")"
git-annex-dolt migrate --to "$TEST_TMP/sb" >/dev/null 2>"$TEST_TMP/m-b.err" || fail "migrate b: $(cat "$TEST_TMP/m-b.err")"

# A repository neither knows holds f6: b says no first, a says yes later (the newer fact).
U=$(python3 -c 'import uuid; print(uuid.uuid4())')
git annex setpresentkey "$k6" "$U" 0 >/dev/null
sleep 1.2
cd "$TEST_TMP/a"
git annex copy -q --to ra f1.txt f2.txt f3.txt >/dev/null
git annex drop -q --from ra f3.txt >/dev/null
git annex setpresentkey "$k6" "$U" 1 >/dev/null
cd "$TEST_TMP/b"
git annex get -q f4.txt f5.txt >/dev/null
git annex copy -q --to rb f4.txt f5.txt >/dev/null
git annex drop -q --from rb f5.txt >/dev/null

# ---------------------------------------------------------------------------------------------
cd "$TEST_TMP/a" && sync_json sa1 --dataset files
cd "$TEST_TMP/b" && sync_json sb1
expect_eq "$(jget "$TEST_TMP/sb1.json" "o['dolt_remotes']['conflicts']")" 1 "rows both sides changed, resolved in b's pull"
cd "$TEST_TMP/a" && sync_json sa2
loc_a=$(locations "$TEST_TMP/sa")
loc_b=$(locations "$TEST_TMP/sb")
expect_eq "$loc_b" "$loc_a" "locations of rb's database against ra's"
expect_eq "$(origin_locations)" "$loc_a" "locations of the origin against ra's"
status() { grep -P "^$1\t$2\t" <<<"$loc_a" | cut -f3; }
expect_eq "$(status "$k1" "$ra")" 1 "f1 in ra"
expect_eq "$(status "$k3" "$ra")" 0 "f3 in ra (dropped)"
expect_eq "$(status "$k4" "$rb")" 1 "f4 in rb"
expect_eq "$(status "$k5" "$rb")" 0 "f5 in rb (dropped)"
expect_eq "$(status "$k6" "$U")" 1 "f6 in U: a's newer fact, not b's (ours) wholesale"

# Both git-annex branches: the same locations, with each other's remote.
cd "$TEST_TMP/a" && where_a=$(where_all)
cd "$TEST_TMP/b" && where_b=$(where_all)
expect_eq "$where_b" "$where_a" "git annex whereis in b against a"
cd "$TEST_TMP/a"
in_where f4.txt "$rb" || fail "a's git-annex does not know f4 is in rb: $where_a"
in_where f4.txt "$b_uuid" || fail "a's git-annex does not know b has f4: $where_a"
! in_where f5.txt "$rb" || fail "a's git-annex still lists f5 in rb after b dropped it"
cd "$TEST_TMP/b"
in_where f1.txt "$ra" || fail "b's git-annex does not know f1 is in ra: $where_b"
! in_where f3.txt "$ra" || fail "b's git-annex lists f3 in ra after a dropped it"

# ---------------------------------------------------------------------------------------------
# A dolt-annex repository joins the origin and pushes its dataset branch.
da="$TEST_TMP/da"
da_uuid=$(python3 -c 'import uuid; print(uuid.uuid4())')
mkdir -p "$da/dolt"
# commands/init.py do_init with --dolt-url: a database of its own (the template's copy: another
# history than the origin's), push.autoSetupRemote, `dolt remote add origin URL`, `dolt fetch`.
(cd "$da/dolt" && dolt init --name dolt-annex --email dolt-annex@localhost >/dev/null &&
    dolt config --local --add push.autoSetupRemote true >/dev/null &&
    dolt remote add origin "$url" && dolt fetch origin >/dev/null 2>&1) || fail "dolt-annex init --dolt-url replay"
DA_STORE="$da"
# table.py Dataset(...): maybe_create_branch(<uuid>-files, files), files from the origin; then
# dataset insert-record's flush: the row left uncommitted on <uuid>-files.
da_flush "$da_uuid" files files "('$k6', 'f6.txt')"
# dolt.py commit(amend=False) ("partial import"), then push_branch(<uuid>-files, origin):
# CALL DOLT_PUSH('origin', '<uuid>-files') with that branch checked out.
da_session "CALL DOLT_CHECKOUT('$da_uuid-files', '--'); CALL DOLT_ADD('.'); CALL DOLT_COMMIT('-m', 'partial import'); CALL DOLT_PUSH('origin', '$da_uuid-files')" >/dev/null
cd "$TEST_TMP/a" && sync_json sa3
expect_eq "$(sql_dolt_repo "$TEST_TMP/sa" "SELECT status FROM gad_locations WHERE annex_key = '$k6' AND uuid = '$da_uuid'")" 1 "f6 in the dolt-annex repository, in ra's database"
in_where f6.txt "$da_uuid" || fail "git annex whereis f6.txt does not list the dolt-annex repository: $(where_all)"
cd "$TEST_TMP/b" && sync_json sb2
in_where f6.txt "$da_uuid" || fail "b's git annex whereis f6.txt does not list the dolt-annex repository: $(where_all)"

# ---------------------------------------------------------------------------------------------
# Rows both sides changed on a dataset branch are settled by the newest-wins rule, each side's
# time for a row being its newest commit that changed it (dataset rows have no timestamps), never
# by taking one side wholesale. da adds g1.txt (a file of its own) and pushes; a pulls it. Then
# ra's store (standing for another writer of da's branch) maps g1.txt to k2 in a commit dated
# 2020 and f6.txt to k2 in one dated 2030, while da maps both to k3 in a commit dated 2025 and
# pushes. a's sync: g1.txt is da's (k3), f6.txt ra's store's (k2).
da_flush "$da_uuid" files files "('$k1', 'g1.txt')"
# (dolt.py push_branch: the push is refused, as the origin has a's export of that branch since,
# so it pulls the branch, DOLT_PULL, and pushes again; replayed as pull, then push.)
da_session "CALL DOLT_CHECKOUT('$da_uuid-files', '--'); CALL DOLT_ADD('.'); CALL DOLT_COMMIT('-m', 'g1'); CALL DOLT_PULL('origin', '$da_uuid-files'); CALL DOLT_PUSH('origin', '$da_uuid-files'); CALL DOLT_CHECKOUT('main', '--')" >/dev/null
cd "$TEST_TMP/a" && sync_json sa4
row_in() { sql_dolt_repo "$1" "SELECT annex_key FROM \`dolt/$da_uuid-files\`.files WHERE path = '$2'"; }
expect_eq "$(row_in "$TEST_TMP/sa" g1.txt)" "$k1" "g1.txt on da's branch in ra's store, pulled"
sql_dolt_repo "$TEST_TMP/sa" "CALL DOLT_CHECKOUT('$da_uuid-files'); UPDATE files SET annex_key = '$k2' WHERE path = 'g1.txt'; CALL DOLT_COMMIT('-a', '-m', 'g1.txt: k2', '--date', '2020-01-01T00:00:00'); UPDATE files SET annex_key = '$k2' WHERE path = 'f6.txt'; CALL DOLT_COMMIT('-a', '-m', 'f6.txt: k2', '--date', '2030-01-01T00:00:00'); CALL DOLT_CHECKOUT('main')" >/dev/null
da_session "CALL DOLT_CHECKOUT('$da_uuid-files', '--'); CALL DOLT_PULL('origin', '$da_uuid-files'); UPDATE files SET annex_key = '$k3' WHERE path IN ('g1.txt', 'f6.txt'); CALL DOLT_COMMIT('-a', '-m', 'g1.txt, f6.txt: k3', '--date', '2025-01-01T00:00:00'); CALL DOLT_PUSH('origin', '$da_uuid-files'); CALL DOLT_CHECKOUT('main', '--')" >/dev/null
cd "$TEST_TMP/a" && sync_json sa5
expect_eq "$(jget "$TEST_TMP/sa5.json" "o['dolt_remotes']['conflicts']")" 2 "dataset rows both sides changed, resolved in a's pull"
expect_eq "$(row_in "$TEST_TMP/sa" g1.txt)" "$k3" "g1.txt on da's branch: da's change (2025) over ra's store's (2020)"
expect_eq "$(row_in "$TEST_TMP/sa" f6.txt)" "$k2" "f6.txt on da's branch: ra's store's change (2030) over da's (2025)"
summary "two clones and a dolt-annex repository converged through $url"
