#!/usr/bin/env bash
# No secret crosses the protocol (issue 15): a remote on a MariaDB user with a password is set up
# with GIT_ANNEX_DOLT_PASSWORD, then used by copy, fsck and get, all with --debug. The password
# appears in none of their output (git-annex's --debug shows every protocol line, and the
# remote's stderr), nor in .git/config, the git-annex branch or git-annex's creds store: the
# remote keeps it in a file of its own and never sends GETCREDS or SETCREDS. The copy works, so
# the password was used. A remote set up by earlier versions (password in git-annex's creds
# file) keeps working.
# Usage: secret_debug.sh debian|newest
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
use_git_annex "${1:?debian or newest}"
command -v mariadbd >/dev/null || { echo "SKIPPED: mariadbd is not installed"; exit 77; }

socket=$(start_mariadb mariadb grants)
password="pw-$RANDOM$RANDOM-s3cret-$RANDOM"
sql "$socket" mysql "CREATE DATABASE locations; CREATE USER 'annex'@'localhost' IDENTIFIED BY '$password'; GRANT ALL PRIVILEGES ON locations.* TO 'annex'@'localhost'"
! mariadb --socket="$socket" -u annex -D locations -e 'SELECT 1' >/dev/null 2>&1 ||
    fail "user annex gets in without its password: the server does not check passwords"
url="mysql://annex@localhost/locations?socket=$socket"

new_repo "$TEST_TMP/repo"
cd "$TEST_TMP/repo"
for i in 1 2 3 4; do head -c $((i * 1000 + 3)) /dev/urandom >"file $i.bin"; done
git annex add -q . && git commit -q -m files
out=$TEST_TMP/out
mkdir "$out"

GIT_ANNEX_DOLT_PASSWORD=$password git annex --debug initremote dr type=external externaltype=dolt \
    encryption=none "directory=$TEST_TMP/store" "database=$url" >"$out/initremote" 2>&1 ||
    { tail -n 20 "$out/initremote"; fail "git annex initremote"; }
uuid=$(git config remote.dr.annex-uuid)
[ -n "$uuid" ] || fail "no annex-uuid for dr"

git annex --debug copy --to dr . >"$out/copy" 2>&1 || { tail -n 20 "$out/copy"; fail "git annex copy --to dr"; }
expect_eq "$(annex_keys_in dr | wc -l)" 4 "keys git-annex records in dr"
git annex --debug fsck --from dr . >"$out/fsck" 2>&1 || { tail -n 20 "$out/fsck"; fail "git annex fsck --from dr"; }
git annex drop -q --force "file 1.bin"
git annex --debug get "file 1.bin" >"$out/get" 2>&1 || { tail -n 20 "$out/get"; fail "git annex get from dr"; }
wait_remote_exit "$TEST_TMP/repo"
# The locations reached the server as user annex: the password was used.
expect_eq "$(sql "$socket" locations "SELECT COUNT(*) FROM gad_locations WHERE uuid='$uuid' AND status='1'")" 4 \
    "present rows in the MariaDB locations table"

# --debug really showed the conversation, and no password in it or anywhere else.
grep -q -- '<-- PREPARE' "$out/copy" && grep -q -- '<-- TRANSFER STORE' "$out/copy" ||
    fail "--debug output of copy lacks the protocol lines: $(head -n 5 "$out/copy")"
for name in initremote copy fsck get; do
    grep -qF -- "$password" "$out/$name" && fail "the password is in the --debug output of $name: $(grep -F -- "$password" "$out/$name" | head -n 3)"
    grep -Eq -- '(GETCREDS|SETCREDS|CREDS) ' "$out/$name" && fail "creds crossed the protocol in $name: $(grep -E -- '(GETCREDS|SETCREDS|CREDS) ' "$out/$name" | head -n 3)"
done
grep -qF -- "$password" .git/config && fail "the password is in .git/config"
git log -p git-annex >"$out/branch.log"
grep -q "name=dr" "$out/branch.log" || fail "the git-annex branch log does not describe dr"
grep -qF -- "$password" "$out/branch.log" && fail "the password is in the git-annex branch"
grep -qF -- "$(printf '%s' "$password" | base64)" "$out/branch.log" && fail "the password is in the git-annex branch (base64)"
grep -rqF -- "$password" "$TEST_TMP/store" && fail "the password is in directory="
[ ! -e .git/annex/creds ] || fail "git-annex's creds store was used: $(ls -A .git/annex/creds)"
own=.git/annex/git-annex-dolt/creds/$uuid-databasecreds
expect_eq "$(grep -rlF -- "$password" .git | sort)" "$own" "files under .git holding the password"
expect_eq "$(stat -c %a "$own")" 600 "mode of the remote's creds file"
expect_eq "$(stat -c %a "$(dirname "$own")")" 700 "mode of the remote's creds directory"

# Without the file the server refuses the remote (and the message does not show the password).
mv "$own" "$TEST_TMP/own-creds"
status=0
git annex fsck --fast --from dr "file 2.bin" >"$out/refused" 2>&1 || status=$?
[ "$status" -ne 0 ] || fail "fsck --from dr worked without the password"
grep -q "Access denied for user 'annex'" "$out/refused" || fail "no access denied without the password: $(tail -n 5 "$out/refused")"
grep -qF -- "$password" "$out/refused" && fail "the password is in the failure message"

# A remote set up by earlier versions: the password is where git-annex kept its SETCREDS
# (.git/annex/creds/<uuid>-databasecreds, the login and the password on two lines, mode 0600).
mkdir -p -m 700 .git/annex/creds
(umask 077 && printf 'annex\n%s\n' "$password" >".git/annex/creds/$uuid-databasecreds")
git annex --debug fsck --fast --from dr "file 2.bin" >"$out/upgraded" 2>&1 ||
    { tail -n 20 "$out/upgraded"; fail "fsck --from dr with the password in git-annex's creds file"; }
grep -qF -- "$password" "$out/upgraded" && fail "the password is in the --debug output of a remote set up earlier"

summary "initremote, copy, fsck, get with --debug: the password in no output, config or branch; used from the remote's own file, or git-annex's creds file of earlier versions"
