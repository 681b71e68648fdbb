#!/usr/bin/env bash
# git-annex-dolt sync --dataset after dolt-annex amended its rows into the <uuid>-NAME branches
# (issue 17 item 1): what dolt-annex recorded reaches git annex whereis, and none of its rows is
# removed. dolt-annex's statements are replayed from its source (dolt_annex_replay.sh).
#
# Repository a (files f1..f5) with the dolt special remote (store, a dolt-annex repository), f1 f2
# copied there; a migrates into store and runs sync --dataset files (our commits on
# <store>-files and <a>-files). A second dolt-annex repository da2 (directory $TEST_TMP/da2).
# Then, per MODE, in store:
#  push:  `dolt-annex push --remote da2 --dataset files`: f1, f2 copied to da2; their rows, left
#         uncommitted on <da2>-files (made from our empty table), amended into its head commit by
#         the next round's merge (that commit keeps our empty table's message).
#  pull:  da2 holds f3 and a file of its own, on <da2>-files by `dolt-annex dataset insert-record
#         --repo da2`; `dolt-annex pull --remote da2 --dataset files`: both copied into store,
#         their rows amended into our commit on <store>-files.
#  union: `dolt-annex dataset insert-record`'s rows for f4 and a file of its own, left uncommitted
#         on <store>-files; then `dolt-annex push --remote da2 --dataset files --limit 0`, whose
#         merges into the union-* branch amend them into our commit there.
# Then git-annex-dolt sync: the rows become present locations of their repository (git annex
# whereis lists it), every row dolt-annex wrote is still on its branch, the union-* branch is not
# written, and a second sync finds nothing new.
#
# usage: sync_dataset_amend.sh push|pull|union debian|newest
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
source "$(dirname "$0")/migrate_helpers.sh"
source "$(dirname "$0")/dolt_annex_replay.sh"
mode="${1:?usage: sync_dataset_amend.sh push|pull|union debian|newest}"
use_git_annex "${2:?usage: sync_dataset_amend.sh push|pull|union debian|newest}"
need_dolt
command -v git-annex-dolt >/dev/null || fail "git-annex-dolt is not built in $GAD_BUILD_DIR"
store="$TEST_TMP/store"
da2="$TEST_TMP/da2"
DA_STORE="$store"

# dsync NAME ARGS...: git-annex-dolt sync ARGS --json, into $TEST_TMP/NAME.json.
dsync() {
    sync_json "$@"
    echo "sync $1: $(jget "$TEST_TMP/$1.json" "o['dataset']")"
}
dfield() { jget "$TEST_TMP/$1.json" "o['dataset']['$2']"; }
q() { sql_dolt_repo "$store" "$1"; }
# rows UUID: "path<TAB>key" of every row of branch UUID-files (its working set), sorted.
rows() { q "SELECT path, annex_key FROM \`dolt/$1-files\`.files" | sed '/^$/d' | LC_ALL=C sort; }
# row PATH KEY: one "path<TAB>key" line.
row() { printf '%s\t%s\n' "$1" "$2"; }
# where UUID: the annexed files git annex whereis --json lists in UUID, sorted.
where() {
    git annex whereis --json >"$TEST_TMP/where.json" 2>"$TEST_TMP/where.err" || true
    python3 - "$TEST_TMP/where.json" "$1" <<'PY' | LC_ALL=C sort
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    if line.strip():
        o = json.loads(line)
        if any(e["uuid"] == sys.argv[2] for e in o.get("whereis", []) + o.get("untrusted", [])):
            print(o["file"])
PY
}
# status KEY UUID: the status of KEY in UUID in the location table.
status() { q "SELECT status FROM gad_locations WHERE annex_key = '$1' AND uuid = '$2'"; }
lines() { printf '%s\n' "$@"; }
# contains SUPERSET SUBSET WHAT: fails unless every line of SUBSET is in SUPERSET.
contains() {
    local missing
    missing=$(LC_ALL=C comm -13 <(printf '%s\n' "$1" | LC_ALL=C sort) <(printf '%s\n' "$2" | LC_ALL=C sort))
    [ -z "$missing" ] || fail "$3: rows dolt-annex wrote are gone: $missing"
}

# ---------------------------------------------------------------------------------------------
# The repository, the store, our first dataset sync.
new_repo "$TEST_TMP/a" "repo a"
cd "$TEST_TMP/a"
for f in f1 f2 f3 f4 f5; do printf 'content of %s %s %s\n' "$f" "$RANDOM" "$RANDOM" >"$f.txt"; done
git annex add -q . && git commit -q -m files
git annex initremote -q dolt type=external externaltype=dolt encryption=none "directory=$store" serveridle=900 >/dev/null
store_uuid=$(git config remote.dolt.annex-uuid)
git annex copy -q --to dolt f1.txt f2.txt >/dev/null
# The remote's server stays up for dolt-annex's sessions; it stops with the test.
for pid in $(awk '{print $2, $3}' "$store/.git-annex-dolt/server.state"); do track_pid "$pid"; done
git-annex-dolt migrate --to "$store" >/dev/null 2>"$TEST_TMP/migrate.err" || fail "migrate: $(cat "$TEST_TMP/migrate.err")"
dsync s1 --dataset files
da2_uuid=$(python3 -c 'import uuid; print(uuid.uuid4())')
mkdir -p "$da2/annex"
for i in 1 2 3 4 5; do declare "k$i=$(git annex lookupkey "f$i.txt")"; done
own_content="dolt-annex's own file $RANDOM$RANDOM"
own_key="SHA256E-s${#own_content}--$(printf '%s' "$own_content" | sha256sum | cut -d' ' -f1).txt"
expect_eq "$(rows "$store_uuid")" "$(lines "$(row f1.txt "$k1")" "$(row f2.txt "$k2")")" "rows of store's branch after our sync"

# ---------------------------------------------------------------------------------------------
# What dolt-annex does.
union="union-$(printf '%s\n%s\n' "$store_uuid" "$da2_uuid" | LC_ALL=C sort | paste -sd-)-files"
case $mode in
    push)
        expect_eq "$(da_push "$store_uuid" "$store" "$da2_uuid" "$da2" files files)" 2 "files dolt-annex pushed to da2"
        [ -f "$(object_path "$da2" "$k1")" ] || fail "dolt-annex push did not copy f1 to da2"
        want_rows=("$da2_uuid" "$(lines "$(row f1.txt "$k1")" "$(row f2.txt "$k2")")")
        want_where=("$da2_uuid" "$(lines f1.txt f2.txt)")
        ;;
    pull)
        mkdir -p "$(dirname "$(object_path "$da2" "$k3")")" "$(dirname "$(object_path "$da2" "$own_key")")"
        cp "$(git annex contentlocation "$k3")" "$(object_path "$da2" "$k3")"
        printf '%s' "$own_content" >"$(object_path "$da2" "$own_key")"
        # `dolt-annex dataset insert-record --repo da2` for each: rows left uncommitted.
        da_flush "$da2_uuid" files files "('$k3', 'f3.txt')"
        da_flush "$da2_uuid" files files "('$own_key', 'imported/own.txt')"
        expect_eq "$(da_pull "$da2_uuid" "$da2" "$store_uuid" "$store" files files)" 2 "files dolt-annex pulled from da2"
        [ -f "$(object_path "$store" "$own_key")" ] || fail "dolt-annex pull did not copy its file into store"
        want_rows=("$store_uuid" "$(lines "$(row f3.txt "$k3")" "$(row imported/own.txt "$own_key")")")
        want_where=("$store_uuid" "$(lines f1.txt f2.txt f3.txt)")
        ;;
    union)
        mkdir -p "$(dirname "$(object_path "$store" "$k4")")" "$(dirname "$(object_path "$store" "$own_key")")"
        cp "$(git annex contentlocation "$k4")" "$(object_path "$store" "$k4")"
        printf '%s' "$own_content" >"$(object_path "$store" "$own_key")"
        da_flush "$store_uuid" files files "('$k4', 'f4.txt')"
        da_flush "$store_uuid" files files "('$own_key', 'imported/own.txt')"
        da_maybe_create_branch "$da2_uuid-files" files
        da_diff_keys "$store_uuid" "$da2_uuid" files files >/dev/null
        want_rows=("$store_uuid" "$(lines "$(row f4.txt "$k4")" "$(row imported/own.txt "$own_key")")")
        want_where=("$store_uuid" "$(lines f1.txt f2.txt f4.txt)")
        ;;
    *) fail "unknown mode $mode" ;;
esac
# Nothing is left uncommitted: dolt-annex amended its rows into the branch's head commit.
expect_eq "$(q "SELECT COUNT(*) FROM \`dolt/${want_rows[0]}-files\`.dolt_status")" 0 "uncommitted tables on ${want_rows[0]}-files after dolt-annex"
contains "$(rows "${want_rows[0]}")" "${want_rows[1]}" "rows of ${want_rows[0]}-files after dolt-annex $mode"
da_rows_da2=$(rows "$da2_uuid")
da_rows_store=$(rows "$store_uuid")
union_hash=$(q "SELECT hash FROM dolt_branches WHERE name = '$union'")
[ -n "$union_hash" ] || fail "dolt-annex made no branch $union"

# ---------------------------------------------------------------------------------------------
# git-annex-dolt sync: dolt-annex's rows become locations, and stay.
dsync s2
expect_eq "$(dfield s2 rows_removed)" 0 "rows removed by the sync after dolt-annex $mode"
contains "$(rows "$store_uuid")" "$da_rows_store" "store's branch after the sync"
contains "$(rows "$da2_uuid")" "$da_rows_da2" "da2's branch after the sync"
expect_eq "$(where "${want_where[0]}")" "${want_where[1]}" "git annex whereis ${want_where[0]} after dolt-annex $mode"
if [ "$mode" != push ]; then
    expect_eq "$(status "$own_key" "$store_uuid")" 1 "location of dolt-annex's own file in store"
fi
expect_eq "$(q "SELECT hash FROM dolt_branches WHERE name = '$union'")" "$union_hash" "the union branch after the sync"

# A second sync: nothing new, nothing removed.
dsync s3
expect_eq "$(dfield s3 present_facts) $(dfield s3 missing_facts) $(dfield s3 rows_removed)" "0 0 0" "facts and removals of a second sync"
contains "$(rows "$store_uuid")" "$da_rows_store" "store's branch after a second sync"
contains "$(rows "$da2_uuid")" "$da_rows_da2" "da2's branch after a second sync"
expect_eq "$(where "${want_where[0]}")" "${want_where[1]}" "git annex whereis ${want_where[0]} after a second sync"

summary "$(git annex version --raw): dolt-annex $mode amended rows into ${want_rows[0]}-files; they reached whereis and stayed"
