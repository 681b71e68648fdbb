#!/usr/bin/env bash
# Benchmark: `git-annex-dolt sync` and `find` against git-annex itself (issue 4). On the synthetic
# repository of migrate_bench.sh (make_annex_repo.py), migrated into Dolt (or MariaDB), 1% of the
# keys change location in the database (SQL, as a dolt-annex user's tools would write them); then
# `git-annex-dolt sync` writes them towards the git-annex branch, against `git annex
# setpresentkey --batch` + `git annex merge` recording the same changes in a second copy of the
# repository; and `git-annex-dolt find --in=A --not-in=B` against `git annex find --in=A --not
# --in=B`. See tests/bench/README.md for what it measures and how to read it.
#
# Usage: tests/bench/sync_bench.sh [--keys N] [--seed S] [--percent P] [--database dolt|mariadb]
#                                  [--sample N] [--skip-find] [--timeout S] [--keep]
#   --keys N            keys in the generated repository (default 1000000)
#   --seed S            generator seed (default 1)
#   --percent P         share of the keys whose locations change, in percent (default 1)
#   --database D        dolt (default: migrate --to DIR) or mariadb (a private mariadbd)
#   --sample N          changed keys checked with git annex whereis afterwards (default 200)
#   --skip-find         skip the find comparison (git annex find takes ~10 min at 1M keys)
#   --timeout S         stop any one command of ours after S seconds (default 3600)
#   --keep              keep the temporary directory (its path is printed) instead of removing it
# Environment: BUILD_DIR (default: the build directory next to tests/) holds git-annex-dolt;
#   GAD_BENCH_CACHE (default /tmp/gad-migrate-bench-cache): the generated repositories, shared
#   with migrate_bench.sh.
set -euo pipefail

keys=1000000 seed=1 percent=1 database=dolt sample=200 skip_find=0 keep=0 timeout=3600
while [ $# -gt 0 ]; do
    case "$1" in
        --keys) keys=${2:?--keys needs a number}; shift 2 ;;
        --keys=*) keys=${1#*=}; shift ;;
        --seed) seed=${2:?--seed needs a number}; shift 2 ;;
        --seed=*) seed=${1#*=}; shift ;;
        --percent) percent=${2:?--percent needs a number}; shift 2 ;;
        --percent=*) percent=${1#*=}; shift ;;
        --database) database=${2:?--database needs dolt or mariadb}; shift 2 ;;
        --database=*) database=${1#*=}; shift ;;
        --sample) sample=${2:?--sample needs a number}; shift 2 ;;
        --sample=*) sample=${1#*=}; shift ;;
        --skip-find) skip_find=1; shift ;;
        --timeout) timeout=${2:?--timeout needs seconds}; shift 2 ;;
        --timeout=*) timeout=${1#*=}; shift ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
check_options keys seed percent sample timeout
case "$database" in dolt|mariadb) ;; *) echo "--database: dolt or mariadb, not '$database'" >&2; exit 2 ;; esac

# The changed keys become present in IN and missing from NOT_IN; find asks for the same pair.
FIND_IN=server FIND_NOT_IN=archive
REF=refs/git-annex-dolt/git-annex

tools=(git git-annex python3 dolt mariadb flock /usr/bin/time)
[ "$database" = mariadb ] && tools+=(mariadbd mariadb-install-db)
require_tools "${tools[@]}"
gad_bench_setup sync-bench
[ -n "$ours" ] || { echo "no $BUILD_DIR/git-annex-dolt: build it (cmake --build $BUILD_DIR --target git-annex-dolt)" >&2; exit 1; }

# dolt_server_state: the state file of the Dolt server our program runs for the migrated directory.
dolt_server_state() { echo "$BENCH_TMP/dolt-annex/.git-annex-dolt/server.state"; }

# run_sql FILE: the statements in FILE (which may run twice) on the migrated database. Dolt:
# through its running server, holding its lease as our programs do (core/dolt/server.h: the
# supervisor stops an idle server only once it can lock lease.lock exclusively, whoever is still
# connected), or with `dolt sql` on the directory when none runs; a server stopping just then:
# asked again.
run_sql() {
    if [ "$database" = mariadb ]; then
        maria -D bench <"$1"
        return
    fi
    local attempt state socket
    state=$(dolt_server_state)
    for attempt in 1 2 3 4 5; do
        if [ -f "$state" ]; then
            socket=$(awk '{print $4}' "$state")
            flock -s "${state%/*}/lease.lock" mariadb --socket="$socket" -u root -D dolt -N -B <"$1" && return 0
        else
            (cd "$BENCH_TMP/dolt-annex/dolt" && dolt sql -r csv <"$1") && return 0
        fi
        sleep 1
    done
    echo "cannot run $1 on the Dolt database" >&2
    exit 1
}

# branch_files_changed DIR OLD: how many files DIR's git-annex branch changed since commit OLD.
branch_files_changed() { git -C "$1" diff --name-only "$2" refs/heads/git-annex | wc -l; }

bench_start=$(now)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
gad_bench_header "git-annex-dolt sync/find benchmark" git-annex
echo "database:  $database; $percent% of the keys change location"
bench_repo "$keys" "$seed"

# ---- Two copies of the repository, and the changes ---------------------------------------------

step "copying the repository: $BENCH_TMP/ours (for git-annex-dolt) and $BENCH_TMP/peer (for git annex setpresentkey)"
cat "$REPO"/.git/objects/pack/*.pack >/dev/null  # the packs in the page cache, for both
start=$(now)
copy_repo "$BENCH_TMP/ours"
copy_repo "$BENCH_TMP/peer"
echo "   $(elapsed "$start" "$(now)") s"
branch_before=$(git -C "$BENCH_TMP/ours" rev-parse refs/heads/git-annex)

step "untimed git annex info --fast in both copies (git-annex's one-time work: .git/annex/index)"
for copy in ours peer; do
    start=$(now)
    (cd "$BENCH_TMP/$copy" && run_logged "$BENCH_TMP/logs/warmup-$copy.log" git annex info --fast)
    echo "   $copy: $(elapsed "$start" "$(now)") s"
done

# The changes: COUNT keys spread evenly over the generator's key indices, each present in IN and
# missing from NOT_IN with a timestamp of now (newer than any in the branch); the same as SQL for
# our database and as `KEY UUID 1|0` lines for git annex setpresentkey --batch.
python3 - "$SCRIPT_DIR" "$keys" "$seed" "$percent" "$sample" "$CSV" \
    "$FIND_IN" "$FIND_NOT_IN" "$BENCH_TMP" "$database" <<'EOF'
import csv, os, sys, time
script_dir, keys, seed, percent, sample, csv_dir, find_in, find_not_in, out, database = sys.argv[1:]
sys.path.insert(0, script_dir)
from make_annex_repo import key_of
keys, seed, sample = int(keys), int(seed), int(sample)
uuids = {row["description"]: row["uuid"] for row in csv.DictReader(open(f"{csv_dir}/repositories.csv"))}
present, missing = uuids[find_in], uuids[find_not_in]
count = max(1, round(keys * float(percent) / 100))
indices = [i * keys // count for i in range(count)]
width, dwidth = max(6, len(str(keys - 1))), max(3, len(str((keys - 1) // 1000)))
now_ns = time.time_ns()
with open(f"{out}/changes.sql", "w") as sql, open(f"{out}/setpresentkey.txt", "w") as batch, \
        open(f"{out}/changed-files.txt", "w") as files, open(f"{out}/sample.txt", "w") as sampled:
    rows = []
    def flush():
        if rows:
            sql.write("INSERT INTO gad_locations (annex_key, uuid, status, ts) VALUES\n"
                      + ",\n".join(rows)
                      + "\nON DUPLICATE KEY UPDATE status = VALUES(status), ts = VALUES(ts);\n")
            rows.clear()
    for n, i in enumerate(indices):
        key = key_of(seed, i)
        ts_present, ts_missing = now_ns + 2 * n, now_ns + 2 * n + 1
        for uuid, status, ts in ((present, "1", ts_present), (missing, "0", ts_missing)):
            rows.append(f"('{key}','{uuid}','{status}',{ts // 10**9}.{ts % 10**9:09d})")
            batch.write(f"{key} {uuid} {status}\n")
        if len(rows) >= 2000:
            flush()
        files.write(f"data/{i // 1000:0{dwidth}d}/file-{i:0{width}d}.dat\n")
        if n % max(1, count // sample) == 0 and n // max(1, count // sample) < sample:
            sampled.write(key + "\n")
    flush()
    if database == "dolt":
        sql.write(f"CALL DOLT_COMMIT('-Am', 'bench: {count} keys present in {find_in}, "
                  f"missing from {find_not_in}', '--skip-empty');\n")
    sql.write(f"SELECT COUNT(*) FROM gad_locations WHERE ts >= {now_ns // 10**9}.{now_ns % 10**9:09d};\n")
# git-annex records a change only where its log has another state (Logs.Presence.maybeAddLog):
# a key already present in IN and with a line "missing" for NOT_IN gets no new line from it. We
# write every row newer than the branch's line, so our sync writes all of them.
chosen = {key_of(seed, i) for i in indices}
state = {}
with open(f"{csv_dir}/locations.csv") as f:
    next(f)
    for line in f:
        key, uuid, status = line.split(",", 3)[:3]
        if key in chosen and uuid in (present, missing):
            state[key, uuid] = status
differing = sum(1 for key in chosen
                if state.get((key, present)) != "1" or state.get((key, missing)) != "0")
with open(f"{out}/changes.count", "w") as f:
    f.write(f"{count} {2 * count} {present} {missing} {differing}\n")
EOF
read -r changed_keys changed_rows uuid_in uuid_not_in peer_keys <"$BENCH_TMP/changes.count"
rows_total=$(($(wc -l <"$CSV/locations.csv") - 1))
echo "   changes: $changed_keys keys ($percent%), $changed_rows location rows (of $rows_total; each key present in $FIND_IN, missing from $FIND_NOT_IN)"

# ---- Ours: migrate, a first sync, the SQL changes, the timed sync --------------------------------

cd "$BENCH_TMP/ours"
if [ "$database" = mariadb ]; then
    start_mariadb
    maria -e "CREATE DATABASE bench"
    target=(--database "mysql://root@localhost/bench?socket=$MARIADB_SOCKET")
else
    target=(--to "$BENCH_TMP/dolt-annex")
fi
step "git-annex-dolt migrate ${target[*]} (not part of any ratio)"
ours_measure migrate /dev/null migrate "${target[@]}" || exit 1

step "git-annex-dolt sync, the first after the migration (no watermark yet: compares every row; nothing to write)"
ours_measure sync-first "$BENCH_TMP/sync-first.json" sync --json || exit 1
check "the first sync writes nothing: $(json_field "$BENCH_TMP/sync-first.json" "o['export']")" \
    [ "$(json_field "$BENCH_TMP/sync-first.json" "o['export']['locations']")" = 0 ]

step "the changes, in SQL on the database (untimed)"
start=$(now)
counted=$(run_sql "$BENCH_TMP/changes.sql" 2>"$BENCH_TMP/logs/changes-sql.log" | tail -n 1) ||
    { tail "$BENCH_TMP/logs/changes-sql.log" >&2; exit 1; }
echo "   $(elapsed "$start" "$(now)") s"
check "$changed_rows rows with the new timestamps in the database (found $counted)" [ "$counted" = "$changed_rows" ]

step "git-annex-dolt sync (timed: the $changed_rows changed rows into $REF)"
ours_measure sync "$BENCH_TMP/sync.json" sync --json || exit 1
echo "   $(json_field "$BENCH_TMP/sync.json" "o['export']")"
check "sync exported $changed_rows locations" \
    [ "$(json_field "$BENCH_TMP/sync.json" "o['export']['locations']")" = "$changed_rows" ]
check "sync wrote $changed_keys location logs" \
    [ "$(json_field "$BENCH_TMP/sync.json" "o['export']['files']")" = "$changed_keys" ]

step "git annex merge in the same copy (git-annex union-merges $REF into its branch)"
measure ours-annex-merge /dev/null git annex merge || exit 1
check "$REF is merged into the git-annex branch" git merge-base --is-ancestor "$REF" refs/heads/git-annex
ours_changed=$(branch_files_changed . "$branch_before")
check "the git-annex branch changed $changed_keys files (found $ours_changed)" [ "$ours_changed" = "$changed_keys" ]

# ---- The peer: git annex setpresentkey --batch, then git annex merge commits its journal ---------

cd "$BENCH_TMP/peer"
step "git annex setpresentkey --batch (timed: the same $changed_rows changes, into git-annex's journal)"
measure peer-setpresentkey /dev/null bash -c 'git annex setpresentkey --batch <"$1"' - "$BENCH_TMP/setpresentkey.txt" || exit 1
journal=$(find .git/annex/journal -type f 2>/dev/null | wc -l)
echo "   $journal files in .git/annex/journal"
step "git annex merge (timed: commits the journal to the git-annex branch; setpresentkey does not)"
measure peer-annex-merge /dev/null git annex merge || exit 1
journal=$(find .git/annex/journal -type f 2>/dev/null | wc -l)
check "the journal is committed (files left in it: $journal)" [ "$journal" = 0 ]
peer_changed=$(branch_files_changed . "$branch_before")
check "the git-annex branch changed the $peer_keys files whose state differs (found $peer_changed)" [ "$peer_changed" = "$peer_keys" ]

# ---- Both say the same: git annex whereis of a sample of the changed keys -------------------------

step "git annex whereis --batch-keys --json of $(wc -l <"$BENCH_TMP/sample.txt") changed keys, in both copies"
verdict=$(whereis_sample_agree ours peer "$uuid_in" "$uuid_not_in") || exit 1
check "whereis after our sync shows every change, as after setpresentkey: $verdict" \
    grep -q '; 0 without the change in ours; 0 differ' <<<"$verdict"

# ---- find --in/--not-in ------------------------------------------------------------------------

# same_files NAME: our find's output (find-NAME.txt) lists the files git annex find listed.
same_files() {
    cmp -s <(sort "$BENCH_TMP/find-git-annex.txt") <(sort "$BENCH_TMP/find-$1.txt")
}
if [ "$skip_find" = 1 ]; then
    record git-annex-find na "skipped (--skip-find)"
else
    cd "$BENCH_TMP/ours"
    step "git annex find --in=$FIND_IN --not --in=$FIND_NOT_IN (timed, in the synced copy)"
    measure git-annex-find "$BENCH_TMP/find-git-annex.txt" \
        git annex find --in="$FIND_IN" --not --in="$FIND_NOT_IN" || exit 1
    if [ "$database" = dolt ]; then
        step "waiting for the Dolt server to stop (idle), so the first find starts one"
        for _ in $(seq 600); do [ -f "$(dolt_server_state)" ] || break; sleep 0.2; done
        [ -f "$(dolt_server_state)" ] && echo "   WARNING: the Dolt server still runs; the cold find is not cold"
    fi
    step "git-annex-dolt find --in=$FIND_IN --not-in=$FIND_NOT_IN, twice$([ "$database" = dolt ] && echo ' (cold, then warm)')"
    ours_measure ours-find-cold "$BENCH_TMP/find-ours-cold.txt" find --in="$FIND_IN" --not-in="$FIND_NOT_IN" || true
    ours_measure ours-find-warm "$BENCH_TMP/find-ours-warm.txt" find --in="$FIND_IN" --not-in="$FIND_NOT_IN" || true
    found=$(wc -l <"$BENCH_TMP/find-git-annex.txt")
    for run in cold warm; do
        grep -q "^ours-find-$run	.*	ok" "$RESULTS" &&
            check "our $run find lists the same $found files as git annex find" same_files "ours-$run"
    done
    missing_changed=$(LC_ALL=C comm -23 <(LC_ALL=C sort "$BENCH_TMP/changed-files.txt") \
        <(LC_ALL=C sort "$BENCH_TMP/find-git-annex.txt") | wc -l)
    check "git annex find lists all $changed_keys changed files (missing: $missing_changed)" [ "$missing_changed" = 0 ]
fi

# ---- Report ------------------------------------------------------------------------------------

[ "$database" = mariadb ] && printf 'mariadbd\t\t%s\tok\tpeak since it started\n' "$(mariadb_hwm_kib)" >>"$RESULTS"
printf 'total\t%s\n' "$(elapsed "$bench_start" "$(now)")" >"$BENCH_TMP/extra.tsv"
printf 'load_start\t%s\n' "$load_start" >>"$BENCH_TMP/extra.tsv"
printf 'load_end\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$BENCH_TMP/extra.tsv"
python3 - "$SCRIPT_DIR" "$RESULTS" "$BENCH_TMP/extra.tsv" "$keys" "$changed_keys" "$changed_rows" \
    "$database" "$FIND_IN" "$FIND_NOT_IN" <<'EOF'
import sys
script_dir, results, extra, keys, changed_keys, changed_rows, database, find_in, find_not_in = sys.argv[1:]
sys.path.insert(0, script_dir)
from bench_report import Results, read_extra
r = Results(results)
if database == "dolt":
    where, cold, warm = "migrate --to DIR (Dolt)", "cold", "warm server"
else:
    where, cold, warm = "migrate --database (MariaDB)", "first", "second"
print(f"\n{int(keys):,} keys, {int(changed_keys):,} of them changed ({int(changed_rows):,} location rows); "
      f"database {database}; wall-clock seconds and peak RSS (one run each)")
r.print_table([
    ("migrate", f"git-annex-dolt {where}"),
    ("sync-first", "git-annex-dolt sync, first (no changes; compares all)"),
    ("sync", f"git-annex-dolt sync ({int(changed_rows):,} changed rows)"),
    ("ours-annex-merge", "  then git annex merge of its ref"),
    ("peer-setpresentkey", f"git annex setpresentkey --batch ({int(changed_rows):,} lines)"),
    ("peer-annex-merge", "  then git annex merge (commits the journal)"),
    ("git-annex-find", f"git annex find --in={find_in} --not --in={find_not_in}"),
    ("ours-find-cold", f"git-annex-dolt find --in={find_in} --not-in={find_not_in}, " + cold),
    ("ours-find-warm", "git-annex-dolt find, again (" + warm + ")"),
] + ([("mariadbd", "the private mariadbd")] if database == "mariadb" else []), 62)

print("\nRatios (git-annex's time / ours; above 1: we are faster):")
peer = ["peer-setpresentkey", "peer-annex-merge"]
for label, top, bottom in [
    ("(setpresentkey + merge) / sync", peer, ["sync"]),
    ("(setpresentkey + merge) / (sync + git annex merge of our ref)", peer, ["sync", "ours-annex-merge"]),
    ("(setpresentkey + merge) / first sync (full comparison, nothing to write)", peer, ["sync-first"]),
    ("git annex find / our find, " + ("cold (its Dolt server started by it)" if database == "dolt" else "first"),
     ["git-annex-find"], ["ours-find-cold"]),
    ("git annex find / our find, " + warm, ["git-annex-find"], ["ours-find-warm"]),
]:
    value = r.ratio(top, bottom)
    print(f"  {label:<74} " + (f"{value:8.2f}x" if value is not None else f"{'-':>8}   not available"))
ours = {n: r.kib[n] for n in ("migrate", "sync-first", "sync", "ours-find-cold", "ours-find-warm") if n in r.kib}
if ours:
    print("\nPeak RSS of git-annex-dolt: " + ", ".join(f"{n} {v / 1024:.1f} MiB" for n, v in ours.items()))
other = read_extra(extra)
print(f"\nWhole run: {float(other['total']):.0f} s; load average at the start {other['load_start']}, "
      f"at the end {other['load_end']}")
EOF
if [ "$checks_failed" = 1 ]; then
    echo "Some checks failed (WARNING lines above); the temporary directory is kept: $BENCH_TMP"
    keep=1
    exit 1
fi
