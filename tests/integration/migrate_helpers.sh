# Shell helpers of the git-annex-dolt migrate/query tests. Source after lib.sh.

# jget FILE EXPR: a Python expression over the one JSON object `o` in FILE, printed.
jget() {
    python3 - "$1" "$2" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1], encoding="utf-8").read().splitlines() if l.strip()]
if len(lines) != 1:
    sys.exit(f"expected one line of output, got {len(lines)}: {lines[:3]}")
o = json.loads(lines[0])
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v))
PY
}

# jfield FILE FIELD: FIELD of the one JSON object in FILE, as JSON (strings quoted, true/false).
jfield() { jget "$1" "json.dumps(o['$2'])"; }

# sync_json NAME ARGS...: git-annex-dolt sync ARGS --json in the current directory, its output in
# $TEST_TMP/NAME.json; fails the test when sync fails.
sync_json() {
    local name=$1 rc=0
    shift
    git-annex-dolt sync "$@" --json >"$TEST_TMP/$name.json" 2>"$TEST_TMP/$name.err" || rc=$?
    [ "$rc" -eq 0 ] || fail "git-annex-dolt sync $* ($name) in $PWD exited $rc: $(head -c 2000 "$TEST_TMP/$name.err")"
}

# clones_and_dirstore: run in $TEST_TMP/a; clones it as b, c and d ("repo X", each a remote of
# a), adds a directory special remote ds in $TEST_TMP/dirstore, and syncs all four.
clones_and_dirstore() {
    for r in b c d; do
        git clone -q "$TEST_TMP/a" "$TEST_TMP/$r"
        (cd "$TEST_TMP/$r" && git annex init -q "repo $r")
        git remote add "$r" "$TEST_TMP/$r"
    done
    mkdir "$TEST_TMP/dirstore"
    git annex initremote -q ds type=directory "directory=$TEST_TMP/dirstore" encryption=none >/dev/null
    git annex sync -q >/dev/null 2>&1 || fail "git annex sync in a"
    for r in b c d; do (cd "$TEST_TMP/$r" && git annex sync -q >/dev/null 2>&1) || fail "git annex sync in $r"; done
}

# need_database dolt|mariadb: skips the test (exit 77) when that server is not installed; fails
# on another name.
need_database() {
    case "$1" in
        dolt) need_dolt ;;
        mariadb) command -v mariadbd >/dev/null || { echo "SKIPPED: mariadbd is not installed"; exit 77; } ;;
        *) fail "unknown database flavour $1" ;;
    esac
}
