#!/usr/bin/env bash
# git-annex-dolt sync against real git-annex: facts only the location tables hold reach other
# clones through refs/git-annex-dolt/git-annex (git-annex union-merges it on its next run).
#
#  1. One dolt-annex repository ($TEST_TMP/store), the directory of a dolt special remote of repo
#     a: objects the remote stored from a (one of them recorded only in a's journal) and objects
#     `git-annex-dolt migrate --to store --content=copy` put there from clone b show up in
#     `git annex whereis` of clone c after b runs git-annex-dolt sync and c runs git annex sync:
#     the store's uuid for exactly those keys.
#  2. A drop from the remote in a reaches clone c (which migrated into the same database before
#     the drop, and never fetches a afterwards) only through git-annex-dolt sync; the line written
#     carries the table row's own timestamp, from the time of the drop.
#  2b. A fact with an old timestamp that another clone migrates only after c's export is still
#     exported by c's next sync.
#  3. Nothing journaled is lost: git annex copy --to dolt (committed, and with
#     annex.alwayscommit=false) right before git-annex-dolt sync; every location is still there,
#     the journal and refs/heads/git-annex are untouched by sync; git annex fsck --fast --from dolt.
#  4. A repository only in Dolt (migrate --content=copy into a fresh dolt-annex directory) gets a
#     uuid.log line; git annex whereis names it "dolt-annex PATH".
#  5. After git-annex merged, a second git-annex-dolt sync writes nothing ("commit": "").
#
# usage: sync_back.sh debian|newest
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
source "$(dirname "$0")/migrate_helpers.sh"
use_git_annex "${1:?usage: sync_back.sh debian|newest}"
need_dolt
command -v git-annex-dolt >/dev/null || fail "git-annex-dolt is not built in $GAD_BUILD_DIR"
REF=refs/git-annex-dolt/git-annex
store="$TEST_TMP/store"


# dolt_sync NAME: git-annex-dolt sync --json in the current directory, stdout in $TEST_TMP/NAME.json.
dolt_sync() {
    local out="$TEST_TMP/$1.json"
    sync_json "$1"
    for f in locations urls metadata repositories files commit ref; do
        jget "$out" "o['export']['$f']" >/dev/null || fail "sync --json ($1): no export.$f: $(cat "$out")"
    done
    jget "$out" "o['migrated']['branch']" >/dev/null || fail "sync --json ($1): no migrated.branch: $(cat "$out")"
    expect_eq "$(jget "$out" "o['export']['ref']")" "$REF" "export.ref of sync $1"
    local commit
    commit=$(jget "$out" "o['export']['commit']")
    if [ -n "$commit" ]; then
        expect_eq "$(git rev-parse "$REF")" "$commit" "$REF after sync $1"
    fi
    echo "sync $1: $(cat "$out")"
}
# export_field NAME FIELD
export_field() { jget "$TEST_TMP/$1.json" "o['export']['$2']"; }

# migrate_json NAME ARGS...: git-annex-dolt migrate ARGS --json, stdout in $TEST_TMP/NAME.json.
migrate_json() {
    local out="$TEST_TMP/$1.json" rc=0
    shift
    git-annex-dolt migrate "$@" --json >"$out" 2>"$out.err" || rc=$?
    [ "$rc" -eq 0 ] || fail "git-annex-dolt migrate $* in $PWD exited $rc: $(head -c 2000 "$out.err")"
    echo "migrate $*: $(cat "$out")"
}

# where_uuid UUID: the annexed files (sorted) whose git annex whereis --json lists UUID (whereis or
# untrusted), in the current repository. Runs git-annex, so it merges what is to be merged.
where_uuid() {
    git annex whereis --json >"$TEST_TMP/where.json" 2>"$TEST_TMP/where.err" || true
    [ -s "$TEST_TMP/where.json" ] || fail "git annex whereis --json printed nothing: $(cat "$TEST_TMP/where.err")"
    python3 - "$TEST_TMP/where.json" "$1" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    if not line.strip():
        continue
    o = json.loads(line)
    if any(e["uuid"] == sys.argv[2] for e in o.get("whereis", []) + o.get("untrusted", [])):
        print(o["file"])
PY
}
# where_all OUT [git -c ...]: every annexed file and the uuids git annex whereis --json lists for
# it, one "file uuid" line each, sorted, into OUT.
where_all() {
    local out=$1; shift
    "$@" annex whereis --json >"$out.raw" 2>"$out.err" || true
    python3 - "$out.raw" <<'PY' | LC_ALL=C sort >"$out"
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    if line.strip():
        o = json.loads(line)
        for e in o.get("whereis", []) + o.get("untrusted", []):
            print(o["file"], e["uuid"])
PY
}
lines() { printf '%s\n' "$@"; }
key() { git annex lookupkey "$1"; }
# log_path KEY: the location log of KEY in the git-annex branch.
log_path() { printf '%s%s.log\n' "$(git annex examinekey --format='${hashdirlower}' "$1")" "$1"; }
# store_row KEY UUID: "status ts" of the location table row (KEY, UUID) of the store.
store_row() {
    local out attempt
    for attempt in 1 2 3 4 5; do
        if out=$(sql_dolt_repo "$store" "SELECT status, ts FROM gad_locations WHERE annex_key='$1' AND uuid='$2'" 2>"$TEST_TMP/row.err"); then
            tr '\t' ' ' <<<"$out"; return 0
        fi
        sleep 1
    done
    fail "cannot read the location table of $store: $(cat "$TEST_TMP/row.err")"
}
# merged: refs/git-annex-dolt/git-annex is in the local git-annex branch.
check_merged() {
    git merge-base --is-ancestor "$REF" refs/heads/git-annex ||
        fail "$1: git-annex did not merge $REF into its branch in $PWD"
}

# ---------------------------------------------------------------------------------------------
# Repository a with eight files and the dolt special remote; clones b, c (and later d).
new_repo "$TEST_TMP/a" "repo a"
cd "$TEST_TMP/a"
for i in 1 2 3 4 5 6 7 8; do printf 'content %s %s %s\n' "$i" "$RANDOM" "$RANDOM" >"f$i"; done
git annex add -q . && git commit -q -m files
a_uuid=$(git config annex.uuid)
git annex initremote -q dolt type=external externaltype=dolt encryption=none "directory=$store" serveridle=3 >/dev/null
store_uuid=$(git config remote.dolt.annex-uuid)
grep -qF "\"$store_uuid\"" "$store/repos/__local__.repo" ||
    fail "the remote's uuid $store_uuid is not the store's: $(cat "$store/repos/__local__.repo")"
for r in b c; do
    git clone -q "$TEST_TMP/a" "$TEST_TMP/$r"
    (cd "$TEST_TMP/$r" && git annex init -q "repo $r")
    git remote add "$r" "$TEST_TMP/$r"
done
b_uuid=$(git -C "$TEST_TMP/b" config annex.uuid)
(cd "$TEST_TMP/c" && git remote add b "$TEST_TMP/b")
git annex sync -q >/dev/null 2>&1 || fail "git annex sync in a"
for r in b c; do (cd "$TEST_TMP/$r" && git annex sync -q >/dev/null 2>&1) || fail "git annex sync in $r"; done
declare -A K
for i in 1 2 3 4 5 6 7 8; do K[f$i]=$(key "f$i"); done

# ---------------------------------------------------------------------------------------------
# 1. The remote stores f1 f2 (committed) and f5 (only in a's journal); b gets f3 f4 from a and
# migrates them into the same dolt-annex repository (the remote's directory) with --content=copy.
git annex copy -q --to dolt f1 f2 >/dev/null
git -c annex.alwayscommit=false annex copy -q --to dolt f5 >/dev/null
[ -n "$(ls .git/annex/journal)" ] || fail "f5's location is not in a's journal"
wait_remote_exit "$TEST_TMP/a"
expect_eq "$(table_keys "$store" "$store_uuid" 1)" "$(lines "${K[f1]}" "${K[f2]}" "${K[f5]}" | LC_ALL=C sort)" \
    "keys the remote recorded present in the store"

cd "$TEST_TMP/b"
git annex get -q f3 f4 >/dev/null 2>&1 || fail "git annex get f3 f4 in b"
migrate_json b-migrate --to "$store" --content=copy
expect_eq "$(jget "$TEST_TMP/b-migrate.json" "o['content_stored']")" 2 "content_stored of b's migrate into the remote's directory"
expect_eq "$(git config git-annex-dolt.repository)" "$store" "git-annex-dolt.repository in b"
grep -qF "\"$store_uuid\"" "$store/repos/__local__.repo" ||
    fail "migrate --to the remote's directory changed its uuid: $(cat "$store/repos/__local__.repo")"
expect_eq "$(table_keys "$store" "$store_uuid" 1)" \
    "$(lines "${K[f1]}" "${K[f2]}" "${K[f3]}" "${K[f4]}" "${K[f5]}" | LC_ALL=C sort)" "keys present in the store after b's migrate"
b_branch=$(git rev-parse refs/heads/git-annex)
dolt_sync b1
expect_eq "$(git rev-parse refs/heads/git-annex)" "$b_branch" "b's git-annex branch after git-annex-dolt sync (never written)"
[ -n "$(export_field b1 commit)" ] || fail "b's first sync wrote no commit"
expect_eq "$(export_field b1 repositories)" 0 "uuid.log lines written by b's sync (every repository is known)"
# The store's lines in the commit: exactly f1..f5, status 1.
for f in f1 f2 f3 f4 f5 f6 f7 f8; do
    n=$(git show "$REF:$(log_path "${K[$f]}")" 2>/dev/null | grep -c " 1 $store_uuid\$" || true)
    case $f in f[1-5]) [ "$n" -ge 1 ] || fail "$REF lacks the store's line for $f" ;;
               *) expect_eq "$n" 0 "store lines for $f in $REF" ;; esac
done
expect_eq "$(where_uuid "$store_uuid")" "$(lines f1 f2 f3 f4 f5)" "files git annex whereis in b lists in the store"
check_merged "b after whereis"
dolt_sync b2
expect_eq "$(export_field b2 commit)" "" "commit of b's second sync (after git-annex merged)"
expect_eq "$(export_field b2 locations)" 0 "locations of b's second sync"

cd "$TEST_TMP/c"
git annex sync -q >/dev/null 2>&1 || fail "git annex sync in c"
expect_eq "$(where_uuid "$store_uuid")" "$(lines f1 f2 f3 f4 f5)" "files git annex whereis in c lists in the store"
expect_eq "$(where_uuid "$b_uuid")" "$(lines f3 f4)" "files git annex whereis in c lists in b"

# ---------------------------------------------------------------------------------------------
# 2. c migrates into the same database; then a drops f1 from the remote. c never fetches a
# again: only git-annex-dolt sync can tell it.
migrate_json c-migrate --to "$store"
dolt_sync c1
expect_eq "$(export_field c1 commit)" "" "commit of c's first sync (its branch has everything)"
c_origin=$(git rev-parse refs/remotes/origin/git-annex)

cd "$TEST_TMP/a"
before=$(date +%s.%N)
git annex drop -q --from dolt f1 >/dev/null
after=$(date +%s.%N)
wait_remote_exit "$TEST_TMP/a"
read -r status drop_ts <<<"$(store_row "${K[f1]}" "$store_uuid")"
expect_eq "$status" 0 "status of f1 in the store's row after the drop"
sleep 1

cd "$TEST_TMP/c"
dolt_sync c2
[ -n "$(export_field c2 commit)" ] || fail "c's sync after the drop wrote no commit"
expect_eq "$(export_field c2 locations)" 1 "locations written by c's sync after the drop"
p1=$(log_path "${K[f1]}")
line=$(git show "$REF:$p1" | grep " 0 $store_uuid\$") || fail "$REF:$p1 has no line for the drop: $(git show "$REF:$p1")"
python3 - "$line" "$drop_ts" "$before" "$after" <<'PY' || fail "the drop's line in $REF: '$line' (table: $drop_ts, drop between $before and $after)"
import sys
from decimal import Decimal
line, row, before, after = sys.argv[1:]
ts = Decimal(line.split()[0].rstrip("s"))
assert len([l for l in line.splitlines() if l]) == 1, "more than one line"
assert ts == Decimal(row), f"timestamp {ts} is not the table's {row}"
assert Decimal(before) <= ts <= Decimal(after), f"timestamp {ts} not between {before} and {after}"
PY
# Every line of the commit's changed logs is no newer than the end of the drop (facts' own times).
for p in $(git diff --name-only "$REF^" "$REF"); do
    git show "$REF:$p" | awk -v after="$after" -v p="$p" \
        '{ t = $1; sub(/s$/, "", t); if (t + 0 > after + 0) { print p ": " $0; bad = 1 } } END { exit bad }' ||
        fail "$REF has lines newer than the drop"
done
expect_eq "$(where_uuid "$store_uuid")" "$(lines f2 f3 f4 f5)" "files git annex whereis in c lists in the store after the drop"
expect_eq "$(git rev-parse refs/remotes/origin/git-annex)" "$c_origin" "c's origin/git-annex (c must not have fetched a)"
check_merged "c after whereis"
dolt_sync c3
expect_eq "$(export_field c3 commit)" "" "commit of c's sync after git-annex merged"

# 2b. b gets f8, and its git-annex branch records that with an old timestamp (as facts a clone
# migrates for the first time are: hours or years old). b migrates it only after c exported a
# newer fact (the remote storing f8 from a): b's fact is older than everything c's last export
# saw, and c must still write it, with its own timestamp.
cd "$TEST_TMP/b"
git annex get -q f8 >/dev/null 2>&1 || fail "git annex get f8 in b"
git annex merge -q >/dev/null 2>&1 || true
[ -z "$(ls .git/annex/journal)" ] || fail "b's journal is not empty: $(ls .git/annex/journal)"
p8=$(log_path "${K[f8]}")
old_ts=1600000000.25
blob=$(git cat-file -p "refs/heads/git-annex:$p8" | sed -E "s/^[0-9.]+s( 1 $b_uuid)\$/${old_ts}s\1/" | git hash-object -w --stdin)
git cat-file -p "$blob" | grep -qx "${old_ts}s 1 $b_uuid" || fail "could not age b's line for f8: $(git cat-file -p "$blob")"
export GIT_INDEX_FILE="$TEST_TMP/b.index"
git read-tree refs/heads/git-annex
git update-index --cacheinfo "100644,$blob,$p8"
tree=$(git write-tree)
unset GIT_INDEX_FILE
git update-ref refs/heads/git-annex "$(git commit-tree "$tree" -p refs/heads/git-annex -m "old fact")"
cd "$TEST_TMP/a"
git annex copy -q --to dolt f8 >/dev/null
wait_remote_exit "$TEST_TMP/a"
cd "$TEST_TMP/c"
dolt_sync c4
expect_eq "$(export_field c4 locations)" 1 "locations written by c's sync after a stored f8"
expect_eq "$(where_uuid "$store_uuid")" "$(lines f2 f3 f4 f5 f8)" "files git annex whereis in c lists in the store after a stored f8"
cd "$TEST_TMP/b"
migrate_json b-migrate2
cd "$TEST_TMP/c"
dolt_sync c5
git show "$REF:$p8" | grep -qx "${old_ts}s 1 $b_uuid" ||
    fail "c's sync after b migrated an old fact did not write it: $(cat "$TEST_TMP/c5.json"); $REF:$p8: $(git show "$REF:$p8" 2>&1)"
expect_eq "$(where_uuid "$b_uuid")" "$(lines f3 f4 f8)" "files git annex whereis in c lists in b after b migrated an old fact"
check_merged "c after the old fact"

# ---------------------------------------------------------------------------------------------
# 3. Nothing journaled is lost (in a, which migrates now).
cd "$TEST_TMP/a"
migrate_json a-migrate --to "$store"
git annex copy -q --to dolt f6 >/dev/null
dolt_sync a1
git -c annex.alwayscommit=false annex copy -q --to dolt f7 >/dev/null
journal=$(ls .git/annex/journal)
grep -qF "${K[f7]}.log" <<<"$journal" || fail "f7's location is not in a's journal: $journal"
a_branch=$(git rev-parse refs/heads/git-annex)
dolt_sync a2
expect_eq "$(ls .git/annex/journal)" "$journal" "a's journal after git-annex-dolt sync"
expect_eq "$(git rev-parse refs/heads/git-annex)" "$a_branch" "a's git-annex branch after git-annex-dolt sync"
where_all "$TEST_TMP/a-after" git
{
    for f in f1 f2 f3 f4 f5 f6 f7 f8; do echo "$f $a_uuid"; done
    for f in f2 f3 f4 f5 f6 f7 f8; do echo "$f $store_uuid"; done
    for f in f3 f4 f8; do echo "$f $b_uuid"; done
} | LC_ALL=C sort >"$TEST_TMP/a-expected"
diff -u "$TEST_TMP/a-expected" "$TEST_TMP/a-after" >&2 || fail "git annex whereis in a after the syncs (above: - expected, + got)"
check_merged "a"
git annex fsck -q --fast --from dolt >"$TEST_TMP/fsck.out" 2>&1 || fail "git annex fsck --fast --from dolt: $(cat "$TEST_TMP/fsck.out")"
dolt_sync a3
expect_eq "$(export_field a3 commit)" "" "commit of a's sync after git-annex merged"

# ---------------------------------------------------------------------------------------------
# 4. A repository only in Dolt: clone d migrates f8's object into a fresh dolt-annex directory.
git clone -q "$TEST_TMP/a" "$TEST_TMP/d"
cd "$TEST_TMP/d"
git annex init -q "repo d"
git annex get -q f8 >/dev/null 2>&1 || fail "git annex get f8 in d"
fresh="$TEST_TMP/fresh"
migrate_json d-migrate --to "$fresh" --content=copy
fresh_uuid=$(sed -nE 's/.*"uuid"[[:space:]]*:[[:space:]]*"([0-9a-f-]+)".*/\1/p' "$fresh/repos/__local__.repo" | head -n1)
[ -n "$fresh_uuid" ] || fail "no uuid in $fresh/repos/__local__.repo"
dolt_sync d1
expect_eq "$(export_field d1 repositories)" 1 "uuid.log lines written by d's sync (the fresh dolt-annex repository)"
git show "$REF:uuid.log" | grep -qF "$fresh_uuid dolt-annex $fresh" ||
    fail "$REF:uuid.log does not describe $fresh_uuid: $(git show "$REF:uuid.log")"
git annex whereis --json f8 >"$TEST_TMP/d-where.json" 2>/dev/null || true
jget "$TEST_TMP/d-where.json" \
    "[e['description'] for e in o['whereis'] if e['uuid'] == '$fresh_uuid']" >"$TEST_TMP/d-desc"
grep -qF "dolt-annex $fresh" "$TEST_TMP/d-desc" ||
    fail "git annex whereis f8 in d does not name $fresh_uuid 'dolt-annex $fresh': $(cat "$TEST_TMP/d-where.json")"
check_merged "d"
dolt_sync d2
expect_eq "$(export_field d2 commit)" "" "commit of d's second sync"
expect_eq "$(export_field d2 repositories)" 0 "uuid.log lines of d's second sync"

summary "$(git annex version --raw): remote and migrate --content facts, a drop, the journal, a new repository, through $REF"
