#!/usr/bin/env bash
# The exactness half of tests/bench/migrate_bench.sh, small enough for every CTest run: a
# synthetic git-annex repository of 10,000 keys (5 repositories, superseded and duplicated
# location lines, URLs, metadata; tests/bench/make_annex_repo.py) migrated into Dolt or MariaDB,
# whose `git-annex-dolt whereis --all --json` must equal `git annex whereis --all --json` key by
# key; the bulk-loaded tables must hold exactly the rows the generator says; a second migrate
# reads nothing.
#
# usage: migrate_synthetic.sh dolt|mariadb
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
source "$(dirname "$0")/migrate_helpers.sh"
db=${1:?usage: migrate_synthetic.sh dolt|mariadb}
use_git_annex debian
need_database "$db"
keys=10000

python3 "$GAD_SOURCE_DIR/tests/bench/make_annex_repo.py" --keys "$keys" --seed 7 --quiet \
    --csv "$TEST_TMP/expected" "$TEST_TMP/repo" || fail "make_annex_repo.py"
cd "$TEST_TMP/repo"

if [ "$db" = dolt ]; then
    target=(--to "$TEST_TMP/dolt-annex")
else
    socket=$(start_mariadb mariadb)
    mariadb --socket="$socket" -e 'CREATE DATABASE annex'
    target=(--database "mysql://root@localhost/annex?socket=$socket")
fi
git-annex-dolt migrate "${target[@]}" --json >"$TEST_TMP/first.json" 2>"$TEST_TMP/first.err" ||
    fail "migrate: $(cat "$TEST_TMP/first.err")"
echo "first: $(cat "$TEST_TMP/first.json")"

# The rows, against the generator's own account of them.
python3 - "$TEST_TMP/first.json" "$TEST_TMP/expected" <<'PY' || fail "row counts differ (above)"
import csv, json, os, sys
summary = json.load(open(sys.argv[1]))
problems = []
for field, name in (("locations", "locations.csv"), ("urls", "urls.csv")):
    path = os.path.join(sys.argv[2], name)
    if not os.path.exists(path):
        continue
    with open(path, newline="", encoding="utf-8") as f:
        rows = sum(1 for _ in csv.reader(f))
    header = 1 if open(path, encoding="utf-8").readline().startswith(("annex_key", "key")) else 0
    if summary[field] != rows - header:
        problems.append(f"{field}: migrate wrote {summary[field]}, the generator made {rows - header}")
if summary["corrupt_lines"] or summary["unknown_files"]:
    problems.append(f"corrupt or unknown: {summary}")
for p in problems:
    print(p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY

rc=0; git-annex-dolt whereis --all --json >"$TEST_TMP/dolt.json" 2>"$TEST_TMP/dolt.err" || rc=$?
[ "$rc" -le 1 ] || fail "git-annex-dolt whereis --all exited $rc: $(cat "$TEST_TMP/dolt.err")"
git annex whereis --all --json >"$TEST_TMP/annex.json" 2>/dev/null || true
expect_eq "$(wc -l <"$TEST_TMP/annex.json")" "$keys" "keys git annex whereis --all lists"
python3 "$INTEGRATION_DIR/whereis_compare.py" "$TEST_TMP/annex.json" "$TEST_TMP/dolt.json" \
    "synthetic $keys keys: whereis --all" >&2 || fail "whereis --all differs (above)"

git-annex-dolt migrate --json >"$TEST_TMP/second.json" 2>"$TEST_TMP/second.err" ||
    fail "second migrate: $(cat "$TEST_TMP/second.err")"
python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); sys.exit(0 if o["incremental"] and o["logs_read"] == 0 else 1)' \
    "$TEST_TMP/second.json" || fail "second migrate read something: $(cat "$TEST_TMP/second.json")"
echo "PASS: $db: $keys synthetic keys migrate exactly"
