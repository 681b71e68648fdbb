#!/usr/bin/env bash
# git-annex-dolt sync lets no table value forge a line of git-annex's logs (issue 15, defect 4).
#
# Repository a has the dolt special remote; its dolt-annex repository $TEST_TMP/store is also a's
# location database.
#  1. Rows written straight into the store's tables (as anyone with SQL access can) carry CR or
#     LF in a repository UUID (location rows), a URL, a repository description and a metadata
#     field, each followed by a would-be log line of the attacker's; legitimate rows sit beside
#     them. After `git-annex-dolt sync --full`, git annex whereis lists no fake repository, no
#     injected URL, and a's description is still a's; git annex metadata has no forged field.
#     The summary counts the refused values, and stderr names each on one line starting
#     "git-annex-dolt: ", with no raw CR or LF of the value. The legitimate rows land: a new
#     repository with its description, a web URL, a metadata value with a newline (encoded).
#  2. A peer (`sync --with`, a second dolt-annex repository made by clone b) carrying hostile
#     rows: they are refused and counted both ways, never reach the store's tables; the peer's
#     legitimate row reaches git annex whereis.
#
# usage: sync_inject.sh debian|newest
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
source "$(dirname "$0")/migrate_helpers.sh"
use_git_annex "${1:?usage: sync_inject.sh debian|newest}"
need_dolt
command -v git-annex-dolt >/dev/null || fail "git-annex-dolt is not built in $GAD_BUILD_DIR"
store="$TEST_TMP/store"
peer="$TEST_TMP/peer"
web=00000000-0000-0000-0000-000000000001

store_sql() { sql_dolt_repo "$store" "$1"; }
peer_sql() { sql_dolt_repo "$peer" "$1"; }
new_uuid() { python3 -c 'import uuid; print(uuid.uuid4())'; }

# whereis_report OUT: every "file uuid description" git annex whereis --json lists (whereis and
# untrusted), and every URL it shows as "file URL url", sorted, into OUT. Runs git-annex, which
# merges refs/git-annex-dolt/git-annex into its branch.
whereis_report() {
    git annex whereis --json >"$1.raw" 2>"$1.err" || true
    [ -s "$1.raw" ] || fail "git annex whereis --json printed nothing: $(cat "$1.err")"
    python3 - "$1.raw" <<'PY' | LC_ALL=C sort >"$1"
import json, sys
for line in open(sys.argv[1], encoding="utf-8", errors="backslashreplace"):
    if not line.strip():
        continue
    o = json.loads(line)
    for e in o.get("whereis", []) + o.get("untrusted", []):
        print(o["file"], repr(e["uuid"]), repr(e.get("description", "")))
        for url in e.get("urls", []):
            print(o["file"], "URL", repr(url))
PY
}
# check_whereis OUT ALLOWED...: the report (whereis_report) names only the ALLOWED uuids, and no
# text of an attacker's (HACKED, fake, evil, injected).
check_whereis() {
    local out=$1; shift
    whereis_report "$out"
    echo "git annex whereis:"; sed 's/^/    /' "$out"
    local uuid
    while read -r _ uuid _; do
        [ "$uuid" = URL ] && continue
        uuid=${uuid//\'/}
        # (A loop, not `printf | grep -q`: under pipefail grep's early exit can kill printf with
        # SIGPIPE and fail an allowed uuid about one run in five.)
        local allowed found=no
        for allowed in "$@"; do [ "$allowed" = "$uuid" ] && found=yes; done
        [ "$found" = yes ] || fail "git annex whereis lists a fake repository $uuid: $(cat "$out")"
    done <"$out"
    if grep -E 'HACKED|fake-|evil\.example|injected' "$out"; then
        fail "git annex whereis shows text of the attacker's (above)"
    fi
}
# description_of OUT UUID FILE: the description whereis gave UUID for FILE.
description_of() { awk -v f="$2" -v u="'$3'" '$1 == f && $2 == u { $1 = ""; $2 = ""; sub(/^  /, ""); print; exit }' "$1"; }

# ---------------------------------------------------------------------------------------------
new_repo "$TEST_TMP/a" "repo a"
cd "$TEST_TMP/a"
for i in 1 2 3; do printf 'f%s %s %s\n' "$i" "$RANDOM" "$RANDOM" >"f$i"; done
git annex add -q . && git commit -q -m files
a_uuid=$(git config annex.uuid)
git annex initremote -q dolt type=external externaltype=dolt encryption=none "directory=$store" serveridle=3 >/dev/null
store_uuid=$(git config remote.dolt.annex-uuid)
git-annex-dolt migrate --to "$store" >/dev/null 2>"$TEST_TMP/a-migrate.err" ||
    fail "migrate in a: $(cat "$TEST_TMP/a-migrate.err")"
git annex copy -q --to dolt f1 >/dev/null || fail "git annex copy --to dolt f1 in a"
wait_remote_exit "$TEST_TMP/a"
declare -A K
for i in 1 2 3; do K[f$i]=$(git annex lookupkey "f$i"); done
legit_uuid=$(new_uuid)
hostile_uuid=$(new_uuid)
now="$(date +%s).5"

# 1. Hostile rows beside legitimate ones, straight into the tables ('\n' and '\r' are SQL escapes).
store_sql "
INSERT INTO gad_locations (annex_key, uuid, status, ts) VALUES
  ('${K[f1]}', 'evil\n9999999999s 1 fake-lf-repo', '1', $now),
  ('${K[f2]}', 'evil\r9999999999s 1 fake-cr-repo', '1', $now),
  ('${K[f2]}', '$web', '1', $now),
  ('${K[f3]}', '$legit_uuid', '1', $now);
INSERT INTO gad_urls (annex_key, url, status, ts) VALUES
  ('${K[f2]}', 'http://example.com/ok\n9999999999s 1 http://evil.example/injected', '1', $now),
  ('${K[f2]}', 'http://example.com/legit', '1', $now);
INSERT INTO gad_repositories (uuid, description, description_ts) VALUES
  ('$hostile_uuid', 'innocent timestamp=1s\n$a_uuid HACKED by the tables timestamp=9999999999s', $now),
  ('bad\n9999999999s 1 fake', 'x', $now),
  ('$legit_uuid', 'legit dolt-annex repository', $now);
INSERT INTO gad_metadata (annex_key, field, value, status, ts) VALUES
  ('${K[f1]}', 'tag\n9999999999s injected', 'x', '1', $now),
  ('${K[f1]}', 'note', 'two\nlines', '1', $now);
" >/dev/null
# The escapes did make line breaks in the tables.
expect_eq "$(store_sql "SELECT COUNT(*) FROM gad_locations WHERE HEX(uuid) LIKE '%0A%' OR HEX(uuid) LIKE '%0D%'")" 2 \
    "location rows with CR or LF in the uuid"

rc=0
git-annex-dolt sync --full --json >"$TEST_TMP/s1.json" 2>"$TEST_TMP/s1.err" || rc=$?
echo "sync --full: $(cat "$TEST_TMP/s1.json")"; echo "its stderr:"; cat -A "$TEST_TMP/s1.err" | sed 's/^/    /'
[ "$rc" -eq 0 ] || fail "git-annex-dolt sync --full exited $rc"

check_whereis "$TEST_TMP/w1" "$a_uuid" "$store_uuid" "$legit_uuid" "$web"
desc=$(description_of "$TEST_TMP/w1" f1 "$a_uuid")
[[ "$desc" == *"repo a"* ]] || fail "a's description in git annex whereis: $desc"
expect_eq "$(description_of "$TEST_TMP/w1" f3 "$legit_uuid")" "'legit dolt-annex repository'" \
    "the legitimate repository's description in git annex whereis"
grep -qxF "f2 URL 'http://example.com/legit'" "$TEST_TMP/w1" || fail "git annex whereis f2 lacks the legitimate URL"
git annex metadata --json f1 >"$TEST_TMP/meta.json" 2>/dev/null || fail "git annex metadata f1"
expect_eq "$(jget "$TEST_TMP/meta.json" "sorted(k for k in o['fields'] if not k.endswith('lastchanged'))")" \
    '["note"]' "metadata fields of f1"
expect_eq "$(jget "$TEST_TMP/meta.json" "o['fields']['note']")" '["two\nlines"]' "the note of f1 (a value with a newline, encoded)"

# The summary counts them; stderr names each, on one line of its own.
expect_eq "$(jget "$TEST_TMP/s1.json" "o['export']['refused']")" 6 "values refused by the export"
expect_eq "$(grep -c '^git-annex-dolt: ' "$TEST_TMP/s1.err")" 6 "refusal lines on stderr"
expect_eq "$(wc -l <"$TEST_TMP/s1.err")" 6 "lines on stderr"
if grep -q $'\r' "$TEST_TMP/s1.err"; then fail "a raw CR on stderr"; fi
for marker in 'fake-lf-repo' 'fake-cr-repo' 'http://evil.example/injected' 'HACKED by the tables' \
              '9999999999s 1 fake' '9999999999s injected'; do
    grep -qF -- "$marker" "$TEST_TMP/s1.err" || fail "stderr does not name the value with '$marker'"
done
grep -qF "'evil\\x0a9999999999s 1 fake-lf-repo'" "$TEST_TMP/s1.err" || fail "the LF of a UUID is not shown escaped"
grep -qF "'evil\\x0d9999999999s 1 fake-cr-repo'" "$TEST_TMP/s1.err" || fail "the CR of a UUID is not shown escaped"
# (Some git-annex versions also leave the remote's own line for f1 to the tables: 2 or 3.)
[ "$(jget "$TEST_TMP/s1.json" "o['export']['locations']")" -ge 2 ] ||
    fail "too few location lines written (f2 on the web, f3 in the legitimate repository): $(cat "$TEST_TMP/s1.json")"

# The text summary says it too.
git-annex-dolt sync --full >"$TEST_TMP/s2.out" 2>"$TEST_TMP/s2.err" || fail "git-annex-dolt sync --full (text): $(cat "$TEST_TMP/s2.err")"
grep -qF "6 values refused (named on stderr)" "$TEST_TMP/s2.out" || fail "the text summary does not count the refused values: $(cat "$TEST_TMP/s2.out")"

# ---------------------------------------------------------------------------------------------
# 2. A peer with hostile rows: a second dolt-annex repository, made by clone b.
git clone -q "$TEST_TMP/a" "$TEST_TMP/b"
cd "$TEST_TMP/b"
git annex init -q "repo b"
git-annex-dolt migrate --to "$peer" >/dev/null 2>"$TEST_TMP/b-migrate.err" || fail "migrate in b: $(cat "$TEST_TMP/b-migrate.err")"
peer_legit=$(new_uuid)
peer_hostile=$(new_uuid)
now="$(date +%s).5"
peer_sql "
INSERT INTO gad_locations (annex_key, uuid, status, ts) VALUES
  ('${K[f1]}', 'peer\n9999999999s 1 fake-peer', '1', $now),
  ('${K[f1]}', '$peer_legit', '1', $now);
INSERT INTO gad_repositories (uuid, description, description_ts) VALUES
  ('$peer_hostile', 'p timestamp=1s\n$a_uuid HACKED by the peer timestamp=9999999999s', $now),
  ('$peer_legit', 'legit peer repository', $now);
" >/dev/null

cd "$TEST_TMP/a"
rc=0
git-annex-dolt sync --with "$peer" --full --json >"$TEST_TMP/s3.json" 2>"$TEST_TMP/s3.err" || rc=$?
echo "sync --with: $(cat "$TEST_TMP/s3.json")"; echo "its stderr:"; cat -A "$TEST_TMP/s3.err" | sed 's/^/    /'
[ "$rc" -eq 0 ] || fail "git-annex-dolt sync --with exited $rc"
check_whereis "$TEST_TMP/w3" "$a_uuid" "$store_uuid" "$legit_uuid" "$web" "$peer_legit" \
    "$(git -C "$TEST_TMP/b" config annex.uuid)"
desc=$(description_of "$TEST_TMP/w3" f1 "$a_uuid")
[[ "$desc" == *"repo a"* ]] || fail "a's description in git annex whereis after sync --with: $desc"
expect_eq "$(description_of "$TEST_TMP/w3" f1 "$peer_legit")" "'legit peer repository'" \
    "the peer's legitimate repository in git annex whereis"
expect_eq "$(store_sql "SELECT COUNT(*) FROM gad_locations WHERE uuid LIKE '%fake-peer%'") $(store_sql "SELECT COUNT(*) FROM gad_repositories WHERE description LIKE '%by the peer%'")" \
    "0 0" "the peer's hostile rows in the store's tables"
expect_eq "$(jget "$TEST_TMP/s3.json" "o['with'][0]['into_here']['refused']")" 2 "values of the peer refused"
expect_eq "$(jget "$TEST_TMP/s3.json" "o['with'][0]['into_there']['refused']")" 6 "values of ours the peer refused"
expect_eq "$(peer_sql "SELECT COUNT(*) FROM gad_locations WHERE HEX(uuid) LIKE '%0A%' OR HEX(uuid) LIKE '%0D%'")" 1 \
    "rows with a line break in the peer's locations (its own only)"
grep -qF "fake-peer" "$TEST_TMP/s3.err" || fail "stderr does not name the peer's hostile UUID"
grep -qF "HACKED by the peer" "$TEST_TMP/s3.err" || fail "stderr does not name the peer's hostile description"
bad=$(grep -vc '^git-annex-dolt: ' "$TEST_TMP/s3.err" || true)
expect_eq "$bad" 0 "stderr lines of sync --with not starting 'git-annex-dolt: '"

summary "$(git annex version --raw): CR/LF in UUIDs, URLs, descriptions and metadata fields refused, from the tables and from a peer"
