#!/usr/bin/env bash
# Benchmark: location history through a Dolt remote (issue 17 item 4). Two clones of the
# synthetic repository (make_annex_repo.py), each with a store cloned from one file:// Dolt
# remote; in the first, 1% of the keys change location (SQL on its store, as a dolt-annex user's
# tools would write them); then `git-annex-dolt sync` there (writes the git-annex branch's ref,
# pushes to the Dolt remote) and `git-annex-dolt sync` in the second (pulls and merges from the
# Dolt remote, writes its ref). Timed against git-annex moving the same change between two clones:
# `git annex setpresentkey --batch` in the first (untimed, as our SQL is), then `git annex sync
# --only-annex --no-content` in the first (commits, pushes to the second) and in the second (merges). Prints
# both sides' absolute times, the ratio, and the peak memory of each command.
#
# Usage: tests/bench/dolt_remote_sync_bench.sh [--keys N] [--seed S] [--percent P] [--sample N]
#                                              [--timeout S] [--keep]
#   --keys N            keys in the generated repository (default 1000000)
#   --seed S            generator seed (default 1)
#   --percent P         share of the keys whose locations change, in percent (default 1)
#   --sample N          changed keys checked with git annex whereis in the second clone (default 200)
#   --timeout S         stop any one command of ours after S seconds (default 3600)
#   --keep              keep the temporary directory (its path is printed) instead of removing it
# Environment: BUILD_DIR (default: the build directory next to tests/) holds git-annex-dolt;
#   GAD_BENCH_CACHE (default /tmp/gad-migrate-bench-cache): the generated repositories, shared
#   with migrate_bench.sh and sync_bench.sh.
set -euo pipefail

keys=1000000 seed=1 percent=1 sample=200 keep=0 timeout=3600
while [ $# -gt 0 ]; do
    case "$1" in
        --keys) keys=${2:?--keys needs a number}; shift 2 ;;
        --keys=*) keys=${1#*=}; shift ;;
        --seed) seed=${2:?--seed needs a number}; shift 2 ;;
        --seed=*) seed=${1#*=}; shift ;;
        --percent) percent=${2:?--percent needs a number}; shift 2 ;;
        --percent=*) percent=${1#*=}; shift ;;
        --sample) sample=${2:?--sample needs a number}; shift 2 ;;
        --sample=*) sample=${1#*=}; shift ;;
        --timeout) timeout=${2:?--timeout needs seconds}; shift 2 ;;
        --timeout=*) timeout=${1#*=}; shift ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
check_options keys seed percent sample timeout

# The changed keys become present in IN and missing from NOT_IN.
IN=server NOT_IN=archive
REF=refs/git-annex-dolt/git-annex

require_tools git git-annex python3 dolt mariadb flock /usr/bin/time
gad_bench_setup dolt-remote-sync-bench
[ -n "$ours" ] || { echo "no $BUILD_DIR/git-annex-dolt: build it (cmake --build $BUILD_DIR --target git-annex-dolt)" >&2; exit 1; }

ORIGIN="$BENCH_TMP/origin"   # the file:// Dolt remote both stores are cloned from
ORIGIN_URL="file://$ORIGIN"

# second_clone DIR: makes the copy DIR a clone of its own (a new git-annex UUID), as `git clone`
# plus `git annex init` would.
second_clone() { git -C "$1" config annex.uuid "$(python3 -c 'import uuid; print(uuid.uuid4())')"; }

# run_sql_in STORE FILE: the statements in FILE on STORE's Dolt database, through its running
# server (holding its lease, as our programs do) or with `dolt sql` when none runs.
run_sql_in() {
    local state="$1/.git-annex-dolt/server.state" attempt socket
    for attempt in 1 2 3 4 5; do
        if [ -f "$state" ]; then
            socket=$(awk '{print $4}' "$state")
            flock -s "${state%/*}/lease.lock" mariadb --socket="$socket" -u root -D dolt -N -B <"$2" && return 0
        else
            (cd "$1/dolt" && dolt sql -r csv <"$2") && return 0
        fi
        sleep 1
    done
    echo "cannot run $2 on $1" >&2
    exit 1
}

bench_start=$(now)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
gad_bench_header "Dolt remote sync benchmark" git-annex
echo "$percent% of the keys change location, through $ORIGIN_URL"
bench_repo "$keys" "$seed"

# ---- Four copies: two clones for us, two for git-annex ----------------------------------------

step "copying the repository: ours-a, ours-b (git-annex-dolt), annex-a, annex-b (git annex sync)"
cat "$REPO"/.git/objects/pack/*.pack >/dev/null
start=$(now)
for copy in ours-a ours-b annex-a annex-b; do copy_repo "$BENCH_TMP/$copy"; done
second_clone "$BENCH_TMP/ours-b"
second_clone "$BENCH_TMP/annex-b"
git -C "$BENCH_TMP/annex-a" remote add b "$BENCH_TMP/annex-b"
git -C "$BENCH_TMP/annex-b" remote add a "$BENCH_TMP/annex-a"
echo "   $(elapsed "$start" "$(now)") s"

step "untimed git annex info --fast in every copy (git-annex's one-time work: .git/annex/index)"
for copy in ours-a ours-b annex-a annex-b; do
    (cd "$BENCH_TMP/$copy" && run_logged "$BENCH_TMP/logs/warmup-$copy.log" git annex info --fast)
done
step "untimed git annex sync --only-annex --no-content in both git-annex clones (each learns the other's branch)"
for copy in annex-a annex-b annex-a; do
    (cd "$BENCH_TMP/$copy" && run_logged "$BENCH_TMP/logs/first-sync-$copy.log" git annex sync --only-annex --no-content)
done

# The change: COUNT keys spread over the generator's key indices, each present in IN and missing
# from NOT_IN as of now: SQL for our store, `KEY UUID 1|0` lines for git annex setpresentkey.
python3 - "$SCRIPT_DIR" "$keys" "$seed" "$percent" "$sample" "$CSV" "$IN" "$NOT_IN" "$BENCH_TMP" <<'EOF'
import csv, sys, time
script_dir, keys, seed, percent, sample, csv_dir, find_in, find_not_in, out = sys.argv[1:]
sys.path.insert(0, script_dir)
from make_annex_repo import key_of
keys, seed, sample = int(keys), int(seed), int(sample)
uuids = {row["description"]: row["uuid"] for row in csv.DictReader(open(f"{csv_dir}/repositories.csv"))}
present, missing = uuids[find_in], uuids[find_not_in]
count = max(1, round(keys * float(percent) / 100))
indices = [i * keys // count for i in range(count)]
now_ns = time.time_ns()
with open(f"{out}/changes.sql", "w") as sql, open(f"{out}/setpresentkey.txt", "w") as batch, \
        open(f"{out}/sample.txt", "w") as sampled:
    rows = []
    def flush():
        if rows:
            sql.write("INSERT INTO gad_locations (annex_key, uuid, status, ts) VALUES\n"
                      + ",\n".join(rows)
                      + "\nON DUPLICATE KEY UPDATE status = VALUES(status), ts = VALUES(ts);\n")
            rows.clear()
    for n, i in enumerate(indices):
        key = key_of(seed, i)
        for uuid, status, ts in ((present, "1", now_ns + 2 * n), (missing, "0", now_ns + 2 * n + 1)):
            rows.append(f"('{key}','{uuid}','{status}',{ts // 10**9}.{ts % 10**9:09d})")
            batch.write(f"{key} {uuid} {status}\n")
        if len(rows) >= 2000:
            flush()
        if n % max(1, count // sample) == 0 and n // max(1, count // sample) < sample:
            sampled.write(key + "\n")
    flush()
    sql.write(f"CALL DOLT_COMMIT('-Am', 'bench: {count} keys present in {find_in}, "
              f"missing from {find_not_in}', '--skip-empty');\n")
    sql.write(f"SELECT COUNT(*) FROM gad_locations WHERE ts >= {now_ns // 10**9}.{now_ns % 10**9:09d};\n")
with open(f"{out}/changes.count", "w") as f:
    f.write(f"{count} {2 * count} {present} {missing}\n")
EOF
read -r changed_keys changed_rows uuid_in uuid_not_in <"$BENCH_TMP/changes.count"
echo "   changes: $changed_keys keys ($percent%), $changed_rows location rows (present in $IN, missing from $NOT_IN)"

# ---- Ours: two stores sharing history through the Dolt remote ---------------------------------

step "ours-a: git-annex-dolt migrate --to store-a, then a sync that pushes it to $ORIGIN_URL (untimed)"
mkdir -p "$ORIGIN"
cd "$BENCH_TMP/ours-a"
ours_measure migrate-a /dev/null migrate --to "$BENCH_TMP/store-a" --doltremote "$ORIGIN_URL" || exit 1
ours_measure sync-first-a "$BENCH_TMP/sync-first-a.json" sync --json || exit 1

step "ours-b: git-annex-dolt migrate --to store-b --doltremote $ORIGIN_URL (cloned), then a sync (untimed)"
cd "$BENCH_TMP/ours-b"
ours_measure migrate-b /dev/null migrate --to "$BENCH_TMP/store-b" --doltremote "$ORIGIN_URL" || exit 1
ours_measure sync-first-b "$BENCH_TMP/sync-first-b.json" sync --json || exit 1

step "the change, in SQL on store-a (untimed)"
counted=$(run_sql_in "$BENCH_TMP/store-a" "$BENCH_TMP/changes.sql" 2>"$BENCH_TMP/logs/changes-sql.log" | tail -n 1) ||
    { tail "$BENCH_TMP/logs/changes-sql.log" >&2; exit 1; }
check "$changed_rows rows with the new timestamps in store-a (found $counted)" [ "$counted" = "$changed_rows" ]

step "ours-a: git-annex-dolt sync (timed: writes $REF, pushes to the Dolt remote)"
cd "$BENCH_TMP/ours-a"
ours_measure ours-sync-a "$BENCH_TMP/sync-a.json" sync --json || exit 1
echo "   $(json_field "$BENCH_TMP/sync-a.json" "o.get('export')")"
step "ours-b: git-annex-dolt sync (timed: pulls and merges from the Dolt remote, writes $REF)"
cd "$BENCH_TMP/ours-b"
ours_measure ours-sync-b "$BENCH_TMP/sync-b.json" sync --json || exit 1
echo "   $(json_field "$BENCH_TMP/sync-b.json" "o.get('export')")"
check "ours-b's sync exported $changed_rows locations" \
    [ "$(json_field "$BENCH_TMP/sync-b.json" "o['export']['locations']")" = "$changed_rows" ]
measure ours-b-annex-merge /dev/null git annex merge || exit 1

# ---- git-annex: the same change between two clones ---------------------------------------------

cd "$BENCH_TMP/annex-a"
step "annex-a: git annex setpresentkey --batch (untimed: the change, into git-annex's journal)"
run_logged "$BENCH_TMP/logs/setpresentkey.log" bash -c 'git annex setpresentkey --batch <"$1"' - "$BENCH_TMP/setpresentkey.txt"
step "annex-a: git annex sync --only-annex --no-content (timed: commits the journal, pushes to annex-b)"
measure annex-sync-a /dev/null git annex sync --only-annex --no-content || exit 1
cd "$BENCH_TMP/annex-b"
step "annex-b: git annex sync --only-annex --no-content (timed: merges annex-a's git-annex branch)"
measure annex-sync-b /dev/null git annex sync --only-annex --no-content || exit 1

# ---- Both second clones say the same ------------------------------------------------------------

step "git annex whereis --batch-keys --json of $(wc -l <"$BENCH_TMP/sample.txt") changed keys, in ours-b and annex-b"
verdict=$(whereis_sample_agree ours-b annex-b "$uuid_in" "$uuid_not_in") || exit 1
check "whereis in the second clone shows every change, as git annex sync gave annex-b: $verdict" \
    grep -q '; 0 without the change in ours-b; 0 differ' <<<"$verdict"

# ---- Report ------------------------------------------------------------------------------------

printf 'total\t%s\n' "$(elapsed "$bench_start" "$(now)")" >"$BENCH_TMP/extra.tsv"
printf 'load_start\t%s\n' "$load_start" >>"$BENCH_TMP/extra.tsv"
printf 'load_end\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$BENCH_TMP/extra.tsv"
python3 - "$SCRIPT_DIR" "$RESULTS" "$BENCH_TMP/extra.tsv" "$keys" "$changed_keys" "$changed_rows" <<'EOF'
import sys
script_dir, results, extra, keys, changed_keys, changed_rows = sys.argv[1:]
sys.path.insert(0, script_dir)
from bench_report import Results, read_extra
r = Results(results)
print(f"\n{int(keys):,} keys, {int(changed_keys):,} of them changed ({int(changed_rows):,} location rows), "
      f"through a file:// Dolt remote; wall-clock seconds and peak RSS (one run each)")
r.print_table([
    ("migrate-a", "git-annex-dolt migrate --to store-a --doltremote (untimed step)"),
    ("migrate-b", "git-annex-dolt migrate --to store-b --doltremote (clone)"),
    ("ours-sync-a", "git-annex-dolt sync in a (export, push)"),
    ("ours-sync-b", "git-annex-dolt sync in b (pull, merge, export)"),
    ("ours-b-annex-merge", "  then git annex merge of its ref in b"),
    ("annex-sync-a", "git annex sync --only-annex --no-content in a (commit, push)"),
    ("annex-sync-b", "git annex sync --only-annex --no-content in b (merge)"),
], 62)
print("\nRatios (git-annex's time / ours; above 1: we are faster):")
for label, top, bottom in [
    ("(git annex sync a + b) / (git-annex-dolt sync a + b)", ["annex-sync-a", "annex-sync-b"],
     ["ours-sync-a", "ours-sync-b"]),
    ("... / (git-annex-dolt sync a + b + git annex merge in b)", ["annex-sync-a", "annex-sync-b"],
     ["ours-sync-a", "ours-sync-b", "ours-b-annex-merge"]),
]:
    value = r.ratio(top, bottom)
    print(f"  {label:<74} " + (f"{value:8.2f}x" if value is not None else f"{'-':>8}   not available"))
other = read_extra(extra)
print(f"\nWhole run: {float(other['total']):.0f} s; load average at the start {other['load_start']}, "
      f"at the end {other['load_end']}")
EOF
if [ "$checks_failed" = 1 ]; then
    echo "Some checks failed (WARNING lines above); the temporary directory is kept: $BENCH_TMP"
    keep=1
    exit 1
fi
