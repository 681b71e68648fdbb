// git-annex-dolt sync's step for migrated keys (git annex migrate): a store of
// git-annex-remote-dolt that holds a key's old object serves the new key from it, so the new key
// is recorded present there, dated by the migration, for the export to tell git-annex.
#pragma once

#include <cstdint>

#include "core/failure.h"
#include "core/location/location_store.h"

namespace gad::compat::sync {

// Records every migrated key present in each store of ours holding its old key (never over a
// newer fact), and on Dolt commits that. Returns how many location rows were written: facts
// older than an earlier export's watermark, so the export after it must compare everything.
core::Result<std::uint64_t> record_migrated_locations(core::location::LocationStore& store);

}  // namespace gad::compat::sync
