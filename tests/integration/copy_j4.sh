#!/usr/bin/env bash
# Parallel copy (-J4, ASYNC protocol) to the remote, get back, fsck at -J1 (no ASYNC), drop half
# from it; then the filestore, the Dolt location table and git-annex's location log must agree
# exactly, and the Dolt history must be batched and clean.
# Usage: copy_j4.sh debian|newest
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
flavour=$1
use_git_annex "$flavour"
need_dolt

store=$TEST_TMP/store
new_repo "$TEST_TMP/repo"
cd "$TEST_TMP/repo"

# 40 files: 5 empty ones (different extensions, hence different keys), 6 of 1-3 MiB, 29 small;
# names with spaces, some in a subdirectory.
mkdir -p "sub dir"
for ext in txt dat bin "" md; do : >"empty file${ext:+.$ext}"; done
for i in 1 2 3 4 5 6; do head -c $(( (i % 3 + 1) * 1024 * 1024 + i * 17 )) /dev/urandom >"big $i.bin"; done
for i in $(seq 1 29); do
    head -c $((i * 301)) /dev/urandom >"sub dir/small file $i.dat"
done
git annex add -q .
git commit -q -m files
nfiles=$(git annex find --format '${file}\n' | wc -l)
expect_eq "$nfiles" 40 "annexed files"
git annex find --format '${file}\n' | LC_ALL=C sort | tr '\n' '\0' | xargs -0 sha256sum >"$TEST_TMP/before.sha256"
nkeys=$(git annex find --format '${key}\n' | sort -u | wc -l)
expect_eq "$nkeys" 40 "distinct keys"

git annex initremote dr type=external externaltype=dolt encryption=none serveridle=2 \
    "directory=$store" >/dev/null
uuid=$(git config remote.dr.annex-uuid)
[ -n "$uuid" ] || fail "no annex-uuid for dr"

# Copy with 4 jobs; the remote must have agreed to ASYNC and git-annex must have used >1 job.
git annex --debug copy --to dr -J4 . >"$TEST_TMP/copy.out" 2>"$TEST_TMP/copy.debug" ||
    { tail -n 30 "$TEST_TMP/copy.debug"; fail "git annex copy --to dr -J4 failed"; }
grep -Eq -- '--> EXTENSIONS( [A-Z]+)* ASYNC' "$TEST_TMP/copy.debug" ||
    fail "the remote did not answer EXTENSIONS with ASYNC: $(grep -m1 -- '--> EXTENSIONS' "$TEST_TMP/copy.debug" || echo none)"
grep -q -- '<-- J 2 TRANSFER STORE' "$TEST_TMP/copy.debug" || fail "git-annex never used job 2 for a TRANSFER STORE"
jobs_used=$(grep -oE -- '<-- J [0-9]+ TRANSFER STORE' "$TEST_TMP/copy.debug" | awk '{print $3}' | sort -u | wc -l)
[ "$jobs_used" -ge 2 ] || fail "only $jobs_used job number(s) used for stores"
stores=$(grep -cE -- '--> J [0-9]+ TRANSFER-SUCCESS STORE' "$TEST_TMP/copy.debug" || true)
expect_eq "$stores" 40 "TRANSFER-SUCCESS STORE replies"
expect_eq "$(annex_keys_in dr | wc -l)" 40 "keys git-annex records in dr after copy"

# Drop everything locally, get it back with 4 jobs, compare.
git annex drop -q . || fail "git annex drop"
[ -z "$(git annex find --format '${key}\n')" ] || fail "content still present locally after drop"
git annex get -q -J4 . || fail "git annex get -J4 from dr"
git annex find --format '${file}\n' | LC_ALL=C sort | tr '\n' '\0' | xargs -0 sha256sum >"$TEST_TMP/after.sha256"
cmp -s "$TEST_TMP/before.sha256" "$TEST_TMP/after.sha256" ||
    { diff "$TEST_TMP/before.sha256" "$TEST_TMP/after.sha256" | head; fail "content differs after get"; }

# At one job the remote declines ASYNC (it costs git-annex per message and buys nothing there):
# the same remote then talks without job numbers, and git-annex still finds every object.
git annex --debug fsck --fast --from dr -J1 . >"$TEST_TMP/fsck.out" 2>"$TEST_TMP/fsck.debug" ||
    { tail -n 30 "$TEST_TMP/fsck.debug"; fail "git annex fsck --from dr -J1 failed"; }
extensions=$(grep -m1 -o -- '--> EXTENSIONS.*' "$TEST_TMP/fsck.debug" || echo none)
case "$extensions" in
    *ASYNC*|none) fail "at -J1 the remote answered EXTENSIONS with: $extensions" ;;
esac
! grep -q -- '<-- J [0-9]' "$TEST_TMP/fsck.debug" || fail "git-annex sent job numbers at -J1"
expect_eq "$(grep -c -- '--> CHECKPRESENT-SUCCESS' "$TEST_TMP/fsck.debug")" 40 "CHECKPRESENT-SUCCESS at -J1"

# Drop half from the remote: the big files, the empty ones, and every other small file.
git annex find --format '${file}\n' | LC_ALL=C sort | awk 'NR % 2 == 0' >"$TEST_TMP/drop.list"
expect_eq "$(wc -l <"$TEST_TMP/drop.list")" 20 "files to drop"
tr '\n' '\0' <"$TEST_TMP/drop.list" | xargs -0 git annex drop -q --from dr -J4 ||
    fail "git annex drop --from dr"
tr '\n' '\0' <"$TEST_TMP/drop.list" | xargs -0 git annex find --format '${key}\n' |
    LC_ALL=C sort -u >"$TEST_TMP/dropped.keys"
annex_keys_in dr >"$TEST_TMP/in_dr.keys"
expect_eq "$(wc -l <"$TEST_TMP/in_dr.keys")" 20 "keys git-annex records in dr after drop"
[ -z "$(comm -12 "$TEST_TMP/in_dr.keys" "$TEST_TMP/dropped.keys")" ] || fail "a dropped key is still in dr"

# The filestore holds exactly the keys git-annex says are in dr, each at its hash directory.
store_keys "$store" >"$TEST_TMP/store.keys"
diff "$TEST_TMP/in_dr.keys" "$TEST_TMP/store.keys" >&2 || fail "filestore objects differ from git annex find --in dr"
while IFS= read -r key; do
    [ -f "$(object_path "$store" "$key")" ] || fail "no object at $(object_path "$store" "$key")"
done <"$TEST_TMP/in_dr.keys"
[ -z "$(leftover_temporaries "$store")" ] || fail "temporaries left: $(leftover_temporaries "$store")"

wait_remote_exit "$TEST_TMP/repo"
# The remote has exited: the Dolt location table says '1' for exactly those, '0' for the dropped.
table_keys "$store" "$uuid" 1 >"$TEST_TMP/table1.keys"
table_keys "$store" "$uuid" 0 >"$TEST_TMP/table0.keys"
diff "$TEST_TMP/in_dr.keys" "$TEST_TMP/table1.keys" >&2 || fail "status '1' rows differ from git annex find --in dr"
diff "$TEST_TMP/dropped.keys" "$TEST_TMP/table0.keys" >&2 || fail "status '0' rows differ from the dropped keys"
others=$(sql_dolt_repo "$store" "SELECT COUNT(*) FROM gad_locations WHERE uuid<>'$uuid' OR status NOT IN ('0','1')")
expect_eq "$others" 0 "rows of other uuids or statuses"
described=$(sql_dolt_repo "$store" "SELECT COUNT(*) FROM gad_repositories WHERE uuid='$uuid'")
expect_eq "$described" 1 "repositories row for dr"

# Dolt history: batched commits naming the remote, counting stores and removals; nothing pending.
dolt_messages "$store" >"$TEST_TMP/dolt.log"
grep -q "^git-annex-remote-dolt $uuid: .*stored [0-9]" "$TEST_TMP/dolt.log" || { cat "$TEST_TMP/dolt.log"; fail "no Dolt commit of stores"; }
grep -q "^git-annex-remote-dolt $uuid: .*removed [0-9]" "$TEST_TMP/dolt.log" || { cat "$TEST_TMP/dolt.log"; fail "no Dolt commit of removals"; }
stored_total=$(grep -o "^git-annex-remote-dolt $uuid: .*" "$TEST_TMP/dolt.log" | grep -oE 'stored [0-9]+' | awk '{s += $2} END {print s + 0}')
removed_total=$(grep -o "^git-annex-remote-dolt $uuid: .*" "$TEST_TMP/dolt.log" | grep -oE 'removed [0-9]+' | awk '{s += $2} END {print s + 0}')
expect_eq "$stored_total" 40 "stores counted in Dolt commit messages"
expect_eq "$removed_total" 20 "removals counted in Dolt commit messages"
commits=$(grep -c "^git-annex-remote-dolt $uuid:" "$TEST_TMP/dolt.log" || true)
[ "$commits" -lt 40 ] || fail "$commits Dolt commits for 40 files: not batched"
status=$(cd "$store/dolt" && dolt status)
grep -q 'nothing to commit, working tree clean' <<<"$status" || fail "dolt status not clean: $status"

summary "$flavour git-annex: 40 files copied -J4 (ASYNC, $jobs_used jobs), got back, 20 dropped; filestore, table and git-annex agree; $commits Dolt commit(s)"
