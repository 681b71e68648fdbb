// How git-annex-dolt reports what a command did: each command's summary is made once as a JSON
// object and as lines of text, and print_summary writes the one --json chose.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compat/migrate/content_import.h"
#include "compat/migrate/migration.h"
#include "compat/migrate/rekey_store.h"
#include "compat/sync/branch_export.h"
#include "core/location/peer_merge.h"
#include "core/location/remote_history.h"

namespace gad::compat::cli {

struct Summary {
    std::string json;  // one JSON object, no newline
    std::string text;  // lines of text, each with its newline
};

// Writes summary's JSON object and a newline when json is set, else its text, to stdout.
void print_summary(const Summary& summary, bool json);

// A migration into the database described as into, with the --content import and the
// --rekey-store step if they ran.
Summary migrate_summary(const migrate::MigrationSummary& migrated, std::string_view into,
                        const std::optional<migrate::ContentSummary>& content,
                        const std::optional<migrate::RekeySummary>& rekeyed = std::nullopt);

// sync --with: the merge of the database described as there into ours (in) and of ours into it
// (out).
Summary merge_summary(const core::location::PeerMergeSummary& in,
                      const core::location::PeerMergeSummary& out, std::string_view there);

// sync with Dolt remotes: what the pull took from them and the push gave them.
Summary remotes_summary(const core::location::RemoteSyncSummary& pulled,
                        const core::location::RemoteSyncSummary& pushed);

// sync: the migration, the merges with other databases, the exchange with Dolt remotes (if
// any), the dataset step (if one ran), the migrated keys found present and the export to the
// branch.
Summary sync_summary(const migrate::MigrationSummary& migrated, const std::vector<Summary>& merges,
                     const std::optional<Summary>& remotes, const std::optional<Summary>& dataset,
                     std::size_t migrated_keys_present, const sync::ExportSummary& exported);

}  // namespace gad::compat::cli
