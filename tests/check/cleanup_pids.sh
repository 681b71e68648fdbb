#!/usr/bin/env bash
# The integration tests' cleanup (tests/lib/lib.sh) stops the processes a test tracked, and never
# a process that merely got the pid of one that exited: pids are reused (pid_max is 32768 here, a
# full ctest run goes round it), and a SIGTERM so misdirected takes down a server of another test
# running beside it. The reuse is made real by choosing the next pid (/proc/sys/kernel/
# ns_last_pid, root only; skipped otherwise).
# Usage: cleanup_pids.sh SOURCE_DIR
set -euo pipefail
source_dir=$1
[ -w /proc/sys/kernel/ns_last_pid ] ||
    { echo "SKIPPED: /proc/sys/kernel/ns_last_pid is not writable (not root)"; exit 77; }
work=$(mktemp -d)
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT

# A test that tracks its own sleeper (to be stopped) and a short-lived process, whose pid is then
# given to a process of somebody else's (untracked, started the way another test's server is).
cat >"$work/a_test.sh" <<'TEST'
source "$GAD_SOURCE_DIR/tests/lib/lib.sh"
sleep 300 & track_pid $!; echo $! >"$WORK/own.pid"
sh -c 'exit 0' & short=$!; track_pid "$short"; wait "$short" || true
for _ in $(seq 200); do
    echo $((short - 1)) >/proc/sys/kernel/ns_last_pid
    setsid sleep 300 </dev/null >/dev/null 2>&1 & foreign=$!
    [ "$foreign" = "$short" ] && break
    kill "$foreign"; foreign=
done
[ -n "$foreign" ] || { echo "could not get pid $short again"; exit 3; }
echo "$foreign" >"$WORK/foreign.pid"
TEST

status=0
WORK=$work GAD_BUILD_DIR=$work GAD_SOURCE_DIR=$source_dir bash "$work/a_test.sh" || status=$?
[ "$status" -ne 3 ] || { echo "SKIPPED: the pid could not be reused (a busy machine?)"; exit 77; }
[ "$status" -eq 0 ] || { echo "FAIL: the test exited with $status"; exit 1; }
own=$(cat "$work/own.pid") foreign=$(cat "$work/foreign.pid")
for _ in $(seq 50); do kill -0 "$own" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$own" 2>/dev/null; then echo "FAIL: the test's own process $own was not stopped"; exit 1; fi
kill -0 "$foreign" 2>/dev/null ||
    { echo "FAIL: cleanup killed process $foreign, which only reused a pid the test had tracked"; exit 1; }
echo "ok: the test's own process stopped; another process given a tracked pid left running"
