// Merging a dolt-annex dataset branch (<uuid>-NAME) that a Dolt remote changed too: rows both
// sides changed are settled by the newest-wins rule, as location rows are, never by taking one
// side wholesale. Dataset rows carry no timestamps of their own, so a side's time for a row is
// the date of the newest commit in that side's history that changed the row.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/failure.h"
#include "core/sql/connection.h"

namespace gad::core::location {

// Merges `from` (a branch or remote-tracking branch) into the branch `on` is connected to (the
// revision database DATABASE/BRANCH of `database`) in one transaction, and commits with message.
// Each conflicting row takes the side that changed it last (a tie keeps ours; a side that deleted
// it wins as a deletion). Returns the rows resolved. Fails, rolling back, on a schema conflict or
// a table or column name that is not a plain identifier.
Result<std::size_t> merge_dataset_branch(sql::Connection& on, std::string_view database,
                                         std::string_view from, std::string_view message);

}  // namespace gad::core::location
