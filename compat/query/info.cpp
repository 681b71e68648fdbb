#include "compat/query/info.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string>

#include "compat/query/find.h"
#include "core/dolt/annex_repository.h"
#include "core/location/annexed_files.h"
#include "core/location/key_reads.h"

namespace gad::compat::query {

namespace {

using core::dolt::json_string;

std::string_view trust_name(Trust trust) {
    switch (trust) {
        case Trust::trusted:
            return "trusted";
        case Trust::untrusted:
            return "untrusted";
        case Trust::dead:
            return "dead";
        case Trust::semitrusted:
            break;
    }
    return "semitrusted";
}

std::string decimal(unsigned __int128 value) {
    std::string digits;
    do {
        digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(value % 10)));
        value /= 10;
    } while (value != 0);
    return digits;
}

}  // namespace

Result<AnnexInfo> gather_info(core::sql::Connection& connection, const RepositoryNames& names,
                              std::string_view annex_uuid) {
    std::map<std::string, RepositoryInfo, std::less<>> by_uuid;
    auto entry = [&](std::string_view uuid) -> RepositoryInfo& {
        auto found = by_uuid.find(uuid);
        if (found == by_uuid.end()) {
            RepositoryInfo info;
            info.repository = names.describe(uuid);
            info.here = uuid == names.here();
            found = by_uuid.emplace(std::string(uuid), std::move(info)).first;
        }
        return found->second;
    };
    for (const auto& [uuid, known] : names.all()) entry(uuid);

    AnnexInfo info;
    // One key's rows arrive together (primary key order); its size is parsed once.
    std::string key;
    bool live = false;
    std::optional<std::optional<std::uint64_t>> size;
    auto streamed =
        core::location::for_each_location(connection,
                                          [&](std::string_view row_key, std::string_view uuid,
                                              std::string_view status) -> Result<void> {
                                              if (row_key != key) {
                                                  if (live) ++info.keys;
                                                  key = row_key;
                                                  live = false;
                                                  size.reset();
                                              }
                                              live = live || status != "X";
                                              if (status != "1") return {};
                                              if (!size) size = key_size(key);
                                              RepositoryInfo& repository = entry(uuid);
                                              ++repository.keys;
                                              if (*size) {
                                                  repository.size += **size;
                                              } else {
                                                  ++repository.unknown_size_keys;
                                              }
                                              return {};
                                          });
    if (!streamed) return std::unexpected(streamed.error());
    if (live) ++info.keys;

    auto files = core::location::count_annexed_files(connection, annex_uuid);
    if (!files) return std::unexpected(files.error());
    info.annexed_files = *files;

    for (auto& [uuid, repository] : by_uuid) info.repositories.push_back(std::move(repository));
    return info;
}

void print_info(const AnnexInfo& info, bool json, std::ostream& out) {
    if (json) {
        std::string list;
        for (const RepositoryInfo& r : info.repositories) {
            if (!list.empty()) list += ",";
            list += fmt::format(R"({{"description":{},"here":{},"keys":{},"size":{},"trust":"{}",)"
                                R"("unknown_size_keys":{},"uuid":{}}})",
                                json_string(r.repository.description), r.here ? "true" : "false",
                                r.keys, decimal(r.size), trust_name(r.repository.trust),
                                r.unknown_size_keys, json_string(r.repository.uuid));
        }
        out << fmt::format(R"({{"annexed_files":{},"keys":{},"repositories":[{}]}})",
                           info.annexed_files, info.keys, list)
            << '\n';
        return;
    }
    // Columns: uuid, trust, keys, size, keys of unknown size, description (last: free text).
    std::vector<std::array<std::string, 6>> rows{
        {"repository", "trust", "keys", "size", "unknown size", "description"}};
    for (const RepositoryInfo& r : info.repositories) {
        std::string description = r.repository.description;
        if (r.here) description = description.empty() ? "here" : description + " [here]";
        rows.push_back({r.repository.uuid, std::string(trust_name(r.repository.trust)),
                        std::to_string(r.keys), human_size(r.size),
                        std::to_string(r.unknown_size_keys), description});
    }
    std::array<std::size_t, 6> width{};
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
    }
    for (const auto& row : rows) {
        // Numbers right-aligned, text left-aligned, two spaces apart; no trailing blanks.
        std::string line =
            fmt::format("{:<{}}  {:<{}}  {:>{}}  {:>{}}  {:>{}}  {}", row[0], width[0], row[1],
                        width[1], row[2], width[2], row[3], width[3], row[4], width[4], row[5]);
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out << line << '\n';
    }
    out << fmt::format("keys: {}\nannexed files: {}\n", info.keys, info.annexed_files);
}

}  // namespace gad::compat::query
