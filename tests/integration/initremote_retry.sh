#!/usr/bin/env bash
# A git annex initremote that fails (database unreachable, or dolt not installed) must not keep
# its directory= from being used when initremote is retried with the problem fixed: git-annex
# picks a new UUID for every attempt.
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
use_git_annex debian
need_dolt

new_repo "$TEST_TMP/repo"
cd "$TEST_TMP/repo"
failures=()

# 1. database= where nothing listens, then retried without database=.
store=$TEST_TMP/store-db
if git annex initremote dr type=external externaltype=dolt encryption=none "directory=$store" \
    "database=mysql://root@localhost/locations?socket=$TEST_TMP/absent.sock" >"$TEST_TMP/first.out" 2>&1; then
    fail "initremote with an unreachable database succeeded"
fi
grep -q 'database=: cannot connect' "$TEST_TMP/first.out" || fail "first initremote: $(cat "$TEST_TMP/first.out")"
if ! git annex initremote dr type=external externaltype=dolt encryption=none serveridle=2 \
    "directory=$store" >"$TEST_TMP/retry.out" 2>&1; then
    failures+=("after a failed initremote with an unreachable database=, retrying with the same directory= fails: $(grep 'git-annex:' "$TEST_TMP/retry.out")")
fi

# 2. dolt not on PATH, then retried with dolt.
mkdir "$TEST_TMP/nodolt-bin"
ln -s "$GAD_BUILD_DIR/git-annex-remote-dolt" "$TEST_TMP/nodolt-bin/"
nodolt_path="$TEST_TMP/nodolt-bin:/usr/bin:/bin"
! PATH=$nodolt_path command -v dolt >/dev/null || fail "dolt is in /usr/bin or /bin: cannot hide it"
store=$TEST_TMP/store-nodolt
if PATH=$nodolt_path git annex initremote dr2 type=external externaltype=dolt encryption=none \
    "directory=$store" >"$TEST_TMP/first2.out" 2>&1; then
    fail "initremote without dolt on PATH succeeded"
fi
grep -q 'dolt is not installed' "$TEST_TMP/first2.out" || fail "first initremote without dolt: $(cat "$TEST_TMP/first2.out")"
if ! git annex initremote dr2 type=external externaltype=dolt encryption=none serveridle=2 \
    "directory=$store" >"$TEST_TMP/retry2.out" 2>&1; then
    failures+=("after a failed initremote without dolt on PATH, retrying with dolt and the same directory= fails: $(grep 'git-annex:' "$TEST_TMP/retry2.out")")
fi

if [ "${#failures[@]}" -gt 0 ]; then
    for failure in "${failures[@]}"; do echo "BUG: $failure" >&2; done
    fail "${#failures[@]} of 2 retried initremotes failed (known bug: a failed INITREMOTE leaves repos/__local__.repo claiming directory= for a UUID git-annex discarded)"
fi
# Both retried remotes work.
echo data >file && git annex add -q file && git commit -q -m file
git annex copy -q --to dr file && git annex copy -q --to dr2 file || fail "copy to the retried remotes"
summary "a failed initremote (unreachable database, missing dolt) can be retried with the same directory="
