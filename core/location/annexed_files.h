// The annexed_files table (a repository's work-tree files and their keys, as migrate records
// them): reads for find, whereis and info, and the statements migrate writes it with. The SQL
// against annexed_files is here.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/failure.h"
#include "core/sql/connection.h"

namespace gad::core::location {

// Called for each (path, key) of a stream; a failure stops the stream and is returned.
using FileVisitor = std::function<Result<void>(std::string_view path, std::string_view key)>;

// How many files annex_uuid's work tree has.
Result<std::uint64_t> count_annexed_files(sql::Connection& connection, std::string_view annex_uuid);

// Streams annex_uuid's files under the directory under ("" for all; paths from the tree's root,
// under itself left out) as (path, key), in git's path order; in bounded memory.
Result<void> for_each_annexed_file(sql::Connection& connection, std::string_view annex_uuid,
                                   std::string_view under, const FileVisitor& visit);

// annex_uuid's file at path, or every file under the directory path ("" for all), as (path, key)
// ordered by path.
Result<std::vector<std::pair<std::string, std::string>>> annexed_files_at(
    sql::Connection& connection, std::string_view annex_uuid, std::string_view path);

// Deletes every file row of annex_uuid.
Result<void> clear_annexed_files(sql::Connection& connection, std::string_view annex_uuid);

// The table of annexed files, and the columns a migrate row of it has, in order (for bulk loads).
inline constexpr std::string_view kAnnexedFilesTable = "gad_annexed_files";
inline constexpr std::string_view kAnnexedFileColumns = "annex_uuid, path, annex_key";

// An upsert of rows (annex_uuid, path, annex_key) rows, each placeholders in that order; a file
// row already there takes the new key.
std::string annexed_files_upsert_sql(std::size_t rows);

// A delete of one file row, placeholders (annex_uuid, path).
std::string annexed_file_delete_sql();

}  // namespace gad::core::location
