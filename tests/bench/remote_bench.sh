#!/usr/bin/env bash
# Benchmark: git-annex-remote-dolt against git-annex's built-in directory special remote, on the
# same machine in the same run. See tests/bench/README.md for what it measures and how to read it.
#
# Usage: tests/bench/remote_bench.sh [--git-annex debian|newest] [--quick] [--reps N]
#                                    [--no-testremote] [--keep]
#   --git-annex debian  /usr/bin/git-annex (default)
#   --git-annex newest  the git-annex in .venv/bin (scripts/setup installs it from PyPI)
#   --quick             smoke run: SMALL of 200 files, LARGE of 1 file, one repetition, no testremote
#   --reps N            repetitions of every timed command (default: 2 for SMALL, 3 for LARGE)
#   --no-testremote     skip the two `git annex testremote` runs
#   --keep              keep the temporary directory (its path is printed) instead of removing it
# Environment: BUILD_DIR (default: the build directory next to tests/) holds git-annex-remote-dolt.
set -euo pipefail

flavour=debian quick=0 reps="" testremote=1 keep=0
while [ $# -gt 0 ]; do
    case "$1" in
        --git-annex) flavour=${2:?--git-annex needs debian or newest}; shift 2 ;;
        --git-annex=*) flavour=${1#*=}; shift ;;
        --quick) quick=1; shift ;;
        --reps) reps=${2:?--reps needs a number}; shift 2 ;;
        --reps=*) reps=${1#*=}; shift ;;
        --no-testremote) testremote=0; shift ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done

small_files=2000 small_kib=4 large_files=4 large_mib=64 small_reps=2 large_reps=3
if [ "$quick" = 1 ]; then
    small_files=200 large_files=1 small_reps=1 large_reps=1 testremote=0
fi
if [ -n "$reps" ]; then
    [[ "$reps" =~ ^[1-9][0-9]*$ ]] || { echo "--reps: not a positive number: $reps" >&2; exit 2; }
    small_reps=$reps large_reps=$reps
fi

# ---- Environment -----------------------------------------------------------------------------

source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
bench_setup

# ---- Repositories ----------------------------------------------------------------------------

# server_start_seconds STATE_FILE: seconds from the supervisor's start to its "ready" state file
# (the supervisor's start time from /proc/PID/stat and /proc/uptime; the state file's mtime).
server_start_seconds() {
    python3 - "$1" <<'EOF'
import os, sys, time
state = sys.argv[1]
supervisor = open(state).read().split()[1]
ticks = int(open(f"/proc/{supervisor}/stat").read().rsplit(")", 1)[1].split()[19])
uptime = float(open("/proc/uptime").read().split()[0])
started = time.time() - (uptime - ticks / os.sysconf("SC_CLK_TCK"))
print(f"{os.stat(state).st_mtime - started:.2f}")
EOF
}

# The dolt sql-server's supervisor for a store, to notice restarts.
supervisor_of() { awk '$1 == "ready" {print $2}' "$1/.git-annex-dolt/server.state" 2>/dev/null || true; }

# setup_workload NAME COUNT BYTES REMOTE...: a repository per remote (directory, plain, dolt)
# holding the same annexed files, each with its remote initialised and warmed up.
setup_workload() {
    local name=$1 count=$2 bytes=$3 remote repo store start end
    local remotes=("${@:4}")
    echo "== $name: $count files of $bytes bytes; setting up (untimed)"
    for remote in "${remotes[@]}"; do
        repo="$BENCH_TMP/$name-$remote"
        git init -q "$repo"
        make_content "$repo" "$count" "$bytes"
        cd "$repo"
        run_logged "$BENCH_TMP/logs/$name-$remote-init.log" git annex init "bench $name $remote"
        run_logged "$BENCH_TMP/logs/$name-$remote-add.log" git annex add --jobs=2 .
        git commit -q -m "$count files"
    done
    for remote in "${remotes[@]}"; do
        repo="$BENCH_TMP/$name-$remote"
        store="$BENCH_TMP/$name-$remote-store"
        cd "$repo"
        if [ "$remote" = directory ] || [ "$remote" = plain ]; then
            mkdir -p "$store"
            local type=(type=directory)
            [ "$remote" = plain ] && type=(type=external externaltype=plain)
            start=$(now)
            run_logged "$BENCH_TMP/logs/$name-$remote-initremote.log" \
                git annex initremote R "${type[@]}" encryption=none "directory=$store"
            end=$(now)
        else
            # serveridle: longer than any gap between two of its timed commands. 60 s is not:
            # between two dolt commands there can be a directory command and two untimed local
            # drops, which took over 60 s on a loaded 2-core machine (the server then restarted).
            start=$(now)
            run_logged "$BENCH_TMP/logs/$name-$remote-initremote.log" \
                git annex initremote R type=external externaltype=dolt encryption=none \
                "directory=$store" serveridle=600
            end=$(now)
            printf 'server\t%s\t%s\n' "$name" \
                "$(server_start_seconds "$store/.git-annex-dolt/server.state")" >>"$EXTRA"
        fi
        printf 'init\t%s-%s\t%s\n' "$name" "$remote" "$(elapsed "$start" "$end")" >>"$EXTRA"
        warm_up "$name-$remote"
    done
    cd "$BENCH_TMP"
}

# workload NAME REPS REMOTE...: the timed commands, interleaved command by command between the
# remotes; which remote goes first rotates from one command to the next.
workload() {
    local name=$1 count=$2 rep j k op remote order i
    local remotes=("${@:3}")
    local supervisor
    supervisor=$(supervisor_of "$BENCH_TMP/$name-dolt-store")
    echo "== $name: timed commands ($count repetition(s); sync before each, untimed)"
    for rep in $(seq "$count"); do
        for j in 1 4; do
            k=0
            for op in copy fsck-fast drop-local get drop-from; do
                k=$((k + 1))
                order=()
                for i in "${!remotes[@]}"; do
                    order+=("${remotes[(i + rep + j + k) % ${#remotes[@]}]}")
                done
                for remote in "${order[@]}"; do
                    cd "$BENCH_TMP/$name-$remote"
                    case "$op" in
                        copy)
                            if [ "$name" = SMALL ] && [ "$j" = 4 ]; then
                                start_sampler "$BENCH_TMP/memory-$remote-$rep.tsv" \
                                    "$BENCH_TMP/$name-$remote-store/.git-annex-dolt/server.state"
                            fi
                            timed "$name" copy "$j" "$remote" "$rep" git annex copy -J"$j" --to R
                            stop_sampler ;;
                        fsck-fast)
                            timed "$name" fsck-fast "$j" "$remote" "$rep" git annex fsck -J"$j" --from R --fast ;;
                        drop-local)
                            # Untimed: leaves the content only in R. --force skips asking R (the
                            # fsck above already timed CHECKPRESENT of every key).
                            run_logged "$BENCH_TMP/logs/$name-drop-local-J$j-$remote-$rep.log" \
                                git annex drop --force -J"$j" ;;
                        get)
                            timed "$name" get "$j" "$remote" "$rep" git annex get -J"$j" ;;
                        drop-from)
                            timed "$name" drop-from "$j" "$remote" "$rep" git annex drop -J"$j" --from R ;;
                    esac
                done
            done
        done
    done
    cd "$BENCH_TMP"
    local restarts=0
    [ "$(supervisor_of "$BENCH_TMP/$name-dolt-store")" = "$supervisor" ] || restarts=1
    printf 'restarted\t%s\t%s\n' "$name" "$restarts" >>"$EXTRA"
}

# ---- Run -------------------------------------------------------------------------------------

bench_start=$(now)
echo "git-annex-remote-dolt benchmark: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "git-annex: $(command -v git-annex) $(git annex version --raw 2>/dev/null || git annex version | head -n 1 | sed 's/.*: //')"
echo "remote:    $remote_program, built $(date -u -r "$remote_program" '+%Y-%m-%d %H:%M:%S UTC'), source $(git -C "$SOURCE_DIR" describe --always --dirty 2>/dev/null || echo '?') (run from a private copy)"
echo "dolt:      $(command -v dolt), $(dolt version 2>/dev/null | head -n 1)"
echo "SMALL: $small_files x $small_kib KiB, $small_reps repetition(s); LARGE: $large_files x $large_mib MiB, $large_reps repetition(s); in $BENCH_TMP"

# Both workloads also run on the plain external remote, when built: what any external special
# remote pays (its process start, the protocol per request) beside the directory remote.
remotes=(directory dolt)
[ -x "$BENCH_TMP/bin/git-annex-remote-plain" ] && remotes=(directory plain dolt)
setup_workload SMALL "$small_files" $((small_kib * 1024)) "${remotes[@]}"
workload SMALL "$small_reps" "${remotes[@]}"
setup_workload LARGE "$large_files" $((large_mib * 1024 * 1024)) "${remotes[@]}"
workload LARGE "$large_reps" "${remotes[@]}"

if [ "$testremote" = 1 ]; then
    echo "== testremote (full), one run each, in the SMALL repositories (after an untimed warm-up)"
    for remote in "${remotes[@]}"; do
        cd "$BENCH_TMP/SMALL-$remote"
        warm_up "testremote-$remote"
        sync
        start=$(now)
        run_logged "$BENCH_TMP/logs/testremote-$remote.log" git annex testremote R
        end=$(now)
        seconds=$(elapsed "$start" "$end")
        printf 'TESTREMOTE\ttestremote\t1\t%s\t1\t%s\t\n' "$remote" "$seconds" >>"$RESULTS"
        passed=$(grep -Eo 'All [0-9]+ tests passed' "$BENCH_TMP/logs/testremote-$remote.log" | tail -n 1 || true)
        printf '  testremote %-10s %8.3f s (%s)\n' "$remote" "$seconds" "${passed:-see log}"
    done
    cd "$BENCH_TMP"
fi

cat "$BENCH_TMP"/memory-dolt-*.tsv >>"$EXTRA" 2>/dev/null || true
printf 'total\t%s\n' "$(elapsed "$bench_start" "$(now)")" >>"$EXTRA"
printf 'load\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$EXTRA"

python3 - "$RESULTS" "$EXTRA" <<'EOF'
import collections, sys
results, extra = sys.argv[1], sys.argv[2]
times = collections.defaultdict(dict)  # (workload, op, j, remote) -> {rep: seconds}
server_cpu = collections.defaultdict(list)  # (workload, op, j) -> dolt sql-server CPU seconds
for line in open(results):
    workload, op, j, remote, rep, seconds, cpu = line.rstrip("\n").split("\t")
    times[(workload, op, int(j), remote)][int(rep)] = float(seconds)
    if cpu:
        server_cpu[(workload, op, int(j))].append(float(cpu))

TARGET = {"SMALL": 1.20, "LARGE": 1.05, "TESTREMOTE": 2.0}
OPS = [("copy", "copy --to R"), ("fsck-fast", "fsck --from R --fast"),
       ("get", "get (from R)"), ("drop-from", "drop --from R")]
summary = []
for workload in ("SMALL", "LARGE"):
    keys = [k for k in times if k[0] == workload]
    if not keys:
        continue
    reps = max(len(times[k]) for k in keys)
    stat = f"best of {reps}" if reps > 1 else "one run"
    print(f"\n{workload}: seconds, {stat}; ratio = dolt/directory of those; per-rep = range of "
          f"the ratios of single repetitions;\nserver CPU = mean CPU seconds the dolt sql-server "
          f"used during the dolt command")
    print(f"{'op':<22} {'J':>2} {'directory':>10} {'dolt':>9} {'ratio':>7} {'per-rep':>11} {'target':>7}  result  server CPU")
    misses, worst = 0, (0.0, "")
    floor = []  # (label, J, plain, plain/directory, dolt/plain) for the plain external remote
    for op, label in OPS:
        for j in (1, 4):
            d = times.get((workload, op, j, "directory"))
            o = times.get((workload, op, j, "dolt"))
            if not d or not o:
                continue
            db, ob = min(d.values()), min(o.values())
            p = times.get((workload, op, j, "plain"))
            if p:
                pb = min(p.values())
                floor.append((label, j, pb, pb / db, ob / pb))
            ratio = ob / db if db > 0 else float("inf")
            per = [o[r] / d[r] for r in d if r in o and d[r] > 0]
            span = f"{min(per):.2f}-{max(per):.2f}" if len(per) > 1 else "-"
            limit = TARGET[workload]
            result = "PASS" if ratio <= limit else "MISS"
            misses += result == "MISS"
            if ratio > worst[0]:
                worst = (ratio, f"{label} J{j}")
            cpu = server_cpu.get((workload, op, j))
            cpu_text = f"{sum(cpu) / len(cpu):8.2f} s" if cpu else "         -"
            print(f"{label:<22} {j:>2} {db:>10.3f} {ob:>9.3f} {ratio:>6.2f}x {span:>11} {limit:>6.2f}x  {result}  {cpu_text}")
    summary.append(f"{workload} {len(OPS) * 2 - misses}/{len(OPS) * 2} PASS "
                   f"(target {TARGET[workload]:.2f}x, worst {worst[0]:.2f}x: {worst[1]})")
    if floor:
        print(f"\n{workload} on the plain external remote (a copy, stat or unlink per request; no "
              f"fsync, no checks, no database),\nbest of {reps}: what any external special remote "
              f"pays beside the directory remote")
        print(f"{'op':<22} {'J':>2} {'plain':>10} {'plain/dir':>10} {'dolt/plain':>11}")
        for label, j, pb, over_dir, ours in floor:
            print(f"{label:<22} {j:>2} {pb:>10.3f} {over_dir:>9.2f}x {ours:>10.2f}x")

d = times.get(("TESTREMOTE", "testremote", 1, "directory"))
o = times.get(("TESTREMOTE", "testremote", 1, "dolt"))
p = times.get(("TESTREMOTE", "testremote", 1, "plain"))
if d and o:
    ratio = o[1] / d[1]
    result = "PASS" if ratio <= TARGET["TESTREMOTE"] else "MISS"
    print(f"\ntestremote (full, one run each): directory {d[1]:.1f} s, dolt {o[1]:.1f} s, "
          f"ratio {ratio:.2f}x (target 2.00x) {result}")
    summary.append(f"testremote {ratio:.2f}x {result} (target 2.00x)")
    if p:
        print(f"  the plain external remote (no database, no fsync, no checks): {p[1]:.1f} s, "
              f"{p[1] / d[1]:.2f}x the directory remote; dolt / plain {o[1] / p[1]:.2f}x")
        summary.append(f"testremote plain external remote {p[1] / d[1]:.2f}x, dolt/plain "
                       f"{o[1] / p[1]:.2f}x")

init, server, restarted, memory, other = {}, {}, {}, collections.defaultdict(list), {}
for line in open(extra):
    fields = line.rstrip("\n").split("\t")
    if fields[0] == "init":
        init[fields[1]] = float(fields[2])
    elif fields[0] == "server":
        server[fields[1]] = float(fields[2])
    elif fields[0] == "restarted":
        restarted[fields[1]] = int(fields[2])
    elif fields[0] == "memory":
        memory[fields[1]].append(int(fields[2]))
    else:
        other[fields[0]] = fields[1]
print("\nOne-time costs (not in the tables):")
for workload in ("SMALL", "LARGE"):
    if f"{workload}-dolt" in init:
        print(f"  initremote ({workload} repository): directory {init[workload + '-directory']:.2f} s, "
              f"dolt {init[workload + '-dolt']:.2f} s (dolt init, first dolt sql-server start, schema)")
        print(f"    of which the dolt sql-server start (supervisor spawned -> ready): "
              f"{server.get(workload, float('nan')):.2f} s")
for workload, count in restarted.items():
    if count:
        print(f"  WARNING: the {workload} dolt sql-server restarted during the timed commands")
if memory:
    mib = lambda kib: kib / 1024
    print("Peak memory during the SMALL -J4 copy --to R (VmHWM sampled every 50 ms, max over repetitions):")
    print(f"  git-annex-remote-dolt:  {mib(max(memory['remote_kib'])):.1f} MiB "
          f"({max(memory['remote_processes'])} remote process per command)")
    print(f"  its dolt sql-server:    {mib(max(memory['server_kib'])):.1f} MiB (peak since the server started)")
    summary.append(f"peak RSS remote {mib(max(memory['remote_kib'])):.1f} MiB, "
                   f"dolt sql-server {mib(max(memory['server_kib'])):.1f} MiB")
if "total" in other:
    print(f"Whole run: {float(other['total']):.0f} s; load average at the end: {other.get('load', '?')}")
print("\nSummary: " + "; ".join(summary))
EOF
