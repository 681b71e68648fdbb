// The last-writer-wins tables of the location schema (schema.cpp creates them), named once for
// every program that writes them: the remote, migrate and sync.
#pragma once

#include <string_view>

#include "core/location/lww_table.h"

namespace gad::core::location::tables {

inline constexpr std::string_view kKeyUuid[] = {"annex_key", "uuid"};
inline constexpr std::string_view kStatus[] = {"status"};
inline constexpr std::string_view kUuid[] = {"uuid"};
inline constexpr std::string_view kName[] = {"name"};
inline constexpr std::string_view kValue[] = {"value"};

// Location logs: (annex_key, uuid) -> status '1', '0' or 'X'.
inline constexpr LwwTable kLocations{"locations", kKeyUuid, kStatus};

// URL logs: (annex_key, url) -> status.
inline constexpr std::string_view kKeyUrl[] = {"annex_key", "url"};
inline constexpr LwwTable kUrls{"urls", kKeyUrl, kStatus};

// Metadata logs: (annex_key, field, value) -> status '1' set, '0' unset.
inline constexpr std::string_view kKeyFieldValue[] = {"annex_key", "field", "value"};
inline constexpr LwwTable kMetadata{"metadata", kKeyFieldValue, kStatus};

// Chunk logs: (annex_key, uuid, chunk_size) -> chunk_count.
inline constexpr std::string_view kKeyUuidChunkSize[] = {"annex_key", "uuid", "chunk_size"};
inline constexpr std::string_view kChunkCount[] = {"chunk_count"};
inline constexpr LwwTable kChunks{"chunks", kKeyUuidChunkSize, kChunkCount};

// Remote state logs: (annex_key, uuid) -> state.
inline constexpr std::string_view kState[] = {"state"};
inline constexpr LwwTable kRemoteState{"remote_state", kKeyUuid, kState};

// Settings not tied to one repository: name -> value.
inline constexpr LwwTable kAnnexSettings{"annex_settings", kName, kValue};

// One setting of a repository, each with its own timestamp column.
inline constexpr std::string_view kDescription[] = {"description"};
inline constexpr std::string_view kTrust[] = {"trust"};
inline constexpr std::string_view kGroups[] = {"groups_list"};
inline constexpr std::string_view kRemoteConfig[] = {"remote_config"};
inline constexpr std::string_view kPreferred[] = {"preferred_content"};
inline constexpr std::string_view kRequired[] = {"required_content"};
inline constexpr LwwTable kRepositoryDescription{"repositories", kUuid, kDescription,
                                                 "description_ts"};
inline constexpr LwwTable kRepositoryTrust{"repositories", kUuid, kTrust, "trust_ts"};
inline constexpr LwwTable kRepositoryGroups{"repositories", kUuid, kGroups, "groups_list_ts"};
inline constexpr LwwTable kRepositoryRemoteConfig{"repositories", kUuid, kRemoteConfig,
                                                  "remote_config_ts"};
inline constexpr LwwTable kRepositoryPreferred{"repositories", kUuid, kPreferred,
                                               "preferred_content_ts"};
inline constexpr LwwTable kRepositoryRequired{"repositories", kUuid, kRequired,
                                              "required_content_ts"};

}  // namespace gad::core::location::tables
