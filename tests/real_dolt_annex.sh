#!/usr/bin/env bash
# The real dolt-annex (featherbutt/dolt-annex) against a store made by git-annex-remote-dolt.
# Runs only when DOLT_ANNEX_SRC names dolt-annex's source tree (its package is DOLT_ANNEX_SRC/src);
# its interpreter is DOLT_ANNEX_PYTHON, else DOLT_ANNEX_VENV/bin/python, else python3 (which needs
# plumbum, pymysql, pydantic, pyjson5, fs, asyncssh...). Without DOLT_ANNEX_SRC it exits 77 (skip).
#
# dolt-annex does not spawn its own server here: the remote's server is kept up (serveridle=900)
# and dolt-annex connects to its unix socket (-c config: spawn_dolt_server false, server_socket).
#  a. git annex copy --to dolt of three annexed files.
#  b. dolt-annex filestore whereis names the store's __local__ repository (its uuid) for each key.
#  c. git-annex-dolt migrate --to + sync --dataset files; dolt-annex dataset read-table reads the
#     rows of branch <store uuid>-files: each file copied, with its key.
#  d. dolt-annex dataset insert-record adds a row (and object) on that branch, uncommitted, as it
#     does; git-annex-dolt sync --dataset files must succeed, keep the row (issue 17) and make git
#     annex whereis list dolt for its key. The rest (sync's summary, read-table, the locations
#     row) is printed as OBSERVED, not asserted.
#  e. dolt-annex push --remote da2 (a second repository, its filestore only) amends its rows into
#     <da2>-files; git-annex-dolt sync --dataset files keeps them and git annex whereis lists da2.
#  f. The store gets a Dolt remote (enableremote doltremote=file://origin) and git-annex-dolt sync
#     pushes its branches there; a new dolt-annex repository da3 joins it with the real
#     `dolt-annex init --dolt-url URL --name origin` (its own server, its own template database),
#     records a file with `dataset insert-record` on <da3>-files (made from our dataset branch
#     files, fetched from the origin), and pushes that branch (`dolt push origin`, as dolt.py's
#     push_branch does; dolt-annex 0.4.0's own commands never push). git-annex-dolt sync pulls it:
#     git annex whereis lists da3 for that key.
#  g. (newest git-annex only) a file migrated from SHA1E to SHA256E: dolt-annex filestore whereis
#     finds its new key only after git-annex-dolt migrate --rekey-store.
#
# usage: DOLT_ANNEX_SRC=/path/to/dolt-annex [DOLT_ANNEX_VENV=/path/to/venv] tests/real_dolt_annex.sh
if [ -z "${DOLT_ANNEX_SRC:-}" ]; then
    echo "SKIPPED: DOLT_ANNEX_SRC is not set (the source tree of dolt-annex)"
    exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
export GAD_SOURCE_DIR="${GAD_SOURCE_DIR:-$(dirname "$here")}"
export GAD_BUILD_DIR="${GAD_BUILD_DIR:-$GAD_SOURCE_DIR/build}"
source "$here/lib/lib.sh"
source "$here/integration/remote_helpers.sh"
[ -d "$DOLT_ANNEX_SRC/src/dolt_annex" ] || fail "DOLT_ANNEX_SRC=$DOLT_ANNEX_SRC has no src/dolt_annex"
da_python="${DOLT_ANNEX_PYTHON:-${DOLT_ANNEX_VENV:+$DOLT_ANNEX_VENV/bin/python}}"
da_python="${da_python:-python3}"
if [ -x "$GAD_SOURCE_DIR/.venv/bin/git-annex" ]; then use_git_annex newest; else use_git_annex debian; fi
need_dolt
command -v git-annex-dolt >/dev/null || fail "git-annex-dolt is not built in $GAD_BUILD_DIR"
store="$TEST_TMP/store"

# da ARGS...: the real dolt-annex run in $store, connected to the remote's server; output in $TEST_TMP/da.out.
da() {
    local socket
    [ -f "$store/.git-annex-dolt/server.state" ] || fail "the remote's server is not running (no server.state)"
    socket=$(awk '{print $4}' "$store/.git-annex-dolt/server.state")
    cat >"$TEST_TMP/da.json" <<JSON
{"user": {"name": "dolt-annex", "email": "dolt-annex@localhost"}, "local_repo_name": "__local__",
 "dolt": {"dolt_dir": "dolt", "spawn_dolt_server": false,
          "connection": {"server_socket": "$socket", "user": "root", "database": "dolt"}}}
JSON
    (cd "$store" && PYTHONPATH="$DOLT_ANNEX_SRC/src" PYTHONWARNINGS=ignore timeout 120 \
        "$da_python" -m dolt_annex -c "$TEST_TMP/da.json" "$@") >"$TEST_TMP/da.out" 2>&1 ||
        fail "dolt-annex $*: $(tail -n 5 "$TEST_TMP/da.out")"
}
observe() { echo "OBSERVED: $*"; }
q() { sql_dolt_repo "$store" "$1"; }

# a. An annex with three files, copied to the dolt remote.
new_repo "$TEST_TMP/a" "repo a"
cd "$TEST_TMP/a"
for f in f1 f2 f3; do printf 'content of %s %s\n' "$f" "$RANDOM$RANDOM" >"$f.txt"; done
git annex add -q . && git commit -q -m files
git annex initremote -q dolt type=external externaltype=dolt encryption=none "directory=$store" serveridle=900 >/dev/null ||
    fail "a: initremote dolt"
git annex copy -q --to dolt . >/dev/null 2>"$TEST_TMP/copy.err" || fail "a: git annex copy --to dolt: $(cat "$TEST_TMP/copy.err")"
store_uuid=$(git config remote.dolt.annex-uuid)
# Every server the remote started stops with the test (track_pid: the supervisor and dolt).
for pid in $(awk '{print $2, $3}' "$store/.git-annex-dolt/server.state"); do track_pid "$pid"; done
expect_eq "$(git annex find --in dolt | LC_ALL=C sort | tr '\n' ' ')" "f1.txt f2.txt f3.txt " "a: files in dolt after copy"
echo "a. ok: 3 files copied to $store (uuid $store_uuid)"

# b. dolt-annex finds each key in the store's own filestore.
for f in f1.txt f2.txt f3.txt; do
    key=$(git annex lookupkey "$f")
    da filestore whereis --file-key "$key"
    expect_eq "$(tail -n 1 "$TEST_TMP/da.out")" "[{\"name\": \"__local__\", \"uuid\": \"$store_uuid\"}]" "b: dolt-annex filestore whereis $f"
done
echo "b. ok: dolt-annex filestore whereis names __local__ ($store_uuid) for each key"

# c. The annexed files as dataset "files"; dolt-annex reads the store's branch of it.
git-annex-dolt migrate --to "$store" >/dev/null 2>"$TEST_TMP/migrate.err" || fail "c: git-annex-dolt migrate --to: $(cat "$TEST_TMP/migrate.err")"
git-annex-dolt sync --dataset files >"$TEST_TMP/sync1.out" 2>&1 || fail "c: git-annex-dolt sync --dataset files: $(cat "$TEST_TMP/sync1.out")"
# read-table prints "file column, key columns" per row.
expected=$(for f in f1.txt f2.txt f3.txt; do echo "$(git annex lookupkey "$f"), $f"; done | LC_ALL=C sort)
da dataset read-table --dataset files --table-name files
expect_eq "$(grep -v '^$' "$TEST_TMP/da.out" | LC_ALL=C sort)" "$expected" "c: dolt-annex dataset read-table of branch $store_uuid-files"
echo "c. ok: dolt-annex reads the 3 rows of branch $store_uuid-files"

# d. dolt-annex adds a file of its own; our sync must survive it.
own="dolt-annex's own record $RANDOM$RANDOM"
da dataset insert-record --dataset files --table-name files --key-columns own.txt --file-bytes "$own"
own_key="SHA256E-s${#own}--$(printf '%s' "$own" | sha256sum | cut -d' ' -f1).txt"
grep -qF "$own_key" "$TEST_TMP/da.out" || fail "d: insert-record made another key than $own_key: $(cat "$TEST_TMP/da.out")"
[ -f "$(object_path "$store" "$own_key")" ] || fail "d: insert-record put no object at $(object_path "$store" "$own_key")"
observe "before sync: row on branch: $(q "SELECT path, annex_key FROM \`dolt/$store_uuid-files\`.files WHERE path = 'own.txt'" | tr '\t' ' ')"
git-annex-dolt sync --dataset files >"$TEST_TMP/sync2.out" 2>&1 || fail "d: git-annex-dolt sync --dataset files after insert-record: $(cat "$TEST_TMP/sync2.out")"
echo "d. ok: git-annex-dolt sync --dataset files after insert-record exits 0"
observe "sync output: $(tr '\n' ' ' <"$TEST_TMP/sync2.out")"
expect_eq "$(q "SELECT annex_key FROM \`dolt/$store_uuid-files\`.files WHERE path = 'own.txt'")" "$own_key" \
    "d: dolt-annex's row own.txt on branch $store_uuid-files after sync (issue 17)"
da dataset read-table --dataset files --table-name files
observe "after sync: dolt-annex read-table: $(grep -v '^$' "$TEST_TMP/da.out" | LC_ALL=C sort | tr '\n' ';')"
observe "after sync: locations row: '$(q "SELECT uuid, status FROM gad_locations WHERE annex_key = '$own_key'" | tr '\t\n' ' ;')'"
git annex whereis --key "$own_key" >"$TEST_TMP/whereis.out" 2>&1 || true
grep -q "$store_uuid -- \\[dolt\\]" "$TEST_TMP/whereis.out" || fail "d: git annex whereis --key of dolt-annex's record does not list dolt: $(cat "$TEST_TMP/whereis.out")"
echo "d. ok: the row stays on the branch; git annex whereis lists dolt for its key"
observe "git annex whereis --key: $(tr '\n' ' ' <"$TEST_TMP/whereis.out")"

# e. dolt-annex pushes the dataset to a second dolt-annex repository da2 (its filestore only:
# repos/da2.repo in the store); its rows for da2, amended into <da2>-files by its own merges,
# must reach git annex whereis after our sync, and stay on the branch.
da2_uuid=$(python3 -c 'import uuid; print(uuid.uuid4())')
mkdir -p "$TEST_TMP/da2/annex"
cat >"$store/repos/da2.repo" <<JSON
{"name": "da2", "uuid": "$da2_uuid", "filestore": {"type": "annexfs", "root": "$TEST_TMP/da2/annex"}, "key_format": "Sha256e"}
JSON
da push --remote da2 --dataset files
observe "dolt-annex push: $(tr '\n' ' ' <"$TEST_TMP/da.out")"
pushed=$(q "SELECT path FROM \`dolt/$da2_uuid-files\`.files ORDER BY path" | sed '/^$/d' | tr '\n' ' ')
expect_eq "$pushed" "f1.txt f2.txt f3.txt own.txt " "e: rows dolt-annex push wrote on $da2_uuid-files"
observe "head of $da2_uuid-files: $(q "SELECT committer, message FROM \`dolt/$da2_uuid-files\`.dolt_log LIMIT 1" | tr '\t\n' '  ')"
git-annex-dolt sync --dataset files >"$TEST_TMP/sync3.out" 2>&1 || fail "e: git-annex-dolt sync --dataset files after push: $(cat "$TEST_TMP/sync3.out")"
observe "sync output: $(tr '\n' ' ' <"$TEST_TMP/sync3.out")"
expect_eq "$(q "SELECT path FROM \`dolt/$da2_uuid-files\`.files ORDER BY path" | sed '/^$/d' | tr '\n' ' ')" "$pushed" \
    "e: rows of $da2_uuid-files after our sync"
for f in f1.txt f2.txt f3.txt; do
    git annex whereis "$f" >"$TEST_TMP/whereis.out" 2>&1 || true
    grep -q "$da2_uuid" "$TEST_TMP/whereis.out" || fail "e: git annex whereis $f does not list da2 ($da2_uuid): $(cat "$TEST_TMP/whereis.out")"
done
echo "e. ok: dolt-annex push to da2: its 4 rows stay, git annex whereis lists da2 for f1..f3"

# f. A dolt-annex repository joins the store's origin and pushes its dataset branch.
origin_url="file://$TEST_TMP/origin"
git annex enableremote dolt "doltremote=$origin_url" >/dev/null 2>"$TEST_TMP/enable.err" || fail "f: enableremote doltremote=: $(cat "$TEST_TMP/enable.err")"
git-annex-dolt sync >"$TEST_TMP/sync4.out" 2>&1 || fail "f: git-annex-dolt sync to the origin: $(cat "$TEST_TMP/sync4.out")"
observe "sync to the origin: $(tr '\n' ' ' <"$TEST_TMP/sync4.out")"
da3="$TEST_TMP/da3"
mkdir -p "$da3"
(cd "$da3" && PYTHONPATH="$DOLT_ANNEX_SRC/src" PYTHONWARNINGS=ignore timeout 120 "$da_python" -m dolt_annex \
    init --dolt-url "$origin_url" --name origin) >"$TEST_TMP/da3.out" 2>&1 || fail "f: dolt-annex init --dolt-url: $(tail -n 5 "$TEST_TMP/da3.out")"
observe "dolt-annex init --dolt-url: $(grep -v '^ *|' "$TEST_TMP/da3.out" | tail -n 3 | tr '\n' ' ')"
observe "da3 branches: $(cd "$da3/dolt" && dolt branch -a | sed -E 's/\x1b\[[0-9;]*m//g' | tr -s ' \n' ' ')"
cp "$store/files.dataset" "$da3/files.dataset"
da3_uuid=$(sed -n 's/.*"uuid": *"\([^"]*\)".*/\1/p' "$da3/repos/__local__.repo")
da3_own="dolt-annex da3's record $RANDOM$RANDOM"
(cd "$da3" && PYTHONPATH="$DOLT_ANNEX_SRC/src" PYTHONWARNINGS=ignore timeout 120 "$da_python" -m dolt_annex \
    dataset insert-record --dataset files --table-name files --key-columns da3.txt --file-bytes "$da3_own") >"$TEST_TMP/da3.out" 2>&1 ||
    fail "f: dolt-annex insert-record in da3: $(tail -n 5 "$TEST_TMP/da3.out")"
da3_key="SHA256E-s${#da3_own}--$(printf '%s' "$da3_own" | sha256sum | cut -d' ' -f1).txt"
(cd "$da3/dolt" && dolt checkout "$da3_uuid-files" >/dev/null 2>&1 && dolt add . && dolt commit -m "dolt-annex da3: da3.txt" >/dev/null &&
    dolt push origin "$da3_uuid-files") >"$TEST_TMP/da3push.out" 2>&1 || fail "f: dolt push origin $da3_uuid-files: $(tail -n 3 "$TEST_TMP/da3push.out")"
git-annex-dolt sync >"$TEST_TMP/sync5.out" 2>&1 || fail "f: git-annex-dolt sync from the origin: $(cat "$TEST_TMP/sync5.out")"
observe "sync from the origin: $(tr '\n' ' ' <"$TEST_TMP/sync5.out")"
git annex whereis --key "$da3_key" >"$TEST_TMP/whereis.out" 2>&1 || true
grep -q "$da3_uuid" "$TEST_TMP/whereis.out" || fail "f: git annex whereis --key of da3's record does not list da3 ($da3_uuid): $(cat "$TEST_TMP/whereis.out")"
echo "f. ok: dolt-annex init --dolt-url joined the store's origin, pushed <da3>-files; git annex whereis lists da3"

# g. (newest git-annex) A file stored under a SHA1E key and migrated to SHA256E: dolt-annex does
# not find the new key until git-annex-dolt migrate --rekey-store gives it an object.
if git annex version | grep -q '^git-annex version: 10\.2026'; then
    printf 'migrated %s\n' "$RANDOM$RANDOM" >f4.txt
    git annex add -q --backend=SHA1E f4.txt && git commit -q -m f4
    git annex copy -q --to dolt f4.txt || fail "g: copy f4 --to dolt"
    git annex migrate -q --backend=SHA256E f4.txt && git commit -q -m "f4 migrated" || fail "g: git annex migrate"
    git annex sync -q >/dev/null 2>&1 || fail "g: git annex sync"
    new_key=$(git annex lookupkey f4.txt)
    da filestore whereis --file-key "$new_key"
    expect_eq "$(tail -n 1 "$TEST_TMP/da.out")" "[]" "g: dolt-annex filestore whereis of the new key before --rekey-store"
    git-annex-dolt migrate --rekey-store >"$TEST_TMP/rekey.out" 2>&1 || fail "g: migrate --rekey-store: $(cat "$TEST_TMP/rekey.out")"
    da filestore whereis --file-key "$new_key"
    expect_eq "$(tail -n 1 "$TEST_TMP/da.out")" "[{\"name\": \"__local__\", \"uuid\": \"$store_uuid\"}]" \
        "g: dolt-annex filestore whereis of the new key after --rekey-store"
    echo "g. ok: dolt-annex finds the migrated SHA256E key only after migrate --rekey-store"
fi
summary "real dolt-annex on our store: whereis, read-table of our dataset, insert-record then sync, push then sync, init --dolt-url and a pushed branch then sync, migrate --rekey-store then whereis"
