#!/usr/bin/env bash
# A store stops at its key's size (issue 15). git-annex-remote-dolt, driven directly through
# fake_annex.py, is asked to TRANSFER STORE a key declaring 10 bytes whose file is endless (a
# FIFO fed by a writer that never stops, then /dev/zero): the store fails naming the key and both
# sizes, the temporary file never grows past the key's size (watched while the store runs),
# nothing is left in the temporary directory and nothing is visible under the key. A key larger
# than the free space fails before a byte is written. The same over an SFTP filestore.
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
use_git_annex debian
need_dolt

uuid=11111111-2222-3333-4444-555555555555
log=$TEST_TMP/fake_annex.log
key=SHA256E-s10--$(printf 0123456789 | sha256sum | cut -c1-64)
huge=SHA256E-s1000000000000000000--$(printf x | sha256sum | cut -c1-64)
printf x >"$TEST_TMP/x"
bound=$((1 << 20))  # a temporary file past this is a store that does not stop
cd "$TEST_TMP"
git init -q .  # a git directory for the private repository of an SFTP filestore

# feed FIFO: writes "y\n" into FIFO until its reader closes it (at most 256 MiB, so a store that
# does not stop cannot fill the disk); the number of bytes written goes to FIFO.fed.
feed() {
    python3 - "$1" >"$1.fed" <<'PY' &
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
block, fed = b"y\n" * 32768, 0
try:
    while fed < 256 << 20:
        fed += os.write(fd, block)
except BrokenPipeError:
    pass
print(fed)
PY
    track_pid $!
    feeder=$!
}

# watch_temporaries DIR: until $TEST_TMP/stop-watching exists, notes in $TEST_TMP/watched the
# largest put-* file in DIR
# (recursively); past $bound it stops the remotes working here and the feeders (then the test
# fails below, without filling the disk).
watch_temporaries() {
    local dir=$1 largest max=0
    rm -f "$TEST_TMP/stop-watching"
    while [ ! -e "$TEST_TMP/stop-watching" ]; do
        largest=$(find "$dir" -name 'put-*' -type f -printf '%s\n' 2>/dev/null | sort -n | tail -n 1)
        if [ -n "$largest" ] && [ "$largest" -gt "$max" ]; then
            max=$largest
            echo "$max" >"$TEST_TMP/watched"
            if [ "$max" -gt "$bound" ]; then
                for pid in $(remote_pids_in "$TEST_TMP"); do kill "$pid" 2>/dev/null || true; done
                kill "$feeder" 2>/dev/null || true
            fi
        fi
        sleep 0.01
    done
    echo "$max" >"$TEST_TMP/watched"
}

# store_endless TMPDIR CONFIG...: TRANSFER STORE of $key from an endless FIFO, then from
# /dev/zero, then of $huge, watching TMPDIR; checks the replies and what the watch saw.
store_endless() {
    local tmp=$1 fed max reply
    shift
    rm -f "$TEST_TMP/endless" && mkfifo "$TEST_TMP/endless"
    feed "$TEST_TMP/endless"
    mkdir -p "$tmp"
    watch_temporaries "$tmp" &
    local watcher=$!
    track_pid "$watcher"
    reply=$(fake_annex --log "$log" --uuid "$uuid" --timeout 120 "$@" PREPARE \
        "TRANSFER STORE $key $TEST_TMP/endless" \
        "TRANSFER STORE $key /dev/zero" \
        "TRANSFER STORE $huge $TEST_TMP/x" \
        "CHECKPRESENT $key" "CHECKPRESENT $huge") ||
        fail "the remote exited with status $? (largest temporary file seen: $(cat "$TEST_TMP/watched" 2>/dev/null) bytes): $reply"
    touch "$TEST_TMP/stop-watching"
    wait "$watcher" || true
    : <>"$TEST_TMP/endless"  # lets the feeder go, had the remote never opened the FIFO
    wait "$feeder" || true
    fed=$(cat "$TEST_TMP/endless.fed")
    max=$(cat "$TEST_TMP/watched")
    echo "replies: $reply"
    [ "$max" -le 10 ] || fail "a temporary file in $tmp grew to $max bytes for a 10-byte key"
    [ "$fed" -lt $((8 << 20)) ] || fail "the remote read $fed bytes of the endless source for a 10-byte key"
    mapfile -t lines <<<"$reply"
    expect_eq "${lines[0]}" PREPARE-SUCCESS "reply to PREPARE"
    [[ "${lines[1]}" == "TRANSFER-FAILURE STORE $key $TEST_TMP/endless has more than the 10 bytes key $key says (stopped reading after "[0-9]*")" ]] ||
        fail "reply to the store from an endless FIFO: ${lines[1]}"
    [[ "${lines[2]}" == "TRANSFER-FAILURE STORE $key /dev/zero has more than the 10 bytes key $key says (stopped reading after "[0-9]*")" ]] ||
        fail "reply to the store from /dev/zero: ${lines[2]}"
    [[ "${lines[3]}" == "TRANSFER-FAILURE STORE $huge not enough space for $huge (1000000000000000000 bytes) on "*": "[0-9]*" bytes free, of which "[0-9]*" must stay free" ]] ||
        fail "reply to the store of a key larger than the disk: ${lines[3]}"
    expect_eq "${lines[4]}" "CHECKPRESENT-FAILURE $key" "CHECKPRESENT of the 10-byte key"
    expect_eq "${lines[5]}" "CHECKPRESENT-FAILURE $huge" "CHECKPRESENT of the huge key"
    local left
    left=$(find "$tmp" -name 'put-*' 2>/dev/null)
    [ -z "$left" ] || fail "temporary files left: $left"
}

# ---- A local filestore (directory=) ---------------------------------------------------------
store=$TEST_TMP/store
local_config=(--config "directory=$store" --config serveridle=2)
expect_eq "$(fake_annex --uuid "$uuid" "${local_config[@]}" INITREMOTE)" INITREMOTE-SUCCESS "INITREMOTE with directory="
store_endless "$store/.git-annex-dolt/tmp" "${local_config[@]}"
expect_eq "$(store_keys "$store")" "" "objects in the filestore"
[ -z "$(leftover_temporaries "$store")" ] || fail "temporaries left: $(leftover_temporaries "$store")"

# ---- An SFTP filestore ----------------------------------------------------------------------
start_sshd sshd
files=$TEST_TMP/sftp-files
mkdir "$files"
uuid=22222222-2222-3333-4444-555555555555
sftp_config=(--config "filestore=sftp://$(id -un)@127.0.0.1:$SSHD_PORT$files" --config "identityfile=$SSHD_KEY"
    --config "knownhosts=$SSHD_KNOWN_HOSTS" --config serveridle=2)
expect_eq "$(fake_annex --uuid "$uuid" "${sftp_config[@]}" INITREMOTE)" INITREMOTE-SUCCESS "INITREMOTE with filestore="
store_endless "$files/.git-annex-dolt-tmp" "${sftp_config[@]}"
[ -z "$(find "$files" -type f)" ] || fail "files left in the SFTP filestore: $(find "$files" -type f)"

summary "a 10-byte key from an endless FIFO and /dev/zero stops at 10 bytes, a key larger than the disk fails first, nothing left (local and SFTP)"
