# Shared helpers of the benchmarks (bash; remote_bench.sh, sftp_bench.sh). Source it after the
# option parsing has set `keep` (1: keep the temporary directory) and `flavour` (debian|newest).
# See tests/bench/README.md.

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOURCE_DIR=$(cd "$SCRIPT_DIR/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$SOURCE_DIR/build}

# bench_setup: checks the programs, puts the chosen git-annex on PATH, makes BENCH_TMP (removed
# at exit unless --keep, also on failure or Ctrl-C) with a private copy of the remote in
# $BENCH_TMP/bin (so a rebuild of BUILD_DIR during the run cannot change what is measured), and
# the result files RESULTS and EXTRA.
bench_setup() {
    remote_program="$BUILD_DIR/git-annex-remote-dolt"
    [ -x "$remote_program" ] || {
        echo "no $remote_program: build it (cmake --build $BUILD_DIR --target git-annex-remote-dolt)" >&2
        exit 1
    }
    case "$flavour" in
        debian) export PATH="$BUILD_DIR:/usr/bin:$PATH" ;;
        newest)
            [ -x "$SOURCE_DIR/.venv/bin/git-annex" ] || { echo "no $SOURCE_DIR/.venv/bin/git-annex: run scripts/setup" >&2; exit 1; }
            export PATH="$BUILD_DIR:$SOURCE_DIR/.venv/bin:$PATH" ;;
        *) echo "--git-annex: debian or newest, not '$flavour'" >&2; exit 2 ;;
    esac
    command -v dolt >/dev/null || { echo "dolt is not installed (needed by the remote)" >&2; exit 1; }
    export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.org
    export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.org
    export HOME="${HOME:-/root}"

    BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/gad-bench.XXXXXX")
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
    mkdir -p "$BENCH_TMP/bin" "$BENCH_TMP/logs"
    cp "$remote_program" "$BENCH_TMP/bin/git-annex-remote-dolt"
    export PATH="$BENCH_TMP/bin:$PATH"
    RESULTS="$BENCH_TMP/results.tsv"  # workload op J remote rep seconds [server-cpu-seconds]
    EXTRA="$BENCH_TMP/extra.tsv"      # one-time costs, memory, server restarts
    : >"$RESULTS"
    : >"$EXTRA"
}

# Processes to stop at exit: the command running now, the memory sampler, and any server pid
# added to _bench_pids (e.g. a private sshd).
_child="" _sampler_pid="" _bench_pids=()
bench_cleanup() {
    local status=$?
    trap - EXIT INT TERM
    for pid in $_child $_sampler_pid "${_bench_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in $_child $_sampler_pid "${_bench_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ "$keep" = 1 ]; then
        echo "kept $BENCH_TMP (its dolt sql-servers stop once it is removed)"
    else
        # The remotes' supervisors notice their directory is gone and stop their servers.
        rm -rf "$BENCH_TMP" 2>/dev/null || { sleep 1; rm -rf "$BENCH_TMP" || true; }
    fi
    [ "$status" -eq 0 ] || echo "benchmark FAILED (exit $status)" >&2
    exit "$status"
}

source "$(dirname "${BASH_SOURCE[0]}")/bench_common.sh"

# timed WORKLOAD OP J REMOTE REP CMD...: runs CMD in the current directory and records its time.
# `sync` first (untimed), so no command pays for the previous one's dirty pages.
# For our remote (REMOTE dolt) it also records the CPU time its dolt sql-server (the one of
# $BENCH_TMP/WORKLOAD-dolt-store) spent meanwhile.
timed() {
    local workload=$1 op=$2 j=$3 remote=$4 rep=$5; shift 5
    local state="$BENCH_TMP/$workload-$remote-store/.git-annex-dolt/server.state"
    local start end seconds cpu0="" cpu1="" server_cpu=""
    [ "$remote" = dolt ] && cpu0=$(server_cpu "$state")
    sync
    start=$(now)
    run_logged "$BENCH_TMP/logs/$workload-$op-J$j-$remote-$rep.log" "$@"
    end=$(now)
    seconds=$(elapsed "$start" "$end")
    if [ "$remote" = dolt ]; then
        cpu1=$(server_cpu "$state")
        if [ -n "$cpu0" ] && [ -n "$cpu1" ]; then server_cpu=$(elapsed "$cpu0" "$cpu1"); fi
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$workload" "$op" "$j" "$remote" "$rep" "$seconds" \
        "$server_cpu" >>"$RESULTS"
    printf '  %-6s %-10s J%-2s %-10s rep %s: %8.3f s%s\n' "$workload" "$op" "$j" "$remote" "$rep" \
        "$seconds" "${server_cpu:+ (dolt sql-server CPU $server_cpu s)}"
}

# server_cpu STATE_FILE: user+system CPU seconds the dolt sql-server has used, or nothing.
server_cpu() {
    python3 - "$1" <<'EOF' 2>/dev/null || true
import os, sys
server = open(sys.argv[1]).read().split()[2]
fields = open(f"/proc/{server}/stat").read().rsplit(")", 1)[1].split()
print(f"{(int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK'):.2f}")
EOF
}

# ---- Peak memory: samples VmHWM (the process's own peak RSS so far) of our remote processes
# (not the supervisor) and of the dolt sql-server every 50 ms. The last sample before a remote
# process exits is its peak for the command, up to 50 ms of growth at the very end.
start_sampler() {  # start_sampler OUT STATE_FILE
    python3 - "$BENCH_TMP" "$1" "$2" <<'EOF' &
import os, signal, sys, time
root, out, state = sys.argv[1], sys.argv[2], sys.argv[3]
stop = False
def on_term(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)
def hwm(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
remote, server = {}, {}
while True:
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            args = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
            if os.path.basename(args[0]) != b"git-annex-remote-dolt" or b"--dolt-supervisor" in args:
                continue
            if not os.readlink(f"/proc/{pid}/cwd").startswith(root):
                continue  # someone else's remote
        except OSError:
            continue
        kib = hwm(pid)
        if kib:
            remote[pid] = max(remote.get(pid, 0), kib)
    try:
        server_pid = open(state).read().split()[2]
        kib = hwm(server_pid)
        if kib:
            server[server_pid] = max(server.get(server_pid, 0), kib)
    except (OSError, IndexError):
        pass
    if stop:
        break
    time.sleep(0.05)
with open(out, "w") as f:
    f.write(f"memory\tremote_processes\t{len(remote)}\n")
    f.write(f"memory\tremote_kib\t{max(remote.values(), default=0)}\n")
    f.write(f"memory\tserver_kib\t{max(server.values(), default=0)}\n")
EOF
    _sampler_pid=$!
}

# make_content DIR COUNT BYTES: COUNT files of random content (the same seed for every call).
make_content() {
    python3 - "$1" "$2" "$3" <<'EOF'
import os, random, sys
directory, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(20240601)
width = len(str(count))
for i in range(count):
    with open(os.path.join(directory, f"f{i:0{width}d}.bin"), "wb") as f:
        left = size
        while left:
            n = min(left, 8 << 20)
            f.write(rng.randbytes(n))
            left -= n
EOF
}

# warm_up TAG: one file to the remote R and back, untimed, so later commands find a running server.
warm_up() {
    local tag=$1 files=(f*.bin)
    run_logged "$BENCH_TMP/logs/$tag-warmup-copy.log" git annex copy --to R "${files[0]}"
    run_logged "$BENCH_TMP/logs/$tag-warmup-drop.log" git annex drop --from R "${files[0]}"
}
