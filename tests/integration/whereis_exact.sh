# Exact comparisons of git-annex-dolt whereis with git annex whereis, for the whereis tests.
# Source after lib.sh; the functions run in the current directory, a git-annex repository that
# git-annex-dolt has migrated.

# exact_json EXPECTED ACTUAL LABEL: every object of EXPECTED (git annex) equals one of ACTUAL
# (ours) in every field, matched by (file, key); "file": null and no "file" are alike.
exact_json() {
    python3 - "$@" <<'PY' || fail "$3: git-annex-dolt's JSON differs from git annex's (above)"
import json, sys
def load(path):
    out = {}
    for n, line in enumerate(open(path, "rb").read().split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            o = json.loads(line.decode("utf-8"))
        except ValueError as e:
            sys.exit(f"{path} line {n} does not parse ({e}): {line[:200]!r}")
        if o.get("file") is None:
            o.pop("file", None)
        out[(o.get("file"), o["key"])] = o
    return out
expected, actual = load(sys.argv[1]), load(sys.argv[2])
problems = []
for ident, o in expected.items():
    mine = actual.get(ident)
    if mine is None:
        problems.append(f"missing {ident}")
    elif mine != o:
        problems.append(f"{ident}:\n  git annex:     {json.dumps(o, sort_keys=True)}\n  git-annex-dolt: {json.dumps(mine, sort_keys=True)}")
problems += [f"extra {ident}" for ident in actual if ident not in expected]
for p in problems:
    print(sys.argv[3] + ": " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
}

# records FILE: the text output's records (each starts with "whereis "), sorted, NUL-separated.
records() {
    python3 -c 'import sys
text = open(sys.argv[1], "rb").read()
parts = text.split(b"whereis ")
sys.stdout.buffer.write(b"\0".join(sorted(parts)))' "$1"
}

# compare_all_json: `whereis --all --json` of both, object for object, every field.
compare_all_json() {
    git annex whereis --all --json >"$TEST_TMP/all.annex" 2>/dev/null || true
    local rc=0
    git-annex-dolt whereis --all --json >"$TEST_TMP/all.dolt" 2>"$TEST_TMP/all.err" || rc=$?
    [ "$rc" -le 1 ] ||
        fail "git-annex-dolt whereis --all --json exited $rc: $(head -c 2000 "$TEST_TMP/all.err")"
    exact_json "$TEST_TMP/all.annex" "$TEST_TMP/all.dolt" "whereis --all --json"
}

# compare_all_text: `whereis --all` of both, byte for byte as a set of records (the order of keys
# is git-annex's branch order, not pinned down by the tables).
compare_all_text() {
    git annex whereis --all >"$TEST_TMP/alltext.annex" 2>/dev/null || true
    git-annex-dolt whereis --all >"$TEST_TMP/alltext.dolt" 2>"$TEST_TMP/alltext.err" || true
    if ! cmp -s <(records "$TEST_TMP/alltext.annex") <(records "$TEST_TMP/alltext.dolt"); then
        diff -u "$TEST_TMP/alltext.annex" "$TEST_TMP/alltext.dolt" | cat -A >&2 || true
        fail "whereis --all: text differs from git annex whereis --all (above: - git annex, + ours)"
    fi
}
