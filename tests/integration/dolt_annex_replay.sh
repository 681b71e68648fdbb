# Replays of what dolt-annex 0.4.0 (featherbutt/dolt-annex) does to a repository's Dolt database,
# statement for statement, for tests that cannot run dolt-annex itself (it needs Python 3.12 and
# forks of two libraries; tests/real_dolt_annex.sh runs the real one by hand). Each helper names
# the dolt-annex code it reproduces. Source it after lib.sh and remote_helpers.sh, and set DA_STORE
# to the dolt-annex repository directory (its Dolt database is "dolt", reached through the
# server of git-annex-remote-dolt, as dolt-annex does with spawn_dolt_server false).
#
# dolt-annex runs its statements on one pymysql connection (autocommit off): a helper is one
# session of the mariadb client, so that DOLT_CHECKOUT holds for the statements after it.

# da_session SQL: one dolt-annex session running SQL (its statements in order).
da_session() { sql_dolt_repo "${DA_STORE:?set DA_STORE}" "$1"; }

# da_branch_exists BRANCH: whether the Dolt database has BRANCH.
da_branch_exists() {
    [ -n "$(da_session "SELECT name FROM dolt_branches WHERE name = '$1'")" ]
}

# da_maybe_create_branch BRANCH START: dolt.py DoltSqlServer.maybe_create_branch: checks START
# (DOLT_CHECKOUT of it and back), then CALL DOLT_BRANCH(BRANCH, START), "already exists" ignored.
da_maybe_create_branch() {
    da_session "CALL DOLT_CHECKOUT('$2', '--'); CALL DOLT_CHECKOUT('main', '--')" >/dev/null
    da_branch_exists "$1" || da_session "CALL DOLT_BRANCH('$1', '$2')" >/dev/null
}

# da_flush UUID DATASET TABLE "('key', 'path'), ...": table.py FileTable.flush for one source:
# maybe_create_branch(UUID-DATASET, DATASET) (the dataset's empty_table_ref), then on that branch
# (DoltBranch: DOLT_CHECKOUT) executemany of FileTableSchema.insert_sql, "REPLACE INTO TABLE
# (annex_key, path) VALUES (...)", and COMMIT: the rows are left in the branch's working set,
# not in a Dolt commit. (dataset insert-record does this for one row.)
da_flush() {
    da_maybe_create_branch "$1-$2" "$2"
    da_session "CALL DOLT_CHECKOUT('$1-$2', '--'); REPLACE INTO $3 (annex_key, path) VALUES $4; COMMIT; CALL DOLT_CHECKOUT('main', '--')" >/dev/null
}

# da_merge UNION BRANCH: dolt.py DoltSqlServer.merge(BRANCH) run while UNION is checked out: on
# BRANCH, DoltSqlServer.commit(amend=True), that is CALL DOLT_ADD('.') and CALL
# DOLT_COMMIT('--amend') (everything uncommitted amended into BRANCH's head commit, which keeps its
# message; "nothing to commit" ignored); back on UNION, CALL DOLT_MERGE(BRANCH).
da_merge() {
    da_session "CALL DOLT_CHECKOUT('$2', '--'); CALL DOLT_ADD('.'); CALL DOLT_COMMIT('--amend'); CALL DOLT_CHECKOUT('$1', '--'); CALL DOLT_MERGE('$2'); CALL DOLT_CHECKOUT('main', '--')" >/dev/null
}

# da_diff_keys IN NOT_IN DATASET TABLE: sync/__init__.py diff_keys(IN, NOT_IN): the union branch
# union-<the two UUIDs sorted>-DATASET made from IN-DATASET if missing, merge(IN-DATASET) and
# merge(NOT_IN-DATASET) into it (each amending its branch), then the rows of the union that
# NOT_IN-DATASET lacks, printed "key<TAB>path".
da_diff_keys() {
    local refs union
    refs=$(printf '%s\n%s\n' "$1" "$2" | LC_ALL=C sort | paste -sd-)
    union="union-$refs-$3"
    da_maybe_create_branch "$union" "$1-$3"
    da_merge "$union" "$1-$3"
    da_merge "$union" "$2-$3"
    # The query runs with the union branch checked out (the rows of the CALLs are left out).
    da_session "CALL DOLT_CHECKOUT('$union', '--'); SELECT 'row', to_annex_key, to_path FROM dolt_commit_diff_$4 WHERE from_commit = HASHOF('$2-$3') AND to_commit = HASHOF('$union'); CALL DOLT_CHECKOUT('main', '--')" |
        sed -n 's/^row\t//p'
}

# da_move IN_UUID IN_DIR NOT_IN_UUID NOT_IN_DIR DATASET TABLE: sync/__init__.py move_table, the
# body of `dolt-annex push` (IN = the local repository) and `dolt-annex pull` (IN = the remote):
# diff_keys, each object copied from IN's filestore (the annex/ of dolt-annex repository directory IN_DIR,
# remote_helpers.sh object_path) to NOT_IN's,
# insert_file_source + flush of a row per key on NOT_IN-DATASET, again until diff_keys finds
# nothing (so the second round amends the new rows into NOT_IN-DATASET's head commit). Prints
# the number of files moved.
da_move() {
    local moved=0 rows values key path
    while true; do
        rows=$(da_diff_keys "$1" "$3" "$5" "$6")
        [ -n "$rows" ] || break
        values=
        while IFS=$'\t' read -r key path; do
            if [ ! -e "$(object_path "$4" "$key")" ]; then
                mkdir -p "$(dirname "$(object_path "$4" "$key")")"
                cp "$(object_path "$2" "$key")" "$(object_path "$4" "$key")"
            fi
            values="${values:+$values, }('$key', '$path')"
            moved=$((moved + 1))
        done <<<"$rows"
        da_flush "$3" "$5" "$6" "$values"
    done
    echo "$moved"
}

# da_push LOCAL_UUID LOCAL_DIR REMOTE_UUID REMOTE_DIR DATASET TABLE: commands/sync/push.py:
# initialize_dataset_source (maybe_create_branch(REMOTE-DATASET, DATASET)), then move_table from
# the local repository to the remote. Prints the number of files pushed.
da_push() {
    da_maybe_create_branch "$3-$5" "$5"
    da_move "$@"
}

# da_pull REMOTE_UUID REMOTE_DIR LOCAL_UUID LOCAL_DIR DATASET TABLE: commands/sync/pull.py:
# move_table from the remote to the local repository (REMOTE-DATASET must exist). Prints the
# number of files pulled.
da_pull() { da_move "$@"; }
