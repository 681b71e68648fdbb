#!/usr/bin/env bash
# Protocol-level and configuration-level failures, mostly by talking to git-annex-remote-dolt
# directly through fake_annex.py: exact replies, non-zero exit on protocol errors, no hang on an
# unreachable database, no write outside the store for hostile keys, and nothing left behind by
# a store whose content does not match its key.
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
use_git_annex debian
need_dolt

uuid=11111111-2222-3333-4444-555555555555
store=$TEST_TMP/store
log=$TEST_TMP/fake_annex.log
remote() { fake_annex --log "$log" --uuid "$uuid" --timeout 30 "$@"; }

# ---- Protocol errors -----------------------------------------------------------------------
out=$(remote FOO 'FOO bar baz' GETCOST) || fail "unknown requests ended the session (exit $?)"
expect_eq "$out" $'UNSUPPORTED-REQUEST\nUNSUPPORTED-REQUEST\nCOST 100' "replies to unknown requests then GETCOST"

status=0
out=$(remote GETCOST 'TRANSFER STORE' GETCOST) || status=$?
expect_eq "$out" $'COST 100\nERROR malformed line "TRANSFER STORE": TRANSFER takes 3 parameters' \
    "reply to TRANSFER STORE without key and file"
expect_eq "$status" 1 "exit status after a malformed TRANSFER"

status=0
out=$(remote 'TRANSFER STORE SHA256E-s0--x') || status=$?
expect_eq "$out" 'ERROR malformed line "TRANSFER STORE SHA256E-s0--x": TRANSFER takes 3 parameters' \
    "reply to TRANSFER STORE without a file"
expect_eq "$status" 1 "exit status after a malformed TRANSFER"

status=0
out=$(remote CHECKPRESENT) || status=$?
expect_eq "$out" 'ERROR malformed line "CHECKPRESENT": CHECKPRESENT takes 1 parameter' "reply to CHECKPRESENT without key"
expect_eq "$status" 1 "exit status after CHECKPRESENT without key"

status=0
out=$(remote 'TRANSFER SEND SHA256E-s0--x file') || status=$?
grep -q '^ERROR malformed line "TRANSFER SEND SHA256E-s0--x file": .*SEND' <<<"$out" || fail "reply to TRANSFER SEND: $out"
expect_eq "$status" 1 "exit status after TRANSFER SEND"

# ---- Configuration errors at INITREMOTE: nothing is created -------------------------------
out=$(remote INITREMOTE)
expect_eq "$out" 'INITREMOTE-FAILURE directory= is required (the dolt-annex repository to store objects in), or filestore=sftp://USER@HOST/PATH' \
    "INITREMOTE without directory="
out=$(remote --config "directory=$store" --config 'database=mysql://root:secret@localhost/x' INITREMOTE)
expect_eq "$out" 'INITREMOTE-FAILURE database=: the database URL contains a password; leave it out and give it through the GIT_ANNEX_DOLT_PASSWORD environment variable at initremote instead' \
    "INITREMOTE with a password in database="
out=$(remote --config "directory=$store" --config 'database=postgres://root@localhost/x' INITREMOTE)
expect_eq "$out" "INITREMOTE-FAILURE database=: bad database URL 'postgres://root@localhost/x': expected mysql://USER@HOST[:PORT]/DATABASE" \
    "INITREMOTE with a bad database= scheme"
out=$(remote --config "directory=$store" --config 'commitevery=0' INITREMOTE)
expect_eq "$out" 'INITREMOTE-FAILURE commitevery=0: must be at least 1' "INITREMOTE with commitevery=0"
out=$(remote --config "directory=$store" --config 'serveridle=soon' INITREMOTE)
expect_eq "$out" 'INITREMOTE-FAILURE serveridle=soon is not a whole number' "INITREMOTE with serveridle=soon"
[ ! -e "$store" ] || fail "a failed INITREMOTE created $store"

# Real git-annex: initremote without directory= fails, names directory, records no remote.
new_repo "$TEST_TMP/repo"
status=0
(cd "$TEST_TMP/repo" && git annex initremote dr type=external externaltype=dolt encryption=none) \
    >"$TEST_TMP/initremote.out" 2>&1 || status=$?
[ "$status" -ne 0 ] || fail "git annex initremote without directory= succeeded"
grep -q 'directory= is required' "$TEST_TMP/initremote.out" || fail "initremote message does not name directory=: $(cat "$TEST_TMP/initremote.out")"
[ -z "$(cd "$TEST_TMP/repo" && git config remote.dr.annex-uuid || true)" ] || fail "failed initremote configured remote dr"

# ---- A working store to prepare against ----------------------------------------------------
out=$(remote --config "directory=$store" --config serveridle=2 INITREMOTE)
expect_eq "$out" INITREMOTE-SUCCESS "INITREMOTE with directory="

# PREPARE against a database where nothing listens: fails at once, naming the cause.
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$TEST_TMP/stale.sock"
[ -S "$TEST_TMP/stale.sock" ] || fail "no stale socket"
for sock in "$TEST_TMP/stale.sock" "$TEST_TMP/absent.sock"; do
    start=$SECONDS
    out=$(timeout 30 python3 "$INTEGRATION_DIR/fake_annex.py" --uuid "$uuid" --timeout 20 \
        --config "directory=$store" --config "database=mysql://root@localhost/locations?socket=$sock" \
        PREPARE 'CHECKPRESENT SHA256E-s0--x') || fail "PREPARE with database socket $sock: exit $?"
    expect_eq "$(head -n1 <<<"$out")" "PREPARE-FAILURE cannot connect to database mysql://root@localhost:3306/locations?socket=$sock: Can't connect to local server through socket '$sock' ($([ -e "$sock" ] && echo 111 || echo 2))" \
        "PREPARE with nothing listening on $sock"
    expect_eq "$(tail -n1 <<<"$out")" 'CHECKPRESENT-UNKNOWN SHA256E-s0--x the remote is not prepared' "CHECKPRESENT after a failed PREPARE"
    [ $((SECONDS - start)) -le 5 ] || fail "PREPARE against $sock took $((SECONDS - start)) s"
done

# PREPARE of a directory that belongs to another remote.
out=$(fake_annex --uuid 99999999-2222-3333-4444-555555555555 --config "directory=$store" PREPARE)
expect_eq "$out" "PREPARE-FAILURE $store belongs to repository $uuid, not to this remote (99999999-2222-3333-4444-555555555555)" \
    "PREPARE with another uuid"

# Without dolt on PATH: PREPARE and INITREMOTE fail naming dolt.
mkdir "$TEST_TMP/nodolt-bin"
ln -s "$GAD_BUILD_DIR/git-annex-remote-dolt" "$TEST_TMP/nodolt-bin/"
nodolt_path="$TEST_TMP/nodolt-bin:/usr/bin:/bin"
PATH=$nodolt_path command -v dolt >/dev/null && nodolt_path="$TEST_TMP/nodolt-bin"
! PATH=$nodolt_path command -v dolt >/dev/null || fail "dolt still on $nodolt_path"
# Let the server of the INITREMOTE above stop first, so this PREPARE really needs to start dolt.
wait_until 20 server_stopped "$store" || fail "the server of $store did not stop after serveridle=2"
out=$(remote --path "$nodolt_path" --config "directory=$store" PREPARE)
expect_eq "$out" 'PREPARE-FAILURE dolt is not installed (no `dolt` on PATH); install Dolt or use database=URL' "PREPARE without dolt"
out=$(remote --path "$nodolt_path" --config "directory=$TEST_TMP/store-nodolt" INITREMOTE)
grep -q '^INITREMOTE-FAILURE .*dolt is not installed' <<<"$out" || fail "INITREMOTE without dolt: $out"

# ---- Hostile keys: refused, nothing written outside the store or inside annex/ -------------
printf 'hello\n' >"$TEST_TMP/hello.txt"
snapshot() {
    find "$TEST_TMP" \( -path "$store/dolt" -o -path "$store/.git-annex-dolt" -o -path "$log" -o -path "$TEST_TMP/snapshots" \) \
        -prune -o -print | LC_ALL=C sort
}
mkdir "$TEST_TMP/snapshots"
snapshot >"$TEST_TMP/snapshots/before"
escape=SHA256E-s6--../../../../../../../../../..$TEST_TMP/escaped
out=$(remote --config "directory=$store" --config serveridle=2 PREPARE \
    'CHECKPRESENT ../../etc/passwd' \
    "CHECKPRESENT $escape" \
    "TRANSFER STORE $escape $TEST_TMP/hello.txt" \
    "TRANSFER RETRIEVE $escape $TEST_TMP/retrieved" \
    "REMOVE $escape" \
    'REMOVE ..' \
    "TRANSFER STORE SHA256E-s6--.. $TEST_TMP/hello.txt" \
    "WHEREIS $escape")
expect_eq "$out" "PREPARE-SUCCESS
CHECKPRESENT-UNKNOWN ../../etc/passwd invalid key '../../etc/passwd': '/' at byte 2
CHECKPRESENT-UNKNOWN $escape invalid key '$escape': '/' at byte 14
TRANSFER-FAILURE STORE $escape invalid key '$escape': '/' at byte 14
TRANSFER-FAILURE RETRIEVE $escape invalid key '$escape': '/' at byte 14
REMOVE-FAILURE $escape invalid key '$escape': '/' at byte 14
REMOVE-FAILURE .. invalid key '..': no '--' before the name
TRANSFER-FAILURE STORE SHA256E-s6--.. invalid key 'SHA256E-s6--..': the name is '..'
WHEREIS-FAILURE" "replies to hostile keys"
snapshot >"$TEST_TMP/snapshots/after"
diff "$TEST_TMP/snapshots/before" "$TEST_TMP/snapshots/after" >&2 || fail "hostile keys changed files outside the Dolt database"
[ -z "$(leftover_temporaries "$store")" ] || fail "temporaries left: $(leftover_temporaries "$store")"

# ---- Stores whose content does not match the key -------------------------------------------
good=SHA256E-s6--$(sha256sum <"$TEST_TMP/hello.txt" | cut -c1-64).txt
wrong_hash=SHA256E-s6--$(printf 'jello\n' | sha256sum | cut -c1-64).txt
wrong_size=SHA256E-s7--$(sha256sum <"$TEST_TMP/hello.txt" | cut -c1-64).txt
out=$(remote --config "directory=$store" --config serveridle=2 PREPARE \
    "TRANSFER STORE $wrong_hash $TEST_TMP/hello.txt" \
    "TRANSFER STORE $wrong_size $TEST_TMP/hello.txt" \
    "CHECKPRESENT $wrong_hash" \
    "CHECKPRESENT $wrong_size" \
    "TRANSFER STORE $good $TEST_TMP/hello.txt" \
    "CHECKPRESENT $good")
expect_eq "$out" "PREPARE-SUCCESS
TRANSFER-FAILURE STORE $wrong_hash content of $TEST_TMP/hello.txt does not match key $wrong_hash (its SHA256E digest is ${good:12:64})
TRANSFER-FAILURE STORE $wrong_size $TEST_TMP/hello.txt has 6 bytes but key $wrong_size says 7
CHECKPRESENT-FAILURE $wrong_hash
CHECKPRESENT-FAILURE $wrong_size
TRANSFER-SUCCESS STORE $good
CHECKPRESENT-SUCCESS $good" "replies to stores of mismatching content"
for key in "$wrong_hash" "$wrong_size"; do
    [ ! -e "$(object_path "$store" "$key")" ] || fail "object stored for mismatching key $key"
done
expect_eq "$(store_keys "$store")" "$good" "keys in the filestore"
[ -z "$(leftover_temporaries "$store")" ] || fail "temporaries left: $(leftover_temporaries "$store")"
expect_eq "$(table_keys "$store" "$uuid" 1)" "$good" "keys recorded present"
rows=$(sql_dolt_repo "$store" "SELECT COUNT(*) FROM gad_locations WHERE annex_key IN ('$wrong_hash', '$wrong_size') AND status='1'")
expect_eq "$rows" 0 "present rows for mismatching keys"

summary "protocol errors, config errors, unreachable database, missing dolt, hostile keys and mismatching content handled exactly"
