#include "compat/sync/migrated_locations.h"

#include <fmt/format.h>

#include "core/location/key_migrations.h"

namespace gad::compat::sync {

core::Result<std::uint64_t> record_migrated_locations(core::location::LocationStore& store) {
    auto written = core::location::record_migrated_locations(store.connection());
    if (!written) return std::unexpected(written.error());
    if (*written == 0) return 0;
    auto committed = store.dolt_commit(fmt::format(
        "git-annex-dolt sync: migrated keys present where their old keys are ({} rows)", *written));
    if (!committed) return std::unexpected(committed.error());
    return *written;
}

}  // namespace gad::compat::sync
