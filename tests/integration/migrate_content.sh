#!/usr/bin/env bash
# git-annex-dolt migrate --content=copy|hardlink|move against real git-annex: the object files of
# .git/annex/objects (a 5 MiB one, an empty one, a WORM key, SHA256E keys with
# and without extension, two files sharing one object) go into the dolt-annex filestore at
# PATH/annex/<hashdirlower>/<KEY>, byte for byte; one object corrupted on purpose is reported,
# counted, left in place and makes the exit status 1. whereis then lists the dolt-annex
# repository for every imported key and not for the corrupt one. A second copy finds them all
# already stored; hardlink shares the inodes; move (in a clone that got the content) deletes the
# sources, records the clone as no longer holding them, and keeps the corrupt one; move into a
# filestore whose copy of an object was damaged replaces that copy instead of trusting it and
# deleting the good source. Bad --content arguments fail with one line.
#
# usage: migrate_content.sh debian|newest
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
source "$(dirname "$0")/migrate_helpers.sh"
use_git_annex "${1:?usage: migrate_content.sh debian|newest}"
need_dolt
command -v git-annex-dolt >/dev/null || fail "git-annex-dolt is not built in $GAD_BUILD_DIR"

# migrate_content OUT EXPECTED_RC ARGS...: git-annex-dolt migrate ARGS --json in the current
# directory, stdout into OUT, stderr into OUT.err; fails unless it exits EXPECTED_RC and prints one
# JSON object with the four content_* fields.
migrate_content() {
    local out=$1 expected=$2 rc=0
    shift 2
    git-annex-dolt migrate "$@" --json >"$out" 2>"$out.err" || rc=$?
    [ "$rc" -eq "$expected" ] ||
        fail "git-annex-dolt migrate $* exited $rc, not $expected: $(head -c 2000 "$out.err") $(head -c 1000 "$out")"
    local field
    for field in content_stored content_already_stored content_failed content_removed; do
        jfield "$out" "$field" >/dev/null || fail "migrate $* --json: no \"$field\": $(cat "$out")"
    done
    echo "migrate $*: $(cat "$out")"
}
# expect_counts OUT STORED ALREADY FAILED REMOVED
expect_counts() {
    expect_eq "$(jfield "$1" content_stored)" "$2" "content_stored of $1 ($(cat "$1"))"
    expect_eq "$(jfield "$1" content_already_stored)" "$3" "content_already_stored of $1"
    expect_eq "$(jfield "$1" content_failed)" "$4" "content_failed of $1"
    expect_eq "$(jfield "$1" content_removed)" "$5" "content_removed of $1"
}

# store_path DIR KEY: where DIR's filestore keeps KEY, by git-annex's own hashdirlower.
store_path() {
    local hash
    hash=$(git annex examinekey --format='${hashdirlower}' "$2") || fail "git annex examinekey $2"
    printf '%s/annex/%s%s\n' "$1" "$hash" "$2"
}
# source_path KEY: the object file of KEY in the current repository's .git/annex/objects (whether
# or not it is there), absolute.
source_path() {
    local loc
    loc=$(git annex examinekey --format='${objectpath}' "$1") && [ -n "$loc" ] || fail "no object path for $1"
    [[ "$loc" = /* ]] && echo "$loc" || echo "$PWD/$loc"
}
# dolt_uuid DIR: the uuid of dolt-annex repository DIR.
dolt_uuid() {
    sed -nE 's/.*"uuid"[[:space:]]*:[[:space:]]*"([0-9a-f-]+)".*/\1/p' "$1/repos/__local__.repo" | head -n1
}
# whereis_uuids KEY: the uuids git-annex-dolt whereis --json --key KEY lists (whereis and
# untrusted), one per line, each followed by " here" when "here" is true.
whereis_uuids() {
    local out="$TEST_TMP/whereis.out" rc=0
    git-annex-dolt whereis --json --key "$1" >"$out" 2>"$out.err" || rc=$?
    [ "$rc" -le 1 ] || fail "git-annex-dolt whereis --json --key $1 exited $rc: $(head -c 2000 "$out.err")"
    python3 - "$out" "$1" <<'PY' || fail "git-annex-dolt whereis --json --key $1 printed: $(cat "$out")"
import json, sys
lines = [l for l in open(sys.argv[1], encoding="utf-8").read().splitlines() if l.strip()]
assert len(lines) == 1, lines
o = json.loads(lines[0])
assert o["key"] == sys.argv[2], o
for e in o["whereis"] + o["untrusted"]:
    print(e["uuid"] + (" here" if e["here"] else ""))
PY
}

# ---------------------------------------------------------------------------------------------
# Repository a: eight objects (nine files), one of them then corrupted.
new_repo "$TEST_TMP/a" "repo a"
cd "$TEST_TMP/a"
a_uuid=$(git config annex.uuid)
head -c 5242880 /dev/urandom >big.bin
printf 'a document %s\n' "$RANDOM" >doc.txt
printf 'no extension %s\n' "$RANDOM" >plain
cp plain "same as plain"                        # one object for two files
: >empty
printf 'going bad %s\n' "$RANDOM" >corrupt.txt
printf 'one more %s\n' "$RANDOM" >more.dat
printf 'worm %s\n' "$RANDOM" >worm.dat
git annex add -q --backend=WORM worm.dat
git annex add -q .
git commit -q -m files
cp doc.txt "$TEST_TMP/doc.orig"
for f in big.bin doc.txt plain "same as plain" empty corrupt.txt more.dat worm.dat; do
    [ -L "$f" ] || fail "$f was not annexed (not a symlink)"
done
key() { git annex lookupkey "$1"; }
[[ "$(key worm.dat)" == WORM-* ]] || fail "worm.dat has key $(key worm.dat), not a WORM key"
[[ "$(key doc.txt)" == SHA256E-*.txt ]] || fail "doc.txt has key $(key doc.txt), not SHA256E with .txt"
[[ "$(key empty)" == *-s0--* ]] || fail "empty has key $(key empty)"
bad_key=$(key corrupt.txt)
good_keys=$(git annex find --include='*' --format='${key}\n' | grep -vxF "$bad_key" | LC_ALL=C sort -u)
n_good=$(wc -l <<<"$good_keys")
expect_eq "$n_good" 6 "good objects in repo a (big.bin, doc.txt, plain, empty, more.dat, worm.dat)"
for k in $good_keys "$bad_key"; do [ -f "$(source_path "$k")" ] || fail "no object file for $k in a"; done
# The good objects' bytes, kept aside to compare with (sources go away with move).
mkdir "$TEST_TMP/ref"
for k in $good_keys; do cp "$(source_path "$k")" "$TEST_TMP/ref/$k"; done

# Corrupt corrupt.txt's object: same size, different bytes (a content check must catch it).
bad_src=$(source_path "$bad_key")
chmod u+w "$(dirname "$bad_src")" "$bad_src"
tr 'a-z' 'A-Z' <corrupt.txt >"$TEST_TMP/corrupted"
cat "$TEST_TMP/corrupted" >"$bad_src"
chmod a-w "$bad_src" "$(dirname "$bad_src")"
cmp -s "$bad_src" "$TEST_TMP/corrupted" || fail "could not corrupt $bad_src"
[ "$(stat -c %s "$bad_src")" = "$(stat -c %s "$TEST_TMP/corrupted")" ] || fail "corrupted object changed size"

# check_stored DIR: every good object of repo a is in DIR's filestore at its hashdirlower path,
# identical to the object repo a had; the corrupt one is not; nothing else is.
check_stored() {
    local dir=$1 k p
    for k in $good_keys; do
        p=$(store_path "$dir" "$k")
        [ -f "$p" ] || fail "$k is not at $p: $(find "$dir/annex" -type f | head)"
        cmp -s "$p" "$TEST_TMP/ref/$k" || fail "$p differs from the object repo a had"
        [ "$p" = "$(object_path "$dir" "$k")" ] || fail "hashdirlower of $k: git annex says $p, md5 says $(object_path "$dir" "$k")"
    done
    [ -z "$(find "$dir/annex" -name "$bad_key" 2>/dev/null)" ] ||
        fail "the corrupt object $bad_key was imported into $dir: $(find "$dir/annex" -name "$bad_key")"
    expect_eq "$(store_keys "$dir")" "$good_keys" "objects in the filestore of $dir"
    expect_eq "$(leftover_temporaries "$dir")" "" "temporary files left in $dir/.git-annex-dolt/tmp"
}
# check_warning ERRFILE: the corrupt object is named in one warning on stderr, nothing else is.
check_warning() {
    grep -q "warning: .*not imported, left in place" "$1" || fail "no 'not imported, left in place' warning: $(cat "$1")"
    grep "warning: .*not imported, left in place" "$1" | grep -qF "$bad_key" || fail "the warning does not name $bad_key: $(cat "$1")"
    expect_eq "$(grep -c 'not imported' "$1")" 1 "warnings about objects not imported ($(cat "$1"))"
}
# check_sources_kept: every object of repo a (the corrupt one too, still corrupt) is in place.
check_sources_kept() {
    local k
    for k in $good_keys; do [ -f "$(source_path "$k")" ] || fail "copy/hardlink removed the source of $k"; done
    cmp -s "$bad_src" "$TEST_TMP/corrupted" || fail "the corrupt object $bad_src is gone or changed"
}

# ---------------------------------------------------------------------------------------------
# 1. copy.
P1="$TEST_TMP/store1"
migrate_content "$TEST_TMP/c1.json" 1 --to "$P1" --content=copy
expect_counts "$TEST_TMP/c1.json" "$n_good" 0 1 0
check_warning "$TEST_TMP/c1.json.err"
check_stored "$P1"
check_sources_kept
u1=$(dolt_uuid "$P1")
[ -n "$u1" ] || fail "no uuid in $P1/repos/__local__.repo: $(cat "$P1/repos/__local__.repo")"
for k in $good_keys; do
    w=$(whereis_uuids "$k")
    grep -qx "$u1" <<<"$w" || fail "whereis --key $k does not list the dolt-annex repository $u1: $w"
    grep -qx "$a_uuid here" <<<"$w" || fail "whereis --key $k after copy does not list repo a (here): $w"
done
w=$(whereis_uuids "$bad_key")
! grep -q "$u1" <<<"$w" || fail "whereis --key $bad_key (corrupt, not imported) lists $u1: $w"
grep -qx "$a_uuid here" <<<"$w" || fail "whereis --key $bad_key does not list repo a: $w"
# The location table itself (no server may hold it by now; table_keys copes either way).
expect_eq "$(table_keys "$P1" "$u1" 1)" "$good_keys" "keys recorded present in $u1 in the location table of $P1"

# 2. copy again: all there already (recorded again), the corrupt one fails again.
migrate_content "$TEST_TMP/c2.json" 1 --to "$P1" --content=copy
expect_counts "$TEST_TMP/c2.json" 0 "$n_good" 1 0
check_warning "$TEST_TMP/c2.json.err"
check_stored "$P1"
check_sources_kept

# 3. hardlink into a fresh repository: the same inodes.
P2="$TEST_TMP/store2"
migrate_content "$TEST_TMP/h.json" 1 --to "$P2" --content=hardlink
expect_counts "$TEST_TMP/h.json" "$n_good" 0 1 0
check_warning "$TEST_TMP/h.json.err"
check_stored "$P2"
check_sources_kept
for k in $good_keys; do
    expect_eq "$(stat -c %i "$(store_path "$P2" "$k")")" "$(stat -c %i "$(source_path "$k")")" "inode of $k in $P2 (hardlink)"
done
u2=$(dolt_uuid "$P2")
for k in $good_keys; do
    grep -qx "$u2" <<<"$(whereis_uuids "$k")" || fail "whereis --key $k does not list $u2 after hardlink"
done
! grep -q "$u2" <<<"$(whereis_uuids "$bad_key")" || fail "whereis --key $bad_key lists $u2 after hardlink"

# ---------------------------------------------------------------------------------------------
# 4. move, in a clone b that got the good content from a; one of b's objects then corrupted.
git clone -q "$TEST_TMP/a" "$TEST_TMP/b"
cd "$TEST_TMP/b"
git annex init -q "repo b"
b_uuid=$(git config annex.uuid)
git annex get -q big.bin doc.txt plain empty more.dat worm.dat >/dev/null 2>&1 || fail "git annex get in b"
for k in $good_keys; do [ -f "$(source_path "$k")" ] || fail "b did not get $k"; done
[ ! -e "$(source_path "$bad_key")" ] || fail "b has the corrupt object of a"
bad_b_key=$(key more.dat)
bad_b_src=$(source_path "$bad_b_key")
chmod u+w "$(dirname "$bad_b_src")" "$bad_b_src"
tr 'a-z' 'A-Z' <"$TEST_TMP/a/more.dat" >"$TEST_TMP/corrupted-b"
cat "$TEST_TMP/corrupted-b" >"$bad_b_src"
chmod a-w "$bad_b_src" "$(dirname "$bad_b_src")"
moved_keys=$(grep -vxF "$bad_b_key" <<<"$good_keys")
n_moved=$(wc -l <<<"$moved_keys")
declare -A inode
for k in $moved_keys; do inode[$k]=$(stat -c %i "$(source_path "$k")"); done

P3="$TEST_TMP/store3"
migrate_content "$TEST_TMP/m.json" 1 --to "$P3" --content=move
expect_counts "$TEST_TMP/m.json" "$n_moved" 0 1 "$n_moved"
grep "not imported, left in place" "$TEST_TMP/m.json.err" | grep -qF "$bad_b_key" ||
    fail "move: no warning naming $bad_b_key: $(cat "$TEST_TMP/m.json.err")"
u3=$(dolt_uuid "$P3")
for k in $moved_keys; do
    p=$(store_path "$P3" "$k")
    [ -f "$p" ] || fail "move: $k is not at $p"
    cmp -s "$p" "$TEST_TMP/ref/$k" || fail "move: $p differs from the object repo a had"
    expect_eq "$(stat -c %i "$p")" "${inode[$k]}" "inode of $k moved into $P3 (same filesystem: a rename by link)"
    [ ! -e "$(source_path "$k")" ] || fail "move: the source of $k is still in b: $(source_path "$k")"
    [ -z "$(find .git/annex/objects -name "$k")" ] || fail "move left $(find .git/annex/objects -name "$k")"
    w=$(whereis_uuids "$k")
    grep -qx "$u3" <<<"$w" || fail "whereis --key $k after move does not list the dolt-annex repository $u3: $w"
    ! grep -q "^$b_uuid" <<<"$w" || fail "whereis --key $k after move still lists b ($b_uuid) as holding it: $w"
    ! grep -q " here$" <<<"$w" || fail "whereis --key $k after move has a \"here\": true entry: $w"
    grep -qx "$a_uuid" <<<"$w" || fail "whereis --key $k after move lost repo a: $w"
done
[ -z "$(find "$P3/annex" -name "$bad_b_key")" ] || fail "move imported the corrupt $bad_b_key"
cmp -s "$bad_b_src" "$TEST_TMP/corrupted-b" || fail "move removed or changed the corrupt object $bad_b_src"
w=$(whereis_uuids "$bad_b_key")
grep -qx "$b_uuid here" <<<"$w" || fail "whereis --key $bad_b_key (corrupt, kept) no longer lists b here: $w"
! grep -q "$u3" <<<"$w" || fail "whereis --key $bad_b_key (corrupt) lists $u3: $w"
expect_eq "$(table_keys "$P3" "$u3" 1)" "$moved_keys" "keys recorded present in $u3"
expect_eq "$(leftover_temporaries "$P3")" "" "temporary files left in $P3/.git-annex-dolt/tmp"

# 4b. move from a into store1, whose copy of doc.txt was damaged meanwhile (same size): that copy
# must not count as already stored, or a's good source would be deleted and only the damaged
# copy kept. It is replaced from the source; the rest is already there; a's sources go.
cd "$TEST_TMP/a"
doc_key=$(key doc.txt)
doc_store=$(store_path "$P1" "$doc_key")
chmod u+w "$doc_store"
tr 'a-z' 'A-Z' <"$TEST_TMP/doc.orig" >"$doc_store"
! cmp -s "$doc_store" "$TEST_TMP/doc.orig" || fail "could not damage $doc_store"
migrate_content "$TEST_TMP/m1.json" 1 --to "$P1" --content=move
expect_counts "$TEST_TMP/m1.json" 1 "$((n_good - 1))" 1 "$n_good"
cmp -s "$doc_store" "$TEST_TMP/doc.orig" ||
    fail "move into $P1 kept the damaged copy of $doc_key (and deleted the good source: $(ls "$(source_path "$doc_key")" 2>&1))"
for k in $good_keys; do
    [ ! -e "$(source_path "$k")" ] || fail "move into $P1: the source of $k is still in a"
    grep -qx "$u1" <<<"$(whereis_uuids "$k")" || fail "whereis --key $k after move into $P1 does not list $u1"
done
cmp -s "$bad_src" "$TEST_TMP/corrupted" || fail "move into $P1 removed or changed the corrupt object $bad_src"
# store2 holds hard links of a's objects: still intact after a's names are gone.
check_stored "$P2"

# ---------------------------------------------------------------------------------------------
# 5. Bad input.
for bogus in --content=bogus "--content bogus" --content=; do
    rc=0
    # shellcheck disable=SC2086
    git-annex-dolt migrate --to "$TEST_TMP/never" $bogus >"$TEST_TMP/bogus.out" 2>"$TEST_TMP/bogus.err" || rc=$?
    expect_eq "$rc" 2 "exit status of migrate $bogus ($(cat "$TEST_TMP/bogus.err"))"
    errors=$(grep -v -e '^usage:' -e '^ ' "$TEST_TMP/bogus.err" || true)
    expect_eq "$(wc -l <<<"$errors")" 1 "error lines of migrate $bogus (besides the usage text): $(cat "$TEST_TMP/bogus.err")"
    grep -qF "copy, hardlink or move" <<<"$errors" || fail "migrate $bogus: error does not mention 'copy, hardlink or move': $errors"
    [ ! -s "$TEST_TMP/bogus.out" ] || fail "migrate $bogus printed: $(cat "$TEST_TMP/bogus.out")"
    [ ! -e "$TEST_TMP/never" ] || fail "migrate $bogus created $TEST_TMP/never"
done
remembered=$(git config git-annex-dolt.repository || true)
rc=0
git-annex-dolt migrate --database "mysql://root@localhost/annex?socket=$TEST_TMP/no.sock" --content=copy \
    >"$TEST_TMP/db.out" 2>"$TEST_TMP/db.err" || rc=$?
[ "$rc" -ne 0 ] || fail "migrate --database URL --content=copy (no --to) succeeded: $(cat "$TEST_TMP/db.out")"
expect_eq "$(wc -l <"$TEST_TMP/db.err")" 1 "lines on stderr of migrate --database --content ($(cat "$TEST_TMP/db.err"))"
grep -qF -- "--to" "$TEST_TMP/db.err" || fail "migrate --database --content: error does not mention --to: $(cat "$TEST_TMP/db.err")"
expect_eq "$(git config git-annex-dolt.repository || true)" "$remembered" "remembered repository after the refused migrate"
expect_eq "$(git config git-annex-dolt.database || true)" "" "remembered database after the refused migrate"

summary "$(git annex version --raw): migrate --content copy (again), hardlink, move; corrupt objects kept"
