#!/usr/bin/env bash
# One Dolt server for git-annex and dolt-annex (issue 17 item 3).
# Usage: shared_server.sh debian|newest
# da_client below replays what dolt-annex 0.4.0 does to reach a store's database before any
# command (dolt_annex/table.py: dataset_context; dolt_annex/dolt.py: DoltSqlServer): it reads the
# store's config.json with dolt-annex's defaults (DoltConfig, MySQLConnection), and when
# dolt.spawn_dolt_server is true (its default, and our stores' setting) it starts
# `dolt sql-server` in dolt_dir (`--socket S` when connection.server_socket is set, else `-P` a
# random port in 20000-30000 with hostname localhost) and retries connecting every second
# ("Waiting for SQL server"; dolt-annex waits forever, da_client gives up after 60 s). Then it
# runs SELECT ACTIVE_BRANCH() and its own statements, and terminates the server it started.
# Given only a socket, dolt-annex passes no -P, so its server also listens on Dolt's default TCP
# port 3306: the two variants of this test hold CTest's resource lock dolt_default_port.
#   1. dolt-annex while `git annex copy -J4` runs: both finish, on one server (the remote's).
#   2. git-annex while dolt-annex holds a server it started: `git annex copy` and `drop` use it.
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
use_git_annex "$1"
need_dolt

# A failure shows the servers' own words: the remote's server (its supervisor's log) and any
# server the replayed dolt-annex started.
fail() {
    echo "FAIL: $*" >&2
    for log in "$store/.git-annex-dolt/server.log" "$TEST_TMP"/da-*-server.log; do
        [ -s "$log" ] && { echo "--- ${log#"$TEST_TMP"/}:" >&2; tail -n 40 "$log" >&2; }
    done
    exit 1
}

store=$TEST_TMP/store
new_repo "$TEST_TMP/repo"
cd "$TEST_TMP/repo"
head -c 1000 /dev/urandom >first.dat
git annex add -q first.dat && git commit -q -m first
git annex initremote dr type=external externaltype=dolt encryption=none serveridle=3 \
    "directory=$store" >/dev/null
git annex copy -q --to dr first.dat
uuid=$(git config remote.dr.annex-uuid)

# da_client NAME [hold] SQL: dolt-annex's connection steps (above), then SQL; with "hold", keeps
# the connection (and any server it started) until $TEST_TMP/release-NAME exists.
da_client() {
    local name=$1 hold= sql
    if [ "$2" = hold ]; then hold=1; shift; fi
    sql=$2
    local settings spawn socket host port database user
    settings=$(python3 - "$store/config.json" <<'EOF'
import json, random, sys
config = json.load(open(sys.argv[1]))
dolt = config.get("dolt", {})
connection = dolt.get("connection", {})
spawn = dolt.get("spawn_dolt_server", True)
socket = connection.get("server_socket") or ""
host = connection.get("hostname", "localhost")
port = random.randint(20000, 30000) if spawn else connection.get("port", 3306)
print("yes" if spawn else "no", socket or "-", host, port, connection.get("database", "dolt"),
      connection.get("user", "root"), dolt.get("dolt_dir", "dolt"))
EOF
    )
    read -r spawn socket host port database user dolt_dir <<<"$settings"
    local args=() connect=() server=
    if [ "$socket" != - ]; then
        args=(--socket "$socket") connect=(--socket="$socket")
    else
        args=(-P "$port") connect=(--protocol=TCP -h 127.0.0.1 -P "$port")
    fi
    if [ "$spawn" = yes ]; then
        (cd "$store/$dolt_dir" && exec dolt sql-server "${args[@]}") >"$TEST_TMP/da-$name-server.log" 2>&1 &
        server=$!
        track_pid "$server"
    fi
    # dolt-annex connects until it gets in, then uses that one connection for everything
    # (DoltSqlServer: spawn_dolt_server's loop returns the connection): a retry only when the
    # connection itself failed (ERROR 2002/2003), never once a statement ran.
    local waited=0 status
    while :; do
        status=0
        if [ -n "$hold" ]; then
            # (--unbuffered: 'held' must be seen while the session is held. The wait is bounded,
            # and ends with the test's directory, so that no waiter outlives a failed test.)
            { echo "SELECT ACTIVE_BRANCH();"; echo "$sql"; echo "SELECT 'held';"
              for _ in $(seq 1500); do
                  [ -d "$TEST_TMP" ] && [ ! -e "$TEST_TMP/release-$name" ] || break
                  sleep 0.2
                  echo || break  # (an empty line: ends this writer once mariadb is gone)
              done; } |
                mariadb "${connect[@]}" -u "$user" -N --unbuffered "$database" \
                    >"$TEST_TMP/da-$name.out" 2>"$TEST_TMP/da-$name.err" || status=$?
        else
            mariadb "${connect[@]}" -u "$user" -N -e "SELECT ACTIVE_BRANCH(); $sql" "$database" \
                >"$TEST_TMP/da-$name.out" 2>"$TEST_TMP/da-$name.err" || status=$?
        fi
        [ "$status" -ne 0 ] || break
        if [ -s "$TEST_TMP/da-$name.out" ] || ! grep -q '^ERROR 200[23]' "$TEST_TMP/da-$name.err"; then
            cat "$TEST_TMP/da-$name.err" >&2
            return 1
        fi
        [ "$waited" -lt 60 ] || { echo "da_client $name: Waiting for SQL server for 60 s" >&2; return 1; }
        sleep 1; waited=$((waited + 1))
    done
    sed -i 1d "$TEST_TMP/da-$name.out"  # ACTIVE_BRANCH()'s row: the statements' output follows
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
}
probe_sql() {
    echo "CALL DOLT_CHECKOUT('-b', '$1'); CREATE TABLE probe (id INT PRIMARY KEY);
          INSERT INTO probe VALUES (1); CALL DOLT_COMMIT('-Am', 'dolt-annex-style write');
          SELECT COUNT(*) FROM probe;"
}

# 1. dolt-annex in the store while git annex copy -J4 runs.
mkdir -p many
for i in $(seq 300); do echo "file $i $RANDOM" >"many/$i.txt"; done
git annex add -q many && git commit -q -m many
git annex copy -J4 --to dr many >"$TEST_TMP/copy.log" 2>&1 &
copy=$!
wait_until 60 eval '[ "$(awk "{print \$1}" "$store/.git-annex-dolt/server.state" 2>/dev/null)" = ready ]' ||
    fail "the remote's server did not come up"
kill -0 "$copy" 2>/dev/null || fail "the copy finished before dolt-annex could run beside it"
da_client during "$(probe_sql da-during)" || fail "dolt-annex beside git annex copy -J4: $(cat "$TEST_TMP/da-during-server.log")"
kill -0 "$copy" 2>/dev/null || echo "note: the copy finished while dolt-annex ran"
wait "$copy" || fail "git annex copy -J4 --to dr failed: $(tail -n 5 "$TEST_TMP/copy.log")"
expect_eq "$(tail -n 1 "$TEST_TMP/da-during.out")" 1 "dolt-annex's row on its branch"
expect_eq "$(git annex find --in dr many | wc -l)" 300 "files git-annex has in dr"
expect_eq "$(table_keys "$store" "$uuid" 1 | grep -c .)" 301 "keys the location table has present"
summary "1. dolt-annex ran beside git annex copy -J4 on the remote's server"

# 2. git-annex while dolt-annex holds a server it started.
wait_until 30 server_stopped "$store" || fail "the remote's server did not stop after serveridle=3"
da_client held hold "$(probe_sql da-held)" &
client=$!
track_pid "$client"
wait_until 60 eval 'grep -q held "$TEST_TMP/da-held.out" 2>/dev/null' ||
    fail "dolt-annex did not get its own server: $(cat "$TEST_TMP/da-held-server.log")"
dolt_annex_server=$(server_dolt_pids "$store")
[ -n "$dolt_annex_server" ] || fail "no server of dolt-annex's runs"
mkdir -p more
for i in $(seq 20); do echo "more $i $RANDOM" >"more/$i.txt"; done
git annex add -q more && git commit -q -m more
git annex copy -q -J2 --to dr more || fail "git annex copy while dolt-annex's server holds the store"
git annex drop -q --from dr many/1.txt many/2.txt || fail "git annex drop while dolt-annex's server holds the store"
expect_eq "$(server_dolt_pids "$store")" "$dolt_annex_server" "dolt servers while dolt-annex holds the store"
[ -z "$(supervisor_pids "$store")" ] || fail "the remote started a supervisor beside dolt-annex's server"
touch "$TEST_TMP/release-held"
wait "$client" || fail "dolt-annex's session failed"
expect_eq "$(tail -n 2 "$TEST_TMP/da-held.out" | tr '\n' ' ')" "1 held " "dolt-annex's row count and its held session, last"
# Its server gone, the remote starts its own again; everything git-annex did is in the tables.
wait_until 30 eval '[ -z "$(server_dolt_pids "$store")" ]' || fail "dolt-annex's server did not stop"
git annex fsck -q --fast --from dr more many/3.txt || fail "fsck --from dr after dolt-annex left"
expect_eq "$(table_keys "$store" "$uuid" 1 | grep -c .)" 319 "keys the location table has present"
summary "2. git-annex used the server dolt-annex started"
