#!/usr/bin/env bash
# git-annex-dolt migrate --rekey-store (issue 18 item 4), on the newest git-annex: migrated keys
# get objects of their own in the store of a git-annex-remote-dolt remote, so that tools knowing
# only the new backend (dolt-annex knows only SHA256E) find them.
#
#  1. Clone a adds three files with SHA1E keys, stores them in the dolt remote R, and migrates
#     them to SHA256E (`git annex migrate`). The old object of f3 in R is damaged (same size).
#  2. `git-annex-dolt migrate --to R's directory --rekey-store`: f1 and f2 get SHA256E objects
#     (hard links, as dolt-annex's AnnexFS layout places them, and read there by a reader that
#     knows only that layout and SHA256E) and R's location rows of their new keys, dated by the
#     migration; f3's new key fails with one line naming both keys, and is left as it was (no
#     object, no row, no temporary file). Exit status 1.
#  3. Again: nothing changes (idempotent). A fourth file migrated later is rekeyed by a plain
#     `migrate --rekey-store` (incremental; the target is remembered).
#  4. After git-annex-dolt sync and git annex sync, with a's copies dropped, `git annex fsck
#     --from R` and `git annex get --from R` of the migrated files pass, and whereis names the new
#     key's own object.
#
# usage: rekey_store.sh newest
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
source "$(dirname "$0")/migrate_helpers.sh"
use_git_annex "${1:?usage: rekey_store.sh newest}"
need_dolt
command -v git-annex-dolt >/dev/null || fail "git-annex-dolt is not built in $GAD_BUILD_DIR"
store="$TEST_TMP/store"

# rekey NAME ARGS...: git-annex-dolt migrate ARGS --json; its exit status in $rc, its JSON line
# in $TEST_TMP/NAME.json, its stderr in $TEST_TMP/NAME.err.
rekey() {
    local name=$1
    shift
    rc=0
    git-annex-dolt migrate "$@" --json >"$TEST_TMP/$name.json" 2>"$TEST_TMP/$name.err" || rc=$?
    echo "git-annex-dolt migrate $* ($name): exit $rc: $(cat "$TEST_TMP/$name.json")"
}
store_objects() { find "$store/annex" -type f | LC_ALL=C sort; }
q() { sql_dolt_repo "$store" "$1"; }

# dolt_annex_finds KEY: what a reader that knows only dolt-annex's AnnexFS layout and SHA256E
# does (dolt_annex/filestore/annexfs.py get_key_path: <root>/<md5[:3]>/<md5[3:6]>/<KEY>, the root
# from repos/__local__.repo): finds KEY's object and checks its content against the key.
dolt_annex_finds() {
    python3 - "$store" "$1" <<'PY'
import hashlib, json, os, re, sys
store, key = sys.argv[1], sys.argv[2]
m = re.fullmatch(r"SHA256E-s(\d+)--([0-9a-f]{64})(\.[^/]*)?", key)
if not m:
    sys.exit(f"not a SHA256E key: {key}")
repo = json.load(open(os.path.join(store, "repos", "__local__.repo")))
root = os.path.join(store, repo["filestore"]["root"])
md5 = hashlib.md5(key.encode()).hexdigest()
path = os.path.join(root, md5[:3], md5[3:6], key)
data = open(path, "rb").read()
if len(data) != int(m.group(1)) or hashlib.sha256(data).hexdigest() != m.group(2):
    sys.exit(f"{path} does not match {key}")
PY
}

# ---------------------------------------------------------------------------------------------
# 1. a stores three SHA1E files in R and migrates them to SHA256E; f3's old object is damaged.
new_repo "$TEST_TMP/a" "repo a"
cd "$TEST_TMP/a"
git config annex.backend SHA1E
for i in 1 2 3; do printf 'content %s %s %s\n' "$i" "$RANDOM" "$RANDOM" >"f$i.txt"; done
git annex add -q . && git commit -q -m files
git annex initremote -q R type=external externaltype=dolt encryption=none "directory=$store" serveridle=3 >/dev/null
r_uuid=$(git config remote.R.annex-uuid)
git annex copy -q --to R . || fail "copy --to R"
declare -A old_key new_key
for f in f1.txt f2.txt f3.txt; do
    old_key[$f]=$(git annex lookupkey "$f")
    [[ "${old_key[$f]}" == SHA1E-* ]] || fail "$f was added as ${old_key[$f]}, not SHA1E"
done
git annex migrate -q --backend=SHA256E f1.txt f2.txt f3.txt || fail "git annex migrate"
git commit -q -m migrated
git annex sync -q >/dev/null 2>&1 || fail "git annex sync after migrate"
for f in f1.txt f2.txt f3.txt; do new_key[$f]=$(git annex lookupkey "$f"); done
damaged=$(object_path "$store" "${old_key[f3.txt]}")
chmod u+w "$damaged" "$(dirname "$damaged")"
tr 'a-z' 'b-za' <"$TEST_TMP/a/f3.txt" >"$damaged"
expect_eq "$(stat -c %s "$damaged")" "$(stat -L -c %s f3.txt)" "the damaged object's size"
wait_remote_exit "$TEST_TMP/a"

# 2. The first --rekey-store.
rekey first --to "$store" --rekey-store
expect_eq "$rc" 1 "exit status with one mismatch"
expect_eq "$(jget "$TEST_TMP/first.json" "o['key_migrations']")" 3 "key migrations read"
expect_eq "$(jget "$TEST_TMP/first.json" "o['rekeyed']")" 2 "rekeyed"
expect_eq "$(jget "$TEST_TMP/first.json" "o['rekey_failed']")" 1 "rekey failed"
for f in f1.txt f2.txt; do
    dolt_annex_finds "${new_key[$f]}" || fail "a dolt-annex reader does not find ${new_key[$f]}"
    new_object=$(object_path "$store" "${new_key[$f]}") old_object=$(object_path "$store" "${old_key[$f]}")
    [ -f "$old_object" ] || fail "the old object of $f is gone"
    expect_eq "$(stat -c %i "$new_object")" "$(stat -c %i "$old_object")" "$f: the new object is a hard link to the old"
    # R's row of the new key: present, dated by the migration.
    expect_eq "$(q "SELECT l.status, l.ts = m.ts FROM gad_locations l JOIN gad_key_migrations m ON m.new_key = l.annex_key WHERE l.annex_key = '${new_key[$f]}' AND l.uuid = '$r_uuid'" | tr '\t' ' ')" \
        "1 1" "$f: R's row of the new key"
done
# The mismatch: one line naming both keys; nothing for f3's new key.
lines=$(grep -F "${new_key[f3.txt]}" "$TEST_TMP/first.err" || true)
expect_eq "$(printf '%s\n' "$lines" | grep -c .)" 1 "lines naming the new key of f3 on stderr"
[[ "$lines" == *"${old_key[f3.txt]}"* ]] || fail "the mismatch line does not name the old key: $lines"
echo "mismatch reported: $lines"
[ -e "$(object_path "$store" "${new_key[f3.txt]}")" ] && fail "an object was made for f3's new key from a damaged old one"
expect_eq "$(q "SELECT COUNT(*) FROM gad_locations WHERE annex_key = '${new_key[f3.txt]}' AND uuid = '$r_uuid'")" 0 \
    "R's rows of f3's new key"
expect_eq "$(leftover_temporaries "$store")" "" "temporary files left in the store"

# 3. Idempotent, then incremental.
objects=$(store_objects)
rekey again --rekey-store
expect_eq "$rc" 1 "exit status of the second run (f3 still damaged)"
expect_eq "$(jget "$TEST_TMP/again.json" "o['rekeyed']") $(jget "$TEST_TMP/again.json" "o['rekey_already']")" "0 2" \
    "rekeyed and already there, second run"
expect_eq "$(store_objects)" "$objects" "the store's objects after the second run"
printf 'content 4 %s\n' "$RANDOM$RANDOM" >f4.txt
git annex add -q f4.txt && git commit -q -m f4
git annex copy -q --to R f4.txt || fail "copy f4 --to R"
old_key[f4.txt]=$(git annex lookupkey f4.txt)
git annex migrate -q --backend=SHA256E f4.txt || fail "git annex migrate f4"
git commit -q -m "migrated f4"
git annex sync -q >/dev/null 2>&1 || fail "git annex sync after migrating f4"
new_key[f4.txt]=$(git annex lookupkey f4.txt)
wait_remote_exit "$TEST_TMP/a"
rekey third --rekey-store
expect_eq "$(jget "$TEST_TMP/third.json" "o['key_migrations']") $(jget "$TEST_TMP/third.json" "o['rekeyed']") $(jget "$TEST_TMP/third.json" "o['rekey_already']")" \
    "1 1 2" "migrations read, rekeyed and already there, third run"
dolt_annex_finds "${new_key[f4.txt]}" || fail "a dolt-annex reader does not find ${new_key[f4.txt]}"

# 4. git-annex uses the new objects.
git-annex-dolt sync >"$TEST_TMP/sync.out" 2>&1 || fail "git-annex-dolt sync: $(tail -n 5 "$TEST_TMP/sync.out")"
git annex sync -q >/dev/null 2>&1 || fail "git annex sync after git-annex-dolt sync"
git annex drop -q --force f1.txt f2.txt f4.txt || fail "drop in a"
git annex fsck --from R f1.txt f2.txt f4.txt >"$TEST_TMP/fsck.out" 2>&1 ||
    fail "fsck --from R: $(tail -n 5 "$TEST_TMP/fsck.out")"
git annex get --from R f1.txt f2.txt f4.txt >"$TEST_TMP/get.out" 2>&1 ||
    fail "get --from R: $(tail -n 5 "$TEST_TMP/get.out")"
for f in f1.txt f2.txt f4.txt; do grep -q "^content" "$f" || fail "$f was not got"; done
git annex whereis f1.txt >"$TEST_TMP/whereis.out" 2>&1 || true
grep -qF "$(object_path "$store" "${new_key[f1.txt]}")" "$TEST_TMP/whereis.out" ||
    fail "whereis f1.txt does not name the new key's object: $(cat "$TEST_TMP/whereis.out")"
summary "ok"
