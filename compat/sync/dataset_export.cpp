#include "compat/sync/dataset_export.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "compat/sync/dataset_sync.h"
#include "core/file_reads.h"

namespace gad::compat::sync {

namespace dataset {

Result<DatasetSummary> DatasetSync::run() {
    if (!main_.is_dolt()) {
        return fail("sync --dataset: the location database of {} is not Dolt", root_.string());
    }
    auto db = single_value(main_, "SELECT DATABASE()");
    if (!db) return std::unexpected(db.error());
    auto branch = single_value(main_, "SELECT active_branch()");
    if (!branch) return std::unexpected(branch.error());
    if (!*db || !*branch) return fail("sync --dataset: no current Dolt database and branch");
    db_ = **db;
    main_branch_ = **branch;
    if (name_ == main_branch_) {
        return fail(
            "sync --dataset {}: that is the branch of the location tables; choose "
            "another name",
            name_);
    }
    // A definition of another dataset under this name stops us before anything is written.
    auto missing = definition_missing();
    if (!missing) return std::unexpected(missing.error());
    if (auto done = ensure_empty_table(); !done) return std::unexpected(done.error());
    if (*missing) {
        if (auto written = core::dolt::write_file_atomically(summary_.definition, definition());
            !written) {
            return std::unexpected(written.error());
        }
    }

    auto repositories = repository_uuids();
    if (!repositories) return std::unexpected(repositories.error());
    for (const std::string& uuid : *repositories) {
        if (auto done = sync_repository(uuid); !done) {
            return fail("sync --dataset {}: branch {}: {}", name_, branch_of(uuid),
                        done.error().message);
        }
    }
    if (auto done = write_repo_files(); !done) return std::unexpected(done.error());
    summary_.refused = gate_.refused();
    return summary_;
}

Result<Connection> DatasetSync::connect_to(std::string_view branch) {
    auto connection = database_.open_connection();
    if (!connection) return std::unexpected(connection.error());
    if (auto used = connection->execute("USE " + revision(branch)); !used) {
        return std::unexpected(used.error());
    }
    // Commit dates are UTC; UNIX_TIMESTAMP reads them in the session's zone.
    if (auto set = connection->execute("SET time_zone = '+00:00'"); !set) {
        return std::unexpected(set.error());
    }
    return std::move(*connection);
}

Result<std::set<std::string>> DatasetSync::branches() {
    std::set<std::string> names;
    auto rows = main_.query("SELECT name FROM dolt_branches");
    if (!rows) return std::unexpected(rows.error());
    for (const Row& row : *rows) {
        if (row[0]) names.insert(*row[0]);
    }
    return names;
}

std::string DatasetSync::definition() const {
    return fmt::format(
        "{{\n"
        "    \"name\": \"{0}\",\n"
        "    \"tables\": [\n"
        "        {{\n"
        "            \"name\": \"{0}\",\n"
        "            \"file_column\": \"annex_key\",\n"
        "            \"key_columns\": [\"path\"]\n"
        "        }}\n"
        "    ],\n"
        "    \"empty_table_ref\": \"{0}\"\n"
        "}}\n",
        name_);
}

Result<bool> DatasetSync::definition_missing() const {
    const fs::path path = summary_.definition;
    auto text = core::read_small_file(path, "dataset definition");
    if (!text) return std::unexpected(text.error());
    if (!*text) return true;
    auto squeezed = [](std::string s) {
        std::erase_if(s, [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; });
        return s;
    };
    if (squeezed(std::move(**text)) != squeezed(definition())) {
        return fail(
            "sync --dataset {}: {} exists and defines another dataset than "
            "git-annex-dolt writes (a table {}(path, annex_key) on branch {}); "
            "choose another name",
            name_, path.string(), name_, name_);
    }
    return false;
}

Result<std::vector<std::string>> DatasetSync::repository_uuids() {
    std::set<std::string> uuids;
    auto streamed = main_.for_each("SELECT DISTINCT uuid FROM gad_locations WHERE status = ?",
                                   {std::string_view("1")}, [&](const Row& row) -> Result<void> {
                                       if (row[0] && dolt_annex_uuid(*row[0])) {
                                           uuids.insert(*row[0]);
                                       }
                                       return {};
                                   });
    if (!streamed) return std::unexpected(streamed.error());
    auto names = branches();
    if (!names) return std::unexpected(names.error());
    branches_ = std::move(*names);
    const std::string suffix = "-" + name_;
    for (const std::string& branch : branches_) {
        // union-* branches are dolt-annex's own; they never parse as <uuid>-NAME.
        if (branch.size() == 36 + suffix.size() && branch.ends_with(suffix) &&
            core::dolt::is_uuid(std::string_view(branch).substr(0, 36))) {
            uuids.insert(branch.substr(0, 36));
        }
    }
    return std::vector<std::string>(uuids.begin(), uuids.end());
}

bool DatasetSync::dolt_annex_uuid(std::string_view uuid) {
    auto where = [] { return "table gad_locations, for a dataset branch"; };
    if (!gate_.admit(core::annex_values::Kind::uuid, uuid, where)) return false;
    if (core::dolt::is_uuid(uuid)) return true;
    gate_.refuse({core::annex_values::Kind::uuid, std::string(uuid),
                  "not in lower case, as dolt-annex names its branches", where()});
    return false;
}

}  // namespace dataset

using core::fail;
using dataset::kMaxNameLength;

Result<void> check_dataset_name(std::string_view name) {
    const bool ok = !name.empty() && name.size() <= kMaxNameLength &&
                    ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z')) &&
                    std::ranges::all_of(name, [](char c) {
                        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                               (c >= '0' && c <= '9') || c == '_';
                    });
    std::string lower(name);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!ok || lower.starts_with("dolt_")) {
        return fail(
            "bad dataset name '{}': use ASCII letters, digits and '_', starting with a "
            "letter, at most {} characters, not starting with dolt_ (dolt-annex uses it "
            "unquoted as an SQL table name, and in file and branch names)",
            name, kMaxNameLength);
    }
    return {};
}

std::string DatasetSummary::json() const {
    return fmt::format(
        R"({{"name":"{}","definition":{},"branches":{},"created":{},"rows_added":{},)"
        R"("rows_removed":{},"present_facts":{},"missing_facts":{},"bad_keys":{},"repo_files":{},)"
        R"("left_out":{},"refused":{}}})",
        name, core::dolt::json_string(definition), branches, created, rows_added, rows_removed,
        present_facts, missing_facts, bad_keys, repo_files, left_out, refused);
}

std::string DatasetSummary::text() const {
    return fmt::format(
        "sync --dataset {}: {} repository branches ({} new), {} rows written, {} removed; {} rows "
        "dolt-annex added and {} it removed recorded as locations; {} repos/*.repo written{}{}\n",
        name, branches, created, rows_added, rows_removed, present_facts, missing_facts, repo_files,
        left_out == 0
            ? std::string()
            : fmt::format("; {} files left out (not SHA256E keys or not UTF-8 paths)", left_out),
        refused == 0 ? std::string()
                     : fmt::format("; {} values refused (named on stderr)", refused));
}

Result<std::optional<DatasetSummary>> sync_dataset(
    const git::Repository& repository, std::string_view annex_uuid, OpenDatabase& open,
    const std::optional<std::string>& name, const core::annex_values::RefusalSink& refused_sink) {
    std::optional<std::string> chosen = name;
    if (!chosen) {
        auto remembered = repository.config(kDatasetConfig);
        if (!remembered) return std::unexpected(remembered.error());
        if (!*remembered) return std::nullopt;
        chosen = **remembered;
    }
    if (auto checked = check_dataset_name(*chosen); !checked) {
        if (name) return std::unexpected(checked.error());
        return fail("git config {}: {}", kDatasetConfig, checked.error().message);
    }
    if (!open.repository) {
        return fail(
            "sync --dataset {}: a dataset lives in a dolt-annex repository directory "
            "(git-annex-dolt migrate --to PATH), and the location database of this "
            "repository is the server {}{}",
            *chosen, open.database.description,
            name ? "" : fmt::format(" (git config --unset {} stops this)", kDatasetConfig));
    }
    dataset::DatasetSync sync(*open.repository, open.database, *chosen, std::string(annex_uuid),
                              refused_sink);
    auto summary = sync.run();
    if (!summary) return std::unexpected(summary.error());
    if (name) {
        if (auto remembered = repository.set_config(kDatasetConfig, *name); !remembered) {
            return std::unexpected(remembered.error());
        }
    }
    return std::move(*summary);
}

}  // namespace gad::compat::sync
