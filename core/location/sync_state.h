// Where the export to the git-annex branch (git-annex-dolt sync) stands for one git-annex
// repository: its sync_state values, and whether other repositories migrated logs since. The SQL
// against sync_state and migrations for it is here.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/failure.h"
#include "core/sql/connection.h"

namespace gad::core::location {

// The sync_state values (name -> value) of annex_uuid.
Result<std::map<std::string, std::string>> read_sync_state(sql::Connection& connection,
                                                           std::string_view annex_uuid);

// Sets annex_uuid's sync_state value name to value (replacing the one it had).
Result<void> save_sync_state(sql::Connection& connection, std::string_view annex_uuid,
                             std::string_view name, std::string_view value);

// How many migrations by repositories other than annex_uuid read git-annex logs and finished
// after finished_after (a decimal timestamp).
Result<std::uint64_t> count_log_migrations_by_others(sql::Connection& connection,
                                                     std::string_view annex_uuid,
                                                     std::string_view finished_after);

}  // namespace gad::core::location
