#!/usr/bin/env bash
# database= on a private MariaDB: the locations table there matches git-annex exactly, no Dolt
# database is made in directory=, and the password given at initremote is kept out of
# .git/config, the git-annex branch and the directory.
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
use_git_annex debian
command -v mariadbd >/dev/null || { echo "SKIPPED: mariadbd is not installed"; exit 77; }

socket=$(start_mariadb mariadb)
sql "$socket" mysql 'CREATE DATABASE locations'
store=$TEST_TMP/store
password="pw-$RANDOM-$RANDOM-secret"
new_repo "$TEST_TMP/repo"
cd "$TEST_TMP/repo"
for i in $(seq 1 10); do head -c $((i * 1000 + 7)) /dev/urandom >"file $i.bin"; done
git annex add -q . && git commit -q -m files

GIT_ANNEX_DOLT_PASSWORD=$password git annex initremote dr type=external externaltype=dolt \
    encryption=none "directory=$store" "database=mysql://root@localhost/locations?socket=$socket" >/dev/null
uuid=$(git config remote.dr.annex-uuid)
[ -n "$uuid" ] || fail "no annex-uuid for dr"

# Later commands read the password from the remote's own creds file, never from git-annex
# (GETCREDS would show it in --debug output).
git annex --debug copy -q --to dr . 2>"$TEST_TMP/copy.debug" || { tail -n 20 "$TEST_TMP/copy.debug"; fail "git annex copy --to dr"; }
grep -q -- '<-- PREPARE' "$TEST_TMP/copy.debug" || fail "no protocol lines in the --debug output"
grep -Eq -- 'GETCREDS|SETCREDS' "$TEST_TMP/copy.debug" && fail "the remote asked git-annex for creds"
ls "file 1.bin" "file 4.bin" "file 7.bin" | tr '\n' '\0' | xargs -0 git annex drop -q --from dr || fail "git annex drop --from dr"
wait_remote_exit "$TEST_TMP/repo"
git annex find --format '${key}\n' "file 1.bin" "file 4.bin" "file 7.bin" | LC_ALL=C sort >"$TEST_TMP/dropped.keys"
annex_keys_in dr >"$TEST_TMP/in_dr.keys"
expect_eq "$(wc -l <"$TEST_TMP/in_dr.keys")" 7 "keys git-annex records in dr"

# The MariaDB table says exactly what git-annex says; so does the filestore.
sql "$socket" locations "SELECT annex_key FROM gad_locations WHERE uuid='$uuid' AND status='1'" | LC_ALL=C sort >"$TEST_TMP/table1.keys"
sql "$socket" locations "SELECT annex_key FROM gad_locations WHERE uuid='$uuid' AND status='0'" | LC_ALL=C sort >"$TEST_TMP/table0.keys"
diff "$TEST_TMP/in_dr.keys" "$TEST_TMP/table1.keys" >&2 || fail "MariaDB status '1' rows differ from git annex find --in dr"
diff "$TEST_TMP/dropped.keys" "$TEST_TMP/table0.keys" >&2 || fail "MariaDB status '0' rows differ from the dropped keys"
expect_eq "$(sql "$socket" locations "SELECT COUNT(*) FROM gad_locations")" 10 "rows in the MariaDB locations table"
expect_eq "$(sql "$socket" locations "SELECT description FROM gad_repositories WHERE uuid='$uuid'")" dr "repositories row"
expect_eq "$(store_keys "$store")" "$(cat "$TEST_TMP/in_dr.keys")" "objects in the filestore"

# No Dolt database, no Dolt server for the directory.
[ ! -e "$store/dolt" ] || fail "a dolt/ database was created under directory="
[ -f "$store/config.json" ] && [ -f "$store/repos/__local__.repo" ] && [ -d "$store/annex" ] ||
    fail "directory= lacks config.json, repos/__local__.repo or annex/: $(ls -A "$store")"
expect_eq "$(ls -A "$store" | tr '\n' ' ')" ".git-annex-dolt annex config.json repos " "entries of directory="
[ ! -e "$store/.git-annex-dolt/server.state" ] || fail "a Dolt server was started"
grep -q "\"uuid\": \"$uuid\"" "$store/repos/__local__.repo" || fail "__local__.repo does not name $uuid"

# The password is not in .git/config, the git-annex branch (any version), the directory or the
# database; the remote keeps it in its own creds file only.
grep -qF -- "$password" .git/config && fail "the password is in .git/config"
git log -p git-annex >"$TEST_TMP/branch.log"
[ -s "$TEST_TMP/branch.log" ] || fail "empty git-annex branch log"
grep -qF -- "$password" "$TEST_TMP/branch.log" && fail "the password is in the git-annex branch history"
git cat-file -p git-annex:remote.log >"$TEST_TMP/remote.log"
grep -q "name=dr" "$TEST_TMP/remote.log" || fail "remote.log does not describe dr"
grep -qF -- "$password" "$TEST_TMP/remote.log" && fail "the password is in remote.log"
grep -qF -- "$(printf %s "$password" | base64)" "$TEST_TMP/remote.log" && fail "the password is in remote.log (base64)"
grep -rqF -- "$password" "$store" && fail "the password is in directory="
sql "$socket" locations "SELECT * FROM gad_repositories" | grep -qF -- "$password" && fail "the password is in the repositories table"
where=$(grep -rlF -- "$password" .git 2>/dev/null | sort || true)
expect_eq "$where" ".git/annex/git-annex-dolt/creds/$uuid-databasecreds" "files under .git holding the password"
expect_eq "$(stat -c %a ".git/annex/git-annex-dolt/creds/$uuid-databasecreds")" 600 "mode of the creds file"

summary "10 files copied, 3 dropped: MariaDB locations match git-annex exactly, no Dolt database, password only in the remote's creds file"
