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
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
check_options keys seed timeout

# The two repositories git-annex and we are asked about: A has the key, B does not.
FIND_IN=server FIND_NOT_IN=archive

# ---- Environment -----------------------------------------------------------------------------

tools=(git python3 dolt mariadbd mariadb-install-db mariadb /usr/bin/time)
[ "$skip_git_annex" = 1 ] || tools+=(git-annex)
require_tools "${tools[@]}"
gad_bench_setup migrate-bench

# The tables the bulk load fills, as core/location/schema.cpp has them (metadata without its
# status and ts, which the generator's CSV does not give), loaded in primary-key order without the
# secondary indexes whose entries would then arrive in no order, which are then added (INDEXES,
# timed; on MariaDB without the timestamp ones, which are Dolt's only): the fastest way for both
# databases, and the migration's.
SCHEMA="
CREATE TABLE gad_repositories (
 uuid VARCHAR(36) COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
 description VARCHAR(1024) NOT NULL DEFAULT '');
CREATE TABLE gad_locations (
 annex_key VARBINARY(512) NOT NULL,
 uuid VARCHAR(36) COLLATE utf8mb4_bin NOT NULL,
 status CHAR(1) NOT NULL,
 ts DECIMAL(24,12) NOT NULL,
 PRIMARY KEY (annex_key, uuid),
 KEY locations_by_uuid (uuid, status));
CREATE TABLE gad_urls (
 annex_key VARBINARY(512) NOT NULL,
 url VARBINARY(2048) NOT NULL,
 status CHAR(1) NOT NULL,
 ts DECIMAL(24,12) NOT NULL,
 PRIMARY KEY (annex_key, url));
CREATE TABLE gad_metadata (
 annex_key VARBINARY(512) NOT NULL,
 field VARBINARY(255) NOT NULL,
 value VARBINARY(1024) NOT NULL,
 PRIMARY KEY (annex_key, field, value));
CREATE TABLE gad_annexed_files (
 annex_uuid VARCHAR(36) COLLATE utf8mb4_bin NOT NULL,
 path VARBINARY(2048) NOT NULL,
 annex_key VARBINARY(512) NOT NULL,
 PRIMARY KEY (annex_uuid, path));
"
INDEXES_MARIADB="
ALTER TABLE gad_metadata ADD INDEX metadata_by_field (field, value);
ALTER TABLE gad_annexed_files ADD INDEX annexed_files_by_key (annex_key);
"
INDEXES_DOLT="
ALTER TABLE gad_locations ADD INDEX locations_by_ts (ts);
ALTER TABLE gad_urls ADD INDEX urls_by_ts (ts);
$INDEXES_MARIADB"
# The CSV files make_annex_repo.py writes, one per table, named without the tables' gad_ prefix.
TABLES="repositories locations urls metadata annexed_files"

# ---- The repository --------------------------------------------------------------------------

bench_start=$(now)
with_git_annex=git-annex
[ "$skip_git_annex" = 1 ] && with_git_annex=""
gad_bench_header "git-annex-dolt migrate benchmark" $with_git_annex
bench_repo "$keys" "$seed"
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
# In primary-key order (sorted untimed here), the order that both databases load fastest and the
# one the migration loads its rows in: unsorted, Dolt took 2x and MariaDB 3.5x as long.
mkdir -p "$BENCH_TMP/sorted-csv"
# The annexed files (HEAD's symlinks and the keys they name), which the generator's CSV lacks.
python3 - "$REPO" "$(git -C "$REPO" config annex.uuid)" >"$BENCH_TMP/annexed_files.csv" <<'PY'
import os, subprocess, sys, threading
repo, uuid = sys.argv[1], sys.argv[2]
listing = subprocess.run(["git", "-C", repo, "ls-tree", "-r", "-z", "HEAD"],
                         capture_output=True, check=True).stdout.split(b"\0")
links = [(meta.split()[2], path) for meta, path in (e.split(b"\t", 1) for e in listing if e)
         if meta.startswith(b"120000 ")]
cat = subprocess.Popen(["git", "-C", repo, "cat-file", "--batch"], stdin=subprocess.PIPE,
                       stdout=subprocess.PIPE)
def feed():
    for oid, _ in links:
        cat.stdin.write(oid + b"\n")
    cat.stdin.close()
threading.Thread(target=feed, daemon=True).start()
out = sys.stdout.buffer
out.write(b"annex_uuid,path,annex_key\n")
for _, path in links:
    size = int(cat.stdout.readline().split()[2])
    target = cat.stdout.read(size + 1)[:-1]
    out.write(b"%s,%s,%s\n" % (uuid.encode(), path, os.path.basename(target)))
cat.wait()
PY
for table in $TABLES; do
    source_csv="$CSV/$table.csv"
    [ "$table" = annexed_files ] && source_csv="$BENCH_TMP/annexed_files.csv"
    key_fields=(-k1,1 -k2,2)
    [ "$table" = metadata ] && key_fields+=(-k3,3)
    [ "$table" = repositories ] && key_fields=(-k1,1)
    { head -n 1 "$source_csv"; tail -n +2 "$source_csv" | LC_ALL=C sort -t, "${key_fields[@]}"; } \
        >"$BENCH_TMP/sorted-csv/$table.csv"
done
CSV="$BENCH_TMP/sorted-csv"
mkdir -p "$BENCH_TMP/bulk-dolt"
(cd "$BENCH_TMP/bulk-dolt" && dolt init --name bench --email bench@example.org >/dev/null &&
    dolt sql -q "$SCHEMA" >/dev/null)
imports=""
for table in $TABLES; do imports+="dolt table import -u gad_$table '$CSV/$table.csv' && "; done
(cd "$BENCH_TMP/bulk-dolt" &&
    measure bulk-load-dolt /dev/null bash -c "$imports dolt sql -q \"\$1\" && dolt add -A && dolt commit -m 'bulk load'" _ "$INDEXES_DOLT") || true
if grep -q '^bulk-load-dolt' "$RESULTS"; then
    count=$(cd "$BENCH_TMP/bulk-dolt" && dolt sql -r csv -q 'SELECT COUNT(*) FROM gad_locations' | tail -n 1)
    [ "$count" = "$rows" ] || echo "  WARNING: Dolt has $count location rows, the CSV $rows"
fi

start_mariadb
maria -e "CREATE DATABASE bulk; CREATE DATABASE bench"
maria -D bulk -e "$SCHEMA"
loads=""
for table in $TABLES; do
    loads+="LOAD DATA LOCAL INFILE '$CSV/$table.csv' INTO TABLE gad_$table FIELDS TERMINATED BY ',' IGNORE 1 LINES; "
done
loads+="$INDEXES_MARIADB"
measure bulk-load-mariadb /dev/null mariadb --socket="$MARIADB_SOCKET" -u root --local-infile=1 -D bulk -e "$loads" || true
count=$(maria -N -B -D bulk -e 'SELECT COUNT(*) FROM gad_locations')
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
# The same queries on the MariaDB migration (the git config names the Dolt one, migrated last).
if [ -z "${GAD_QUERY_ARGS:-}" ] && grep -q '^migrate-mariadb	.*	ok' "$RESULTS"; then
    git config --unset git-annex-dolt.repository
    git config git-annex-dolt.database "mysql://root@localhost/bench?socket=$MARIADB_SOCKET"
    MAX_STATUS=1 ours_measure ours-whereis-all-mariadb /dev/null whereis --all --json || true
    ours_measure ours-find-mariadb "$BENCH_TMP/find-ours-mariadb.txt" \
        find --in="$FIND_IN" --not-in="$FIND_NOT_IN" || true
fi
# A find's output is compared only when its run succeeded (a timed-out one leaves part of a list).
succeeded() { grep -q "^$1	.*	ok" "$RESULTS"; }
for ours_find in find-ours find-ours-mariadb; do
    measure_name=ours-find${ours_find#find-ours}
    succeeded "$measure_name" || continue
    if succeeded git-annex-find; then
        reference=find-git-annex peer="git-annex"
    else
        reference=find-ours peer="our find on Dolt"
        # (Without git-annex's list, the MariaDB find is compared with a successful Dolt one.)
        if [ "$ours_find" = find-ours ] || ! succeeded ours-find; then continue; fi
    fi
    if cmp -s <(sort "$BENCH_TMP/$reference.txt") <(sort "$BENCH_TMP/$ours_find.txt"); then
        echo "  $ours_find: the same $(wc -l <"$BENCH_TMP/$ours_find.txt") files as $peer"
    else
        echo "  WARNING: $ours_find lists other files than $peer ($(wc -l <"$BENCH_TMP/$ours_find.txt") vs $(wc -l <"$BENCH_TMP/$reference.txt"); logs in $BENCH_TMP)"
        keep=1
    fi
done

printf 'total\t%s\n' "$(elapsed "$bench_start" "$(now)")" >"$BENCH_TMP/extra.tsv"
printf 'load\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$BENCH_TMP/extra.tsv"

python3 - "$SCRIPT_DIR" "$RESULTS" "$BENCH_TMP/extra.tsv" "$keys" "$FIND_IN" "$FIND_NOT_IN" <<'EOF'
import sys
script_dir, results, extra, keys, find_in, find_not_in = sys.argv[1:7]
sys.path.insert(0, script_dir)
from bench_report import Results, read_extra
r = Results(results)
seconds, kib = r.seconds, r.kib
LABELS = [
    ("floor-read-branch", "(a) floor: ls-tree | cat-file --batch"),
    ("bulk-load-dolt", "(b) bulk load, Dolt (table import + commit)"),
    ("bulk-load-mariadb", "(b) bulk load, MariaDB (LOAD DATA LOCAL)"),
    ("migrate-dolt", "(c) git-annex-dolt migrate --to DIR"),
    ("migrate-mariadb", "(c) git-annex-dolt migrate --database"),
    ("git-annex-whereis-all", "(d) git annex whereis --all --json"),
    ("git-annex-find", f"(d) git annex find --in={find_in} --not --in={find_not_in}"),
    ("ours-whereis-all", "(e) git-annex-dolt whereis --all --json (Dolt)"),
    ("ours-find", f"(e) git-annex-dolt find --in={find_in} --not-in={find_not_in} (Dolt)"),
    ("ours-whereis-all-mariadb", "(e) git-annex-dolt whereis --all --json (MariaDB)"),
    ("ours-find-mariadb", f"(e) git-annex-dolt find (the same, MariaDB)"),
]
print(f"\n{int(keys):,} keys; wall-clock seconds and peak RSS (one run each)")
r.print_table(LABELS, 58)

def ratio(label, top, bottom, target, higher_is_better):
    value = r.ratio(top, bottom)
    if value is None:
        print(f"  {label:<62} {'-':>8}   not available")
        return None
    ok = value >= target if higher_is_better else value <= target
    sign = ">=" if higher_is_better else "<="
    print(f"  {label:<62} {value:8.2f}x  (target {sign} {target:g})  {'PASS' if ok else 'MISS'}")
    return "PASS" if ok else "MISS"

print("\nRatios:")
verdicts = [
    ratio("migrate (Dolt) / (floor + bulk load Dolt)", ["migrate-dolt"],
          ["floor-read-branch", "bulk-load-dolt"], 1.5, False),
    ratio("migrate (MariaDB) / (floor + bulk load MariaDB)", ["migrate-mariadb"],
          ["floor-read-branch", "bulk-load-mariadb"], 1.5, False),
    ratio("git annex whereis --all / migrate (Dolt)", ["git-annex-whereis-all"], ["migrate-dolt"], 3, True),
    ratio("git annex whereis --all / migrate (MariaDB)", ["git-annex-whereis-all"], ["migrate-mariadb"], 3, True),
    ratio("git annex find / our find (Dolt)", ["git-annex-find"], ["ours-find"], 250, True),
    ratio("git annex find / our find (MariaDB)", ["git-annex-find"], ["ours-find-mariadb"], 250, True),
]
for db, name in (("Dolt", "ours-whereis-all"), ("MariaDB", "ours-whereis-all-mariadb")):
    if name in seconds and "git-annex-whereis-all" in seconds:
        print(f"  {'git annex whereis --all / our whereis --all (' + db + ', no target)':<62} "
              f"{seconds['git-annex-whereis-all'] / seconds[name]:8.2f}x")
ours = {n: kib[n] for n in ("migrate-dolt", "migrate-mariadb", "ours-whereis-all", "ours-find",
                            "ours-whereis-all-mariadb", "ours-find-mariadb") if n in kib}
if ours:
    worst = max(ours, key=ours.get)
    mib = ours[worst] / 1024
    ok = mib < 300
    verdicts.append("PASS" if ok else "MISS")
    print(f"  {'peak RSS of git-annex-dolt (largest: ' + worst + ')':<62} {mib:7.1f} MiB (target < 300 MiB)  {'PASS' if ok else 'MISS'}")
else:
    print(f"  {'peak RSS of git-annex-dolt':<62} {'-':>8}   not available")
done = [v for v in verdicts if v]
other = read_extra(extra)
print(f"\nWhole run: {float(other['total']):.0f} s; load average at the end: {other['load']}")
print(f"Summary: {done.count('PASS')}/{len(done)} measurable targets PASS"
      + (f"; {len(verdicts) - len(done)} not measurable yet" if len(done) < len(verdicts) else ""))
EOF
