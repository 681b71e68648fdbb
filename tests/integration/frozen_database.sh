#!/usr/bin/env bash
# A frozen database (SIGSTOP: a hung server, or a network partition) never hangs git-annex:
#  1. database= frozen before a one-file copy (dbtimeout=5): the copy fails within 60 s naming the
#     database; after SIGCONT the same copy works;
#  2. frozen after PREPARE (fake git-annex): a REMOVE fails naming the database, the object stays,
#     and the remote exits soon after its stdin closes although a store's record is pending;
#  3. the remote's own dolt sql-server frozen, default dbtimeout (30 s): the copy fails within 60 s
#     naming the Dolt database; after SIGCONT the next copy works.
# Usage: frozen_database.sh debian|newest
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
flavour=$1
use_git_annex "$flavour"
need_dolt
command -v mariadb >/dev/null || { echo "SKIPPED: the mariadb client is not installed"; exit 77; }

socket=$(start_dolt locsrv locations)
target=$(cd "$TEST_TMP/locsrv/locations" && pwd -P)
server=
for pid in $(pgrep -x dolt || true); do
    [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$target" ] && server=$pid
done
[ -n "$server" ] || fail "no dolt sql-server for $target"
frozen=()
# Whatever happens, no server stays stopped (cleanup could not stop it).
thaw_all_then_cleanup() {
    local status=$? p
    for p in "${frozen[@]}"; do kill -CONT "$p" 2>/dev/null || true; done
    set +e
    (exit "$status")
    cleanup
}
trap thaw_all_then_cleanup EXIT
freeze() { frozen+=("$1"); kill -STOP "$1"; }
thaw() { kill -CONT "$1"; }
url="mysql://root@localhost/locations?socket=$socket"

store=$TEST_TMP/store
new_repo "$TEST_TMP/repo"
cd "$TEST_TMP/repo"
for f in a b c d; do head -c 5000 /dev/urandom >"$f.dat"; done
git annex add -q . && git commit -q -m files
git annex initremote R type=external externaltype=dolt encryption=none "directory=$store" \
    "database=$url" dbtimeout=5 >/dev/null
uuid=$(git config remote.R.annex-uuid)
git annex copy -q --to R c.dat || fail "git annex copy --to R c.dat"
wait_remote_exit "$TEST_TMP/repo"
key() { git annex find --format '${key}' "$1"; }

# ---- 1. Frozen before a one-file copy --------------------------------------------------------
freeze "$server"
start=$SECONDS
timeout 120 git annex copy --to R a.dat >"$TEST_TMP/copy1.out" 2>&1 && fail "the copy to a frozen database succeeded"
took=$((SECONDS - start))
[ "$took" -lt 60 ] || fail "the copy to a frozen database took $took s"
grep -q "locations" "$TEST_TMP/copy1.out" || { cat "$TEST_TMP/copy1.out"; fail "the failure does not name the database"; }
echo "1. copy with database= frozen failed after $took s: $(grep -m1 locations "$TEST_TMP/copy1.out")"
thaw "$server"
git annex copy -q --to R a.dat || fail "git annex copy --to R after SIGCONT"
expect_eq "$(annex_keys_in R)" "$(printf '%s\n' "$(key a.dat)" "$(key c.dat)" | LC_ALL=C sort)" "keys in R after the thaw"
wait_remote_exit "$TEST_TMP/repo"

# ---- 2. Frozen after PREPARE -------------------------------------------------------------------
kc=$(key c.dat) kd=$(key d.dat)
fake_annex --log "$TEST_TMP/fake.log" --uuid "$uuid" --config "directory=$store" \
    --config "database=$url" --config dbtimeout=5 --timeout 90 \
    PREPARE "@wait $TEST_TMP/go" "TRANSFER STORE $kd $PWD/d.dat" "REMOVE $kc" \
    >"$TEST_TMP/fake.out" 2>"$TEST_TMP/fake.err" &
driver=$!
prepared() { grep -q PREPARE-SUCCESS "$TEST_TMP/fake.log" 2>/dev/null; }
wait_until 30 prepared || fail "no PREPARE-SUCCESS: $(cat "$TEST_TMP/fake.log")"
freeze "$server"
start=$SECONDS
touch "$TEST_TMP/go"
wait "$driver" || fail "the remote exited with $? ($(cat "$TEST_TMP/fake.out" "$TEST_TMP/fake.err"))"
took=$((SECONDS - start))
[ "$took" -lt 30 ] || fail "the session with a frozen database took $took s"
out=$(cat "$TEST_TMP/fake.out")
expect_eq "$(sed -n 2p <<<"$out")" "TRANSFER-SUCCESS STORE $kd" "reply to the store (recorded later)"
grep -q "^REMOVE-FAILURE $kc .*locations" <<<"$out" || fail "reply to the REMOVE: $(sed -n 3p <<<"$out")"
[ -f "$(object_path "$store" "$kc")" ] || fail "the object of the failed REMOVE is gone"
grep -q "locations" "$TEST_TMP/fake.err" || fail "the lost record of the store was not reported: $(cat "$TEST_TMP/fake.err")"
echo "2. REMOVE and the exit with the database frozen after PREPARE took $took s: $(sed -n 3p <<<"$out" | cut -c1-200)"
thaw "$server"
# The store the frozen database missed is repaired by the next check.
git annex fsck -q --fast --from R d.dat c.dat >/dev/null 2>&1 || true  # d.dat: git-annex learns it is there
wait_remote_exit "$TEST_TMP/repo"
expect_eq "$(sql "$socket" locations "SELECT status FROM gad_locations WHERE uuid='$uuid' AND annex_key='$kd'")" 1 "row of the store after fsck"
expect_eq "$(sql "$socket" locations "SELECT status FROM gad_locations WHERE uuid='$uuid' AND annex_key='$kc'")" 1 "row of the failed REMOVE"

# ---- 3. The remote's own dolt sql-server frozen, default dbtimeout ------------------------------
own=$TEST_TMP/own
git annex initremote O type=external externaltype=dolt encryption=none "directory=$own" serveridle=600 >/dev/null
git annex copy -q --to O c.dat || fail "git annex copy --to O"
wait_remote_exit "$TEST_TMP/repo"
own_server=$(server_dolt_pids "$own")
[ -n "$own_server" ] || fail "no dolt sql-server runs for $own"
freeze "$own_server"
start=$SECONDS
timeout 120 git annex copy --to O a.dat >"$TEST_TMP/copy3.out" 2>&1 && fail "the copy to a frozen own server succeeded"
took=$((SECONDS - start))
[ "$took" -lt 60 ] || fail "the copy with the own server frozen took $took s"
grep -q "Dolt" "$TEST_TMP/copy3.out" || { cat "$TEST_TMP/copy3.out"; fail "the failure does not name the Dolt database"; }
echo "3. copy with the own dolt sql-server frozen (default dbtimeout) failed after $took s: $(grep -m1 Dolt "$TEST_TMP/copy3.out")"
thaw "$own_server"
git annex copy -q --to O a.dat || fail "git annex copy --to O after SIGCONT"
expect_eq "$(annex_keys_in O)" "$(printf '%s\n' "$(key a.dat)" "$(key c.dat)" | LC_ALL=C sort)" "keys in O after the thaw"

summary "$flavour git-annex: frozen database= (dbtimeout=5) and own dolt sql-server (default): each request failed in time naming the database, the remote exited, and the next command worked"
