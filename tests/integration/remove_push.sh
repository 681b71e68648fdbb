#!/usr/bin/env bash
# removepush=yes (issue 17 item 5): a drop is final only once its absence is committed and pushed
# to the store's Dolt remote. With the remote unreachable (its directory replaced by a file),
# `git annex drop --from R` fails naming the remote, the object stays, and the location table
# says present again; with the remote back, the drop works and the origin holds the absence. A
# drop -J4 of several files then reaches the origin too (one commit and push per group of removals).
#
# usage: remove_push.sh debian|newest
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
use_git_annex "${1:?usage: remove_push.sh debian|newest}"
need_dolt
origin="$TEST_TMP/origin"
url="file://$origin"
store="$TEST_TMP/store"

# origin_status KEY UUID: the status of KEY in UUID in the origin's location table.
origin_status() {
    rm -rf "$TEST_TMP/origin-check"
    dolt clone "$url" "$TEST_TMP/origin-check" >/dev/null 2>&1 || fail "cannot clone the origin"
    (cd "$TEST_TMP/origin-check" && dolt sql -r csv -q "SELECT status FROM gad_locations WHERE annex_key = '$1' AND uuid = '$2'") | tail -n +2
}
status() { sql_dolt_repo "$store" "SELECT status FROM gad_locations WHERE annex_key = '$1' AND uuid = '$2'"; }

new_repo "$TEST_TMP/a"
cd "$TEST_TMP/a"
for i in $(seq 1 6); do printf 'content %s %s\n' "$i" "$RANDOM" >"f$i.txt"; done
git annex add -q . && git commit -q -m files
for i in $(seq 1 6); do declare "k$i=$(git annex lookupkey "f$i.txt")"; done
git annex initremote -q r type=external externaltype=dolt encryption=none "directory=$store" \
    "doltremote=$url" removepush=yes >/dev/null 2>"$TEST_TMP/init.err" || fail "initremote: $(cat "$TEST_TMP/init.err")"
r=$(git config remote.r.annex-uuid)
git annex copy -q --to r . >/dev/null

# The remote unreachable: the drop fails, the object and its row stay.
mv "$origin" "$origin.away"
printf 'not a Dolt remote\n' >"$origin"
if git annex drop --from r f1.txt >"$TEST_TMP/drop1.out" 2>&1; then
    fail "drop --from r succeeded with the Dolt remote unreachable: $(cat "$TEST_TMP/drop1.out")"
fi
grep -q "Dolt remote origin ($url)" "$TEST_TMP/drop1.out" || fail "the failure does not name the remote: $(cat "$TEST_TMP/drop1.out")"
echo "drop with the remote unreachable: $(grep -m1 "Dolt remote origin" "$TEST_TMP/drop1.out")"
[ -f "$(object_path "$store" "$k1")" ] || fail "the object went although its removal was not pushed"
git annex whereis f1.txt | grep -q "$r" || fail "git-annex thinks f1 left r"
wait_remote_exit "$TEST_TMP/a"
expect_eq "$(status "$k1" "$r")" 1 "f1's row in r after the failed drop"

# The remote back: the drop works, and the origin has the absence.
rm "$origin"
mv "$origin.away" "$origin"
git annex drop -q --from r f1.txt >/dev/null 2>"$TEST_TMP/drop2.err" || fail "drop --from r with the remote back: $(cat "$TEST_TMP/drop2.err")"
[ ! -e "$(object_path "$store" "$k1")" ] || fail "the object stayed after a drop that worked"
expect_eq "$(origin_status "$k1" "$r")" 0 "f1 in r, at the origin"

# drop -J4: every removal reaches the origin (the Dolt commits it took are printed: removals
# that arrive together share one commit and one push).
before=$(cd "$TEST_TMP/origin-check" && dolt log --oneline | wc -l)
git annex drop -q -J4 --from r f2.txt f3.txt f4.txt f5.txt f6.txt >/dev/null 2>"$TEST_TMP/drop3.err" || fail "drop -J4: $(cat "$TEST_TMP/drop3.err")"
for k in "$k2" "$k3" "$k4" "$k5" "$k6"; do
    expect_eq "$(origin_status "$k" "$r")" 0 "$k in r, at the origin, after drop -J4"
done
after=$(cd "$TEST_TMP/origin-check" && dolt log --oneline | wc -l)
echo "drop -J4 of 5 files: $((after - before)) Dolt commits pushed"
summary "removals reach $url before the objects go"
