#!/usr/bin/env bash
# remotesapi=PORT (issue 17 item 4): the store's shared Dolt server also serves Dolt's remotes
# API on 127.0.0.1:PORT, and on no other address, so that other Dolt clones can clone, fetch and
# push while git-annex uses the store.
#   1. While `git annex copy --batch -J4` (held open by its input) copies to the remote, a `dolt clone` of http://127.0.0.1:PORT/dolt
#      clones, fetches and pushes a branch of its own; the copy finishes, and the store's
#      database has the pushed branch beside the copy's locations.
#   2. PORT is listened on at 127.0.0.1 only: Dolt 1.86.4 itself listens on every interface.
#   3. remotesapi= is refused with database= and when it is not a port.
# Usage: remotesapi.sh debian|newest
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
flavour=$1
use_git_annex "$flavour"
need_dolt

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# listeners PORT: the local addresses (hex, as /proc/net/tcp{,6} write them) listening on PORT
# in this network namespace.
listeners() {
    local hex
    hex=$(printf '%04X' "$1")
    awk -v port="$hex" '$4 == "0A" { split($2, a, ":"); if (a[2] == port) print a[1] }' \
        /proc/net/tcp /proc/net/tcp6
}

store=$TEST_TMP/store
port=$(free_port)
new_repo "$TEST_TMP/repo"
cd "$TEST_TMP/repo"
mkdir -p files
for i in $(seq 1 120); do head -c $((i * 97 + 1)) /dev/urandom >"files/f$i.dat"; done
git annex add -q files && git commit -q -m files

# Refused settings: one clear line each, naming remotesapi=.
if git annex initremote bad1 type=external externaltype=dolt encryption=none \
    "directory=$TEST_TMP/bad1" remotesapi=http >"$TEST_TMP/bad1.out" 2>&1; then
    fail "initremote accepted remotesapi=http"
fi
grep -q 'remotesapi=http' "$TEST_TMP/bad1.out" || { cat "$TEST_TMP/bad1.out"; fail "the error does not name remotesapi=http"; }
if git annex initremote bad2 type=external externaltype=dolt encryption=none \
    "directory=$TEST_TMP/bad2" "remotesapi=$port" 'database=mysql://root@localhost/x?socket=/nonexistent' \
    >"$TEST_TMP/bad2.out" 2>&1; then
    fail "initremote accepted remotesapi= with database="
fi
grep -q 'remotesapi=' "$TEST_TMP/bad2.out" || { cat "$TEST_TMP/bad2.out"; fail "the error does not name remotesapi="; }

git annex initremote dr type=external externaltype=dolt encryption=none serveridle=5 \
    "directory=$store" "remotesapi=$port" >/dev/null
uuid=$(git config remote.dr.annex-uuid)
nkeys=$(git annex find --format '${key}\n' | sort -u | wc -l)

# The copy reads its files from a pipe (--batch), so it is running, by construction, until the
# pipe closes after the clone's push: half the files before the clone, half after.
mkfifo "$TEST_TMP/copy.in"
git annex copy -q --batch --to dr -J4 <"$TEST_TMP/copy.in" >"$TEST_TMP/copy.out" 2>&1 &
copy=$!
track_pid "$copy"
exec 4>"$TEST_TMP/copy.in"
ls files/*.dat | head -n 60 >&4

# The remotes API answers on 127.0.0.1:PORT once the copy's server is up.
wait_until 60 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null ||
    { cat "$TEST_TMP/copy.out" "$store/.git-annex-dolt/server.log" >&2 || true; fail "nothing listens on 127.0.0.1:$port"; }
expect_eq "$(listeners "$port" | sort -u | tr '\n' ' ')" "0100007F " "addresses listening on port $port"

cd "$TEST_TMP"
dolt clone "http://127.0.0.1:$port/dolt" clone >"$TEST_TMP/clone.out" 2>&1 ||
    { cat "$TEST_TMP/clone.out"; fail "dolt clone http://127.0.0.1:$port/dolt"; }
cd clone
dolt fetch origin >"$TEST_TMP/fetch.out" 2>&1 || { cat "$TEST_TMP/fetch.out"; fail "dolt fetch"; }
dolt checkout -q -b from-clone >/dev/null 2>&1 || dolt checkout -b from-clone >/dev/null
dolt sql -q "CREATE TABLE clone_notes (id INT PRIMARY KEY, note TEXT); INSERT INTO clone_notes VALUES (1, 'pushed while copying')" >/dev/null
dolt add clone_notes >/dev/null
dolt commit -q -m "a branch of the clone" --author "clone <clone@example.org>" >/dev/null 2>&1 ||
    dolt commit -m "a branch of the clone" --author "clone <clone@example.org>" >/dev/null
dolt push origin from-clone >"$TEST_TMP/push.out" 2>&1 || { cat "$TEST_TMP/push.out"; fail "dolt push origin from-clone"; }
kill -0 "$copy" 2>/dev/null && copy_was_running=yes || copy_was_running=no
expect_eq "$copy_was_running" yes "the copy was still running when the push ended"
(cd "$TEST_TMP/repo" && ls files/*.dat | tail -n +61) >&4
exec 4>&-

wait "$copy" || { cat "$TEST_TMP/copy.out"; fail "git annex copy --batch --to dr -J4 failed"; }
cd "$TEST_TMP/repo"
expect_eq "$(annex_keys_in dr | wc -l)" "$nkeys" "keys git-annex records in dr"

# The pushed branch and its row are in the store's database, beside the copy's locations.
expect_eq "$(sql_dolt_repo "$store" "SELECT note FROM \`dolt/from-clone\`.clone_notes")" \
    "pushed while copying" "the pushed row"
wait_remote_exit "$TEST_TMP/repo"
expect_eq "$(table_keys "$store" "$uuid" 1 | wc -l)" "$nkeys" "present rows in the store's table"

# A later command starts the server again, with the API, and the clone fetches the copy's Dolt
# commits; all under a lease, as our programs hold one, so that the server cannot stop between.
flock -s "$store/.git-annex-dolt/lease.lock" bash -c \
    'git annex fsck -q --fast --from dr files/f1.dat && cd "$1" && dolt fetch origin' - "$TEST_TMP/clone" \
    >"$TEST_TMP/fetch2.out" 2>&1 || { cat "$TEST_TMP/fetch2.out"; fail "git annex fsck --from dr, then dolt fetch"; }
copy_commits=$(cd "$TEST_TMP/clone" && dolt log --oneline origin/main | grep -c "git-annex-remote-dolt $uuid: .*stored" || true)
[ "$copy_commits" -ge 1 ] || fail "the clone's fetch got none of the copy's Dolt commits"
summary "$flavour git-annex: $nkeys keys copied -J4 while a Dolt clone cloned, fetched and pushed through 127.0.0.1:$port"
