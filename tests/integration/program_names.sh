#!/usr/bin/env bash
# Every message git-annex-remote-dolt and git-annex-dolt print on stderr starts with the
# program's own name, and stays on one line even when it quotes a hostile value (core/log.h).
source "$(dirname "$0")/../lib/lib.sh"

# expect_message PROGRAM EXPECTED_STATUS DESCRIPTION -- ARGS...: runs PROGRAM ARGS in a fresh
# directory; its stderr's first line must start with "PROGRAM: ", and none of its lines before the
# usage text may start otherwise.
expect_message() {
    local program=$1 expected=$2 what=$3 status=0 line
    shift 4
    mkdir -p "$TEST_TMP/cwd"
    (cd "$TEST_TMP/cwd" && "$program" "$@") >"$TEST_TMP/out" 2>"$TEST_TMP/err" </dev/null || status=$?
    expect_eq "$status" "$expected" "$what: exit status"
    [ -s "$TEST_TMP/err" ] || fail "$what: nothing on stderr"
    while IFS= read -r line; do
        [[ $line == usage:* ]] && break  # git-annex-dolt's usage text follows its error
        [[ $line == "$program: "* ]] || fail "$what: stderr line does not start with '$program: ': $line"
    done <"$TEST_TMP/err"
    echo "ok: $what: $(head -n1 "$TEST_TMP/err")"
}

# git-annex-remote-dolt
expect_message git-annex-remote-dolt 2 "remote given an argument" -- --help
expect_message git-annex-remote-dolt 2 "remote's supervisor with missing arguments" -- --dolt-supervisor x
expect_message git-annex-remote-dolt 2 "remote given a hostile argument" -- $'x\nFAKE: injected'
grep -q 'FAKE' "$TEST_TMP/err" && fail "the remote echoed its argument"

# git-annex-dolt
expect_message git-annex-dolt 2 "no command" --
expect_message git-annex-dolt 2 "unknown command" -- frobnicate
expect_message git-annex-dolt 2 "supervisor with missing arguments" -- --dolt-supervisor x
expect_message git-annex-dolt 2 "hostile command" -- $'x\ngit-annex-dolt: injected\rline'
expect_eq "$(grep -c injected "$TEST_TMP/err")" 1 "the hostile command is quoted once"
grep -qF "unknown command 'x\\ngit-annex-dolt: injected\\rline'" "$TEST_TMP/err" ||
    fail "the hostile command is not escaped: $(cat "$TEST_TMP/err")"
expect_message git-annex-dolt 1 "whereis outside a repository" -- whereis --all
expect_message git-annex-dolt 1 "info outside a repository" -- info
echo "PASS"
