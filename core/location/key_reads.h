// Reads of the location and URL rows of keys, for the queries (whereis, info, find): by key, or
// streamed over every key in key order. The SQL against locations and urls for them is here.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/failure.h"
#include "core/sql/connection.h"

namespace gad::core::location {

// One location row: which repository (uuid) and its status, '1', '0' or 'X'.
struct LocationRow {
    std::string uuid;
    char status;
};

// Called for each location row of a stream; a failure stops the stream and is returned.
using LocationVisitor = std::function<Result<void>(std::string_view key, std::string_view uuid,
                                                   std::string_view status)>;
// Called for each key (or key and URL) of a stream; a failure stops it and is returned.
using KeyVisitor = std::function<Result<void>(std::string_view key)>;
using KeyUrlVisitor = std::function<Result<void>(std::string_view key, std::string_view url)>;

// The location rows of key, ordered by uuid (rows with an empty status left out).
Result<std::vector<LocationRow>> locations_of_key(sql::Connection& connection,
                                                  std::string_view key);

// The URLs key is present at ('1'), in order.
Result<std::vector<std::string>> present_urls_of_key(sql::Connection& connection,
                                                     std::string_view key);

// Streams every location row ordered by key then uuid, so one key's rows arrive together (rows
// with a NULL column left out); in bounded memory.
Result<void> for_each_location(sql::Connection& connection, const LocationVisitor& visit);

// Streams every present URL as (key, url), ordered by key then url.
Result<void> for_each_present_url(sql::Connection& connection, const KeyUrlVisitor& visit);

// Streams the keys whose location row for uuid says present ('1'), in one index scan.
Result<void> for_each_key_present_in(sql::Connection& connection, std::string_view uuid,
                                     const KeyVisitor& visit);

}  // namespace gad::core::location
