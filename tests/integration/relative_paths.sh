#!/usr/bin/env bash
# A relative directory= means what it meant where initremote was typed, in every later command:
# git-annex starts the remote in the directory each command runs in, so a relative path kept as
# given named another directory from a subdirectory (the store was then "not a dolt-annex
# repository", or a second one was made). initremote keeps it absolute in remote.log, as
# git-annex's own directory remote keeps an absolute directory.
#   1. initremote in a subdirectory with directory=../store: the store is made beside it.
#   2. copy, checkpresent (fsck --from) and get from other directories of the repository reach
#      that store; no other store is made.
#   3. remote.log keeps the absolute path.
# Usage: relative_paths.sh debian|newest
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
flavour=$1
use_git_annex "$flavour"
need_dolt

new_repo "$TEST_TMP/repo"
cd "$TEST_TMP/repo"
mkdir -p sub/deeper other
echo one >sub/one.txt && echo two >other/two.txt && echo three >sub/deeper/three.txt
git annex add -q sub other && git commit -q -m files

cd sub
git annex initremote dr type=external externaltype=dolt encryption=none serveridle=2 \
    directory=../store >"$TEST_TMP/init.out" 2>&1 || { cat "$TEST_TMP/init.out"; fail "initremote directory=../store in sub/"; }
store=$TEST_TMP/repo/store
[ -f "$store/repos/__local__.repo" ] || fail "initremote in sub/ with directory=../store made no store at $store"

expect_eq "$(git cat-file -p git-annex:remote.log | grep -o 'directory=[^ ]*')" "directory=$store" \
    "the directory= remote.log keeps"

# From the top, from sub/deeper and from other/: the same store.
cd "$TEST_TMP/repo"
git annex copy -q --to dr sub/one.txt || fail "copy --to dr from the top"
cd "$TEST_TMP/repo/sub/deeper"
git annex copy -q --to dr three.txt >"$TEST_TMP/copy-deeper.out" 2>&1 ||
    { cat "$TEST_TMP/copy-deeper.out"; fail "copy --to dr from sub/deeper"; }
cd "$TEST_TMP/repo/other"
git annex copy -q --to dr two.txt >"$TEST_TMP/copy-other.out" 2>&1 ||
    { cat "$TEST_TMP/copy-other.out"; fail "copy --to dr from other/"; }
git annex fsck -q --fast --from dr ../sub/one.txt ../sub/deeper/three.txt two.txt \
    >"$TEST_TMP/fsck.out" 2>&1 || { cat "$TEST_TMP/fsck.out"; fail "fsck --fast --from dr from other/"; }
git annex drop -q --force two.txt && git annex get -q --from dr two.txt || fail "get --from dr from other/"
expect_eq "$(cat two.txt)" two "the content got back"

expect_eq "$(store_keys "$store" | wc -l)" 3 "objects in $store"
for stray in "$TEST_TMP/store" "$TEST_TMP/repo/sub/store" "$TEST_TMP/repo/other/store" \
    "$TEST_TMP/repo/sub/deeper/store"; do
    [ ! -e "$stray" ] || fail "a stray store was made at $stray"
done
wait_remote_exit "$TEST_TMP/repo"
summary "$flavour git-annex: directory=../store given in sub/ is $store from every directory"
