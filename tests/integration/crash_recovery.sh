#!/usr/bin/env bash
# Recovery from crashes and from changes behind the remote's back:
#  - an object hidden (REMOVE in progress) by a process that died is put back at the next PREPARE;
#    one hidden by a live process is left alone until that process is gone;
#  - an object deleted behind the remote's back is reported missing by fsck, and the location
#    table row is repaired to '0' before the remote exits; an object put back behind its back is
#    repaired to '1'. Each repair is counted in a Dolt commit.
#  - a REMOVE of an object deleted behind its back repairs the row; of a key never stored, writes
#    nothing.
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
use_git_annex debian
need_dolt

store=$TEST_TMP/store
tmpdir=$store/.git-annex-dolt/tmp
new_repo "$TEST_TMP/repo"
cd "$TEST_TMP/repo"
for i in 1 2 3 4; do head -c $((20000 * i)) /dev/urandom >"file $i.dat"; done
git annex add -q . && git commit -q -m files
git annex initremote dr type=external externaltype=dolt encryption=none serveridle=2 \
    "directory=$store" >/dev/null
git annex copy -q --to dr .
uuid=$(git config remote.dr.annex-uuid)
key() { git annex find --format '${key}' "file $1.dat"; }
k1=$(key 1) k2=$(key 2) k3=$(key 3) k4=$(key 4)
expect_eq "$(table_keys "$store" "$uuid" 1)" "$(printf '%s\n' "$k1" "$k2" "$k3" "$k4" | LC_ALL=C sort)" "keys recorded present after copy"
remote() { fake_annex --log "$TEST_TMP/fake_annex.log" --uuid "$uuid" --config "directory=$store" \
    --config serveridle=2 --timeout 60 "$@"; }

# ---- Hidden objects of dead and of live processes --------------------------------------------
dead=$(dead_pid)
sleep 300 &
live=$!
track_pid "$live"
sum1=$(sha256sum <"$(object_path "$store" "$k1")")
mkdir -p "$tmpdir/hidden-$dead/0" "$tmpdir/hidden-$live/0"
mv "$(object_path "$store" "$k1")" "$tmpdir/hidden-$dead/0/$k1"
mv "$(object_path "$store" "$k2")" "$tmpdir/hidden-$live/0/$k2"
[ ! -e "$(object_path "$store" "$k1")" ] || fail "setup: object 1 still in place"

git annex fsck --from dr --fast "file 1.dat" >"$TEST_TMP/fsck1.out" 2>&1 || { cat "$TEST_TMP/fsck1.out"; fail "git annex fsck --from dr of an object hidden by a dead process"; }
grep -q '^fsck file 1.dat .*ok$' "$TEST_TMP/fsck1.out" || fail "fsck did not say ok: $(cat "$TEST_TMP/fsck1.out")"
wait_remote_exit "$TEST_TMP/repo"
[ -f "$(object_path "$store" "$k1")" ] || fail "the object hidden by dead pid $dead was not put back"
expect_eq "$(sha256sum <"$(object_path "$store" "$k1")")" "$sum1" "content of the restored object"
[ ! -e "$tmpdir/hidden-$dead" ] || fail "hidden-$dead is left: $(find "$tmpdir/hidden-$dead")"
[ -f "$tmpdir/hidden-$live/0/$k2" ] || fail "the object hidden by live pid $live was touched"
[ ! -e "$(object_path "$store" "$k2")" ] || fail "the object hidden by live pid $live was put back while it runs"
grep -qx "$k1" <(annex_keys_in dr) || fail "git-annex no longer records $k1 in dr"

# Once that process is gone, the next PREPARE puts its object back.
kill "$live"; wait "$live" 2>/dev/null || true
out=$(remote PREPARE "CHECKPRESENT $k2")
expect_eq "$out" $'PREPARE-SUCCESS\nCHECKPRESENT-SUCCESS '"$k2" "CHECKPRESENT of the object of a finished process"
[ -f "$(object_path "$store" "$k2")" ] || fail "the object hidden by finished pid $live was not put back"
[ -z "$(leftover_temporaries "$store")" ] || fail "temporaries left: $(leftover_temporaries "$store")"
expect_eq "$(table_keys "$store" "$uuid" 1)" "$(printf '%s\n' "$k1" "$k2" "$k3" "$k4" | LC_ALL=C sort)" "keys recorded present after restores"

# ---- Deleted behind the remote's back: fsck reports it, the table is repaired to '0' ----------
rm "$(object_path "$store" "$k3")"
status=0
git annex fsck --from dr --fast "file 3.dat" >"$TEST_TMP/fsck3.out" 2>&1 || status=$?
[ "$status" -ne 0 ] || fail "fsck --from dr of a deleted object succeeded: $(cat "$TEST_TMP/fsck3.out")"
grep -q '^fsck file 3.dat (fixing location log)' "$TEST_TMP/fsck3.out" && grep -qx 'failed' "$TEST_TMP/fsck3.out" || fail "fsck did not fail on file 3: $(cat "$TEST_TMP/fsck3.out")"
grep -q 'content is missing' "$TEST_TMP/fsck3.out" || fail "fsck did not say the content is missing: $(cat "$TEST_TMP/fsck3.out")"
wait_remote_exit "$TEST_TMP/repo"
expect_eq "$(table_keys "$store" "$uuid" 0)" "$k3" "keys recorded missing after fsck (read after the remote exited)"
grep -qx "$k3" <(annex_keys_in dr) && fail "git-annex still records $k3 in dr"

# ---- Put back behind its back: repaired to '1' ----------------------------------------------
mkdir -p "$(dirname "$(object_path "$store" "$k3")")"
cp "file 3.dat" "$(object_path "$store" "$k3")"
git annex fsck --from dr --fast "file 3.dat" >"$TEST_TMP/fsck3b.out" 2>&1 || { cat "$TEST_TMP/fsck3b.out"; fail "fsck --from dr of the object put back"; }
wait_remote_exit "$TEST_TMP/repo"
expect_eq "$(table_keys "$store" "$uuid" 0)" "" "keys recorded missing after the object came back"
expect_eq "$(table_keys "$store" "$uuid" 1)" "$(printf '%s\n' "$k1" "$k2" "$k3" "$k4" | LC_ALL=C sort)" "keys recorded present at the end"

# Each repair was committed, with its count, and nothing is pending.
dolt_messages "$store" >"$TEST_TMP/dolt.log"
expect_eq "$(grep -c "^git-annex-remote-dolt $uuid: repaired 1\$" "$TEST_TMP/dolt.log")" 2 "Dolt commits 'repaired 1'"
expect_eq "$(grep -c 'repaired' "$TEST_TMP/dolt.log")" 2 "Dolt commits with repairs"
grep -q 'nothing to commit, working tree clean' <<<"$(cd "$store/dolt" && dolt status)" || fail "dolt status not clean"

# ---- REMOVE of an object deleted behind its back repairs its row; of one never stored, no row --
rm "$(object_path "$store" "$k4")"
never="SHA256E-s5--$(printf '%064d' 0).dat"
out=$(remote PREPARE "REMOVE $k4" "REMOVE $never")
expect_eq "$out" $'PREPARE-SUCCESS\nREMOVE-SUCCESS '"$k4"$'\nREMOVE-SUCCESS '"$never" "REMOVE of objects that are not there"
expect_eq "$(table_keys "$store" "$uuid" 0)" "$k4" "keys recorded missing after REMOVE of a deleted object"
expect_eq "$(sql_dolt_repo "$store" "SELECT COUNT(*) FROM gad_locations WHERE annex_key='$never'")" "0" "rows for a key never stored"
# (dolt log can find the server stopping at its 2 s idle limit: ask again.)
for attempt in 1 2 3 4 5; do
    last=$(dolt_messages "$store" 2>/dev/null | head -1)
    [ -n "$last" ] && break
    sleep 1
done
expect_eq "$last" "git-annex-remote-dolt $uuid: repaired 1" "the repair's Dolt commit"

summary "objects hidden by dead processes restored (live one left alone until it ended); a deletion and a restoration behind the remote's back repaired in the table and committed"
