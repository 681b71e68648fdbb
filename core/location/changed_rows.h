// Streaming the rows of a presence or metadata table changed after a watermark, in key order,
// for the export to the git-annex branch. The SQL against locations, urls and metadata for it
// is here.
#pragma once

#include <string_view>

#include "core/failure.h"
#include "core/sql/connection.h"

namespace gad::core::location {

// Which table, and so which columns a streamed row has:
//   locations: annex_key, uuid, status, ts
//   urls:      annex_key, url, status, ts
//   metadata:  annex_key, field, value, status, ts
enum class ChangedTable { locations, urls, metadata };

// The table's name, for messages.
std::string_view table_name(ChangedTable table);

// Streams table's rows with ts newer than watermark (a decimal timestamp; "-1": every row)
// ordered by annex_key; newer rows are found through the table's ts index, all of them in
// primary key order with no sort. With since_commit (a Dolt commit's hash; Dolt only), also the
// rows that differ between that commit and the working set whatever their ts (a merge's, a
// migration's), each row once. visit must not use the connection.
Result<void> for_each_changed_row(sql::Connection& connection, ChangedTable table,
                                  std::string_view watermark, std::string_view since_commit,
                                  const sql::RowVisitor& visit);

// Whether commit is a commit of this Dolt database, whose differences since_commit can read;
// false on other servers and for anything that is not a commit hash.
bool holds_commit(sql::Connection& connection, std::string_view commit);

}  // namespace gad::core::location
