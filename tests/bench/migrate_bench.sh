#!/usr/bin/env bash
# Benchmark: `git-annex-dolt migrate` and its queries against their floors (reading the branch raw,
# bulk-loading the same rows) and against git-annex's own whereis/find, on a synthetic repository
# made by make_annex_repo.py. See tests/bench/README.md for what it measures and how to read it.
#
# Usage: tests/bench/migrate_bench.sh [--keys N] [--seed S] [--skip-git-annex] [--timeout S] [--keep]
#   --keys N            keys in the generated repository (default 1000000)
#   --seed S            generator seed (default 1)
#   --skip-git-annex    skip the slow `git annex whereis --all` and `git annex find` runs
#   --timeout S         stop any one command of ours after S seconds (default 3600)
#   --keep              keep the temporary directory (its path is printed) instead of removing it
# Environment: BUILD_DIR (default: the build directory next to tests/) holds git-annex-dolt;
#   GAD_BENCH_CACHE (default /tmp/gad-migrate-bench-cache) holds generated repositories, reused
#   across runs (keys<N>-seed<S>/; delete it to regenerate); GAD_QUERY_ARGS, extra arguments for
#   our whereis/find (e.g. --database URL) if they cannot find the migrated database by themselves.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOURCE_DIR=$(cd "$SCRIPT_DIR/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$SOURCE_DIR/build}
CACHE_ROOT=${GAD_BENCH_CACHE:-/tmp/gad-migrate-bench-cache}

keys=1000000 seed=1 skip_git_annex=0 keep=0 timeout=3600
while [ $# -gt 0 ]; do
    case "$1" in
        --keys) keys=${2:?--keys needs a number}; shift 2 ;;
        --keys=*) keys=${1#*=}; shift ;;
        --seed) seed=${2:?--seed needs a number}; shift 2 ;;
        --seed=*) seed=${1#*=}; shift ;;
        --skip-git-annex) skip_git_annex=1; shift ;;
        --timeout) timeout=${2:?--timeout needs seconds}; shift 2 ;;
        --timeout=*) timeout=${1#*=}; shift ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done
[[ "$keys" =~ ^[1-9][0-9]*$ ]] || { echo "--keys: not a positive number: $keys" >&2; exit 2; }
[[ "$seed" =~ ^[0-9]+$ ]] || { echo "--seed: not a number: $seed" >&2; exit 2; }
[[ "$timeout" =~ ^[1-9][0-9]*$ ]] || { echo "--timeout: not a positive number: $timeout" >&2; exit 2; }

# The two repositories git-annex and we are asked about: A has the key, B does not.
FIND_IN=server FIND_NOT_IN=archive

# ---- Environment -----------------------------------------------------------------------------

missing=()
for tool in git python3 dolt mariadbd mariadb-install-db mariadb; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
[ "$skip_git_annex" = 1 ] || command -v git-annex >/dev/null || missing+=(git-annex)
[ -x /usr/bin/time ] || missing+=("/usr/bin/time (apt-get install time)")
if [ ${#missing[@]} -gt 0 ]; then
    echo "missing: ${missing[*]}" >&2
    exit 1
fi
export PATH="$BUILD_DIR:/usr/bin:$PATH"
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.org
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.org
export HOME="${HOME:-/root}"

BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/gad-migrate-bench.XXXXXX")
_child="" _sampler_pid="" _mariadb_pid=""
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    for pid in $_child $_sampler_pid; do kill "$pid" 2>/dev/null || true; done
    for pid in $_child $_sampler_pid; do wait "$pid" 2>/dev/null || true; done
    if [ -n "$_mariadb_pid" ]; then
        kill "$_mariadb_pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$_mariadb_pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$_mariadb_pid" 2>/dev/null || true
    fi
    if [ "$keep" = 1 ]; then
        echo "kept $BENCH_TMP (dolt sql-servers started by git-annex-dolt stop once it is removed)"
    else
        rm -rf "$BENCH_TMP" 2>/dev/null || { sleep 1; rm -rf "$BENCH_TMP" || true; }
    fi
    [ "$status" -eq 0 ] || echo "benchmark FAILED (exit $status)" >&2
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$BENCH_TMP/bin" "$BENCH_TMP/logs"
# Our program runs from a private copy, so a rebuild of BUILD_DIR during the run cannot change it.
ours=""
if [ -x "$BUILD_DIR/git-annex-dolt" ]; then
    cp "$BUILD_DIR/git-annex-dolt" "$BENCH_TMP/bin/git-annex-dolt"
    ours="$BENCH_TMP/bin/git-annex-dolt"
fi

RESULTS="$BENCH_TMP/results.tsv"  # name seconds peak-KiB status(ok|na|failed) note
: >"$RESULTS"

source "$SCRIPT_DIR/bench_common.sh"

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
    start_sampler "$BENCH_TMP" "$BENCH_TMP/logs/$name.memory"
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
    if [ "${server_kib:-0}" -gt 0 ]; then
        printf '%s-dolt-server\t\t%s\tok\t%s dolt sql-server(s), peak since start\n' \
            "$name" "$server_kib" "$servers" >>"$RESULTS"
    fi
}

# Samples every 100 ms the peak RSS (VmHWM) of our program's processes (not its supervisors) and
# of dolt sql-servers whose directory or arguments are under DIR; writes "ours server count".
start_sampler() {
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
# 256 MiB buffer pool: 64 MiB thrashes on a million keys). Sets MARIADB_SOCKET.
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

# The tables the bulk load fills: locations as core/location/schema.cpp has it; urls and metadata
# in the shape we expect the migration to give them (not in schema.cpp yet).
SCHEMA="
CREATE TABLE repositories (
 uuid VARCHAR(36) COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
 description VARCHAR(1024) NOT NULL DEFAULT '');
CREATE TABLE locations (
 annex_key VARBINARY(512) NOT NULL,
 uuid VARCHAR(36) COLLATE utf8mb4_bin NOT NULL,
 status CHAR(1) NOT NULL,
 ts DECIMAL(24,12) NOT NULL,
 PRIMARY KEY (annex_key, uuid),
 KEY locations_by_uuid (uuid, status));
CREATE TABLE urls (
 annex_key VARBINARY(512) NOT NULL,
 url VARBINARY(2048) NOT NULL,
 status CHAR(1) NOT NULL,
 ts DECIMAL(24,12) NOT NULL,
 PRIMARY KEY (annex_key, url));
CREATE TABLE metadata (
 annex_key VARBINARY(512) NOT NULL,
 field VARBINARY(255) NOT NULL,
 value VARBINARY(1024) NOT NULL,
 PRIMARY KEY (annex_key, field, value));
"
TABLES="repositories locations urls metadata"

# ---- The repository --------------------------------------------------------------------------

bench_start=$(now)
echo "git-annex-dolt migrate benchmark: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "$ours" ]; then
    echo "ours:      $BUILD_DIR/git-annex-dolt, built $(date -u -r "$BUILD_DIR/git-annex-dolt" '+%Y-%m-%d %H:%M:%S UTC'), source $(git -C "$SOURCE_DIR" describe --always --dirty 2>/dev/null || echo '?') (run from a private copy)"
else
    echo "ours:      no $BUILD_DIR/git-annex-dolt"
fi
echo "dolt:      $(command -v dolt), $(dolt version 2>/dev/null | head -n 1)"
echo "mariadbd:  $(mariadbd --version 2>/dev/null | head -n 1)"
[ "$skip_git_annex" = 1 ] || echo "git-annex: $(command -v git-annex) $(git annex version --raw 2>/dev/null || git annex version | head -n 1)"

CACHE="$CACHE_ROOT/keys$keys-seed$seed"
REPO="$CACHE/repo" CSV="$CACHE/csv"
generation=""
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
    # Undo what an earlier run's migration may have configured.
    cp "$CACHE/config.orig" "$REPO/.git/config"
fi
gen_seconds=? gen_kib=0
[ -f "$CACHE/generate.time" ] && read -r gen_seconds gen_kib < <(tail -n 1 "$CACHE/generate.time")
echo "   generation: $gen_seconds s, peak RSS $((gen_kib / 1024)) MiB${generation:+ (this run)}; .git $(du -sh "$REPO/.git" | cut -f1), CSV $(du -sh "$CSV" | cut -f1)"
rows=$(($(wc -l <"$CSV/locations.csv") - 1))
urls=$(($(wc -l <"$CSV/urls.csv") - 1))
metadata=$(($(wc -l <"$CSV/metadata.csv") - 1))
echo "   rows: $rows locations, $urls urls, $metadata metadata values"

cd "$REPO"
# Everything in the page cache before timing (an untimed read of the packs).
cat .git/objects/pack/*.pack >/dev/null

# ---- (a) the floor: every branch blob read raw ------------------------------------------------

echo "== (a) floor: git ls-tree -r git-annex | git cat-file --batch (all blobs, output discarded)"
measure floor-read-branch /dev/null bash -c \
    'git ls-tree -r git-annex | cut -f1 | cut -d" " -f3 | git cat-file --batch'

# ---- (b) bulk load of the same rows ------------------------------------------------------------

echo "== (b) bulk load of the rows the migration writes (from make_annex_repo.py --csv)"
mkdir -p "$BENCH_TMP/bulk-dolt"
(cd "$BENCH_TMP/bulk-dolt" && dolt init --name bench --email bench@example.org >/dev/null &&
    dolt sql -q "$SCHEMA" >/dev/null)
imports=""
for table in $TABLES; do imports+="dolt table import -u $table '$CSV/$table.csv' && "; done
(cd "$BENCH_TMP/bulk-dolt" &&
    measure bulk-load-dolt /dev/null bash -c "$imports dolt add -A && dolt commit -m 'bulk load'") || true
if grep -q '^bulk-load-dolt' "$RESULTS"; then
    count=$(cd "$BENCH_TMP/bulk-dolt" && dolt sql -r csv -q 'SELECT COUNT(*) FROM locations' | tail -n 1)
    [ "$count" = "$rows" ] || echo "  WARNING: Dolt has $count location rows, the CSV $rows"
fi

start_mariadb
maria -e "CREATE DATABASE bulk; CREATE DATABASE bench"
maria -D bulk -e "$SCHEMA"
loads=""
for table in $TABLES; do
    loads+="LOAD DATA LOCAL INFILE '$CSV/$table.csv' INTO TABLE $table FIELDS TERMINATED BY ',' IGNORE 1 LINES; "
done
measure bulk-load-mariadb /dev/null mariadb --socket="$MARIADB_SOCKET" -u root --local-infile=1 -D bulk -e "$loads" || true
count=$(maria -N -B -D bulk -e 'SELECT COUNT(*) FROM locations')
[ "$count" = "$rows" ] || echo "  WARNING: MariaDB has $count location rows, the CSV $rows"
maria -e "DROP DATABASE bulk"
echo "  (mariadbd peak RSS so far: $(( $(mariadb_hwm_kib) / 1024 )) MiB)"

# ---- (c) our migration --------------------------------------------------------------------------

echo "== (c) git-annex-dolt migrate"
ours_measure migrate-mariadb /dev/null migrate --database "mysql://root@localhost/bench?socket=$MARIADB_SOCKET" || true
ours_measure migrate-dolt /dev/null migrate --to "$BENCH_TMP/migrated-dolt" || true

# ---- (d) git-annex --------------------------------------------------------------------------------

if [ "$skip_git_annex" = 1 ]; then
    record git-annex-whereis-all na "skipped (--skip-git-annex)"
    record git-annex-find na "skipped (--skip-git-annex)"
else
    echo "== (d) git-annex (an untimed git annex info first: it builds .git/annex/index once)"
    run_logged "$BENCH_TMP/logs/git-annex-warmup.log" git annex info --fast
    # Exit status 1 is normal: whereis fails for keys with no copy (in a trusted repository).
    MAX_STATUS=1 measure git-annex-whereis-all /dev/null git annex whereis --all --json || true
    measure git-annex-find "$BENCH_TMP/find-git-annex.txt" \
        git annex find --in="$FIND_IN" --not --in="$FIND_NOT_IN" || true
fi

# ---- (e) our queries --------------------------------------------------------------------------------

echo "== (e) git-annex-dolt queries (after the migrations)"
# shellcheck disable=SC2086
MAX_STATUS=1 ours_measure ours-whereis-all /dev/null whereis --all --json ${GAD_QUERY_ARGS:-} || true
# shellcheck disable=SC2086
ours_measure ours-find "$BENCH_TMP/find-ours.txt" find --in="$FIND_IN" --not-in="$FIND_NOT_IN" ${GAD_QUERY_ARGS:-} || true
if [ -s "$BENCH_TMP/find-git-annex.txt" ] && grep -q '^ours-find	.*	ok' "$RESULTS"; then
    if cmp -s <(sort "$BENCH_TMP/find-git-annex.txt") <(sort "$BENCH_TMP/find-ours.txt"); then
        echo "  find: the same $(wc -l <"$BENCH_TMP/find-ours.txt") files as git-annex"
    else
        echo "  WARNING: find lists other files than git-annex ($(wc -l <"$BENCH_TMP/find-ours.txt") vs $(wc -l <"$BENCH_TMP/find-git-annex.txt"); logs in $BENCH_TMP)"
        keep=1
    fi
fi

printf 'total\t%s\n' "$(elapsed "$bench_start" "$(now)")" >"$BENCH_TMP/extra.tsv"
printf 'load\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$BENCH_TMP/extra.tsv"

python3 - "$RESULTS" "$BENCH_TMP/extra.tsv" "$keys" "$FIND_IN" "$FIND_NOT_IN" <<'EOF'
import sys
results, extra, keys, find_in, find_not_in = sys.argv[1:6]
rows, seconds, kib = {}, {}, {}
for line in open(results):
    name, s, k, status, note = line.rstrip("\n").split("\t")
    rows[name] = (status, note)
    if status == "ok":
        if s:
            seconds[name] = float(s)
        if k:
            kib[name] = int(k)
LABELS = [
    ("floor-read-branch", "(a) floor: ls-tree | cat-file --batch"),
    ("bulk-load-dolt", "(b) bulk load, Dolt (table import + commit)"),
    ("bulk-load-mariadb", "(b) bulk load, MariaDB (LOAD DATA LOCAL)"),
    ("migrate-dolt", "(c) git-annex-dolt migrate --to DIR"),
    ("migrate-mariadb", "(c) git-annex-dolt migrate --database"),
    ("git-annex-whereis-all", "(d) git annex whereis --all --json"),
    ("git-annex-find", f"(d) git annex find --in={find_in} --not --in={find_not_in}"),
    ("ours-whereis-all", "(e) git-annex-dolt whereis --all --json"),
    ("ours-find", f"(e) git-annex-dolt find --in={find_in} --not-in={find_not_in}"),
]
print(f"\n{int(keys):,} keys; wall-clock seconds and peak RSS (one run each)")
print(f"{'':<58} {'seconds':>9} {'peak RSS':>10}")
LABELS = [row for name, label in LABELS
          for row in [(name, label)] + ([(name + "-dolt-server", "    its dolt sql-server")]
                                        if name + "-dolt-server" in rows else [])]
for name, label in LABELS:
    status, note = rows.get(name, ("na", "not run"))
    if status == "ok":
        s = f"{seconds[name]:9.2f}" if name in seconds else f"{'-':>9}"
        m = f"{kib[name] / 1024:6.1f} MiB" if name in kib else ""
        print(f"{label:<58} {s} {m:>10}{'  ' + note if note else ''}")
    else:
        print(f"{label:<58} {note}")

def ratio(label, top, bottom, target, higher_is_better):
    if all(n in seconds for n in top + bottom):
        t, b = sum(seconds[n] for n in top), sum(seconds[n] for n in bottom)
        r = t / b if b > 0 else float("inf")
        ok = r >= target if higher_is_better else r <= target
        sign = ">=" if higher_is_better else "<="
        print(f"  {label:<62} {r:8.2f}x  (target {sign} {target:g})  {'PASS' if ok else 'MISS'}")
        return "PASS" if ok else "MISS"
    print(f"  {label:<62} {'-':>8}   not available")
    return None

print("\nRatios:")
verdicts = [
    ratio("migrate (Dolt) / (floor + bulk load Dolt)", ["migrate-dolt"],
          ["floor-read-branch", "bulk-load-dolt"], 1.5, False),
    ratio("migrate (MariaDB) / (floor + bulk load MariaDB)", ["migrate-mariadb"],
          ["floor-read-branch", "bulk-load-mariadb"], 1.5, False),
    ratio("git annex whereis --all / migrate (Dolt)", ["git-annex-whereis-all"], ["migrate-dolt"], 3, True),
    ratio("git annex whereis --all / migrate (MariaDB)", ["git-annex-whereis-all"], ["migrate-mariadb"], 3, True),
    ratio("git annex find / our find", ["git-annex-find"], ["ours-find"], 250, True),
]
if "ours-whereis-all" in seconds and "git-annex-whereis-all" in seconds:
    print(f"  {'git annex whereis --all / our whereis --all (no target)':<62} "
          f"{seconds['git-annex-whereis-all'] / seconds['ours-whereis-all']:8.2f}x")
ours = {n: kib[n] for n in ("migrate-dolt", "migrate-mariadb", "ours-whereis-all", "ours-find") if n in kib}
if ours:
    worst = max(ours, key=ours.get)
    mib = ours[worst] / 1024
    ok = mib < 300
    verdicts.append("PASS" if ok else "MISS")
    print(f"  {'peak RSS of git-annex-dolt (largest: ' + worst + ')':<62} {mib:7.1f} MiB (target < 300 MiB)  {'PASS' if ok else 'MISS'}")
else:
    print(f"  {'peak RSS of git-annex-dolt':<62} {'-':>8}   not available")
done = [v for v in verdicts if v]
other = dict(line.rstrip("\n").split("\t", 1) for line in open(extra))
print(f"\nWhole run: {float(other['total']):.0f} s; load average at the end: {other['load']}")
print(f"Summary: {done.count('PASS')}/{len(done)} measurable targets PASS"
      + (f"; {len(verdicts) - len(done)} not measurable yet" if len(done) < len(verdicts) else ""))
EOF
