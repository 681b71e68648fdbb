// migrate --rekey-store: the objects of migrated keys (git annex migrate) made real in a
// dolt-annex filestore of ours. Where the filestore holds an older key's object that stands in
// for a newer key (core/location/key_migrations), the newer key gets an object of its own, a hard
// link to the older one (a verified copy across filesystems), so that tools knowing only the new
// backend (dolt-annex knows only SHA256E) find it; the older object stays for the clones that
// still count on it.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/dolt/annex_repository.h"
#include "core/failure.h"
#include "core/location/location_store.h"

namespace gad::compat::migrate {

using core::Result;

struct RekeySummary {
    std::size_t linked = 0;             // new keys given an object (linked or copied)
    std::size_t already = 0;            // new keys whose object was there already
    std::size_t failed = 0;             // old objects that do not match the new key, or unreadable
    std::vector<std::string> problems;  // the first few failures, named
};

// For every key that an older key's object stands in for in target's filestore (by the
// key_migrations table in store, and the filestore), stores that object under the key, verified
// against the key first (written to a temporary name, then renamed: no partial object is ever
// seen), and records the key present in target dated by its migration (newest-wins, so a later
// fact stays). A mismatch is a problem naming both keys, and that key is left as it was. Running
// it again changes nothing; it only does what earlier runs left to do.
Result<RekeySummary> rekey_store(const core::dolt::AnnexRepository& target,
                                 core::location::LocationStore& store,
                                 const std::function<void(const RekeySummary&)>& progress);

}  // namespace gad::compat::migrate
