#include "core/dolt/written_mark.h"

#include <fmt/format.h>

#include <algorithm>

namespace gad::core::dolt {

bool is_dolt_hash(std::string_view text) {
    return text.size() == 32 && std::ranges::all_of(text, [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'v');
           });
}

std::string written_tag(std::string_view branch) {
    return fmt::format("git-annex-dolt/written/{}", branch);
}

Result<void> mark_written(sql::Connection& connection, std::string_view branch,
                          std::string_view commit) {
    if (!is_dolt_hash(commit)) {
        return fail("cannot mark '{}' as written on branch {}: not a Dolt commit hash", commit,
                    branch);
    }
    const std::string tag = written_tag(branch);
    auto present = written_commit(connection, branch);
    if (!present) return std::unexpected(present.error());
    if (*present == commit) return {};
    if (*present) {
        if (auto deleted = connection.query("CALL DOLT_TAG('-d', ?)", {std::string_view(tag)});
            !deleted) {
            return std::unexpected(deleted.error());
        }
    }
    auto made = connection.query("CALL DOLT_TAG(?, ?)", {std::string_view(tag), commit});
    if (!made) {
        return fail("cannot tag commit {} as {}: {}", commit, tag, made.error().message);
    }
    return {};
}

Result<std::optional<std::string>> written_commit(sql::Connection& connection,
                                                  std::string_view branch) {
    const std::string tag = written_tag(branch);
    auto rows = connection.query("SELECT tag_hash FROM dolt_tags WHERE tag_name = ?",
                                 {std::string_view(tag)});
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty() || rows->front().empty()) return std::nullopt;
    const auto& hash = rows->front()[0];
    if (!hash || !is_dolt_hash(*hash)) {
        return fail("Dolt tag {} names '{}', not a commit hash", tag, hash.value_or("NULL"));
    }
    return *hash;
}

}  // namespace gad::core::dolt
