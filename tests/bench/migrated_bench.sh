#!/usr/bin/env bash
# Benchmark: git-annex-remote-dolt serving migrated keys (git annex migrate) from their old
# objects, against keys it stores directly, in the same run; and git-annex-dolt migrate reading
# 100,000 migration records from a synthetic git-annex branch history. See tests/bench/README.md.
#
# Usage: tests/bench/migrated_bench.sh [--files N] [--records N] [--reps N] [--keep]
#   --files N    migrated and direct files each (default 2000)
#   --records N  migration records in the synthetic history (default 100000)
#   --reps N     repetitions of each timed command (default 2)
#   --keep       keep the temporary directory
# Environment: BUILD_DIR (default: the build directory next to tests/) holds both programs.
# Runs on the newest git-annex (.venv/bin): only it records migrations.
set -euo pipefail

files=2000 records=100000 reps=2 keep=0 flavour=newest
while [ $# -gt 0 ]; do
    case "$1" in
        --files) files=${2:?}; shift 2 ;;
        --records) records=${2:?}; shift 2 ;;
        --reps) reps=${2:?}; shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done

source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
bench_setup
[ -x "$BUILD_DIR/git-annex-dolt" ] || { echo "no $BUILD_DIR/git-annex-dolt: build it" >&2; exit 1; }
cp "$BUILD_DIR/git-annex-dolt" "$BENCH_TMP/bin/git-annex-dolt"
log() { echo "$BENCH_TMP/logs/$1.log"; }

# ---- 1. Serving migrated keys ----------------------------------------------------------------
echo "== $files migrated and $files direct files of 4 KiB; setting up (untimed)"
repo="$BENCH_TMP/repo" store="$BENCH_TMP/store"
git init -q "$repo"
mkdir "$repo/m" "$repo/d"
make_content "$repo/m" "$files" 4096
python3 - "$repo/d" "$files" <<'PY'
import os, random, sys
rng = random.Random(7)
for i in range(int(sys.argv[2])):
    with open(os.path.join(sys.argv[1], f"g{i:05d}.bin"), "wb") as f:
        f.write(rng.randbytes(4096))
PY
cd "$repo"
run_logged "$(log init)" git annex init bench
run_logged "$(log add)" git annex add --jobs=2 .
git commit -q -m files
run_logged "$(log initremote)" git annex initremote R type=external externaltype=dolt \
    encryption=none "directory=$store" serveridle=600
run_logged "$(log copy)" git annex copy --jobs=4 --to R .
run_logged "$(log migrate-backend)" git annex migrate --backend=SHA512E m
git commit -q -m migrated
run_logged "$(log gad-migrate)" git-annex-dolt migrate --to "$store"
run_logged "$(log gad-sync)" git-annex-dolt sync
run_logged "$(log annex-sync)" git annex sync
objects_before=$(find "$store/annex" -type f | wc -l)
run_logged "$(log drop-local)" git annex drop --force .
warm_up_files=(m/*)
run_logged "$(log warmup)" git annex fsck --fast --from R "${warm_up_files[0]}"

for rep in $(seq "$reps"); do
    # Which set goes first alternates, so load from other processes hits both alike.
    order=(m d); [ $((rep % 2)) -eq 0 ] && order=(d m)
    for set in "${order[@]}"; do
        timed migrated checkpresent 1 "$set" "$rep" git annex fsck --fast --from R "$set"
    done
    for set in "${order[@]}"; do
        timed migrated retrieve 1 "$set" "$rep" git annex get --from R "$set"
    done
    for set in "${order[@]}"; do run_logged "$(log "drop-$set-$rep")" git annex drop --force "$set"; done
done
objects_after=$(find "$store/annex" -type f | wc -l)
[ "$objects_before" = "$objects_after" ] || { echo "the store gained objects: $objects_before -> $objects_after" >&2; exit 1; }

python3 - "$RESULTS" <<'PY'
import statistics, sys
times = {}
for line in open(sys.argv[1]):
    workload, op, j, which, rep, seconds, _ = line.rstrip("\n").split("\t")
    times.setdefault((op, which), []).append(float(seconds))
for op in ("checkpresent", "retrieve"):
    m, d = statistics.median(times[(op, "m")]), statistics.median(times[(op, "d")])
    verdict = "PASS" if m <= 1.1 * d else "MISS"
    print(f"{op:13s} migrated {m:8.3f} s  direct {d:8.3f} s  ratio {m / d:5.2f}x (target 1.10x) {verdict}")
PY

# ---- 2. Reading migration records ------------------------------------------------------------
echo "== $records migration records in a synthetic git-annex branch history"
hist="$BENCH_TMP/history"
git init -q "$hist"
python3 - "$records" <<'PY' | (cd "$hist" && git fast-import --quiet)
import hashlib, sys
total, per_commit = int(sys.argv[1]), 1000
out = sys.stdout.buffer
def data(b):
    out.write(b"data %d\n" % len(b) + b + b"\n")
mark, n, time = 0, 0, 1700000000
while n < total:
    mark += 1
    out.write(b"commit refs/heads/git-annex\nmark :%d\ncommitter bench <b@example.org> %d +0000\n" % (mark, time))
    data(b"update")
    if mark > 1:
        out.write(b"from :%d\n" % (mark - 1))
    out.write(b"deleteall\nM 100644 inline uuid.log\n")
    data(b"11111111-2222-4333-8444-555555555555 bench timestamp=1700000000s\n")
    for i in range(min(per_commit, total - n)):
        seed = str(n).encode()
        old = b"SHA256E-s4096--%s.bin" % hashlib.sha256(seed).hexdigest().encode()
        new = b"SHA512E-s4096--%s.bin" % hashlib.sha512(seed).hexdigest().encode()
        for side, key in ((b"old", old), (b"new", new)):
            out.write(b"M 100644 inline migrate.tree/%s/%d\n" % (side, i + 1))
            data(b".git/annex/objects/Xx/Yy/" + key + b"/" + key)
        n += 1
    time += 10
    # git-annex removes the records in the next commit.
    mark += 1
    out.write(b"commit refs/heads/git-annex\nmark :%d\ncommitter bench <b@example.org> %d +0000\n" % (mark, time))
    data(b"update")
    out.write(b"from :%d\ndeleteall\nM 100644 inline uuid.log\n" % (mark - 1))
    data(b"11111111-2222-4333-8444-555555555555 bench timestamp=1700000000s\n")
    time += 10
PY
cd "$hist"
git config annex.uuid 11111111-2222-4333-8444-555555555555
git commit -q --allow-empty -m init
start=$(now)
/usr/bin/time -f '%M' -o "$BENCH_TMP/records.rss" git-annex-dolt migrate --to "$BENCH_TMP/records-store" --json \
    >"$BENCH_TMP/records.json" 2>"$(log records)" || { tail "$(log records)"; exit 1; }
end=$(now)
python3 - "$BENCH_TMP/records.json" "$(elapsed "$start" "$end")" "$(cat "$BENCH_TMP/records.rss")" <<'PY'
import json, sys
o = json.loads(open(sys.argv[1]).read())
print(f"records read {o['key_migrations']} (refused {o['key_migrations_refused']}) in {sys.argv[2]} s"
      f" (the whole migrate, into Dolt); git-annex-dolt peak RSS {int(sys.argv[3]) / 1024:.1f} MiB")
PY
start=$(now)
run_logged "$(log records-again)" git-annex-dolt migrate
echo "incremental re-run (no new commits): $(elapsed "$start" "$(now)") s"
