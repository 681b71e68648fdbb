#!/usr/bin/env bash
# git-annex-dolt sync --dataset NAME against real git-annex and Dolt: the annexed files become a
# dolt-annex dataset, and what dolt-annex records on its branches comes back to git-annex.
#
#  1. Repository a (files f1..f6, "sub dir/g 1"), its clone b, the dolt special remote (the
#     dolt-annex repository $TEST_TMP/store), a second one (dolt2, directory store2) and an
#     encrypted one (dolt3). a and b migrate into store; a runs sync --dataset mydata.
#     - store/mydata.dataset has exactly dolt-annex's fields; git config remembers the name;
#     - branch mydata holds only the empty table mydata(path, annex_key);
#     - one branch <uuid>-mydata per repository with content (a, b, dolt, dolt2, dolt3) holding a row
#       (path, key) for exactly the files git annex whereis lists there, and no other table;
#     - repos/dolt2.repo describes store2's filestore, repos/dolt4.repo the SFTP server of dolt4
#       (when sshd is installed); dolt3 (encrypted) gets none; every repos/*.repo has exactly
#       dolt-annex's fields.
#  2. dolt-annex records on the dolt remote's branch (REPLACE INTO / DELETE and DOLT_COMMIT, as it
#     does): f6 added (its object put in the filestore), f1 removed, a file of its own added. The
#     next plain `git-annex-dolt sync` in a (the remembered dataset) records them as locations
#     (timestamps of that sync), git annex whereis in a shows them, the branch keeps dolt-annex's
#     rows, and a union-* branch is never written. b's own sync --dataset finds nothing to record
#     (its facts are the tables' already) and its git annex whereis agrees.
#  3. Changes on the git-annex side reach the branches: a drop from the remote removes the row; a
#     renamed file moves; a third sync with nothing new writes no commit.
#  4. Bad input: names with '/', spaces, a dolt_ prefix, the name of the tables' branch; a
#     --database choice on MariaDB; each fails with one line and writes nothing.
#
# usage: sync_dataset.sh debian|newest
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
source "$(dirname "$0")/migrate_helpers.sh"
use_git_annex "${1:?usage: sync_dataset.sh debian|newest}"
need_dolt
command -v git-annex-dolt >/dev/null || fail "git-annex-dolt is not built in $GAD_BUILD_DIR"
REF=refs/git-annex-dolt/git-annex
store="$TEST_TMP/store"

# dsync NAME ARGS...: git-annex-dolt sync ARGS --json in the current directory, into $TEST_TMP/NAME.json.
dsync() {
    sync_json "$@"
    echo "sync $1: $(jget "$TEST_TMP/$1.json" "o['dataset']")"
}
# dfield NAME FIELD: the dataset summary's FIELD of sync NAME.
dfield() { jget "$TEST_TMP/$1.json" "o['dataset']['$2']"; }
# q SQL: a query on the store's Dolt database (tab-separated, no header).
q() { sql_dolt_repo "$store" "$1"; }
# rows UUID: "path<TAB>key" of every row of branch UUID-mydata, sorted.
rows() { q "SELECT path, annex_key FROM \`dolt/$1-mydata\`.mydata" | sed '/^$/d' | LC_ALL=C sort; }
# expected_rows FILE...: "path<TAB>key" of the annexed files given, sorted (run in a).
expected_rows() {
    local f
    for f in "$@"; do printf '%s\t%s\n' "$f" "$(git -C "$TEST_TMP/a" annex lookupkey "$f")"; done | LC_ALL=C sort
}
branch_hash() { q "SELECT hash FROM dolt_branches WHERE name = '$1'"; }
# where UUID: the annexed files git annex whereis --json lists in UUID, sorted (merges $REF).
where() {
    git annex whereis --json >"$TEST_TMP/where.json" 2>"$TEST_TMP/where.err" || true
    python3 - "$TEST_TMP/where.json" "$1" <<'PY' | LC_ALL=C sort
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    if line.strip():
        o = json.loads(line)
        if any(e["uuid"] == sys.argv[2] for e in o.get("whereis", []) + o.get("untrusted", [])):
            print(o["file"])
PY
}
lines() { printf '%s\n' "$@"; }

# ---------------------------------------------------------------------------------------------
# 1. The repositories and the first sync --dataset.
new_repo "$TEST_TMP/a" "repo a"
cd "$TEST_TMP/a"
mkdir "sub dir"
for f in f1 f2 f3 f4 f5 f6 "sub dir/g 1"; do printf 'content of %s %s %s\n' "$f" "$RANDOM" "$RANDOM" >"$f"; done
git annex add -q . && git commit -q -m files
a_uuid=$(git config annex.uuid)
git annex initremote -q dolt type=external externaltype=dolt encryption=none "directory=$store" serveridle=3 >/dev/null
git annex initremote -q dolt2 type=external externaltype=dolt encryption=none "directory=$TEST_TMP/store2" serveridle=3 >/dev/null
git annex initremote -q dolt3 type=external externaltype=dolt encryption=shared "directory=$TEST_TMP/store3" serveridle=3 >/dev/null
store_uuid=$(git config remote.dolt.annex-uuid)
store2_uuid=$(git config remote.dolt2.annex-uuid)
store3_uuid=$(git config remote.dolt3.annex-uuid)
# One with its objects on an SFTP server, when sshd is there: repos/dolt4.repo names that server.
repo_files=(__local__.repo dolt2.repo)
if [ -x /usr/sbin/sshd ]; then
    start_sshd sshd
    sftp_user=$(id -un)
    git annex initremote -q dolt4 type=external externaltype=dolt encryption=none \
        "filestore=sftp://$sftp_user@127.0.0.1:$SSHD_PORT$TEST_TMP/sftp-store" \
        "identityfile=$SSHD_KEY" "knownhosts=$SSHD_KNOWN_HOSTS" serveridle=3 >/dev/null
    repo_files+=(dolt4.repo)
else
    echo "note: sshd is not installed; no SFTP remote"
fi
git clone -q "$TEST_TMP/a" "$TEST_TMP/b"
(cd "$TEST_TMP/b" && git annex init -q "repo b")
git remote add b "$TEST_TMP/b"
b_uuid=$(git -C "$TEST_TMP/b" config annex.uuid)
git annex copy -q --to dolt f1 f2 >/dev/null
git annex copy -q --to dolt2 f5 >/dev/null
git annex copy -q --to dolt3 f5 >/dev/null
wait_remote_exit "$TEST_TMP/a"
git annex sync -q >/dev/null 2>&1 || fail "git annex sync in a"
cd "$TEST_TMP/b"
git annex sync -q >/dev/null 2>&1 || fail "git annex sync in b"
git annex get -q f3 f4 >/dev/null 2>&1 || fail "git annex get f3 f4 in b"
git annex sync -q >/dev/null 2>&1 || fail "git annex sync in b"
git-annex-dolt migrate --to "$store" >/dev/null 2>"$TEST_TMP/b-migrate.err" || fail "migrate in b: $(cat "$TEST_TMP/b-migrate.err")"
cd "$TEST_TMP/a"
git annex sync -q >/dev/null 2>&1 || fail "git annex sync in a"
git-annex-dolt migrate --to "$store" >/dev/null 2>"$TEST_TMP/a-migrate.err" || fail "migrate in a: $(cat "$TEST_TMP/a-migrate.err")"
dsync a1 --dataset mydata
expect_eq "$(git config git-annex-dolt.dataset)" mydata "git-annex-dolt.dataset in a"
expect_eq "$(dfield a1 definition)" "$store/mydata.dataset" "definition of sync a1"
expect_eq "$(dfield a1 branches)" 5 "branches of sync a1"
expect_eq "$(dfield a1 created)" 5 "branches created by sync a1"
expect_eq "$(dfield a1 rows_added)" 13 "rows written by sync a1 (7 of a, 2 of b, 2 of dolt, 1 each of dolt2, dolt3)"
expect_eq "$(dfield a1 repo_files)" $((${#repo_files[@]} - 1)) "repos/*.repo written by sync a1"

python3 - "$store/mydata.dataset" <<'PY' || fail "mydata.dataset: $(cat "$store/mydata.dataset")"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
assert d == {"name": "mydata",
             "tables": [{"name": "mydata", "file_column": "annex_key", "key_columns": ["path"]}],
             "empty_table_ref": "mydata"}, d
PY
expect_eq "$(q "SELECT name FROM dolt_branches" | LC_ALL=C sort)" \
    "$(lines "$a_uuid-mydata" "$b_uuid-mydata" "$store_uuid-mydata" "$store2_uuid-mydata" "$store3_uuid-mydata" main mydata | LC_ALL=C sort)" \
    "Dolt branches after sync a1"
expect_eq "$(q "SHOW TABLES FROM \`dolt/mydata\`")" mydata "tables of branch mydata"
expect_eq "$(q "SELECT COUNT(*) FROM \`dolt/mydata\`.mydata")" 0 "rows of the empty table"
q "SHOW CREATE TABLE \`dolt/mydata\`.mydata" | grep -q 'PRIMARY KEY (`path`)' || fail "mydata's primary key is not path: $(q "SHOW CREATE TABLE \`dolt/mydata\`.mydata")"
for u in "$a_uuid" "$b_uuid" "$store_uuid" "$store2_uuid" "$store3_uuid"; do
    expect_eq "$(q "SHOW TABLES FROM \`dolt/$u-mydata\`")" mydata "tables of branch $u-mydata"
done
expect_eq "$(rows "$a_uuid")" "$(expected_rows f1 f2 f3 f4 f5 f6 "sub dir/g 1")" "rows of a's branch"
expect_eq "$(rows "$b_uuid")" "$(expected_rows f3 f4)" "rows of b's branch"
expect_eq "$(rows "$store_uuid")" "$(expected_rows f1 f2)" "rows of the dolt remote's branch"
expect_eq "$(rows "$store2_uuid")" "$(expected_rows f5)" "rows of dolt2's branch"
expect_eq "$(rows "$store3_uuid")" "$(expected_rows f5)" "rows of dolt3's branch (encrypted: a branch, but no repos/ file)"
expect_eq "$(where "$store_uuid")" "$(lines f1 f2)" "whereis the dolt remote before dolt-annex"

# repos/: __local__ (the remote's own), dolt2's filestore; nothing for the encrypted dolt3.
expect_eq "$(cd "$store/repos" && ls | LC_ALL=C sort)" "$(lines "${repo_files[@]}" | LC_ALL=C sort)" "files in $store/repos"
python3 - "$store/repos" "$store_uuid" "$store2_uuid" "$TEST_TMP/store2/annex" \
    "$(git config remote.dolt4.annex-uuid || true)" "${sftp_user:-}" "${SSHD_PORT:-0}" "${SSHD_KEY:-}" "$TEST_TMP/sftp-store" \
    <<'PY' || fail "repos/*.repo of $store: $(head -n 100 "$store"/repos/*.repo)"
import json, pathlib, sys
repos, local_uuid, uuid2, root2, uuid4, user, port, key, path4 = sys.argv[1:]
for f in pathlib.Path(repos).glob("*.repo"):
    r = json.loads(f.read_text(encoding="utf-8"))
    assert set(r) == {"name", "uuid", "filestore", "key_format"}, (f, r)
    assert r["name"] == f.stem and r["key_format"] == "Sha256e", (f, r)
local = json.loads((pathlib.Path(repos) / "__local__.repo").read_text())
assert local["uuid"] == local_uuid and local["filestore"] == {"type": "annexfs", "root": "./annex"}, local
r2 = json.loads((pathlib.Path(repos) / "dolt2.repo").read_text())
assert r2["uuid"] == uuid2 and r2["filestore"] == {"type": "annexfs", "root": root2}, r2
if uuid4:
    r4 = json.loads((pathlib.Path(repos) / "dolt4.repo").read_text())
    want = {"type": "sftp", "connection": {"user": user, "hostname": "127.0.0.1", "port": int(port),
                                           "client_key": key, "path": path4}}
    assert r4["uuid"] == uuid4 and r4["filestore"] == want, r4
PY

# ---------------------------------------------------------------------------------------------
# 2. dolt-annex records on the dolt remote's branch: f6 added (with its object), f1 removed, and
# a file of its own that git-annex's tree does not have.
B="$store_uuid-mydata"
k1=$(git annex lookupkey f1)
k6=$(git annex lookupkey f6)
own_content="dolt-annex's own file $RANDOM"
own_key="SHA256E-s${#own_content}--$(printf '%s' "$own_content" | sha256sum | cut -d' ' -f1).txt"
for k in "$k6" "$own_key"; do mkdir -p "$(dirname "$(object_path "$store" "$k")")"; done
cp "$(git annex contentlocation "$k6")" "$(object_path "$store" "$k6")"
printf '%s' "$own_content" >"$(object_path "$store" "$own_key")"
rm -f "$(object_path "$store" "$k1")"
q "USE \`dolt/$B\`; REPLACE INTO mydata (path, annex_key) VALUES ('f6', '$k6'); CALL DOLT_COMMIT('-Am', 'dolt-annex: f6')" >/dev/null
q "USE \`dolt/$B\`; DELETE FROM mydata WHERE path = 'f1'; CALL DOLT_COMMIT('-Am', 'dolt-annex: f1 gone')" >/dev/null
q "USE \`dolt/$B\`; REPLACE INTO mydata (path, annex_key) VALUES ('imported/own.txt', '$own_key'); CALL DOLT_COMMIT('-Am', 'dolt-annex: its own file')" >/dev/null
q "CALL DOLT_BRANCH('union-$a_uuid-$store_uuid-mydata', '$B')" >/dev/null
union_hash=$(branch_hash "union-$a_uuid-$store_uuid-mydata")
before=$(date +%s.%N)
dsync a2
after=$(date +%s.%N)
expect_eq "$(dfield a2 present_facts)" 2 "present facts of sync a2 (f6, dolt-annex's own file)"
expect_eq "$(dfield a2 missing_facts)" 1 "missing facts of sync a2 (f1)"
expect_eq "$(dfield a2 created)" 0 "branches created by sync a2"
expect_eq "$(dfield a2 rows_added)" 0 "rows written by sync a2"
expect_eq "$(dfield a2 rows_removed)" 0 "rows removed by sync a2"
expect_eq "$(rows "$store_uuid")" "$(lines "$(printf 'f2\t%s' "$(git annex lookupkey f2)")" \
    "$(printf 'f6\t%s' "$k6")" "$(printf 'imported/own.txt\t%s' "$own_key")" | LC_ALL=C sort)" \
    "rows of the dolt remote's branch after sync a2"
expect_eq "$(branch_hash "union-$a_uuid-$store_uuid-mydata")" "$union_hash" "the union branch after sync a2"
for k in "$k6" "$own_key" "$k1"; do
    read -r status ts <<<"$(q "SELECT status, ts FROM gad_locations WHERE annex_key = '$k' AND uuid = '$store_uuid'" | tr '\t' ' ')"
    case $k in "$k1") want=0 ;; *) want=1 ;; esac
    expect_eq "$status" "$want" "location of $k in the dolt remote after sync a2"
    python3 -c "import sys; from decimal import Decimal as D; b, t, a = map(D, sys.argv[1:]); assert b <= t <= a, (b, t, a)" \
        "$before" "$ts" "$after" || fail "timestamp $ts of $k is not of sync a2 ($before .. $after)"
done
[ -n "$(jget "$TEST_TMP/a2.json" "o['export']['commit']")" ] || fail "sync a2 exported nothing"
expect_eq "$(where "$store_uuid")" "$(lines f2 f6)" "whereis the dolt remote in a after sync a2"
git merge-base --is-ancestor "$REF" refs/heads/git-annex || fail "git-annex did not merge $REF in a"
git annex fsck -q --fast --from dolt f2 f6 >"$TEST_TMP/fsck.out" 2>&1 || fail "git annex fsck --from dolt f2 f6: $(cat "$TEST_TMP/fsck.out")"

cd "$TEST_TMP/b"
dsync b1 --dataset mydata
expect_eq "$(dfield b1 present_facts)" 0 "present facts of b's sync (a's rows are the tables' facts)"
expect_eq "$(dfield b1 missing_facts)" 0 "missing facts of b's sync"
expect_eq "$(rows "$store_uuid" | cut -f1)" "$(lines f2 f6 imported/own.txt)" "paths of the dolt remote's branch after b's sync"
expect_eq "$(where "$store_uuid")" "$(lines f2 f6)" "whereis the dolt remote in b after its sync"

# ---------------------------------------------------------------------------------------------
# 3. git-annex's side: a drop from the remote, a rename; then nothing new.
cd "$TEST_TMP/a"
git annex drop -q --from dolt f2 >/dev/null
wait_remote_exit "$TEST_TMP/a"
git mv f3 f3-renamed && git commit -q -m rename
dsync a3
expect_eq "$(rows "$store_uuid" | cut -f1)" "$(lines f6 imported/own.txt)" "paths of the dolt remote's branch after the drop"
expect_eq "$(rows "$a_uuid" | cut -f1)" "$(lines f1 f2 f3-renamed f4 f5 f6 "sub dir/g 1" | LC_ALL=C sort)" "paths of a's branch after the rename"
heads=$(q "SELECT name, hash FROM dolt_branches WHERE name <> 'main' ORDER BY name")
dsync a4
expect_eq "$(q "SELECT name, hash FROM dolt_branches WHERE name <> 'main' ORDER BY name")" "$heads" \
    "dataset branches after a sync with nothing new"
expect_eq "$(dfield a4 rows_added) $(dfield a4 rows_removed) $(dfield a4 present_facts) $(dfield a4 missing_facts)" \
    "0 0 0 0" "rows and facts of a sync with nothing new"
git-annex-dolt sync >"$TEST_TMP/a5.out" 2>&1 || fail "git-annex-dolt sync (text): $(cat "$TEST_TMP/a5.out")"
grep -q '^sync --dataset mydata: ' "$TEST_TMP/a5.out" || fail "text sync prints no dataset line: $(cat "$TEST_TMP/a5.out")"

# ---------------------------------------------------------------------------------------------
# 4. Bad input: one line, exit status not 0, nothing written.
before_branches=$(q "SELECT name FROM dolt_branches ORDER BY name")
for bad in "bad/name" "has space" "dolt_x" "9lives" "x.y" "" main; do
    rc=0
    git-annex-dolt sync --dataset "$bad" >"$TEST_TMP/bad.out" 2>"$TEST_TMP/bad.err" || rc=$?
    [ "$rc" -ne 0 ] || fail "sync --dataset '$bad' succeeded"
    grep -qF "$bad" <(head -n1 "$TEST_TMP/bad.err") || fail "sync --dataset '$bad': first line does not name it: $(cat "$TEST_TMP/bad.err")"
    [ ! -e "$store/$bad.dataset" ] || [ -z "$bad" ] || fail "sync --dataset '$bad' wrote $store/$bad.dataset"
done
expect_eq "$(q "SELECT name FROM dolt_branches ORDER BY name")" "$before_branches" "branches after the bad names"
expect_eq "$(git config git-annex-dolt.dataset)" mydata "git-annex-dolt.dataset after the bad names"

if command -v mariadbd >/dev/null; then
    socket=$(start_mariadb maria)
    mariadb --socket="$socket" -e 'CREATE DATABASE annex'
    git clone -q "$TEST_TMP/a" "$TEST_TMP/m"
    cd "$TEST_TMP/m"
    git annex init -q "repo m"
    git-annex-dolt migrate --database "mysql://root@localhost/annex?socket=$socket" >/dev/null 2>"$TEST_TMP/m.err" ||
        fail "migrate --database in m: $(cat "$TEST_TMP/m.err")"
    rc=0
    git-annex-dolt sync --dataset mydata >"$TEST_TMP/m.out" 2>"$TEST_TMP/m.err" || rc=$?
    expect_eq "$rc" 1 "exit status of sync --dataset on a MariaDB choice"
    expect_eq "$(wc -l <"$TEST_TMP/m.err")" 1 "lines on stderr of sync --dataset on MariaDB: $(cat "$TEST_TMP/m.err")"
    grep -q "dolt-annex repository directory" "$TEST_TMP/m.err" || fail "sync --dataset on MariaDB: $(cat "$TEST_TMP/m.err")"
    [ -z "$(git config git-annex-dolt.dataset || true)" ] || fail "sync --dataset on MariaDB remembered the dataset"
else
    echo "note: mariadbd is not installed; the MariaDB case is skipped"
fi

summary "$(git annex version --raw): sync --dataset: definition, branches, repos, dolt-annex's rows back into git-annex"
