// git-annex-dolt sync --dataset NAME: the annexed files of a git-annex repository as a dolt-annex
// dataset, kept the way dolt-annex keeps one (NAME.dataset; an empty-table branch NAME; one
// branch <uuid>-NAME per repository with a row (path, annex_key) for each file it has;
// repos/<name>.repo for the repositories dolt-annex can reach), and the rows dolt-annex itself
// adds to or removes from those branches, back into the location tables.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "compat/database_choice.h"
#include "compat/git/repository.h"
#include "core/annex_values.h"
#include "core/failure.h"

namespace gad::compat::sync {

using core::Result;

// The git config name that remembers the dataset, so a later plain `git-annex-dolt sync` keeps
// it up to date too.
inline constexpr std::string_view kDatasetConfig = "git-annex-dolt.dataset";

// Succeeds when name can name a dataset: ASCII letters, digits and '_', starting with a letter,
// at most 64 characters, not starting with "dolt_" (dolt-annex writes the name unquoted into SQL
// as a table name, and into file and branch names). Fails with a one-line message naming it.
Result<void> check_dataset_name(std::string_view name);

struct DatasetSummary {
    std::string name;
    std::string definition;         // the NAME.dataset file
    std::size_t branches = 0;       // <uuid>-NAME branches brought up to date
    std::size_t created = 0;        // of which new
    std::size_t rows_added = 0;     // rows written (inserted or replaced) on them
    std::size_t rows_removed = 0;   // rows removed from them
    std::size_t present_facts = 0;  // rows dolt-annex added, recorded as "present" locations
    std::size_t missing_facts = 0;  // rows dolt-annex removed, recorded as "missing" locations
    std::size_t bad_keys = 0;       // keys dolt-annex wrote that are not git-annex keys (ignored)
    std::size_t repo_files = 0;     // repos/<name>.repo files written
    std::size_t left_out = 0;       // annexed files dolt-annex cannot hold (key not SHA256E,
                                    // path not UTF-8)
    std::size_t refused = 0;        // values kept out (core/annex_values.h), each reported:
                                    // repository UUIDs, keys of annexed files, bad_keys

    std::string json() const;  // one JSON object
    std::string text() const;  // one line, with its newline
};

// The dataset step of git-annex-dolt sync, run after the migration and before the export (so
// the facts it records are exported by the same sync). name is the --dataset given (then
// remembered in git config under kDatasetConfig), or nullopt for the remembered one; returns
// nullopt when there is neither. Needs a dolt-annex repository directory as the database choice:
// fails with one line naming the server otherwise. For each repository, first what dolt-annex
// changed on its branch since our last write there becomes location facts, then the branch is
// brought in line with the location tables, in one Dolt commit per branch. Values that fail
// core/annex_values.h's check (a repository UUID that is no UUID, or is not in lower case as
// dolt-annex needs; a key that Key::parse refuses, going into a branch; a key dolt-annex wrote
// that is no key, coming back) are left out, counted in refused and reported to refused_sink.
Result<std::optional<DatasetSummary>> sync_dataset(
    const git::Repository& repository, std::string_view annex_uuid, OpenDatabase& open,
    const std::optional<std::string>& name, const core::annex_values::RefusalSink& refused_sink);

}  // namespace gad::compat::sync
