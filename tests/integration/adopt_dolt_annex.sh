#!/usr/bin/env bash
# A repository made by `dolt-annex init` is adopted: by initremote (directory= and uuid=) and by
# git-annex-dolt migrate --to. Its own tables, branches and files stay as they were.
#
#  1. Two dolt-annex repositories laid out as dolt-annex 0.4.0 lays one out (lay_out_dolt_annex,
#     each step naming what of dolt-annex it reproduces): template tables metadata, posts,
#     submissions on the default branch gallery-dl, rows it has not committed yet, a dataset
#     branch <uuid>-gallery-dl, gallery-dl.dataset, repos/__local__.repo, config.json.
#  2. initremote directory=<it> without uuid= fails with one line naming uuid=<its uuid>, and with
#     another uuid= names both; neither leaves a table behind. With uuid=<its uuid> it succeeds;
#     copy, get, drop and whereis work; the locations are in gad_locations on gallery-dl.
#  3. git-annex-dolt migrate --to <the other one> succeeds; git-annex-dolt whereis answers.
#  4. In both: dolt-annex's tables (committed and uncommitted rows, schemas), its branches other
#     than the default one, the default branch's name, and its files are unchanged; our commits
#     hold only gad_* tables.
#
# usage: adopt_dolt_annex.sh debian|newest
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/remote_helpers.sh"
use_git_annex "${1:?usage: adopt_dolt_annex.sh debian|newest}"
need_dolt
command -v git-annex-dolt >/dev/null || fail "git-annex-dolt is not built in $GAD_BUILD_DIR"

# lay_out_dolt_annex DIR UUID: DIR as `dolt-annex init` and a gallery-dl import make it.
lay_out_dolt_annex() {
    local dir=$1 uuid=$2
    mkdir -p "$dir/dolt"
    # init.py do_init copies data/dolt_base/.dolt: a database whose only branch, gallery-dl (its
    # HEAD), has the commits "Initialize data repository" and "create tables", the latter making
    # these three tables (their schemas as `show create table` prints them there).
    (
        cd "$dir/dolt"
        dolt init -b gallery-dl --name anonymous --email anonymous@localhost >/dev/null
        dolt sql -q "
CREATE TABLE metadata (source varchar(1000) NOT NULL, id int NOT NULL, updated datetime NOT NULL,
  annex_key varchar(1000), PRIMARY KEY (source, id, updated));
CREATE TABLE posts (source varchar(1000) NOT NULL, id int NOT NULL, updated datetime NOT NULL,
  annex_key varchar(1000), PRIMARY KEY (source, id, updated));
CREATE TABLE submissions (source varchar(1000) NOT NULL, id int NOT NULL,
  updated datetime NOT NULL, part int NOT NULL, annex_key varchar(1000),
  PRIMARY KEY (source, id, updated));"
        dolt add -A && dolt commit -m "create tables" >/dev/null
        # do_init: push.autoSetupRemote in the database's local config.
        dolt config --local --add push.autoSetupRemote true >/dev/null
        # Dataset.__init__ (table.py) runs maybe_create_branch("<uuid>-gallery-dl", "gallery-dl");
        # an import writes REPLACE INTO submissions there and commits each batch ("partial
        # import").
        dolt branch "$uuid-gallery-dl" gallery-dl
        dolt checkout "$uuid-gallery-dl" >/dev/null
        dolt sql -q "REPLACE INTO submissions VALUES ('e621', 1, '2024-01-02 03:04:05', 0,
  'SHA256E-s4--9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.png')"
        dolt add -A && dolt commit -m "partial import" >/dev/null
        dolt checkout gallery-dl >/dev/null
        # Rows written since its last batch commit are uncommitted until the next one (Dolt.commit
        # runs every batch_size rows): some on the default branch.
        dolt sql -q "INSERT INTO metadata VALUES ('e621', 2, '2024-02-03 04:05:06', 'SHA256E-s1--aa');
INSERT INTO posts VALUES ('e621', 3, '2024-03-04 05:06:07', NULL);"
    )
    # Init.main: Repo(name, uuid, AnnexFS(root="./annex"), key_format).save(): JSON, indent 4.
    mkdir -p "$dir/repos"
    cat >"$dir/repos/__local__.repo" <<EOF
{
    "name": "__local__",
    "uuid": "$uuid",
    "filestore": {
        "root": "annex",
        "type": "annexfs.AnnexFS"
    },
    "key_format": "Sha256e"
}
EOF
    # do_init: config.json from the defaults (model_dump_json, indent 4).
    cat >"$dir/config.json" <<'EOF'
{
    "user": {"email": "user@localhost", "name": "user"},
    "dolt": {
        "default_remote": "origin",
        "default_commit_message": "update dolt-annex",
        "connection": {"hostname": "localhost", "port": 3306, "server_socket": null,
                       "user": "root", "password": null, "database": "dolt",
                       "autocommit": true, "extra_params": {}},
        "spawn_dolt_server": true,
        "dolt_dir": "dolt"
    },
    "ssh": {"ssh_config": null, "known_hosts": null, "encrypted_ssh_key": false,
            "client_key": null},
    "local_repo_name": "__local__",
    "default_annex_remote": "origin",
    "default_file_key_type": "Sha256e"
}
EOF
    # gallery_dl_plugin.make_default_schema("gallery-dl"), saved as a DatasetSchema is.
    cat >"$dir/gallery-dl.dataset" <<'EOF'
{
    "name": "gallery-dl",
    "tables": [
        {"name": "submissions", "file_column": "annex_key",
         "key_columns": ["source", "id", "updated", "part"]},
        {"name": "metadata", "file_column": "annex_key", "key_columns": ["source", "id", "updated"]},
        {"name": "posts", "file_column": "annex_key", "key_columns": ["source", "id", "updated"]}
    ],
    "empty_table_ref": "gallery-dl"
}
EOF
}

# q DIR SQL: a query on DIR's Dolt database (through the remote's server when it runs).
q() { sql_dolt_repo "$1" "$2"; }

# theirs DIR: everything of dolt-annex's in DIR, as text: the last commit on the default branch
# that is not ours, its tables' rows and schemas in the working set (DOLT_HASHOF_TABLE) and
# whether they changed in our commits since, what of theirs is uncommitted, its branches but the
# default one (which our commits move), the default branch's name, and its files.
theirs() {
    local dir=$1 t base
    base=$(q "$dir" "SELECT commit_hash FROM dolt_log WHERE committer <> 'git-annex-dolt' LIMIT 1")
    echo "dolt-annex's last commit: $base"
    for t in metadata posts submissions; do
        echo "$t: $(q "$dir" "SELECT DOLT_HASHOF_TABLE('$t')"), rows changed since:" \
            "$(q "$dir" "SELECT COUNT(*) FROM dolt_diff('$base', 'HEAD', '$t')")"
    done
    echo "uncommitted: $(q "$dir" "SELECT table_name, IF(staged, 'staged', 'unstaged'), status FROM dolt_status WHERE table_name NOT LIKE 'gad\\_%' ORDER BY 1" | tr '\n\t' '; ')"
    echo "branches: $(q "$dir" "SELECT name, hash FROM dolt_branches WHERE name <> 'gallery-dl' ORDER BY 1" | tr '\n\t' '; ')"
    echo "default branch: $(q "$dir" "SELECT active_branch()")"
    echo "all branches: $(q "$dir" "SELECT name FROM dolt_branches ORDER BY 1" | tr '\n' ' ')"
    (cd "$dir" && sha256sum config.json gallery-dl.dataset repos/*)
}

# our_tables DIR: the tables of DIR's default branch that are not dolt-annex's, sorted.
our_tables() {
    q "$1" "SHOW TABLES" | grep -vxE 'metadata|posts|submissions' | LC_ALL=C sort | tr '\n' ' '
}

# only_ours_committed DIR: fails unless our commits on the default branch (there must be some)
# changed gad_* tables only.
only_ours_committed() {
    local ours changed
    ours=$(q "$1" "SELECT COUNT(*) FROM dolt_log WHERE committer = 'git-annex-dolt'")
    [ "$ours" -gt 0 ] || fail "no commit of ours in $1"
    changed=$(q "$1" "SELECT DISTINCT table_name FROM dolt_diff WHERE committer = 'git-annex-dolt'" |
        sed '/^$/d' | grep -v '^gad_' || true)
    [ -z "$changed" ] || fail "our commits in $1 changed tables of dolt-annex's: $changed"
}

da="$TEST_TMP/da"
da_uuid=3b8f2c1e-5a6d-4e7f-8091-a2b3c4d5e6f7
lay_out_dolt_annex "$da" "$da_uuid"
before=$(theirs "$da")
echo "laid out $da: $(q "$da" "SHOW TABLES" | tr '\n' ' ')"

new_repo "$TEST_TMP/a"
cd "$TEST_TMP/a"
for f in f1 f2 f3; do echo "content of $f" >"$f"; done
git annex add -q f1 f2 f3 && git commit -q -m files

# --- 2. initremote: refused without uuid= (naming it), and with another uuid=, leaving nothing.
if git annex initremote da type=external externaltype=dolt encryption=none "directory=$da" \
    >"$TEST_TMP/init1.out" 2>&1; then
    fail "initremote without uuid= adopted $da"
fi
grep -q "uuid=$da_uuid" "$TEST_TMP/init1.out" ||
    fail "initremote without uuid= does not name uuid=$da_uuid: $(cat "$TEST_TMP/init1.out")"
grep "uuid=$da_uuid" "$TEST_TMP/init1.out"
other=11111111-2222-4333-8444-555555555555
if git annex initremote da type=external externaltype=dolt encryption=none "directory=$da" \
    "uuid=$other" >"$TEST_TMP/init2.out" 2>&1; then
    fail "initremote with uuid=$other adopted $da"
fi
grep "$other" "$TEST_TMP/init2.out" | grep -q "$da_uuid" ||
    fail "initremote with another uuid= does not name both: $(cat "$TEST_TMP/init2.out")"
expect_eq "$(our_tables "$da")" "" "tables left by the refused initremotes"
expect_eq "$(theirs "$da")" "$before" "dolt-annex's repository after the refused initremotes"

# With its uuid: adopted.
git annex initremote da type=external externaltype=dolt encryption=none "directory=$da" \
    "uuid=$da_uuid" >"$TEST_TMP/init3.out" 2>&1 ||
    fail "initremote with uuid=$da_uuid: $(cat "$TEST_TMP/init3.out")"
expect_eq "$(git config remote.da.annex-uuid)" "$da_uuid" "the remote's uuid"
check git annex copy -q --to da f1 f2 f3
git annex drop -q f2
check git annex get -q f2 --from da
check git annex drop -q --from da f1
expect_eq "$(annex_keys_in da | tr '\n' ' ')" "$(git annex lookupkey f2 f3 | LC_ALL=C sort | tr '\n' ' ')" "git annex find --in da"
expect_eq "$(table_keys "$da" "$da_uuid" 1 | tr '\n' ' ')" "$(git annex lookupkey f2 f3 | LC_ALL=C sort | tr '\n' ' ')" "present rows of gad_locations"
expect_eq "$(table_keys "$da" "$da_uuid" 0)" "$(git annex lookupkey f1)" "missing rows of gad_locations"
expect_eq "$(store_keys "$da" | tr '\n' ' ')" "$(git annex lookupkey f2 f3 | LC_ALL=C sort | tr '\n' ' ')" "objects in $da/annex"
git annex whereis f3 | grep -q "$da_uuid -- .*\[da\]" || fail "git annex whereis f3 does not list da: $(git annex whereis f3)"
# The locations are on dolt-annex's default branch, committed (once the remote has exited).
wait_until 30 test -z "$(q "$da" "SELECT table_name FROM dolt_status WHERE table_name LIKE 'gad\\_%'")" ||
    fail "our tables are left uncommitted in $da: $(q "$da" "SELECT * FROM dolt_status")"
expect_eq "$(q "$da" "SELECT COUNT(*) FROM gad_locations AS OF 'gallery-dl' WHERE uuid = '$da_uuid'")" 3 "committed rows on gallery-dl"
only_ours_committed "$da"
expect_eq "$(theirs "$da")" "$before" "dolt-annex's repository after initremote, copy, get and drop"
echo "initremote adopted $da: $(our_tables "$da")"

# --- 3. migrate --to another one.
da2="$TEST_TMP/da2"
da2_uuid=4c9a3d2f-6b7e-4f80-91a2-b3c4d5e6f708
lay_out_dolt_annex "$da2" "$da2_uuid"
before2=$(theirs "$da2")
git-annex-dolt migrate --to "$da2" >"$TEST_TMP/migrate.out" 2>&1 ||
    fail "git-annex-dolt migrate --to $da2: $(cat "$TEST_TMP/migrate.out")"
tail -n 1 "$TEST_TMP/migrate.out"
git-annex-dolt whereis f3 >"$TEST_TMP/whereis.out" 2>&1 || fail "git-annex-dolt whereis f3: $(cat "$TEST_TMP/whereis.out")"
grep -q "$da_uuid -- .*\[da\]" "$TEST_TMP/whereis.out" || fail "git-annex-dolt whereis f3 does not list da: $(cat "$TEST_TMP/whereis.out")"
expect_eq "$(q "$da2" "SELECT COUNT(*) FROM gad_locations AS OF 'gallery-dl' WHERE uuid = '$da_uuid' AND status = '1'")" 2 "da's present rows migrated into $da2, committed"
expect_eq "$(q "$da2" "SELECT COUNT(*) FROM dolt_status WHERE table_name LIKE 'gad\\_%'")" 0 "our uncommitted tables in $da2"
only_ours_committed "$da2"
expect_eq "$(theirs "$da2")" "$before2" "dolt-annex's repository after migrate --to"
echo "migrate --to adopted $da2: $(our_tables "$da2")"

echo "OK adopt_dolt_annex ${SECONDS}s"
