// The tables of the location schema (schema.cpp creates them), named once for every program that
// writes them: the remote, migrate and sync. Every one is named gad_*, so that they never collide
// with dolt-annex's own tables (its template has a `metadata`) or a user's in the same database.
#pragma once

#include <string_view>

#include "core/location/lww_table.h"

namespace gad::core::location::tables {

// Every table of ours, in the order schema.cpp creates them. A Dolt commit of ours stages these
// and nothing else (location_store.cpp).
inline constexpr std::string_view kAllTables[] = {
    "gad_meta",
    "gad_repositories",
    "gad_locations",
    "gad_annex_settings",
    "gad_urls",
    "gad_metadata",
    "gad_chunks",
    "gad_remote_state",
    "gad_annexed_files",
    "gad_migration_sources",
    "gad_migrations",
    "gad_sync_state",
    "gad_peer_merges",
    "gad_key_migrations",
    "gad_content_identifiers",
    "gad_remote_metadata",
    "gad_exports",
};

inline constexpr std::string_view kKeyUuid[] = {"annex_key", "uuid"};
inline constexpr std::string_view kStatus[] = {"status"};
inline constexpr std::string_view kUuid[] = {"uuid"};
inline constexpr std::string_view kName[] = {"name"};
inline constexpr std::string_view kValue[] = {"value"};

// Location logs: (annex_key, uuid) -> status '1', '0' or 'X'.
inline constexpr LwwTable kLocations{"gad_locations", kKeyUuid, kStatus};

// URL logs: (annex_key, url) -> status.
inline constexpr std::string_view kKeyUrl[] = {"annex_key", "url"};
inline constexpr LwwTable kUrls{"gad_urls", kKeyUrl, kStatus};

// Metadata logs: (annex_key, field, value) -> status '1' set, '0' unset.
inline constexpr std::string_view kKeyFieldValue[] = {"annex_key", "field", "value"};
inline constexpr LwwTable kMetadata{"gad_metadata", kKeyFieldValue, kStatus};

// Chunk logs: (annex_key, uuid, chunk_size) -> chunk_count.
inline constexpr std::string_view kKeyUuidChunkSize[] = {"annex_key", "uuid", "chunk_size"};
inline constexpr std::string_view kChunkCount[] = {"chunk_count"};
inline constexpr LwwTable kChunks{"gad_chunks", kKeyUuidChunkSize, kChunkCount};

// Remote state logs: (annex_key, uuid) -> state.
inline constexpr std::string_view kState[] = {"state"};
inline constexpr LwwTable kRemoteState{"gad_remote_state", kKeyUuid, kState};

// Content identifier logs (KEY.log.cid, import remotes): (annex_key, uuid) -> the repository's
// content identifiers for the key, as git-annex wrote them (':'-separated, '!' base64-encoded).
inline constexpr std::string_view kContentIds[] = {"content_ids"};
inline constexpr LwwTable kContentIdentifiers{"gad_content_identifiers", kKeyUuid, kContentIds};

// Remote metadata logs (KEY.log.rmet, special remotes' per-key metadata, compute remotes' among
// them): (annex_key, "UUID:field", value) -> status, as gad_metadata.
inline constexpr LwwTable kRemoteMetadata{"gad_remote_metadata", kKeyFieldValue, kStatus};

// export.log: (from UUID, to UUID) -> the exported tree's sha, then any incomplete exports'.
inline constexpr std::string_view kExportParticipants[] = {"from_uuid", "to_uuid"};
inline constexpr std::string_view kExportedTrees[] = {"trees"};
inline constexpr LwwTable kExports{"gad_exports", kExportParticipants, kExportedTrees};

// Settings not tied to one repository: name -> value.
inline constexpr LwwTable kAnnexSettings{"gad_annex_settings", kName, kValue};

// One setting of a repository, each with its own timestamp column.
inline constexpr std::string_view kDescription[] = {"description"};
inline constexpr std::string_view kTrust[] = {"trust"};
inline constexpr std::string_view kGroups[] = {"groups_list"};
inline constexpr std::string_view kRemoteConfig[] = {"remote_config"};
inline constexpr std::string_view kPreferred[] = {"preferred_content"};
inline constexpr std::string_view kRequired[] = {"required_content"};
inline constexpr std::string_view kClusterNodes[] = {"cluster_nodes"};
inline constexpr std::string_view kProxiedRemotes[] = {"proxied_remotes"};
inline constexpr std::string_view kMaxSize[] = {"max_size"};
inline constexpr LwwTable kRepositoryDescription{"gad_repositories", kUuid, kDescription,
                                                 "description_ts"};
inline constexpr LwwTable kRepositoryTrust{"gad_repositories", kUuid, kTrust, "trust_ts"};
inline constexpr LwwTable kRepositoryGroups{"gad_repositories", kUuid, kGroups, "groups_list_ts"};
inline constexpr LwwTable kRepositoryRemoteConfig{"gad_repositories", kUuid, kRemoteConfig,
                                                  "remote_config_ts"};
inline constexpr LwwTable kRepositoryPreferred{"gad_repositories", kUuid, kPreferred,
                                               "preferred_content_ts"};
inline constexpr LwwTable kRepositoryRequired{"gad_repositories", kUuid, kRequired,
                                              "required_content_ts"};
// cluster.log: a cluster's node UUIDs, space separated ("" once it has none), by cluster UUID.
inline constexpr LwwTable kRepositoryClusterNodes{"gad_repositories", kUuid, kClusterNodes,
                                                  "cluster_nodes_ts"};
// proxy.log: the remotes a repository proxies ("UUID:NAME" words), by the proxy's UUID.
inline constexpr LwwTable kRepositoryProxiedRemotes{"gad_repositories", kUuid, kProxiedRemotes,
                                                    "proxied_remotes_ts"};
// maxsize.log: a repository's maximum size in bytes, as git-annex wrote it.
inline constexpr LwwTable kRepositoryMaxSize{"gad_repositories", kUuid, kMaxSize, "max_size_ts"};

// Every table of git-annex's logs, in the order of compat/log_kinds.cpp (a unit test holds the
// two equal): peer merge merges these, the LwwTables of one table name as one row.
inline constexpr const LwwTable* kLwwTables[] = {
    &kLocations,
    &kUrls,
    &kMetadata,
    &kChunks,
    &kRemoteState,
    &kContentIdentifiers,
    &kRemoteMetadata,
    &kAnnexSettings,
    &kRepositoryDescription,
    &kRepositoryTrust,
    &kRepositoryGroups,
    &kRepositoryRemoteConfig,
    &kRepositoryPreferred,
    &kRepositoryRequired,
    &kRepositoryClusterNodes,
    &kRepositoryProxiedRemotes,
    &kRepositoryMaxSize,
    &kExports,
};

}  // namespace gad::core::location::tables
