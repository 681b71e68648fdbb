#!/usr/bin/env bash
# git-annex-dolt migrate + whereis against real git-annex: three clones and a directory special
# remote that add, copy, drop and sync; a dead repository, an untrusted one, a dead key, a key
# dropped everywhere, URLs, metadata (a value with spaces), a location of a uuid nobody described,
# one change only in an unmerged refs/remotes/b/git-annex and one only in the journal. migrate
# must read all of it; `git-annex-dolt whereis --all --json` must then say what
# `git annex whereis --all --json` says, key by key (docs/whereis-json.md). A second migrate after
# more activity is incremental and reads exactly the logs that changed on the branch; a corrupt
# line is counted and skipped; migrate outside a git-annex repository fails with one line.
#
# usage: migrate_whereis.sh dolt|mariadb debian|newest
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
source "$(dirname "$0")/migrate_helpers.sh"
db=${1:?usage: migrate_whereis.sh dolt|mariadb debian|newest}
use_git_annex "${2:?usage: migrate_whereis.sh dolt|mariadb debian|newest}"
need_database "$db"
command -v git-annex-dolt >/dev/null || fail "git-annex-dolt is not built in $GAD_BUILD_DIR"
COMPARE="$INTEGRATION_DIR/whereis_compare.py"
unknown_uuid=11111111-2222-3333-4444-555555555555

# jnum FILE FIELD: the field, which must be a non-negative integer.
jnum() {
    local v
    v=$(jfield "$1" "$2") || fail "migrate output $1: $v"
    [[ "$v" =~ ^[0-9]+$ ]] || fail "migrate --json: \"$2\" is $v, not a number ($(cat "$1"))"
    echo "$v"
}

# migrate_json OUT ARGS...: runs git-annex-dolt migrate --json ARGS in the current directory,
# its stdout into OUT; fails with its stderr if it fails or prints more than one line.
migrate_json() {
    local out=$1; shift
    local rc=0
    git-annex-dolt migrate "$@" --json >"$out" 2>"$out.err" || rc=$?
    [ "$rc" -eq 0 ] || fail "git-annex-dolt migrate $* exited $rc: $(head -c 2000 "$out.err")"
    expect_eq "$(grep -c . "$out")" 1 "lines printed by git-annex-dolt migrate --json"
    python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert isinstance(o, dict)' "$out" ||
        fail "git-annex-dolt migrate --json did not print a JSON object: $(cat "$out")"
    for field in branch incremental logs_read locations urls metadata repositories files corrupt_lines unknown_files; do
        jfield "$out" "$field" >/dev/null || fail "migrate --json lacks \"$field\": $(cat "$out")"
    done
    echo "migrate $*: $(cat "$out")"
}

# compare_whereis NAME: git-annex-dolt whereis vs git annex whereis, --all, by file and by key.
# git-annex-dolt runs first: git annex merges remote-tracking branches and the journal into the
# git-annex branch when it starts, and migrate must have found them without that.
compare_whereis() {
    local name=$1 rc out="$TEST_TMP/$1"
    rc=0; git-annex-dolt whereis --all --json >"$out.dolt-all" 2>"$out.dolt-all.err" || rc=$?
    [ "$rc" -le 1 ] || fail "git-annex-dolt whereis --all --json exited $rc: $(head -c 2000 "$out.dolt-all.err")"
    git annex whereis --all --json >"$out.annex-all" 2>/dev/null || true
    [ -s "$out.annex-all" ] || fail "git annex whereis --all --json printed nothing"
    python3 "$COMPARE" "$out.annex-all" "$out.dolt-all" "$name: whereis --all" >&2 || fail "$name: whereis --all differs (above)"

    # By file: every annexed file, present or not (names with spaces included).
    git annex find --include='*' --print0 >"$out.files"
    rc=0; xargs -0 git-annex-dolt whereis --json <"$out.files" >"$out.dolt-files" 2>"$out.dolt-files.err" || rc=$?
    [ "$rc" -le 123 ] || fail "git-annex-dolt whereis --json FILES exited $rc: $(head -c 2000 "$out.dolt-files.err")"
    xargs -0 git annex whereis --json <"$out.files" >"$out.annex-files" 2>/dev/null || true
    python3 "$COMPARE" "$out.annex-files" "$out.dolt-files" "$name: whereis FILES" >&2 || fail "$name: whereis by file differs (above)"

    # By key: a few keys given on the command line, as git annex takes them (--key K each).
    local keys key_args=()
    keys=$(jq -r '.key' "$out.annex-all" | head -n 4 | tr '\n' ' ')
    for k in $keys; do key_args+=(--key "$k"); done
    rc=0; git-annex-dolt whereis --json "${key_args[@]}" >"$out.dolt-keys" 2>"$out.dolt-keys.err" || rc=$?
    [ "$rc" -le 1 ] || fail "git-annex-dolt whereis --json KEYS exited $rc: $(head -c 2000 "$out.dolt-keys.err")"
    : >"$out.annex-keys"
    for k in $keys; do git annex whereis --json --key "$k" >>"$out.annex-keys" 2>/dev/null || true; done
    python3 "$COMPARE" "$out.annex-keys" "$out.dolt-keys" "$name: whereis KEYS" >&2 || fail "$name: whereis by key differs (above)"
}

# ---------------------------------------------------------------------------------------------
# The repositories: a ("repo a") with remotes b, c, d (clones) and ds (a directory remote).
new_repo "$TEST_TMP/a" "repo a"
cd "$TEST_TMP/a"
for i in 1 2 3 4 5 6 7; do printf 'content %s %s\n' "$i" "$RANDOM" >"f$i"; done
printf 'spaced %s\n' "$RANDOM" >"name with spaces.txt"
printf 'old %s\n' "$RANDOM" >old
git annex add -q . && git commit -q -m files
clones_and_dirstore
key() { git annex lookupkey "$1"; }

git annex copy -q --to ds f1 f2 "name with spaces.txt"
git annex copy -q --to b f1 f3
git annex copy -q --to c f4 f7
git annex copy -q --to d f3 f4
git annex drop -q f4                                    # c and d have it
git annex drop -q --force --from ds f2 && git annex drop -q --force f2   # 0 copies, all lines 0
(cd "$TEST_TMP/b" && git annex get -q f5 && git annex sync -q >/dev/null 2>&1)  # via origin = a
git annex metadata -q -s tag=alpha -s "comment=a value with spaces" f1
git annex metadata -q -s tag=beta "name with spaces.txt"
git annex registerurl "$(key f6)" http://example.org/f6 >/dev/null
git annex registerurl "$(key f6)" "http://example.org/f6 mirror?x=1&y=2" >/dev/null
git annex registerurl "$(key f7)" http://example.org/only-web/f7 >/dev/null
git annex drop -q --force f7                            # c has it, and the web
git annex setpresentkey "$(key f3)" "$unknown_uuid" 1 >/dev/null  # a uuid not in uuid.log
old_key=$(key old)
git rm -q old && git commit -q -m "rm old"
git annex drop -q --force --key "$old_key"
git annex dead -q --key "$old_key" >/dev/null           # a dead key: --all skips it
git annex dead -q d >/dev/null                          # a dead repository: left out everywhere
git annex untrust -q c >/dev/null                       # c goes to "untrusted"
git annex sync -q >/dev/null 2>&1 || fail "git annex sync in a (2)"
for r in b c; do (cd "$TEST_TMP/$r" && git annex sync -q >/dev/null 2>&1) || fail "git annex sync in $r (2)"; done
git annex sync -q >/dev/null 2>&1 || fail "git annex sync in a (3)"

# Only in the journal: ds gets f5 and f6 gets metadata, not committed to the git-annex branch.
git -c annex.alwayscommit=false annex copy -q --to ds f5
git -c annex.alwayscommit=false annex metadata -q -s journal=yes f6
# Only in refs/remotes/b/git-annex: b gets f6 (from a), and a fetches b with plain git.
(cd "$TEST_TMP/b" && git annex get -q f6)
git fetch -q b
ls .git/annex/journal | grep -q "$(key f5 | sed 's/[.[\*^$]/\\&/g')\.log$" 2>/dev/null ||
    fail "the journal does not hold f5's location log: $(ls .git/annex/journal)"
! git merge-base --is-ancestor refs/remotes/b/git-annex refs/heads/git-annex ||
    fail "refs/remotes/b/git-annex is already merged into git-annex"
branch1=$(git rev-parse refs/heads/git-annex)

# ---------------------------------------------------------------------------------------------
# First migrate.
case "$db" in
    dolt) target=(--to "$TEST_TMP/dolt-annex") ;;
    mariadb)
        socket=$(start_mariadb mariadb)
        sql "$socket" mysql 'CREATE DATABASE annex'
        target=(--database "mysql://root@localhost/annex?socket=$socket") ;;
esac
migrate_json "$TEST_TMP/m1.json" "${target[@]}"
# migrate reads the git-annex branch read-only: no merge, no commit of the journal.
expect_eq "$(git rev-parse refs/heads/git-annex)" "$branch1" "git-annex branch after migrate"
[ -n "$(ls .git/annex/journal)" ] || fail "migrate emptied the journal"
expect_eq "$(jfield "$TEST_TMP/m1.json" branch)" "\"$branch1\"" "\"branch\" of the first migrate"
expect_eq "$(jfield "$TEST_TMP/m1.json" incremental)" false "\"incremental\" of the first migrate"
expect_eq "$(jnum "$TEST_TMP/m1.json" corrupt_lines)" 0 "\"corrupt_lines\" of the first migrate"
logs_in_branch=$(git ls-tree -r --name-only "$branch1" | wc -l)
logs1=$(jnum "$TEST_TMP/m1.json" logs_read)
[ "$logs1" -ge "$logs_in_branch" ] || fail "first migrate read $logs1 logs; the branch alone has $logs_in_branch"
[ "$(jnum "$TEST_TMP/m1.json" locations)" -gt 0 ] || fail "first migrate reports no locations"
[ "$(jnum "$TEST_TMP/m1.json" urls)" -ge 3 ] || fail "first migrate reports fewer than 3 urls: $(cat "$TEST_TMP/m1.json")"
[ "$(jnum "$TEST_TMP/m1.json" metadata)" -gt 0 ] || fail "first migrate reports no metadata"
[ "$(jnum "$TEST_TMP/m1.json" repositories)" -ge 5 ] || fail "first migrate reports fewer than 5 repositories (a b c d ds)"
jnum "$TEST_TMP/m1.json" unknown_files >/dev/null
case "$db" in
    dolt) expect_eq "$(git config git-annex-dolt.repository)" "$TEST_TMP/dolt-annex" "git config git-annex-dolt.repository"
          [ -f "$TEST_TMP/dolt-annex/config.json" ] && [ -d "$TEST_TMP/dolt-annex/dolt" ] ||
              fail "--to did not create a dolt-annex repository: $(ls -A "$TEST_TMP/dolt-annex" 2>&1)" ;;
    mariadb) # Remembered as given or normalised (e.g. with :3306 added): same user, database, socket.
             remembered=$(git config git-annex-dolt.database) || fail "git config git-annex-dolt.database is not set"
             [[ "$remembered" == mysql://root@localhost*/annex\?socket="$socket" ]] ||
                 fail "git config git-annex-dolt.database is '$remembered', not the URL given: ${target[1]}" ;;
esac

compare_whereis first
# git annex has now merged b's branch and committed the journal: what git-annex-dolt answered
# from the database included both (the comparison passed).
expect_eq "$(jfield "$TEST_TMP/m1.json" files)" "$(grep -zc . "$TEST_TMP/first.files")" "\"files\" (annexed paths) of the first migrate"

# A path git does not know: git annex says so on stderr and exits 1, printing no object.
rc=0; git-annex-dolt whereis --json no-such-file >"$TEST_TMP/nosuch.out" 2>"$TEST_TMP/nosuch.err" || rc=$?
[ "$rc" -ne 0 ] || fail "git-annex-dolt whereis --json no-such-file exited 0 (git annex exits 1: pathspec did not match)"
[ -s "$TEST_TMP/nosuch.err" ] || fail "git-annex-dolt whereis --json no-such-file said nothing on stderr"
[ ! -s "$TEST_TMP/nosuch.out" ] || fail "git-annex-dolt whereis --json no-such-file printed: $(cat "$TEST_TMP/nosuch.out")"

# ---------------------------------------------------------------------------------------------
# More activity, then an incremental migrate (no flags: the target is remembered).
for g in g1 g2 g3; do printf '%s %s\n' "$g" "$RANDOM" >"$g"; done
git annex add -q g1 g2 g3 && git commit -q -m "three more"
git annex copy -q --to ds g1
git annex drop -q --force g2
git annex sync -q >/dev/null 2>&1 || fail "git annex sync in a (4)"
[ -z "$(ls .git/annex/journal)" ] || fail "journal not empty before the second migrate: $(ls .git/annex/journal)"
for ref in $(git for-each-ref --format='%(refname)' 'refs/remotes/*/git-annex'); do
    git merge-base --is-ancestor "$ref" refs/heads/git-annex || fail "$ref is not merged before the second migrate"
done
branch2=$(git rev-parse refs/heads/git-annex)
changed=$(git diff --name-only --no-renames "$branch1" "$branch2" | wc -l)
migrate_json "$TEST_TMP/m2.json"
expect_eq "$(jfield "$TEST_TMP/m2.json" branch)" "\"$branch2\"" "\"branch\" of the second migrate"
expect_eq "$(jfield "$TEST_TMP/m2.json" incremental)" true "\"incremental\" of the second migrate"
expect_eq "$(jnum "$TEST_TMP/m2.json" logs_read)" "$changed" "\"logs_read\" of the second migrate (git diff --name-only $branch1 $branch2)"
expect_eq "$(jnum "$TEST_TMP/m2.json" corrupt_lines)" 0 "\"corrupt_lines\" of the second migrate"
compare_whereis second

# ---------------------------------------------------------------------------------------------
# A corrupt location log: two bad lines committed into f1's log on the git-annex branch (git
# annex ignores them); migrate counts them, skips them and succeeds.
k1=$(key f1)
logpath=$(git ls-tree -r --name-only refs/heads/git-annex | grep -F "/$k1.log" | grep '\.log$')
[ "$(wc -l <<<"$logpath")" -eq 1 ] || fail "cannot find the location log of $k1: $logpath"
blob=$({ echo "this is not a log line"; git cat-file -p "refs/heads/git-annex:$logpath"
         echo "1700000000.5s 7 $(git config annex.uuid)"; } | git hash-object -w --stdin)
export GIT_INDEX_FILE="$TEST_TMP/corrupt.index"
git read-tree refs/heads/git-annex
git update-index --cacheinfo "100644,$blob,$logpath"
tree=$(git write-tree)
unset GIT_INDEX_FILE
branch3=$(git commit-tree "$tree" -p refs/heads/git-annex -m "corrupt lines")
git update-ref refs/heads/git-annex "$branch3" "$branch2"
migrate_json "$TEST_TMP/m3.json"
expect_eq "$(jfield "$TEST_TMP/m3.json" branch)" "\"$branch3\"" "\"branch\" of the third migrate"
expect_eq "$(jfield "$TEST_TMP/m3.json" incremental)" true "\"incremental\" of the third migrate"
expect_eq "$(jnum "$TEST_TMP/m3.json" logs_read)" 1 "\"logs_read\" of the third migrate (one changed log)"
expect_eq "$(jnum "$TEST_TMP/m3.json" corrupt_lines)" 2 "\"corrupt_lines\" of the third migrate"
compare_whereis third

# ---------------------------------------------------------------------------------------------
# Not a git-annex repository: a plain git repository, and a directory outside git.
git init -q "$TEST_TMP/plain"
mkdir "$TEST_TMP/nogit"
for dir in plain nogit; do
    rc=0
    (cd "$TEST_TMP/$dir" && GIT_CEILING_DIRECTORIES="$TEST_TMP" git-annex-dolt migrate --to "$TEST_TMP/other-$dir" \
        >"$TEST_TMP/$dir.out" 2>"$TEST_TMP/$dir.err") || rc=$?
    [ "$rc" -ne 0 ] || fail "migrate in $dir (not a git-annex repository) succeeded: $(cat "$TEST_TMP/$dir.out")"
    expect_eq "$(wc -l <"$TEST_TMP/$dir.err")" 1 "lines on stderr of migrate in $dir ($(head -c 500 "$TEST_TMP/$dir.err"))"
    [ -s "$TEST_TMP/$dir.err" ] && [ -n "$(tr -d '[:space:]' <"$TEST_TMP/$dir.err")" ] || fail "migrate in $dir: empty error line"
done

summary "$db, $(git annex version --raw): migrate (full, incremental, corrupt lines) and whereis --all/FILES/KEYS agree with git annex"
