# Shared helpers of the benchmarks (bash). Source it after the option parsing has set `keep` (1:
# keep the temporary directory) and, for the remote's benches, `flavour` (debian|newest).
# The first part serves remote_bench.sh and sftp_bench.sh (bench_setup ... warm_up); the second,
# from gad_bench_setup on, the benches of git-annex-dolt (migrate_bench.sh, sync_bench.sh).
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
    make_bench_tmp bench
    cp "$remote_program" "$BENCH_TMP/bin/git-annex-remote-dolt"
    # The plain external remote (tests/bench/plain_remote.cpp), when built: remote_bench's floor.
    if [ -x "$BUILD_DIR/git-annex-remote-plain" ]; then
        cp "$BUILD_DIR/git-annex-remote-plain" "$BENCH_TMP/bin/git-annex-remote-plain"
    fi
    export PATH="$BENCH_TMP/bin:$PATH"
    RESULTS="$BENCH_TMP/results.tsv"  # workload op J remote rep seconds [server-cpu-seconds]
    EXTRA="$BENCH_TMP/extra.tsv"      # one-time costs, memory, server restarts
    : >"$RESULTS"
    : >"$EXTRA"
}

# make_bench_tmp NAME: the git identity and HOME the benches' commits need, and BENCH_TMP
# ($TMPDIR/gad-NAME.XXXXXX, with bin/ and logs/), removed at exit by bench_cleanup unless --keep,
# also on failure or Ctrl-C.
make_bench_tmp() {
    export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.org
    export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.org
    export HOME="${HOME:-/root}"
    BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/gad-$1.XXXXXX")
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
    mkdir -p "$BENCH_TMP/bin" "$BENCH_TMP/logs"
}

# Processes to stop at exit: the command running now, the memory sampler, and any server pid
# added to _bench_pids (e.g. a private sshd).
# A private mariadbd ($_mariadb_pid, start_mariadb) gets 10 s to shut down cleanly.
_child="" _sampler_pid="" _bench_pids=() _mariadb_pid=""
bench_cleanup() {
    local status=$?
    trap - EXIT INT TERM
    for pid in $_child $_sampler_pid "${_bench_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in $_child $_sampler_pid "${_bench_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ -n "$_mariadb_pid" ]; then
        kill "$_mariadb_pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$_mariadb_pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$_mariadb_pid" 2>/dev/null || true
    fi
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

# ---- git-annex-dolt's benches (migrate_bench.sh, sync_bench.sh) -------------------------------
# They set `keep` and `timeout` (seconds any one command of ours may take) before calling these.

CACHE_ROOT=${GAD_BENCH_CACHE:-/tmp/gad-migrate-bench-cache}

# require_tools TOOL...: stops, naming every TOOL missing (a name not on PATH, a path not executable).
require_tools() {
    local missing=() tool
    for tool in "$@"; do
        if [[ "$tool" == /* ]]; then
            [ -x "$tool" ] || missing+=("$tool (apt-get install ${tool##*/})")
        else
            command -v "$tool" >/dev/null || missing+=("$tool")
        fi
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "missing: ${missing[*]}" >&2
        exit 1
    fi
}

# gad_bench_setup NAME: PATH (BUILD_DIR, then Debian's git-annex), BENCH_TMP, and a private copy
# of git-annex-dolt in $BENCH_TMP/bin: $ours, empty when BUILD_DIR has none. RESULTS gets one line
# per measurement: name, seconds, peak KiB, status (ok|na|failed), note.
gad_bench_setup() {
    export PATH="$BUILD_DIR:/usr/bin:$PATH"
    make_bench_tmp "$1"
    ours=""
    if [ -x "$BUILD_DIR/git-annex-dolt" ]; then
        cp "$BUILD_DIR/git-annex-dolt" "$BENCH_TMP/bin/git-annex-dolt"
        ours="$BENCH_TMP/bin/git-annex-dolt"
    fi
    RESULTS="$BENCH_TMP/results.tsv"
    : >"$RESULTS"
}

# gad_bench_header TITLE [git-annex]: the first lines of a run: when, cores, load average, and the
# programs measured (git-annex's version too when asked).
gad_bench_header() {
    echo "$1: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
    if [ -n "$ours" ]; then
        echo "ours:      $BUILD_DIR/git-annex-dolt, built $(date -u -r "$BUILD_DIR/git-annex-dolt" '+%Y-%m-%d %H:%M:%S UTC'), source $(git -C "$SOURCE_DIR" describe --always --dirty 2>/dev/null || echo '?') (run from a private copy)"
    else
        echo "ours:      no $BUILD_DIR/git-annex-dolt"
    fi
    echo "dolt:      $(command -v dolt), $(dolt version 2>/dev/null | head -n 1)"
    echo "mariadbd:  $(mariadbd --version 2>/dev/null | head -n 1)"
    if [ "${2:-}" = git-annex ]; then
        echo "git-annex: $(command -v git-annex) $(git annex version --raw 2>/dev/null || git annex version | head -n 1)"
    fi
}

# bench_repo KEYS SEED: the synthetic repository of KEYS keys made by make_annex_repo.py (with
# --csv), generated once into $CACHE_ROOT/keys<KEYS>-seed<SEED>/ (repo/, csv/, the generation's
# log and time; `complete` marks a finished one) and reused by later runs, its .git/config put back
# as generated (a migration records its choice of database there). Sets CACHE, REPO and CSV.
bench_repo() {
    local keys=$1 seed=$2 generation="" start gen_seconds=? gen_kib=0
    CACHE="$CACHE_ROOT/keys$keys-seed$seed"
    REPO="$CACHE/repo" CSV="$CACHE/csv"
    if [ ! -f "$CACHE/complete" ]; then
        echo "== generating $keys keys (seed $seed) into $CACHE (kept for later runs)"
        rm -rf "$CACHE"
        mkdir -p "$CACHE"
        start=$(now)
        run_logged "$CACHE/generate.log" /usr/bin/time -f '%e %M' -o "$CACHE/generate.time" \
            python3 "$SCRIPT_DIR/make_annex_repo.py" "$REPO" --keys "$keys" --seed "$seed" --csv "$CSV"
        cp "$REPO/.git/config" "$CACHE/config.orig"
        touch "$CACHE/complete"
        generation=$(elapsed "$start" "$(now)")
    else
        echo "== reusing $CACHE"
        cp "$CACHE/config.orig" "$REPO/.git/config"
    fi
    [ -f "$CACHE/generate.time" ] && read -r gen_seconds gen_kib < <(tail -n 1 "$CACHE/generate.time")
    echo "   generation: $gen_seconds s, peak RSS $((gen_kib / 1024)) MiB${generation:+ (this run)}; .git $(du -sh "$REPO/.git" | cut -f1), CSV $(du -sh "$CSV" | cut -f1)"
}

# measure NAME OUT CMD...: runs CMD in the current directory with stdout to OUT and stderr to
# logs/NAME.log, under /usr/bin/time; records its wall-clock seconds and peak RSS (the largest of
# CMD and the processes it waited for). Exit statuses up to MAX_STATUS (default 0) count as success
# (whereis exits 1 when some key has no copy). Returns CMD's status; a failure shows the end of
# the log.
measure() {
    local name=$1 out=$2; shift 2
    local log="$BENCH_TMP/logs/$name.log" timing="$BENCH_TMP/logs/$name.time" status=0
    /usr/bin/time -f '%e %M' -o "$timing" "$@" >"$out" 2>"$log" </dev/null &
    _child=$!
    wait "$_child" || status=$?
    _child=""
    local seconds kib
    read -r seconds kib < <(tail -n 1 "$timing")
    if [ "$status" -le "${MAX_STATUS:-0}" ]; then
        status=0
        printf '%s\t%s\t%s\tok\t\n' "$name" "$seconds" "$kib" >>"$RESULTS"
        printf '  %-24s %9.2f s %9.1f MiB\n' "$name" "$seconds" "$(echo "$kib" | awk '{print $1 / 1024}')"
    else
        echo "  $name: FAILED (exit $status), end of logs/$name.log:" >&2
        tail -n 15 "$log" >&2
    fi
    return "$status"
}

# record NAME STATUS NOTE: a row for a measurement that did not run.
record() { printf '%s\t\t\t%s\t%s\n' "$1" "$2" "$3" >>"$RESULTS"; echo "  $1: $3"; }

# ours_measure NAME OUT ARGS...: measure of our program, reporting "not available" when it is not
# built or does not know the command yet (its message says "unknown command" or "not built").
# Its peak RSS is its own VmHWM, sampled (so a dolt sql-server it waits for does not count); the
# dolt sql-servers it talks to under BENCH_TMP get a row NAME-dolt-server.
ours_measure() {
    local name=$1 out=$2; shift 2
    if [ -z "$ours" ]; then
        record "$name" na "not available (no $BUILD_DIR/git-annex-dolt)"
        return 1
    fi
    local status=0 unknown='unknown command|not built|unrecognized command|usage:'
    start_ours_sampler "$BENCH_TMP" "$BENCH_TMP/logs/$name.memory"
    measure "$name" "$out" timeout -k 10 "$timeout" "$ours" "$@" || status=$?
    stop_sampler
    if [ "$status" -eq 0 ] && grep -qiE "$unknown" "$BENCH_TMP/logs/$name.log"; then
        sed -i "/^$name\t/d" "$RESULTS"  # an accepted exit status 1 that was "unknown command"
        status=1
    fi
    if [ "$status" -ne 0 ]; then
        if grep -qiE "$unknown" "$BENCH_TMP/logs/$name.log"; then
            record "$name" na "not available ($(head -n 1 "$BENCH_TMP/logs/$name.log"))"
        elif [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
            record "$name" failed "TIMED OUT after $timeout s (--timeout)"
        else
            record "$name" failed "FAILED, see logs/$name.log"
        fi
        return 1
    fi
    local ours_kib server_kib servers
    read -r ours_kib server_kib servers < "$BENCH_TMP/logs/$name.memory" || return 0
    if [ "${ours_kib:-0}" -gt 0 ]; then
        awk -F'\t' -v OFS='\t' -v n="$name" -v k="$ours_kib" \
            '$1 == n { $3 = k; $5 = "peak RSS sampled (its own VmHWM)" } { print }' \
            "$RESULTS" >"$RESULTS.new" && mv "$RESULTS.new" "$RESULTS"
    fi
    # (A measure named *-mariadb used no Dolt server: one still running is not its own.)
    if [ "${server_kib:-0}" -gt 0 ] && [ "${name%-mariadb}" = "$name" ]; then
        printf '%s-dolt-server\t\t%s\tok\t%s dolt sql-server(s), peak since start\n' \
            "$name" "$server_kib" "$servers" >>"$RESULTS"
    fi
}

# start_ours_sampler DIR OUT: samples every 100 ms the peak RSS (VmHWM) of our program's processes
# (not its supervisors) and of dolt sql-servers whose directory or arguments are under DIR; at
# stop_sampler writes "ours server count" to OUT.
start_ours_sampler() {
    python3 - "$1" "$2" "$BENCH_TMP/bin/git-annex-dolt" <<'PYEOF' &
import os, signal, sys, time
directory, out, program = sys.argv[1], sys.argv[2], sys.argv[3].encode()
stop = False
def on_term(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)
ours, servers = {}, {}
while True:
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            args = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
            if args[0] == program and b"--dolt-supervisor" not in args:
                table = ours
            elif os.path.basename(args[0]) == b"dolt" and b"sql-server" in args and (
                    os.readlink(f"/proc/{pid}/cwd").startswith(directory)
                    or any(directory.encode() in a for a in args)):
                table = servers
            else:
                continue
            for line in open(f"/proc/{pid}/status"):
                if line.startswith("VmHWM:"):
                    table[pid] = max(table.get(pid, 0), int(line.split()[1]))
        except OSError:
            continue
    if stop:
        break
    time.sleep(0.1)
with open(out, "w") as f:
    f.write(f"{max(ours.values(), default=0)} {max(servers.values(), default=0)} {len(servers)}\n")
PYEOF
    _sampler_pid=$!
}

# A private mariadbd on a unix socket, as tests/lib/lib.sh start_mariadb starts one (but with a
# 256 MiB buffer pool: 64 MiB thrashes on a million keys); bench_cleanup stops it. Sets
# MARIADB_SOCKET.
start_mariadb() {
    local dir="$BENCH_TMP/mariadb"
    mkdir -p "$dir/data"
    MARIADB_SOCKET="$dir/mysqld.sock"
    run_logged "$BENCH_TMP/logs/mariadb-install-db.log" mariadb-install-db --datadir="$dir/data" \
        --auth-root-authentication-method=normal --skip-test-db
    local as_user=()
    [ "$(id -u)" -eq 0 ] && as_user=(--user=root)
    mariadbd --no-defaults --datadir="$dir/data" --socket="$MARIADB_SOCKET" --skip-networking \
        --skip-grant-tables --pid-file="$dir/mysqld.pid" "${as_user[@]}" \
        --innodb-buffer-pool-size=256M --local-infile=1 --log-error="$dir/error.log" \
        >/dev/null 2>&1 &
    _mariadb_pid=$!
    for _ in $(seq 300); do
        [ -S "$MARIADB_SOCKET" ] && mariadb --socket="$MARIADB_SOCKET" -e 'SELECT 1' >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    cat "$dir/error.log" >&2
    echo "mariadbd did not start" >&2
    exit 1
}
maria() { mariadb --socket="$MARIADB_SOCKET" -u root "$@"; }
mariadb_hwm_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$_mariadb_pid/status" 2>/dev/null || echo 0; }

# ---- Steps shared by sync_bench.sh and dolt_remote_sync_bench.sh ------------------------------

# step TEXT: a progress line with the time since the start.
step() { printf '== [%6.0f s] %s\n' "$(elapsed "$bench_start" "$(now)")" "$1"; }

# copy_repo DEST: a copy of the cached repository: .git copied (config as generated), the work
# tree hard-linked (a million symlinks, no blocks copied; git and git-annex replace files, they
# never write into them, so the cache stays as it was).
copy_repo() {
    local dest=$1 entry
    mkdir -p "$dest"
    cp -a "$REPO/.git" "$dest/.git"
    cp "$CACHE/config.orig" "$dest/.git/config"
    for entry in "$REPO"/* "$REPO"/.[!.]*; do
        [ -e "$entry" ] || [ -L "$entry" ] || continue
        [ "${entry##*/}" = .git ] && continue
        cp -al "$entry" "$dest/"
    done
    # A repository generated with --no-checkout: git annex find needs the files.
    local first
    first=$(git -C "$dest" ls-tree -r --name-only HEAD | head -n 1) || true  # head closes the pipe
    if [ -n "$first" ] && [ ! -L "$dest/$first" ]; then
        run_logged "$BENCH_TMP/logs/checkout-${dest##*/}.log" git -C "$dest" reset -q --hard HEAD
    fi
}

# json_field FILE EXPR: a Python expression over the one JSON object `o` in FILE.
json_field() {
    python3 -c 'import json, sys; o = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# check TEXT CONDITION...: prints "ok: TEXT", or "WARNING: TEXT" and marks the run as failed.
checks_failed=0
check() {
    local text=$1; shift
    if "$@"; then
        echo "  ok: $text"
    else
        echo "  WARNING: not so: $text"
        checks_failed=1
    fi
}


# whereis_sample_agree OURS OTHER PRESENT MISSING: `git annex whereis --batch-keys --json` of the
# keys in $BENCH_TMP/sample.txt in the copies $BENCH_TMP/OURS and $BENCH_TMP/OTHER (measured as
# whereis-OURS and whereis-OTHER), then one line: how many keys OURS lacks the change for (the
# uuid PRESENT listed, MISSING not) and how many differ between the two. Fails if whereis does.
whereis_sample_agree() {
    local ours=$1 other=$2 present=$3 missing=$4 copy
    for copy in "$ours" "$other"; do
        (cd "$BENCH_TMP/$copy" && MAX_STATUS=1 measure "whereis-$copy" "$BENCH_TMP/whereis-$copy.json" \
            bash -c 'git annex whereis --batch-keys --json <"$1"' - "$BENCH_TMP/sample.txt") >/dev/null ||
            return 1
    done
    python3 - "$BENCH_TMP" "$ours" "$other" "$present" "$missing" <<'PY'
import json, sys
tmp, ours_name, other_name, present, missing = sys.argv[1:]
sample = open(f"{tmp}/sample.txt").read().split()
def where(copy):
    found = {}
    for line in open(f"{tmp}/whereis-{copy}.json"):
        if line.strip():
            o = json.loads(line)
            found[o["key"]] = sorted(e["uuid"] for e in o.get("whereis", []) + o.get("untrusted", []))
    return found
ours, other = where(ours_name), where(other_name)
bad = [k for k in sample if k not in ours or present not in ours[k] or missing in ours[k]]
differ = [k for k in sample if ours.get(k) != other.get(k)]
print(f"{len(sample)} keys; {len(bad)} without the change in {ours_name}; {len(differ)} differ"
      f" between {ours_name} and {other_name}"
      + (f" (first: {(bad + differ)[0]})" if bad or differ else ""))
PY
}

# check_options NAME...: the benches' numeric options (keys, seed, percent, sample, timeout), each
# NAME the variable an option set; exits 2 with one line naming the first that is not valid.
check_options() {
    local name value
    for name in "$@"; do
        value=${!name}
        case "$name" in
        seed) [[ "$value" =~ ^[0-9]+$ ]] || { echo "--seed: not a number: $value" >&2; exit 2; } ;;
        percent)
            [[ "$value" =~ ^[0-9]+(\.[0-9]+)?$ ]] &&
                python3 -c "import sys; sys.exit(not 0 < float(sys.argv[1]) <= 100)" "$value" ||
                { echo "--percent: not a number in (0, 100]: $value" >&2; exit 2; } ;;
        *) [[ "$value" =~ ^[1-9][0-9]*$ ]] || { echo "--$name: not a positive number: $value" >&2; exit 2; } ;;
        esac
    done
}
