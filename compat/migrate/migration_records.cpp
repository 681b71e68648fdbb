#include "compat/migrate/migration_records.h"

#include <fmt/format.h>

#include <map>

#include "core/digest.h"
#include "core/key.h"
#include "core/location/key_migrations.h"
#include "core/location/sync_state.h"

namespace gad::compat::migrate {

namespace {

using core::location::KeyMigration;

constexpr std::string_view kStatePrefix = "key_migrations:";
constexpr std::size_t kMaxStateName = 64;  // sync_state.name's width
constexpr std::size_t kMaxProblems = 5;

// The sync_state name under which where ref stood is kept: the ref itself when it fits, else
// a digest of it.
std::string state_name(std::string_view ref) {
    std::string name = fmt::format("{}{}", kStatePrefix, ref);
    if (name.size() <= kMaxStateName) return name;
    auto digest = core::Digest::for_backend("SHA256");
    digest->update(ref);
    return fmt::format("{}#{}", kStatePrefix, digest->hex().substr(0, 40));
}

// Reads one commit's migrate.tree into migrations.
class RecordReader {
  public:
    RecordReader(const git::Repository& repository, MigrationRecordsSummary& summary,
                 std::vector<KeyMigration>& out)
        : repository_(repository), summary_(summary), out_(out) {}

    Result<void> commit(const git::CommitInfo& info) {
        ++summary_.commits;
        auto root = repository_.tree_of(info.tree);
        if (!root) return std::unexpected(root.error());
        auto migrate_tree = repository_.tree_at(*root, "migrate.tree");
        if (!migrate_tree) return std::unexpected(migrate_tree.error());
        if (!*migrate_tree) return {};
        auto tree = repository_.tree_of(**migrate_tree);
        if (!tree) return std::unexpected(tree.error());
        std::map<std::string, git::Oid> old_files, new_files;
        auto listed = repository_.walk(*tree, [&](const git::TreeFile& file) -> Result<void> {
            if (file.path.starts_with("old/")) old_files.emplace(file.path.substr(4), file.blob);
            if (file.path.starts_with("new/")) new_files.emplace(file.path.substr(4), file.blob);
            return {};
        });
        if (!listed) return listed;
        const core::Timestamp when{info.time, 0};
        for (const auto& [name, old_blob] : old_files) {
            auto partner = new_files.find(name);
            if (partner == new_files.end()) {
                refuse(info, fmt::format("old/{} has no new/{}", name, name));
                continue;
            }
            if (auto paired = pair(info, name, old_blob, partner->second, when); !paired) {
                return paired;
            }
        }
        for (const auto& [name, blob] : new_files) {
            if (!old_files.contains(name)) refuse(info, fmt::format("new/{} has no old/", name));
        }
        return {};
    }

  private:
    Result<void> pair(const git::CommitInfo& info, const std::string& name,
                      const git::Oid& old_blob, const git::Oid& new_blob, core::Timestamp when) {
        ++summary_.records;
        std::string old_text, new_text;
        if (auto read = repository_.read_blob(old_blob, old_text); !read) return read;
        if (auto read = repository_.read_blob(new_blob, new_text); !read) return read;
        auto old_key = key_of_record(old_text);
        auto new_key = key_of_record(new_text);
        if (!old_key || !new_key) {
            refuse(info, fmt::format("{} names no key", name));
            return {};
        }
        if (*old_key == *new_key) {
            refuse(info, fmt::format("{} migrates {} to itself", name, *old_key));
            return {};
        }
        auto old_parsed = core::Key::parse(*old_key);
        auto new_parsed = core::Key::parse(*new_key);
        if (old_parsed->size() && new_parsed->size() && old_parsed->size() != new_parsed->size()) {
            refuse(info,
                   fmt::format("{} migrates {} to {} of another size", name, *old_key, *new_key));
            return {};
        }
        out_.push_back(KeyMigration{std::move(*old_key), std::move(*new_key), when});
        return {};
    }

    void refuse(const git::CommitInfo& info, std::string what) {
        ++summary_.refused;
        if (summary_.problems.size() < kMaxProblems) {
            summary_.problems.push_back(
                fmt::format("git-annex branch commit {}: migrate.tree/{}", info.id.hex(), what));
        }
    }

    const git::Repository& repository_;
    MigrationRecordsSummary& summary_;
    std::vector<KeyMigration>& out_;
};

}  // namespace

std::optional<std::string> key_of_record(std::string_view content) {
    while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) {
        content.remove_suffix(1);
    }
    if (const auto slash = content.rfind('/'); slash != std::string_view::npos) {
        content.remove_prefix(slash + 1);
    }
    if (!core::Key::parse(content)) return std::nullopt;
    return std::string(content);
}

Result<MigrationRecordsSummary> read_migration_records(const git::Repository& repository,
                                                       std::string_view annex_uuid,
                                                       core::sql::Connection& connection) {
    MigrationRecordsSummary summary;
    auto state = core::location::read_sync_state(connection, annex_uuid);
    if (!state) return std::unexpected(state.error());
    std::vector<git::Oid> walked;
    for (const auto& [name, value] : *state) {
        if (!name.starts_with(kStatePrefix)) continue;
        if (auto oid = git::Oid::parse(value)) walked.push_back(*oid);
    }
    auto refs = repository.references("refs/remotes/*/git-annex");
    if (!refs) return std::unexpected(refs.error());
    refs->insert(refs->begin(), "refs/heads/git-annex");
    std::vector<std::pair<std::string, git::Oid>> tips;
    for (const std::string& ref : *refs) {
        auto commit = repository.resolve_commit(ref);
        if (!commit) return std::unexpected(commit.error());
        if (*commit) tips.emplace_back(ref, **commit);
    }
    std::vector<git::Oid> tip_ids;
    for (const auto& tip : tips) tip_ids.push_back(tip.second);
    std::vector<KeyMigration> migrations;
    RecordReader reader(repository, summary, migrations);
    auto read = repository.walk_history(
        tip_ids, walked, [&](const git::CommitInfo& info) { return reader.commit(info); });
    if (!read) return std::unexpected(read.error());
    auto added = core::location::record_key_migrations(connection, migrations);
    if (!added) return std::unexpected(added.error());
    summary.added = *added;
    for (const auto& [ref, commit] : tips) {
        if (state->contains(state_name(ref)) && (*state)[state_name(ref)] == commit.hex()) continue;
        auto saved =
            core::location::save_sync_state(connection, annex_uuid, state_name(ref), commit.hex());
        if (!saved) return std::unexpected(saved.error());
    }
    return summary;
}

}  // namespace gad::compat::migrate
