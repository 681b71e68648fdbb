#!/usr/bin/env bash
# git-annex-dolt whereis, exactly as the newest git-annex prints it, over the layers only that
# git-annex has: a mask remote over a git-annex-remote-dolt remote R (its encrypted keys in R are
# not logged as R's), a compute remote whose outputs are copied to R (a compute program this
# test writes), a cluster with R as a node, and a clone reaching it all through a proxy (git annex
# p2phttp). Compared: `whereis --all --json` object for object, every field, and the text form
# of `whereis --all` byte for byte, as whereis_layers.sh compares them.
#
# usage: whereis_newest_layers.sh newest   (debian: skipped, its git-annex has none of these)
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
source "$(dirname "$0")/whereis_exact.sh"
if [ "${1:?usage: whereis_newest_layers.sh newest}" != newest ]; then
    echo "skipped: git-annex $1 has no mask or compute remotes or clusters (10.2024 and later)"
    exit 77
fi
use_git_annex newest
need_dolt
command -v git-annex-dolt >/dev/null || fail "git-annex-dolt is not built in $GAD_BUILD_DIR"

# A compute program: "upper IN OUT" writes IN in capitals to OUT (compute special remote
# interface: INPUT and OUTPUT lines out, the paths to use back on stdin).
mkdir "$TEST_TMP/bin"
cat >"$TEST_TMP/bin/git-annex-compute-upper" <<'SH'
#!/bin/sh
[ "$1" = upper ] || { echo "usage: upper IN OUT" >&2; exit 1; }
echo "INPUT $2"
read -r input
echo "OUTPUT $3"
read -r output
echo "REPRODUCIBLE"
tr a-z A-Z <"$input" >"$output"
SH
chmod +x "$TEST_TMP/bin/git-annex-compute-upper"
export PATH="$TEST_TMP/bin:$PATH"

new_repo "$TEST_TMP/a" "repo a"
cd "$TEST_TMP/a"
for f in masked in plain; do printf 'content of %s %s\n' "$f" "$RANDOM" >"$f"; done
git annex add -q .
git commit -q -m files
git annex initremote -q R type=external externaltype=dolt encryption=none \
    directory="$TEST_TMP/store" >/dev/null || fail "git annex initremote R"
git annex initremote -q M type=mask remote=R encryption=shared >/dev/null ||
    fail "git annex initremote M (mask over R)"
git annex copy -q --to M masked >/dev/null || fail "git annex copy --to M"
git annex copy -q --to R plain >/dev/null || fail "git annex copy --to R"
git annex initremote -q up type=compute program=git-annex-compute-upper >/dev/null ||
    fail "git annex initremote up (compute)"
git annex addcomputed --to=up -- upper in out >/dev/null 2>"$TEST_TMP/addcomputed.err" ||
    fail "git annex addcomputed: $(head -c 2000 "$TEST_TMP/addcomputed.err")"
git commit -q -m computed
git annex copy -q --to R out >/dev/null || fail "git annex copy --to R out"
# A cluster with R as a node (this repository its gateway): every key R has lists the cluster
# first (its UUID from cluster.log), not counted as a copy.
git annex initcluster cl >/dev/null 2>&1 || fail "git annex initcluster"
git config remote.R.annex-cluster-node cl
git annex updatecluster >/dev/null 2>&1 || fail "git annex updatecluster"
git annex sync -q >/dev/null 2>&1 || fail "git annex sync"

git-annex-dolt migrate --to "$TEST_TMP/dolt-annex" >"$TEST_TMP/migrate.out" 2>"$TEST_TMP/migrate.err" ||
    fail "git-annex-dolt migrate: $(head -c 2000 "$TEST_TMP/migrate.err")"
compare_all_json
compare_all_text

# The newer per-repository logs are in the tables, each repository's newest value as git-annex
# wrote it: cluster.log's nodes, proxy.log's proxied remotes (this repository proxies the
# cluster and R since updatecluster), maxsize.log's sizes.
git annex maxsize here 1000000 >/dev/null 2>&1 || fail "git annex maxsize"
git annex sync -q >/dev/null 2>&1 || fail "git annex sync"
git-annex-dolt migrate >"$TEST_TMP/migrate2.out" 2>"$TEST_TMP/migrate2.err" ||
    fail "git-annex-dolt migrate (again): $(head -c 2000 "$TEST_TMP/migrate2.err")"
for log in cluster:cluster_nodes proxy:proxied_remotes maxsize:max_size; do
    expected=$(git show "git-annex:${log%%:*}.log" | awk '{ts=$1; $1=""; print substr($0, 2)}' | LC_ALL=C sort)
    [ -n "$expected" ] || fail "${log%%:*}.log is empty"
    actual=$(sql_dolt_repo "$TEST_TMP/dolt-annex" \
        "SELECT CONCAT(uuid, ' ', ${log#*:}) FROM gad_repositories WHERE ${log#*:} IS NOT NULL" |
        LC_ALL=C sort)
    expect_eq "$actual" "$expected" "${log%%:*}.log in gad_repositories.${log#*:}"
done
# The compute remote's per-key state (KEY.log.rmet, metadata fields "UUID:field") is in
# gad_remote_metadata: every field and value set there, for each key with such a log.
up_uuid=$(git config remote.up.annex-uuid)
git ls-tree -r --name-only git-annex | grep -E '\.log\.rmet$' >"$TEST_TMP/rmet.logs" ||
    fail "git annex addcomputed wrote no .log.rmet"
while read -r path; do
    key=$(basename "$path" .log.rmet)
    # "TS FIELD +VALUE ... FIELD +VALUE": the set values (values here hold no spaces or '-').
    git show "git-annex:$path" | python3 -c '
import sys
key = sys.argv[1]
for line in sys.stdin:
    words = line.split()[1:]
    field = None
    for w in words:
        if w[0] in "+-":
            if w[0] == "+":
                print(f"{key} {field} {w[1:]}")
        else:
            field = w
' "$key"
done <"$TEST_TMP/rmet.logs" | LC_ALL=C sort >"$TEST_TMP/rmet.expected"
[ -s "$TEST_TMP/rmet.expected" ] || fail "the .log.rmet files set no value"
grep -qv " $up_uuid:" "$TEST_TMP/rmet.expected" && fail "a .log.rmet field is not the compute remote's"
actual=$(sql_dolt_repo "$TEST_TMP/dolt-annex" \
    "SELECT CONCAT(annex_key, ' ', field, ' ', value) FROM gad_remote_metadata WHERE status = '1'" |
    LC_ALL=C sort)
expect_eq "$actual" "$(cat "$TEST_TMP/rmet.expected")" ".log.rmet in gad_remote_metadata"
# A clone b reaching a over P2P HTTP (git annex p2phttp on 127.0.0.1): a proxies the cluster and
# R (updatecluster made it their proxy: proxy.log), so b knows them as remotes "origin-cl" and
# "origin-R", which name them in whereis (and R's WHEREIS is not asked through the proxy).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$TEST_TMP/a" && exec git-annex p2phttp --bind 127.0.0.1 --port "$port" --wideopen \
    >"$TEST_TMP/p2phttp.log" 2>&1) &
track_pid $!
for _ in $(seq 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $port))" 2>/dev/null && break
    sleep 0.1
done
git clone -q "$TEST_TMP/a" "$TEST_TMP/b"
cd "$TEST_TMP/b"
git config remote.origin.annexurl "annex+http://127.0.0.1:$port/git-annex/"
git annex init -q "repo b" >/dev/null 2>&1 || fail "git annex init in b"
git annex sync -q >/dev/null 2>&1 || fail "git annex sync in b: $(tail -3 "$TEST_TMP/p2phttp.log")"
git annex whereis --all 2>/dev/null | grep -q 'origin-R' || fail "b does not know R through the proxy"
git-annex-dolt migrate --to "$TEST_TMP/dolt-annex-b" >"$TEST_TMP/migrate-b.out" 2>"$TEST_TMP/migrate-b.err" ||
    fail "git-annex-dolt migrate in b: $(head -c 2000 "$TEST_TMP/migrate-b.err")"
compare_all_json
compare_all_text
summary "$(git annex version --raw): whereis --all, --json and text, equal git annex whereis over mask and compute remotes, a cluster and a proxy"
