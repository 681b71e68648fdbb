#!/usr/bin/env bash
# Distributed key migration served by git-annex-remote-dolt (issue 18 items 1-3), on the newest
# git-annex (only it records migrations for `git annex migrate --update`):
#
#  1. Clone a stores four files in the dolt remote R, then migrates two of them to SHA512E and
#     syncs; clone b runs `git annex migrate --update`. `git-annex-dolt migrate` in a reads the
#     migration records from the git-annex branch's history (they are gone from its tip).
#  2. `git-annex-dolt sync` in a records the new keys present in R, dated by the migration;
#     after `git annex sync`, a fresh clone c, with every other copy of the migrated files
#     dropped, gets them `--from R` and `git annex fsck --from R` passes, while R's filestore
#     receives no new object (no re-upload), and checkpresentkey answers for the new keys.
#  3. Dropping the new key of one file from R leaves its old object (other clones count on it);
#     dropping the old key of the other also takes the new key it stood in for: both recorded
#     missing in R's table, and checkpresentkey says so.
#
# usage: migrated_keys.sh newest
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
source "$(dirname "$0")/migrate_helpers.sh"
use_git_annex "${1:?usage: migrated_keys.sh newest}"
need_dolt
command -v git-annex-dolt >/dev/null || fail "git-annex-dolt is not built in $GAD_BUILD_DIR"
store="$TEST_TMP/store"

# dolt_cli NAME ARGS...: git-annex-dolt ARGS --json, its one line of output in $TEST_TMP/NAME.json.
dolt_cli() {
    local name=$1 rc=0
    shift
    git-annex-dolt "$@" --json >"$TEST_TMP/$name.json" 2>"$TEST_TMP/$name.err" || rc=$?
    [ "$rc" -eq 0 ] || fail "git-annex-dolt $* ($name) in $PWD exited $rc: $(head -c 2000 "$TEST_TMP/$name.err")"
    echo "git-annex-dolt $*: $(cat "$TEST_TMP/$name.json")"
}
store_objects() { find "$store/annex" -type f | LC_ALL=C sort; }
present_in_r() { git annex checkpresentkey "$1" "$r_uuid" >/dev/null 2>&1; }

# ---------------------------------------------------------------------------------------------
# 1. a stores four files in R; b is a clone; a migrates f1 and f2.
new_repo "$TEST_TMP/a" "repo a"
cd "$TEST_TMP/a"
for i in 1 2 3 4; do printf 'content %s %s %s\n' "$i" "$RANDOM" "$RANDOM" >"f$i.txt"; done
git annex add -q . && git commit -q -m files
git annex initremote -q R type=external externaltype=dolt encryption=none "directory=$store" serveridle=3 >/dev/null
r_uuid=$(git config remote.R.annex-uuid)
git annex copy -q --to R . || fail "copy --to R"
declare -A old_key new_key
for f in f1.txt f2.txt; do old_key[$f]=$(git annex lookupkey "$f"); done
git clone -q "$TEST_TMP/a" "$TEST_TMP/b"
(cd "$TEST_TMP/b" && git annex init -q "repo b" && git annex get -q f1.txt f2.txt) || fail "clone b"
git remote add b "$TEST_TMP/b"
git annex sync -q >/dev/null 2>&1 || fail "git annex sync in a"

git annex migrate -q --backend=SHA512E f1.txt f2.txt || fail "git annex migrate in a"
git commit -q -m migrated
for f in f1.txt f2.txt; do
    new_key[$f]=$(git annex lookupkey "$f")
    [[ "${new_key[$f]}" == SHA512E-* ]] || fail "$f did not migrate: ${new_key[$f]}"
done
git annex sync -q >/dev/null 2>&1 || fail "git annex sync in a after migrate"
git ls-tree -r --name-only git-annex | grep -q '^migrate.tree/' &&
    fail "the migration records are still in the branch's tip: this test wants them in its history only"
(cd "$TEST_TMP/b" && git annex sync -q >/dev/null 2>&1 && git annex migrate --update -q) ||
    fail "git annex migrate --update in b"
(cd "$TEST_TMP/b" && git annex sync -q >/dev/null 2>&1) || fail "git annex sync in b"
git annex sync -q >/dev/null 2>&1 || fail "git annex sync in a after b"
objects_before=$(store_objects)

# 2. git-annex-dolt migrate reads both records; sync tells git-annex R has the new keys.
dolt_cli migrate migrate --to "$store"
expect_eq "$(jget "$TEST_TMP/migrate.json" "o['key_migrations']")" 2 "key migrations read"
expect_eq "$(jget "$TEST_TMP/migrate.json" "o['key_migrations_refused']")" 0 "key migrations refused"
rows=$(sql_dolt_repo "$store" "SELECT old_key, new_key FROM gad_key_migrations ORDER BY old_key" | LC_ALL=C sort)
expected=$(for f in f1.txt f2.txt; do printf '%s\t%s\n' "${old_key[$f]}" "${new_key[$f]}"; done | LC_ALL=C sort)
expect_eq "$rows" "$expected" "key_migrations rows"
dolt_cli migrate_again migrate
expect_eq "$(jget "$TEST_TMP/migrate_again.json" "o['key_migrations']")" 0 "key migrations read again (incremental)"
dolt_cli sync sync
expect_eq "$(jget "$TEST_TMP/sync.json" "o['migrated_keys_present']")" 2 "migrated keys recorded present"
git annex sync -q >/dev/null 2>&1 || fail "git annex sync in a after git-annex-dolt sync"
for f in f1.txt f2.txt; do
    # The location line carries the migration's time, not the sync's.
    line=$(git show "git-annex:$(git annex examinekey --format='${hashdirlower}' "${new_key[$f]}")${new_key[$f]}.log" | grep " $r_uuid\$") ||
        fail "no location line of R for ${new_key[$f]} in the git-annex branch"
    [[ "$line" == *" 1 $r_uuid" ]] || fail "R's line for ${new_key[$f]}: $line"
done
# git-annex-dolt whereis lists R's object of f1 where R's WHEREIS answer does: the old key's.
r_urls() {
    python3 -c 'import json, sys
for line in sys.stdin:
    if line.strip():
        for e in json.loads(line).get("whereis", []):
            if e["uuid"] == sys.argv[1]: print(" ".join(e.get("urls", [])))' "$r_uuid"
}
annex_urls=$(git annex whereis --json f1.txt 2>/dev/null | r_urls)
[[ "$annex_urls" == *"${old_key[f1.txt]}" ]] || fail "git annex whereis f1.txt: R's URL is not the old object's: $annex_urls"
expect_eq "$(git-annex-dolt whereis --json f1.txt 2>/dev/null | r_urls)" "$annex_urls" "git-annex-dolt whereis f1.txt: R's URL"
# Every copy but R's goes: a's and b's.
git annex drop -q --force f1.txt f2.txt || fail "drop in a"
(cd "$TEST_TMP/b" && git annex drop -q --force f1.txt f2.txt && git annex sync -q >/dev/null 2>&1) || fail "drop in b"
git annex sync -q >/dev/null 2>&1 || fail "git annex sync in a after drops"

git clone -q "$TEST_TMP/a" "$TEST_TMP/c"
cd "$TEST_TMP/c"
git annex init -q "repo c"
git annex enableremote R >/dev/null 2>&1 || fail "enableremote R in c: $(git annex enableremote R 2>&1 | tail -n 3)"
# git-annex 10.2026 uses a special remote in a new clone only once verifyremote says it is safe.
git annex verifyremote R >"$TEST_TMP/verify.out" 2>&1 || true
safe_id=$(sed -n 's/.*verifyremote R --safe \([^ ]*\).*/\1/p' "$TEST_TMP/verify.out" | head -n 1)
if [ -n "$safe_id" ]; then
    git annex verifyremote R --safe "$safe_id" >/dev/null 2>&1 || fail "verifyremote R --safe $safe_id"
fi
for f in f1.txt f2.txt; do
    present_in_r "${new_key[$f]}" ||
        fail "checkpresentkey ${new_key[$f]} R: not present: $(git annex checkpresentkey "${new_key[$f]}" R 2>&1 | tail -n 3)"
done
git annex get --from R f1.txt f2.txt >"$TEST_TMP/get.out" 2>&1 || fail "get --from R in c: $(tail -n 5 "$TEST_TMP/get.out")"
for f in f1.txt f2.txt; do
    [ -f "$f" ] && grep -q "^content" "$f" || fail "$f was not got in c"
done
git annex fsck --from R f1.txt f2.txt >"$TEST_TMP/fsck.out" 2>&1 || fail "fsck --from R in c: $(tail -n 5 "$TEST_TMP/fsck.out")"
expect_eq "$(store_objects)" "$objects_before" "R's objects (no re-upload)"
# WHEREIS answers with the old object's place.
git annex whereis f1.txt >"$TEST_TMP/whereis.out" 2>&1 || true
grep -qF "${old_key[f1.txt]}" "$TEST_TMP/whereis.out" || fail "whereis f1.txt names no old object: $(cat "$TEST_TMP/whereis.out")"

# 3. Dropping the new key of f1 from R keeps its old object; dropping the old key of f2 takes its
#    new key along.
git annex drop -q --force --from R f1.txt || fail "drop --from R f1.txt"
[ -f "$(object_path "$store" "${old_key[f1.txt]}")" ] || fail "dropping the new key removed the old object"
present_in_r "${new_key[f1.txt]}" && fail "${new_key[f1.txt]} still present in R after its drop"
present_in_r "${old_key[f1.txt]}" || fail "${old_key[f1.txt]} gone from R with the new key's drop"
git annex drop -q --force --from R --key "${old_key[f2.txt]}" || fail "drop --from R --key old f2"
[ -f "$(object_path "$store" "${old_key[f2.txt]}")" ] && fail "the old object of f2 is still there"
present_in_r "${new_key[f2.txt]}" && fail "${new_key[f2.txt]} still present in R without its old object"
wait_remote_exit "$TEST_TMP/c"
expect_eq "$(sql_dolt_repo "$store" "SELECT status FROM gad_locations WHERE annex_key='${new_key[f2.txt]}' AND uuid='$r_uuid'")" 0 \
    "R's row of the new key of f2 after its old key's drop"
expect_eq "$(sql_dolt_repo "$store" "SELECT status FROM gad_locations WHERE annex_key='${old_key[f1.txt]}' AND uuid='$r_uuid'")" 1 \
    "R's row of the old key of f1 after its new key's drop"
summary "ok"
