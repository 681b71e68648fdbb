#!/usr/bin/env bash
# git annex testremote against the built remote.
# Usage: testremote.sh dolt|mariadb|encrypted|sftp debian|newest
source "$(dirname "$0")/../lib/lib.sh"
config=$1 flavour=$2
use_git_annex "$flavour"
if [ "$config" != mariadb ] && ! command -v dolt >/dev/null; then
    echo "SKIPPED: dolt is not installed"; exit 77
fi
new_repo "$TEST_TMP/repo"
cd "$TEST_TMP/repo"
case "$config" in
    dolt) params=(encryption=none "directory=$TEST_TMP/store") ;;
    encrypted) params=(encryption=shared chunk=1MiB "directory=$TEST_TMP/store") ;;
    mariadb)
        socket=$(start_mariadb mariadb)
        mariadb --socket="$socket" -e 'CREATE DATABASE locations'
        params=(encryption=none "directory=$TEST_TMP/store"
                "database=mysql://root@localhost/locations?socket=$socket") ;;
    sftp)
        [ -x /usr/sbin/sshd ] || { echo "SKIPPED: sshd is not installed"; exit 77; }
        start_sshd sshd
        params=(encryption=none "filestore=sftp://$(id -un)@127.0.0.1:$SSHD_PORT$TEST_TMP/sftp-store"
                "identityfile=$SSHD_KEY" "knownhosts=$SSHD_KNOWN_HOSTS") ;;
    *) fail "unknown config $config" ;;
esac
git annex initremote dr type=external externaltype=dolt serveridle=2 "${params[@]}"
# testremote runs one job, so the remote would decline ASYNC; the chunked, encrypted run takes it
# anyway, so that ASYNC is tested on every kind of request too.
[ "$config" = encrypted ] && export GIT_ANNEX_DOLT_ASYNC=yes
# With encryption, testremote's chunk sizes of ~1 KiB make each 1 MiB object ~1000 chunks, each
# encrypted by its own gpg process: the full run then takes 10-15 minutes of git-annex's and gpg's
# time on 2 cores. CI runs the smaller set; GAD_FULL_TESTREMOTE=1 runs them all.
fast=()
[ "$config" = encrypted ] && [ "${GAD_FULL_TESTREMOTE:-}" != 1 ] && fast=(--fast)
git annex testremote "${fast[@]}" dr 2>&1 | tee "$TEST_TMP/testremote.log" | grep -E 'FAIL|tests passed|tests failed' || true
grep -q 'tests passed' "$TEST_TMP/testremote.log" || { tail -n 60 "$TEST_TMP/testremote.log"; fail "testremote failed"; }

# The remote recorded what it did: the location table saw stores and removals of this remote.
uuid=$(git config remote.dr.annex-uuid)
store="$TEST_TMP/store"
# With filestore= and no directory=, the location database is private, under the git directory.
[ "$config" = sftp ] && store="$TEST_TMP/repo/.git/annex/git-annex-dolt/$uuid"
if [ "$config" = mariadb ]; then
    rows=$(sql "$socket" locations "SELECT COUNT(*) FROM gad_locations WHERE uuid='$uuid' AND status='0'")
else
    sleep 1
    rows=$(sql_dolt_repo "$store" "SELECT COUNT(*) FROM gad_locations WHERE uuid='$uuid' AND status='0'")
    commits=$(sql_dolt_repo "$store" "SELECT COUNT(*) FROM dolt_log WHERE message LIKE 'git-annex-remote-dolt $uuid%'")
    [ "$commits" -ge 1 ] || fail "no Dolt commit of the remote's location changes"
fi
[ "$rows" -ge 1 ] || fail "no removal recorded in the location table"
echo "testremote $config on $flavour git-annex: passed ($rows keys recorded as removed)"
