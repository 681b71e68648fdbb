// What a complete migrate run of a git-annex repository read (migration_sources) and when it
// finished (migrations): read by the next run to skip unchanged sources, and by sync. The SQL
// against migration_sources and migrations is here.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/failure.h"
#include "core/sql/connection.h"

namespace gad::core::location {

// The sources (name -> git object id) annex_uuid's last complete run read.
Result<std::map<std::string, std::string>> read_migration_sources(sql::Connection& connection,
                                                                  std::string_view annex_uuid);

// In one transaction: replaces annex_uuid's sources by sources and logs a run of branch_commit
// finished at finished (a decimal timestamp) that read logs_read logs. Rolls back on failure.
Result<void> record_migration(sql::Connection& connection, std::string_view annex_uuid,
                              const std::vector<std::pair<std::string, std::string>>& sources,
                              std::string_view branch_commit, std::string_view finished,
                              std::int64_t logs_read);

}  // namespace gad::core::location
