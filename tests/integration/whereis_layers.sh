#!/usr/bin/env bash
# git-annex-dolt whereis, exactly as git annex whereis prints it, over the layers that change its
# words: a key with two web URLs (one url block, no blank line between its lines), a key dropped
# everywhere, an untrusted copy, a file name with the byte 0xff (the JSON line must parse: git-annex
# writes U+FFFD for it), a location of a uuid nobody described, two or more copies in one list
# (Debian's 10.20230126 starts every line after the first with a space: the form follows the
# git-annex on PATH), export and import remotes (untrusted whatever trust.log says), and
# git-annex-remote-dolt remotes (their WHEREIS answers are listed). Compared: `whereis --all --json`
# and `whereis --json FILES` object for object, every field (the note included), and the text
# form of both byte for byte (for --all as a set of records: the order of keys is git-annex's
# branch order, not pinned down by the tables).
#
# usage: whereis_layers.sh debian|newest
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
source "$(dirname "$0")/migrate_helpers.sh"
source "$(dirname "$0")/whereis_exact.sh"
use_git_annex "${1:?usage: whereis_layers.sh debian|newest}"
need_dolt
command -v git-annex-dolt >/dev/null || fail "git-annex-dolt is not built in $GAD_BUILD_DIR"

new_repo "$TEST_TMP/a" "repo a"
cd "$TEST_TMP/a"
bad=$(printf 'bad\xffname')
for f in two-urls dropped untrusted-only plain "$bad"; do printf 'content of %s %s\n' "$f" "$RANDOM" >"$f"; done
git annex add -q .
git commit -q -m files
key() { git annex lookupkey "$1"; }
git annex registerurl "$(key two-urls)" http://example.org/one >/dev/null
git annex registerurl "$(key two-urls)" 'http://example.org/two?a=1&b=2' >/dev/null
git annex drop -q --force dropped
git annex setpresentkey "$(key untrusted-only)" 11111111-2222-3333-4444-555555555555 1 >/dev/null
git annex untrust -q here >/dev/null 2>&1                # here's copies become "untrusted locations"
git annex setpresentkey "$(key plain)" 11111111-2222-3333-4444-555555555555 1 >/dev/null
# Lists of two and more: plain and two-urls have two trusted copies (two-urls' with the web
# first), untrusted-only two untrusted ones (here and an untrusted directory remote).
git annex setpresentkey "$(key plain)" 22222222-2222-3333-4444-555555555555 1 >/dev/null
git annex setpresentkey "$(key two-urls)" 22222222-2222-3333-4444-555555555555 1 >/dev/null
mkdir "$TEST_TMP/dir1"
git annex initremote -q dir1 type=directory directory="$TEST_TMP/dir1" encryption=none >/dev/null ||
    fail "git annex initremote dir1"
git annex untrust -q dir1 >/dev/null 2>&1
git annex copy -q --to dir1 untrusted-only >/dev/null 2>&1 || fail "git annex copy --to dir1"
# Export remotes are untrusted whatever trust.log says (dead stays dead): ex exports and imports,
# eo only exports and is marked trusted in trust.log; neither has copies that count.
mkdir "$TEST_TMP/ex" "$TEST_TMP/eo"
git annex initremote -q ex type=directory directory="$TEST_TMP/ex" exporttree=yes importtree=yes \
    encryption=none >/dev/null || fail "git annex initremote ex"
git annex initremote -q eo type=directory directory="$TEST_TMP/eo" exporttree=yes \
    encryption=none >/dev/null || fail "git annex initremote eo"
git annex export -q HEAD --to ex >/dev/null 2>&1 || true   # the dropped file cannot be exported
git annex export -q HEAD --to eo >/dev/null 2>&1 || true
git annex trust -q --force eo >/dev/null 2>&1
# git-annex-remote-dolt remotes: git-annex shows their WHEREIS answer ("R: <store>/annex/aaa/bbb/
# KEY"), asking only remotes that get keys unchanged (not the chunked one, C). R's directory= is
# relative: the remote takes it from the top of the repository.
git annex initremote -q R type=external externaltype=dolt encryption=none directory=../store \
    >/dev/null || fail "git annex initremote R"
git annex initremote -q C type=external externaltype=dolt encryption=none chunk=1MiB \
    directory="$TEST_TMP/cstore" >/dev/null || fail "git annex initremote C"
git annex copy -q --to R plain two-urls >/dev/null || fail "git annex copy --to R"
git annex copy -q --to C plain >/dev/null || fail "git annex copy --to C"
git annex sync -q >/dev/null 2>&1 || fail "git annex sync"

git-annex-dolt migrate --to "$TEST_TMP/dolt-annex" >"$TEST_TMP/migrate.out" 2>"$TEST_TMP/migrate.err" ||
    fail "git-annex-dolt migrate: $(head -c 2000 "$TEST_TMP/migrate.err")"
# The summary counts the files it read of every kind, and names those it does not migrate.
location_logs=$(git ls-tree -r --name-only git-annex | grep -cE '^[0-9a-f]{3}/[0-9a-f]{3}/.*[^/]\.log$')
web_logs=$(git ls-tree -r --name-only git-annex | grep -cE '^[0-9a-f]{3}/[0-9a-f]{3}/.*\.log\.web$')
# The import remote eo's content identifiers (KEY.log.cid) are migrated, one row per key and UUID.
git ls-tree -r --name-only git-annex | grep -E '^[0-9a-f]{3}/[0-9a-f]{3}/.*\.log\.cid$' >"$TEST_TMP/cid.logs" || true
cid_logs=$(wc -l <"$TEST_TMP/cid.logs")
[ "$cid_logs" -gt 0 ] || fail "git annex export to the import remote eo wrote no .log.cid"
by_kind=$(grep '^migrate: logs read by kind: ' "$TEST_TMP/migrate.out") ||
    fail "the migrate summary has no logs-by-kind line: $(cat "$TEST_TMP/migrate.out")"
for expected in "location log $location_logs" "URL log $web_logs" "remote.log 1" "trust.log 1" \
    "uuid.log 1" "content identifier log $cid_logs" "export.log 1"; do
    [[ "$by_kind" == *"$expected"* ]] || fail "the migrate summary does not say '$expected': $by_kind"
done
[[ "$by_kind" != *"*.log.cid"* ]] || fail "the migrate summary names .log.cid as not migrated: $by_kind"
# Every (key, UUID, value) of the newest .log.cid lines is a row of gad_content_identifiers.
while read -r path; do
    key=$(basename "$path" .log.cid)
    git show "git-annex:$path" | awk '{u = $2; $1 = ""; $2 = ""; sub(/^ +/, ""); v[u] = $0} END {for (u in v) print u "," v[u]}' |
        sed "s|^|$key,|"
done <"$TEST_TMP/cid.logs" | sort >"$TEST_TMP/cid.expected"
(cd "$TEST_TMP/dolt-annex" && dolt sql -r csv -q "SELECT annex_key, uuid, content_ids FROM gad_content_identifiers") |
    tail -n +2 | sort >"$TEST_TMP/cid.rows" || fail "cannot read gad_content_identifiers"
# export.log: each (from, to) pair's newest trees (the line of the largest timestamp), as
# git-annex wrote them.
git show git-annex:export.log |
    awk '{t = $1 + 0; p = $2; $1 = ""; $2 = ""; sub(/^ +/, "")
          if (!(p in ts) || t > ts[p]) { ts[p] = t; v[p] = $0 } }
         END { for (p in v) { q = p; sub(/:/, " ", q); print q " " v[p] } }' |
    LC_ALL=C sort >"$TEST_TMP/export.expected"
[ "$(wc -l <"$TEST_TMP/export.expected")" -ge 2 ] || fail "export.log names fewer than 2 exports"
(cd "$TEST_TMP/dolt-annex" && dolt sql -r csv -q "SELECT CONCAT(from_uuid, ' ', to_uuid, ' ', trees) FROM gad_exports") |
    tail -n +2 | LC_ALL=C sort >"$TEST_TMP/export.rows" || fail "cannot read gad_exports"
cmp -s "$TEST_TMP/export.expected" "$TEST_TMP/export.rows" ||
    fail "gad_exports differs from export.log: $(diff "$TEST_TMP/export.expected" "$TEST_TMP/export.rows" | head -5)"
cmp -s "$TEST_TMP/cid.expected" "$TEST_TMP/cid.rows" ||
    fail "gad_content_identifiers differs from the .log.cid files: $(diff "$TEST_TMP/cid.expected" "$TEST_TMP/cid.rows" | head -5)"

compare_all_json

git ls-files -z >"$TEST_TMP/files"
if [ "$1" = newest ]; then
    # git-annex 10.2026 finds no file for a path argument holding 0xff ("pathspec ... did not
    # match"), so by file it prints nothing for it; the name is still compared through --all.
    echo "newest: the 0xff file name is left out of the by-file comparison (git-annex cannot be given it)"
    python3 -c 'import sys; p=sys.argv[1]; d=open(p,"rb").read().split(b"\0"); open(p,"wb").write(b"\0".join(x for x in d if b"\xff" not in x))' "$TEST_TMP/files"
fi
xargs -0 git annex whereis --json <"$TEST_TMP/files" >"$TEST_TMP/files.annex" 2>/dev/null || true
xargs -0 git-annex-dolt whereis --json <"$TEST_TMP/files" >"$TEST_TMP/files.dolt" 2>"$TEST_TMP/files.err" || true
exact_json "$TEST_TMP/files.annex" "$TEST_TMP/files.dolt" "whereis --json FILES"

xargs -0 git annex whereis <"$TEST_TMP/files" >"$TEST_TMP/text.annex" 2>/dev/null || true
xargs -0 git-annex-dolt whereis <"$TEST_TMP/files" >"$TEST_TMP/text.dolt" 2>"$TEST_TMP/text.err" || true
if ! cmp -s "$TEST_TMP/text.annex" "$TEST_TMP/text.dolt"; then
    diff -u "$TEST_TMP/text.annex" "$TEST_TMP/text.dolt" | cat -A >&2 || true
    fail "whereis FILES: text differs from git annex whereis (above: - git annex, + ours)"
fi
compare_all_text
summary "$(git annex version --raw): whereis --all and by file, --json and text, equal git annex whereis"
