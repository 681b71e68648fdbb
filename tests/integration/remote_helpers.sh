# Helpers shared by the integration tests of git-annex-remote-dolt's behaviour (sourced after
# ../lib/lib.sh). Not a test itself.

INTEGRATION_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SECONDS=0  # for the summary line's run time

# need_dolt: skips the test (exit 77) when dolt is not installed.
need_dolt() {
    command -v dolt >/dev/null || { echo "SKIPPED: dolt is not installed"; exit 77; }
}

# fake_annex ARGS...: a scripted git-annex talking to git-annex-remote-dolt (see fake_annex.py).
fake_annex() { python3 "$INTEGRATION_DIR/fake_annex.py" "$@"; }

# object_path DIR KEY: where the filestore of dolt-annex repository DIR keeps KEY:
# DIR/annex/<hashdirlower>/KEY, hashdirlower being 3+3 hex digits of the md5 of the key (computed
# here independently of the remote; no chunk keys).
object_path() {
    local md5
    md5=$(printf '%s' "$2" | md5sum | cut -c1-6)
    printf '%s/annex/%s/%s/%s\n' "$1" "${md5:0:3}" "${md5:3:3}" "$2"
}

# store_keys DIR: the keys of all regular files in DIR's filestore, sorted; fails if one of them
# is not at its object_path.
store_keys() {
    local file key
    [ -d "$1/annex" ] || return 0
    while IFS= read -r -d '' file; do
        key=$(basename "$file")
        [ "$file" = "$(object_path "$1" "$key")" ] || fail "object $file is not at its hash directory"
        printf '%s\n' "$key"
    done < <(find "$1/annex" -type f -print0) | LC_ALL=C sort
}

# leftover_temporaries DIR: files under DIR/.git-annex-dolt/tmp (put- temporaries, hidden objects).
leftover_temporaries() {
    [ -d "$1/.git-annex-dolt/tmp" ] || return 0
    find "$1/.git-annex-dolt/tmp" -mindepth 1 -type f | LC_ALL=C sort
}

# annex_keys_in REMOTE: the keys git-annex believes REMOTE has, sorted (run in the repository).
annex_keys_in() { git annex find --in "$1" --format '${key}\n' | LC_ALL=C sort -u; }

# table_keys DIR UUID STATUS: the keys whose row for UUID in the location table of dolt-annex
# repository DIR (its own Dolt database) has STATUS, sorted. Retries while a server stops.
table_keys() {
    local out attempt
    for attempt in 1 2 3 4 5; do
        if out=$(sql_dolt_repo "$1" "SELECT annex_key FROM gad_locations WHERE uuid='$2' AND status='$3'" 2>"$TEST_TMP/table_keys.err"); then
            printf '%s\n' "$out" | sed '/^$/d' | LC_ALL=C sort
            return 0
        fi
        sleep 1
    done
    fail "cannot read the location table of $1: $(cat "$TEST_TMP/table_keys.err")"
}

# dolt_messages DIR: the Dolt commit messages of DIR/dolt, newest first, one per line.
dolt_messages() { (cd "$1/dolt" && dolt log --oneline) | sed -E 's/\x1b\[[0-9;]*m//g; s/^[0-9a-v]{32} (\([^)]*\) )?//'; }

# server_dolt_pids DIR: pids of dolt processes working in DIR/dolt (the shared sql-server).
server_dolt_pids() {
    local pid target
    target=$(cd "$1/dolt" 2>/dev/null && pwd -P) || return 0
    for pid in $(pgrep -x dolt || true); do
        [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$target" ] && echo "$pid"
    done
    return 0
}

# wait_until SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds; fails after SECONDS.
wait_until() {
    local limit=$1; shift
    local end=$((SECONDS + limit))
    until "$@"; do
        [ "$SECONDS" -lt "$end" ] || return 1
        sleep 0.1
    done
}

# server_stopped DIR: no sql-server runs for DIR, and its state file and socket are gone.
server_stopped() {
    [ -z "$(server_dolt_pids "$1")" ] && [ ! -e "$1/.git-annex-dolt/server.state" ] &&
        [ ! -e "$1/.git-annex-dolt/mysql.sock" ]
}

# dead_pid: a process id that is not alive (a finished child's).
dead_pid() {
    local pid
    true & pid=$!
    wait "$pid"
    while kill -0 "$pid" 2>/dev/null; do pid=$((pid + 1)); done
    echo "$pid"
}

# summary TEXT: the test's last line, with its run time.
summary() { echo "$(basename "$0" .sh): $* (${SECONDS}s)"; }

# supervisor_pids DIR: pids of git-annex-remote-dolt --dolt-supervisor processes serving DIR/dolt.
supervisor_pids() {
    local proc cmdline target
    target=$1/dolt  # as the remote passes it: DIR made absolute, not resolved
    for proc in /proc/[0-9]*; do
        cmdline=$(tr '\0' '\n' 2>/dev/null <"$proc/cmdline") || continue
        [ "$(sed -n 2p <<<"$cmdline")" = --dolt-supervisor ] && [ "$(sed -n 3p <<<"$cmdline")" = "$target" ] &&
            echo "${proc#/proc/}"
    done
    return 0
}

# annex_key FILE [EXT]: the SHA256E key of FILE's content (with extension EXT, if given).
annex_key() { printf 'SHA256E-s%s--%s%s\n' "$(stat -c %s "$1")" "$(sha256sum <"$1" | cut -c1-64)" "${2:+.$2}"; }

# line_count FILE: its number of lines (0 if missing).
line_count() { [ -f "$1" ] && wc -l <"$1" || echo 0; }

# process_gone PID: PID has exited (a zombie counts as exited).
process_gone() { ! kill -0 "$1" 2>/dev/null || [[ "$(ps -o stat= -p "$1" 2>/dev/null)" == Z* ]]; }

# remote_pids_in DIR: pids of git-annex-remote-dolt processes (not supervisors) working in DIR.
remote_pids_in() {
    local pid target
    target=$(cd "$1" && pwd -P)
    for pid in $(pgrep -x git-annex-remot || true); do
        [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$target" ] || continue
        grep -qz -- --dolt-supervisor "/proc/$pid/cmdline" 2>/dev/null && continue
        echo "$pid"
    done
    return 0
}

# wait_remote_exit DIR: waits (up to 20 s) until no git-annex-remote-dolt works in DIR any more,
# so what it wrote before exiting can be checked.
no_remote_in() { [ -z "$(remote_pids_in "$1")" ]; }
wait_remote_exit() { wait_until 20 no_remote_in "$1" || fail "the remote in $1 did not exit: $(remote_pids_in "$1")"; }
