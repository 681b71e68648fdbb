# Shared helpers for the integration tests (bash). Source it; every server and repository it
# makes lives in one temporary directory that is removed, with its processes, when the test exits.
set -euo pipefail

: "${GAD_BUILD_DIR:?set by CTest: the build directory holding the programs}"
: "${GAD_SOURCE_DIR:?set by CTest: the source directory}"
export PATH="$GAD_BUILD_DIR:$PATH"
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.org
export GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.org
export HOME="${HOME:-/root}"

TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/gad-test.XXXXXX")
_cleanup_pids=()
# Servers started inside $(...) (start_mariadb prints its socket) are in a subshell, whose
# _cleanup_pids the test never sees: they are listed in this file too (they used to outlive
# their tests, 18 mariadbd after one ctest run).
_cleanup_pid_file="$TEST_TMP/.cleanup-pids"
# process_start PID: when process PID started (field 22 of /proc/PID/stat, in clock ticks since
# boot); empty when there is no such process or it has exited (a zombie). A pid and its start time name one process: pids
# are reused (pid_max is 32768 here, and a full ctest run goes round it several times).
process_start() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    stat=${stat##*) }  # the fields after the command name, which may hold spaces
    read -ra stat <<<"$stat"
    [ "${stat[0]}" = Z ] || echo "${stat[19]}"
}
# track_pid PID: PID is stopped when the test exits, if it is still the same process then.
track_pid() {
    _cleanup_pids+=("$1")
    echo "$1 $(process_start "$1")" >>"$_cleanup_pid_file"
}
# signal_own SIGNAL PID START: sends SIGNAL to PID only while it is the process that started at
# START; so a pid that exited and was given to another test's process (a server of another test
# running beside this one, say) is never signalled. Fails when PID is not that process.
signal_own() {
    [ -n "${3:-}" ] && [ "$(process_start "$2")" = "$3" ] || return 1
    kill "-$1" "$2" 2>/dev/null || true
}
cleanup() {
    local status=$? entry
    # Every pid went through track_pid, so the file lists them all (the array only this shell's).
    local tracked=()
    [ -f "$_cleanup_pid_file" ] && mapfile -t tracked <"$_cleanup_pid_file"
    for entry in "${tracked[@]}"; do signal_own TERM $entry || true; done
    for entry in "${tracked[@]}"; do
        for _ in $(seq 100); do signal_own 0 $entry || break; sleep 0.1; done
        signal_own KILL $entry || true
    done
    # Supervisors started by the remote notice their directory is gone and stop their servers.
    rm -rf "$TEST_TMP" 2>/dev/null || { sleep 1; rm -rf "$TEST_TMP" || true; }
    if [ "$status" -ne 0 ]; then echo "FAILED (exit $status)" >&2; fi
    exit "$status"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
check() { "$@" || fail "expected success: $*"; }
expect_eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }

# use_git_annex debian|newest: puts that git-annex first on PATH.
use_git_annex() {
    case "$1" in
        debian) export PATH="$GAD_BUILD_DIR:/usr/bin:$PATH" ;;
        newest)
            [ -x "$GAD_SOURCE_DIR/.venv/bin/git-annex" ] || fail "no .venv/bin/git-annex: run scripts/setup"
            export PATH="$GAD_BUILD_DIR:$GAD_SOURCE_DIR/.venv/bin:$PATH" ;;
        *) fail "use_git_annex: unknown flavour $1" ;;
    esac
    echo "using $(git annex version --raw 2>/dev/null || git annex version | head -n1)"
}

# new_repo DIR: a git-annex repository with an initial commit.
new_repo() {
    git init -q "$1"
    (cd "$1" && git annex init -q "${2:-test repo}" && git commit -q --allow-empty -m init)
}

# start_mariadb NAME [grants]: a private mariadbd on a unix socket; prints the socket path.
# Without grant tables anyone gets in as anyone; with "grants" passwords are checked (root has
# none: `sql` works as before; make users with CREATE USER ... IDENTIFIED BY).
start_mariadb() {
    local dir="$TEST_TMP/$1" socket grants=(--skip-grant-tables)
    [ "${2:-}" = grants ] && grants=()
    mkdir -p "$dir/data"
    socket="$dir/mysqld.sock"
    mariadb-install-db --datadir="$dir/data" --auth-root-authentication-method=normal \
        --skip-test-db >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; fail "mariadb-install-db"; }
    local as_user=()
    [ "$(id -u)" -eq 0 ] && as_user=(--user=root)
    mariadbd --no-defaults --datadir="$dir/data" --socket="$socket" --skip-networking \
        "${grants[@]}" --pid-file="$dir/mysqld.pid" "${as_user[@]}" \
        --innodb-buffer-pool-size=64M --log-error="$dir/error.log" >/dev/null 2>&1 &
    track_pid $!
    for _ in $(seq 300); do
        [ -S "$socket" ] && mariadb --socket="$socket" -e 'SELECT 1' >/dev/null 2>&1 && break
        sleep 0.1
    done
    mariadb --socket="$socket" -e 'SELECT 1' >/dev/null 2>&1 || { cat "$dir/error.log" >&2; fail "mariadbd did not start"; }
    echo "$socket"
}

# start_dolt NAME DB: a private dolt sql-server for a new database DB; prints the socket path.
start_dolt() {
    local dir="$TEST_TMP/$1" port
    mkdir -p "$dir/$2"
    (cd "$dir/$2" && dolt init --name test --email test@example.org >/dev/null)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    (cd "$dir/$2" && exec dolt sql-server --host 127.0.0.1 --port "$port" --socket "$dir/dolt.sock" \
        --loglevel warning >"$dir/server.log" 2>&1) &
    track_pid $!
    for _ in $(seq 600); do
        [ -S "$dir/dolt.sock" ] && mariadb --socket="$dir/dolt.sock" -u root -e 'SELECT 1' >/dev/null 2>&1 && break
        sleep 0.1
    done
    [ -S "$dir/dolt.sock" ] || { cat "$dir/server.log" >&2; fail "dolt sql-server did not start"; }
    echo "$dir/dolt.sock"
}

# sql SOCKET DB QUERY: runs a query, tab-separated output without headers.
sql() { mariadb --socket="$1" -u root -D "$2" -N -B -e "$3"; }

# sql_dolt_repo DIR QUERY: a query on a dolt-annex repository's own Dolt database, whether or not
# its server is running (dolt sql works on the directory when no server holds it).
sql_dolt_repo() {
    # The shared server may be stopping (idle) just as we look: then ask again, by then either
    # through a new state file or with no server at all.
    # A statement that changes something must therefore be safe to run twice.
    local state="$1/.git-annex-dolt/server.state" attempt out errors="$TEST_TMP/sql_dolt_repo.err"
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
        if [ -f "$state" ]; then
            local socket
            socket=$(awk '{print $4}' "$state")
            out=$(mariadb --socket="$socket" -u root -D dolt -N -B -e "$2" 2>"$errors") && { printf '%s\n' "$out"; return 0; }
        else
            out=$(cd "$1/dolt" && dolt sql -r csv -q "$2" 2>"$errors") &&
                { printf '%s\n' "$out" | tail -n +2 | tr ',' '\t'; return 0; }
        fi
        sleep 1
    done
    fail "cannot query the Dolt database of $1: $2 (last error: $(tail -n 3 "$errors" | tr '\n' ' '))"
}

# start_sshd NAME: a private sshd on a free 127.0.0.1 port with a generated host key and client
# key. Sets SSHD_PORT, SSHD_KEY (client private key), SSHD_KNOWN_HOSTS (a known_hosts file that
# has the host key) and SSHD_DIR. Call it directly, not in $( ), so the variables stay set.
start_sshd() {
    SSHD_DIR="$TEST_TMP/$1"
    mkdir -p "$SSHD_DIR" /run/sshd 2>/dev/null || mkdir -p "$SSHD_DIR"
    ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/host_key"
    ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/client_key"
    cp "$SSHD_DIR/client_key.pub" "$SSHD_DIR/authorized_keys"
    SSHD_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    cat >"$SSHD_DIR/sshd_config" <<CONFIG
Port $SSHD_PORT
ListenAddress 127.0.0.1
HostKey $SSHD_DIR/host_key
AuthorizedKeysFile $SSHD_DIR/authorized_keys
PidFile $SSHD_DIR/sshd.pid
StrictModes no
UsePAM no
PermitRootLogin yes
PasswordAuthentication no
Subsystem sftp internal-sftp
CONFIG
    /usr/sbin/sshd -D -e -f "$SSHD_DIR/sshd_config" 2>"$SSHD_DIR/sshd.log" &
    track_pid $!
    echo "[127.0.0.1]:$SSHD_PORT $(cut -d' ' -f1,2 "$SSHD_DIR/host_key.pub")" >"$SSHD_DIR/known_hosts"
    SSHD_KEY="$SSHD_DIR/client_key"
    SSHD_KNOWN_HOSTS="$SSHD_DIR/known_hosts"
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$SSHD_PORT") 2>/dev/null && return 0
        sleep 0.1
    done
    cat "$SSHD_DIR/sshd.log" >&2
    fail "sshd did not start"
}
