#!/usr/bin/env bash
# git-annex-dolt find and info against real git-annex. A repository "repo a" with clones b, c, d
# and a directory special remote ds copies and drops files (names with spaces, a subdirectory, a
# URL key without a size, a WORM key with an mtime, a dead key still in the tree); d is dead, c
# untrusted. After migrate, `git-annex-dolt find --in=X --not-in=Y` must print what
# `git annex find --in=X --not --in=Y` prints (plain and --json, byte for byte, at the top and
# in a subdirectory) for repositories named by remote name, description, UUID and "here"; an
# unknown name fails with one line. `git-annex-dolt info --json` must count what
# `git annex whereis --all --json` shows (d's counts taken before it died) and the annexed files.
#
# usage: find_info.sh dolt|mariadb debian|newest
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
source "$(dirname "$0")/migrate_helpers.sh"
db=${1:?usage: find_info.sh dolt|mariadb debian|newest}
use_git_annex "${2:?usage: find_info.sh dolt|mariadb debian|newest}"
need_database "$db"
command -v git-annex-dolt >/dev/null || fail "git-annex-dolt is not built in $GAD_BUILD_DIR"

# ---------------------------------------------------------------------------------------------
# The repositories: a ("repo a") with remotes b, c, d (clones) and ds (a directory remote).
new_repo "$TEST_TMP/a" "repo a"
cd "$TEST_TMP/a"
mkdir sub "sub dir"
for f in f1 f2 f3 f4 f5 sub/g1 sub/g2 "sub dir/h" "name with spaces.txt" gone; do
    printf 'content of %s %s\n' "$f" "$RANDOM" >"$f"
done
printf 'worm %s\n' "$RANDOM" >w
git annex add -q --backend=WORM w
git annex add -q .
git annex fromkey --force URL--http://example.org/x/y urlfile >/dev/null   # no size, no content
git commit -q -m files
clones_and_dirstore
key() { git annex lookupkey "$1"; }

git annex copy -q --to ds f1 f2 "name with spaces.txt" sub/g1 w
git annex copy -q --to b f1 f3 sub/g1 "sub dir/h"
git annex copy -q --to c f4 sub/g2 f5
git annex copy -q --to d f3 f4 sub/g2
git annex drop -q f4 sub/g2                              # c and d have them
git annex setpresentkey "$(key urlfile)" "$(git config remote.b.annex-uuid)" 1 >/dev/null
git annex registerurl "$(key f5)" http://example.org/f5 >/dev/null   # the web has f5
gone_key=$(key gone)
git annex drop -q --force gone
git annex dead -q --key "$gone_key" >/dev/null           # a dead key, its file still in the tree
git annex sync -q >/dev/null 2>&1 || fail "git annex sync in a (2)"
for r in b c d; do (cd "$TEST_TMP/$r" && git annex sync -q >/dev/null 2>&1) || fail "git annex sync in $r (2)"; done
git annex sync -q >/dev/null 2>&1 || fail "git annex sync in a (3)"
# d's copies, counted while git annex still shows d (a dead repository is left out of whereis).
d_uuid=$(git config remote.d.annex-uuid)
git annex whereis --all --json >"$TEST_TMP/before-dead.json" 2>/dev/null || true
git annex dead -q d >/dev/null                           # --in=d then matches nothing
git annex untrust -q c >/dev/null                        # untrusted: --in=c still matches
git annex sync -q >/dev/null 2>&1 || fail "git annex sync in a (4)"

# ---------------------------------------------------------------------------------------------
case "$db" in
    dolt) target=(--to "$TEST_TMP/dolt-annex") ;;
    mariadb)
        socket=$(start_mariadb mariadb)
        sql "$socket" mysql 'CREATE DATABASE annex'
        target=(--database "mysql://root@localhost/annex?socket=$socket") ;;
esac
git-annex-dolt migrate --json "${target[@]}" >"$TEST_TMP/migrate.json" 2>"$TEST_TMP/migrate.err" ||
    fail "git-annex-dolt migrate: $(head -c 2000 "$TEST_TMP/migrate.err")"

# compare_find WHERE IN... -- NOT_IN...: git-annex-dolt find vs git annex find in directory
# WHERE (relative to a), plain and --json, byte for byte; also fails when git annex finds nothing
# for a pair expected to match files (marked with a leading '+' on WHERE).
compared=0
compare_find() {
    local where=$1 nonempty=false; shift
    [[ $where == +* ]] && { nonempty=true; where=${where#+}; }
    local ours=() theirs=() label side=in
    for arg in "$@"; do
        if [ "$arg" = -- ]; then side=not_in; continue; fi
        if [ "$side" = in ]; then ours+=("--in=$arg"); theirs+=("--in=$arg")
        else ours+=("--not-in=$arg"); theirs+=(--not "--in=$arg"); fi
    done
    label="find ${ours[*]} (in $where)"
    local out="$TEST_TMP/find.$compared" rc
    for json in "" --json; do
        rc=0
        (cd "$TEST_TMP/a/$where" && git-annex-dolt find "${ours[@]}" $json) >"$out.dolt" 2>"$out.err" || rc=$?
        [ "$rc" -eq 0 ] || fail "git-annex-dolt $label $json exited $rc: $(head -c 2000 "$out.err")"
        (cd "$TEST_TMP/a/$where" && git annex find "${theirs[@]}" $json) >"$out.annex" 2>"$out.annex.err" ||
            fail "git annex find ${theirs[*]} $json failed: $(head -c 2000 "$out.annex.err")"
        if ! cmp -s "$out.annex" "$out.dolt"; then
            diff -u "$out.annex" "$out.dolt" >&2 || true
            fail "$label $json differs from git annex find ${theirs[*]} (above: - git annex, + ours)"
        fi
        if $nonempty && [ ! -s "$out.annex" ]; then fail "$label: git annex found nothing; the test is meant to match files"; fi
    done
    compared=$((compared + 1))
}
ds_uuid=$(git config remote.ds.annex-uuid)
here_uuid=$(git config annex.uuid)
compare_find +. here -- ds                     # remote names and "here"
compare_find +. b -- here
compare_find +. "repo c"                       # a description (c is untrusted: still listed)
compare_find +. "$ds_uuid" -- b                # a UUID
compare_find +. . -- "repo b"                  # "." is here
compare_find +. ds b                           # two --in
compare_find +. -- ds -- here                  # --not-in only, twice (includes the dead key's file)
compare_find +. web                            # the web special remote (f5's URL)
compare_find . d                               # dead: nothing
compare_find +. -- d                           # not in dead d: every file
compare_find +. "$here_uuid" b -- c
compare_find +sub b -- c                       # in a subdirectory: paths relative to it
compare_find +sub -- here
compare_find "+sub dir" b

# An unknown repository name: one line on stderr, exit 1, nothing on stdout.
rc=0; git-annex-dolt find --in=nosuchrepo >"$TEST_TMP/unknown.out" 2>"$TEST_TMP/unknown.err" || rc=$?
expect_eq "$rc" 1 "exit status of find --in=nosuchrepo"
expect_eq "$(cat "$TEST_TMP/unknown.err")" "git-annex-dolt: no repository named 'nosuchrepo'" "stderr of find --in=nosuchrepo"
[ ! -s "$TEST_TMP/unknown.out" ] || fail "find --in=nosuchrepo printed: $(cat "$TEST_TMP/unknown.out")"
rc=0; git-annex-dolt find --json >/dev/null 2>&1 || rc=$?
expect_eq "$rc" 2 "exit status of find without --in/--not-in (a usage error)"

# ---------------------------------------------------------------------------------------------
# info --json vs counts from git annex: per repository the keys present and their -s sizes
# (whereis --all; d's from before it died), the keys whereis --all lists, the annexed files.
git-annex-dolt info --json >"$TEST_TMP/info.json" 2>"$TEST_TMP/info.err" ||
    fail "git-annex-dolt info --json: $(head -c 2000 "$TEST_TMP/info.err")"
git annex whereis --all --json >"$TEST_TMP/whereis.json" 2>/dev/null || true
git annex find --include='*' --print0 >"$TEST_TMP/files"
python3 - "$TEST_TMP/info.json" "$TEST_TMP/whereis.json" "$TEST_TMP/before-dead.json" "$d_uuid" \
    "$(tr -cd '\0' <"$TEST_TMP/files" | wc -c)" "$here_uuid" "$(git config remote.c.annex-uuid)" <<'PY' || fail "info --json differs (above)"
import json, re, sys
info_path, whereis_path, before_path, d_uuid, files, here, c_uuid = sys.argv[1:]
lines = [l for l in open(info_path, encoding="utf-8").read().splitlines() if l.strip()]
assert len(lines) == 1, f"info --json printed {len(lines)} lines"
info = json.loads(lines[0])

def counts(path, only=None):
    expected = {}
    for line in open(path, encoding="utf-8"):
        if not line.strip():
            continue
        obj = json.loads(line)
        m = re.match(r"^[^-]+-s(\d+)-", obj["key"])
        for entry in obj["whereis"] + obj["untrusted"]:
            if only and entry["uuid"] != only:
                continue
            e = expected.setdefault(entry["uuid"], {"keys": 0, "size": 0, "unknown_size_keys": 0, "description": entry["description"]})
            e["keys"] += 1
            if m:
                e["size"] += int(m.group(1))
            else:
                e["unknown_size_keys"] += 1
    return expected

expected = counts(whereis_path)
expected.update(counts(before_path, only=d_uuid))
problems = []
by_uuid = {r["uuid"]: r for r in info["repositories"]}
for uuid, e in expected.items():
    r = by_uuid.get(uuid)
    if r is None:
        problems.append(f"{uuid} ({e['description']}) missing from info")
        continue
    for field in ("keys", "size", "unknown_size_keys"):
        if r[field] != e[field]:
            problems.append(f"{uuid} ({e['description']}): {field} is {r[field]}, git annex says {e[field]}")
    if uuid != d_uuid and r["description"] != e["description"]:
        problems.append(f"{uuid}: description {r['description']!r}, whereis shows {e['description']!r}")
for uuid, r in by_uuid.items():
    if uuid not in expected and r["keys"] != 0:
        problems.append(f"{uuid} ({r['description']}): {r['keys']} keys, git annex shows none")
for uuid, trust in ((d_uuid, "dead"), (c_uuid, "untrusted"), (here, "semitrusted")):
    if by_uuid.get(uuid, {}).get("trust") != trust:
        problems.append(f"{uuid}: trust {by_uuid.get(uuid, {}).get('trust')!r}, expected {trust!r}")
if [r["uuid"] for r in info["repositories"] if r["here"]] != [here]:
    problems.append(f"here is not exactly {here}")
listed = sum(1 for l in open(whereis_path, encoding="utf-8") if l.strip())
if info["keys"] != listed:
    problems.append(f"keys is {info['keys']}, git annex whereis --all lists {listed}")
if info["annexed_files"] != int(files):
    problems.append(f"annexed_files is {info['annexed_files']}, git annex find --include='*' lists {files}")
if expected.get(c_uuid, {}).get("unknown_size_keys", 0) != 0 or not any(e["unknown_size_keys"] for e in expected.values()):
    problems.append("the scenario is meant to have exactly b hold a key of unknown size")
for p in problems:
    print("info:", p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
# The plain form: a header, one row per repository, and the two totals.
git-annex-dolt info >"$TEST_TMP/info.txt" 2>"$TEST_TMP/info.err" || fail "git-annex-dolt info: $(cat "$TEST_TMP/info.err")"
expect_eq "$(head -n1 "$TEST_TMP/info.txt" | awk '{print $1, $2, $3}')" "repository trust keys" "info's header"
expect_eq "$(grep -c -- "-.*-.*-.*-" "$TEST_TMP/info.txt")" "$(jq '.repositories | length' "$TEST_TMP/info.json")" "info's repository rows"
grep -qx "keys: $(jq .keys "$TEST_TMP/info.json")" "$TEST_TMP/info.txt" || fail "info lacks the keys line: $(cat "$TEST_TMP/info.txt")"
grep -qx "annexed files: $(jq .annexed_files "$TEST_TMP/info.json")" "$TEST_TMP/info.txt" || fail "info lacks the annexed files line"

summary "$db, $(git annex version --raw): find ($compared --in/--not-in combinations, plain and --json) and info agree with git annex"
