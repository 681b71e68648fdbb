#!/usr/bin/env bash
# Benchmark: git-annex-remote-dolt with filestore=sftp://... against plain scp and sftp -b copying
# the same files to the same private sshd on loopback, in the same run. See tests/bench/README.md.
#
# Usage: tests/bench/sftp_bench.sh [--git-annex debian|newest] [--quick] [--reps N]
#                                  [--only SMALL|LARGE] [--keep]
#   --git-annex debian  /usr/bin/git-annex (default)
#   --git-annex newest  the git-annex in .venv/bin (scripts/setup installs it from PyPI)
#   --quick             smoke run: SMALL of 200 files, LARGE of 1 file, one repetition
#   --reps N            repetitions of every timed command (default: 2 for SMALL, 3 for LARGE)
#   --only WORKLOAD     run only SMALL or only LARGE
#   --keep              keep the temporary directory (its path is printed) instead of removing it
# Environment: BUILD_DIR (default: the build directory next to tests/) holds git-annex-remote-dolt.
set -euo pipefail

flavour=debian quick=0 reps="" keep=0 only=""
while [ $# -gt 0 ]; do
    case "$1" in
        --git-annex) flavour=${2:?--git-annex needs debian or newest}; shift 2 ;;
        --git-annex=*) flavour=${1#*=}; shift ;;
        --quick) quick=1; shift ;;
        --reps) reps=${2:?--reps needs a number}; shift 2 ;;
        --reps=*) reps=${1#*=}; shift ;;
        --only) only=${2:?--only needs SMALL or LARGE}; shift 2 ;;
        --only=*) only=${1#*=}; shift ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done

small_files=2000 small_kib=4 large_files=4 large_mib=64 small_reps=2 large_reps=3
if [ "$quick" = 1 ]; then
    small_files=200 large_files=1 small_reps=1 large_reps=1
fi
case "$only" in ''|SMALL|LARGE) ;; *) echo "--only: SMALL or LARGE, not '$only'" >&2; exit 2 ;; esac
if [ -n "$reps" ]; then
    [[ "$reps" =~ ^[1-9][0-9]*$ ]] || { echo "--reps: not a positive number: $reps" >&2; exit 2; }
    small_reps=$reps large_reps=$reps
fi

# ---- Environment -----------------------------------------------------------------------------

source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
# start_sshd comes from the integration tests' helpers; their own temporary directory and exit
# trap are replaced by the benchmark's.
GAD_BUILD_DIR=$BUILD_DIR GAD_SOURCE_DIR=$SOURCE_DIR source "$SOURCE_DIR/tests/lib/lib.sh"
trap - EXIT
rmdir "$TEST_TMP"
for program in /usr/sbin/sshd scp sftp ssh-keygen; do
    command -v "$program" >/dev/null || { echo "$program is not installed (openssh-server, openssh-client)" >&2; exit 1; }
done
bench_setup
TEST_TMP=$BENCH_TMP
start_sshd sshd
_bench_pids+=("${_cleanup_pids[@]}")
unset SSH_AUTH_SOCK  # the key files only, for our remote and the plain clients alike
HOST="$(id -un)@127.0.0.1"
ssh_options=(-F /dev/null -i "$SSHD_KEY" -o IdentitiesOnly=yes -o "UserKnownHostsFile=$SSHD_KNOWN_HOSTS"
             -o StrictHostKeyChecking=yes -o BatchMode=yes -P "$SSHD_PORT")

# ---- Repositories ----------------------------------------------------------------------------

# setup_workload NAME COUNT BYTES: a repository with the annexed files and our remote R on the
# sshd (locations in $BENCH_TMP/NAME-dolt-store, objects in NAME-sftp-store), warmed up; and the
# same files as plain files in NAME-plain for scp and sftp.
setup_workload() {
    local name=$1 count=$2 bytes=$3 repo="$BENCH_TMP/$1-dolt" start end
    echo "== $name: $count files of $bytes bytes; setting up (untimed)"
    mkdir -p "$BENCH_TMP/$name-plain" "$BENCH_TMP/$name-sftp-store"
    make_content "$BENCH_TMP/$name-plain" "$count" "$bytes"
    git init -q "$repo"
    cp "$BENCH_TMP/$name-plain"/f*.bin "$repo"/
    cd "$repo"
    run_logged "$BENCH_TMP/logs/$name-init.log" git annex init "bench $name sftp"
    run_logged "$BENCH_TMP/logs/$name-add.log" git annex add --jobs=2 .
    git commit -q -m "$count files"
    start=$(now)
    run_logged "$BENCH_TMP/logs/$name-initremote.log" \
        git annex initremote R type=external externaltype=dolt encryption=none \
        "filestore=sftp://$HOST:$SSHD_PORT$BENCH_TMP/$name-sftp-store" \
        "identityfile=$SSHD_KEY" "knownhosts=$SSHD_KNOWN_HOSTS" \
        "directory=$BENCH_TMP/$name-dolt-store" serveridle=600
    end=$(now)
    printf 'init\t%s\t%s\n' "$name" "$(elapsed "$start" "$end")" >>"$EXTRA"
    warm_up "$name"
    cd "$BENCH_TMP"
}

# plain TOOL OP NAME: sets PLAIN to the command copying the NAME files with scp or sftp -b, to
# the server (OP copy, into NAME-TOOL-remote) or back (OP get, into NAME-TOOL-local).
plain() {
    local tool=$1 op=$2 name=$3 remote="$BENCH_TMP/$3-$1-remote" local="$BENCH_TMP/$3-$1-local"
    local batch="$BENCH_TMP/$name-$tool-$op.batch"
    case "$tool-$op" in
        scp-copy) PLAIN=(scp -q "${ssh_options[@]}" "$BENCH_TMP/$name-plain"/f*.bin "$HOST:$remote/") ;;
        scp-get) PLAIN=(scp -q "${ssh_options[@]}" "$HOST:$remote/*" "$local/") ;;
        sftp-copy)
            printf 'put %s/f*.bin %s/\n' "$BENCH_TMP/$name-plain" "$remote" >"$batch"
            PLAIN=(sftp -q "${ssh_options[@]}" -b "$batch" "$HOST") ;;
        sftp-get)
            printf 'get %s/* %s/\n' "$remote" "$local" >"$batch"
            PLAIN=(sftp -q "${ssh_options[@]}" -b "$batch" "$HOST") ;;
    esac
}

# workload NAME REPS: per repetition, copy to the server then get back, by our remote at -J1 and
# -J4, scp and sftp -b, one after the other; the order rotates from one repetition to the next so
# load from other processes hits all alike.
workload() {
    local name=$1 count=$2 rep op way ways i
    echo "== $name: timed commands ($count repetition(s); sync before each, untimed)"
    for rep in $(seq "$count"); do
        for op in copy get; do
            ways=(dolt-1 dolt-4 scp sftp)
            for i in $(seq 0 3); do
                way=${ways[$(( (i + rep) % 4 ))]}
                case "$way-$op" in
                    dolt-*-copy)
                        cd "$BENCH_TMP/$name-dolt"
                        # Content only local: the copy sends everything.
                        run_logged "$BENCH_TMP/logs/$name-dropfrom-$way-$rep.log" \
                            git annex drop -J4 --from R
                        start_sampler "$BENCH_TMP/memory-$name-$op-J${way#dolt-}-$rep.tsv" \
                            "$BENCH_TMP/$name-dolt-store/.git-annex-dolt/server.state"
                        timed "$name" copy "${way#dolt-}" dolt "$rep" git annex copy -J"${way#dolt-}" --to R
                        stop_sampler ;;
                    dolt-*-get)
                        cd "$BENCH_TMP/$name-dolt"
                        # Content only in R (--force: copy --to R just put it there).
                        run_logged "$BENCH_TMP/logs/$name-droplocal-$way-$rep.log" \
                            git annex drop --force -J4
                        start_sampler "$BENCH_TMP/memory-$name-$op-J${way#dolt-}-$rep.tsv" \
                            "$BENCH_TMP/$name-dolt-store/.git-annex-dolt/server.state"
                        timed "$name" get "${way#dolt-}" dolt "$rep" git annex get -J"${way#dolt-}"
                        stop_sampler ;;
                    *-copy)
                        rm -rf "$BENCH_TMP/$name-$way-remote"
                        mkdir -p "$BENCH_TMP/$name-$way-remote"
                        cd "$BENCH_TMP"
                        plain "$way" copy "$name"
                        timed "$name" copy 1 "$way" "$rep" "${PLAIN[@]}" ;;
                    *-get)
                        rm -rf "$BENCH_TMP/$name-$way-local"
                        mkdir -p "$BENCH_TMP/$name-$way-local"
                        cd "$BENCH_TMP"
                        plain "$way" get "$name"
                        timed "$name" get 1 "$way" "$rep" "${PLAIN[@]}" ;;
                esac
            done
        done
        # Each way got the same bytes back.
        for way in scp sftp; do
            cmp -s "$BENCH_TMP/$name-plain/$(cd "$BENCH_TMP/$name-plain" && ls | head -n 1)" \
                "$BENCH_TMP/$name-$way-local/$(cd "$BENCH_TMP/$name-plain" && ls | head -n 1)" ||
                { echo "FAILED: $way got other content back" >&2; exit 1; }
        done
        [ "$(find "$BENCH_TMP/$name-sftp-store" -name 'SHA256E-*' -type f | wc -l)" = "$(ls "$BENCH_TMP/$name-plain" | wc -l)" ] ||
            { echo "FAILED: the sftp filestore does not hold every file" >&2; exit 1; }
    done
    cd "$BENCH_TMP"
}

# ---- Run -------------------------------------------------------------------------------------

bench_start=$(now)
echo "git-annex-remote-dolt SFTP benchmark: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "git-annex: $(command -v git-annex) $(git annex version --raw 2>/dev/null || git annex version | head -n 1 | sed 's/.*: //')"
echo "remote:    $remote_program, built $(date -u -r "$remote_program" '+%Y-%m-%d %H:%M:%S UTC'), source $(git -C "$SOURCE_DIR" describe --always --dirty 2>/dev/null || echo '?') (run from a private copy)"
echo "sshd:      $(/usr/sbin/sshd -V 2>&1 | head -n 1 || true) on 127.0.0.1:$SSHD_PORT (internal-sftp); clients $(ssh -V 2>&1)"
echo "SMALL: $small_files x $small_kib KiB, $small_reps repetition(s); LARGE: $large_files x $large_mib MiB, $large_reps repetition(s); in $BENCH_TMP"

if [ "$only" != LARGE ]; then
    setup_workload SMALL "$small_files" $((small_kib * 1024))
    workload SMALL "$small_reps"
fi
if [ "$only" != SMALL ]; then
    setup_workload LARGE "$large_files" $((large_mib * 1024 * 1024))
    workload LARGE "$large_reps"
fi

for file in "$BENCH_TMP"/memory-*.tsv; do
    [ -e "$file" ] || continue
    tag=$(basename "$file" .tsv)  # memory-WORKLOAD-OP-JN-REP
    awk -v tag="$tag" '$2 == "remote_kib" {print "memory\t" tag "\t" $3}' "$file" >>"$EXTRA"
done
printf 'total\t%s\n' "$(elapsed "$bench_start" "$(now)")" >>"$EXTRA"
printf 'load\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$EXTRA"

python3 - "$RESULTS" "$EXTRA" <<'EOF'
import collections, sys
results, extra = sys.argv[1], sys.argv[2]
times = collections.defaultdict(dict)  # (workload, op, way) -> {rep: seconds}
for line in open(results):
    workload, op, j, remote, rep, seconds, _ = line.rstrip("\n").split("\t")
    way = f"dolt J{j}" if remote == "dolt" else remote
    times[(workload, op, way)][int(rep)] = float(seconds)
memory = collections.defaultdict(int)  # (workload, op, way) -> peak KiB of a remote process
for line in open(extra):
    fields = line.rstrip("\n").split("\t")
    if fields[0] == "memory":
        _, workload, op, j, _ = fields[1].split("-")
        key = (workload, op, f"dolt {j}")
        memory[key] = max(memory[key], int(fields[2]))
    elif fields[0] == "total":
        total = float(fields[1])
    elif fields[0] == "load":
        load = fields[1]

TARGET = 1.3  # ours at -J1 against plain sftp, LARGE
OPS = [("copy", "copy --to R / put"), ("get", "get / get")]
WAYS = ["dolt J1", "dolt J4", "scp", "sftp"]
summary = []
for workload in ("SMALL", "LARGE"):
    keys = [k for k in times if k[0] == workload]
    if not keys:
        continue
    reps = max(len(times[k]) for k in keys)
    stat = f"best of {reps}" if reps > 1 else "one run"
    print(f"\n{workload}: seconds, {stat}; ratios = ours / plain of those; peak RSS = the remote "
          f"process's VmHWM (max over repetitions)")
    print(f"{'op':<18} {'dolt J1':>8} {'dolt J4':>8} {'scp':>8} {'sftp -b':>8}  {'J1/sftp':>7} "
          f"{'J1/scp':>7} {'J4/sftp':>7} {'J4/scp':>7}  {'RSS J1':>8} {'RSS J4':>8}")
    for op, label in OPS:
        best = {w: min(times[(workload, op, w)].values()) for w in WAYS if (workload, op, w) in times}
        if len(best) < 4:
            continue
        r = lambda a, b: best[a] / best[b] if best[b] > 0 else float("inf")
        rss = lambda w: f"{memory[(workload, op, w)] / 1024:6.1f} MiB" if (workload, op, w) in memory else "       -"
        print(f"{label:<18} {best['dolt J1']:>8.3f} {best['dolt J4']:>8.3f} {best['scp']:>8.3f} "
              f"{best['sftp']:>8.3f}  {r('dolt J1', 'sftp'):>6.2f}x {r('dolt J1', 'scp'):>6.2f}x "
              f"{r('dolt J4', 'sftp'):>6.2f}x {r('dolt J4', 'scp'):>6.2f}x  {rss('dolt J1')} {rss('dolt J4')}")
        if workload == "LARGE":
            ratio = r("dolt J1", "sftp")
            summary.append(f"LARGE {op} J1/sftp {ratio:.2f}x {'PASS' if ratio <= TARGET else 'MISS'} "
                           f"(target {TARGET:.1f}x; J1/scp {r('dolt J1', 'scp'):.2f}x, "
                           f"J4/sftp {r('dolt J4', 'sftp'):.2f}x)")
if memory:
    peak = max(memory.values())
    summary.append(f"peak RSS of the remote {peak / 1024:.1f} MiB")
print(f"\nWhole run: {total:.0f} s; load average at the end: {load}")
print("\nSummary: " + "; ".join(summary))
EOF
