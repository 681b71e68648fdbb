// git-annex-dolt: migrate a git-annex repository's branch into location tables (Dolt or a
// MySQL-compatible server), and answer questions from them. Thin glue over compat/.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compat/database_choice.h"
#include "compat/git/repository.h"
#include "compat/migrate/content_import.h"
#include "compat/migrate/migration.h"
#include "compat/query/find.h"
#include "compat/query/info.h"
#include "compat/query/repository_names.h"
#include "compat/query/whereis.h"
#include "compat/sync/branch_export.h"
#include "compat/sync/dataset_export.h"
#include "compat/sync/migrated_locations.h"
#include "core/dolt/annex_repository.h"
#include "core/dolt/server.h"
#include "core/location/peer_merge.h"
#include "core/log.h"

namespace {

using namespace gad;
using core::Result;

constexpr std::string_view kUsage =
    "usage: git-annex-dolt migrate [--to PATH | --database URL] [--branch REF]\n"
    "                              [--content=copy|hardlink|move] [--json]\n"
    "       git-annex-dolt sync [--full] [--with URL|PATH]... [--dataset NAME] [--json]\n"
    "       git-annex-dolt whereis [--all | --key KEY... | PATH...] [--json]\n"
    "       git-annex-dolt find (--in=REPO | --not-in=REPO)... [--json]\n"
    "       git-annex-dolt info [--json]\n";

int usage_error(std::string_view message) {
    core::log::error(message);
    fmt::print(stderr, "{}", kUsage);
    return 2;
}

int failed(const core::Failure& failure) {
    core::log::error(failure.message);
    return 1;
}

// The repository the current directory is in, and its git-annex UUID.
struct AnnexRepo {
    compat::git::Repository repository;
    std::string uuid;
};
Result<AnnexRepo> open_annex_repository() {
    const auto cwd = std::filesystem::current_path();
    auto repository = compat::git::Repository::discover(cwd);
    if (!repository) return std::unexpected(repository.error());
    auto uuid = repository->config("annex.uuid");
    if (!uuid) return std::unexpected(uuid.error());
    if (!*uuid || (*uuid)->empty()) {
        return core::fail("not a git-annex repository (no annex.uuid in its git config): {}",
                          repository->git_dir().string());
    }
    return AnnexRepo{std::move(*repository), std::move(**uuid)};
}

// Takes "--name VALUE" or "--name=VALUE" from args at i.
std::optional<std::string> option_value(const std::vector<std::string>& args, std::size_t& i,
                                        std::string_view name) {
    const std::string& arg = args[i];
    if (arg == name && i + 1 < args.size()) return args[++i];
    if (arg.starts_with(name) && arg.size() > name.size() && arg[name.size()] == '=') {
        return arg.substr(name.size() + 1);
    }
    return std::nullopt;
}

std::string summary_json(const compat::migrate::MigrationSummary& s,
                         const std::optional<compat::migrate::ContentSummary>& c) {
    std::string content;
    if (c) {
        content =
            fmt::format(R"(,"content_stored":{},"content_already_stored":{},"content_failed":{},)"
                        R"("content_removed":{})",
                        c->stored, c->already_stored, c->failed, c->removed);
    }
    return fmt::format(
        R"({{"branch":"{}","incremental":{},"logs_read":{},"locations":{},"urls":{},)"
        R"("metadata":{},"chunks":{},"remote_states":{},"repositories":{},"settings":{},)"
        R"("files":{},"files_removed":{},"corrupt_lines":{},"unknown_files":{},)"
        R"("key_migrations":{},"key_migrations_refused":{},"dolt_commit":"{}"{}}})",
        s.branch, s.incremental ? "true" : "false", s.logs_read, s.locations, s.urls, s.metadata,
        s.chunks, s.remote_states, s.repositories, s.settings, s.files, s.files_removed,
        s.corrupt_lines, s.unknown_files, s.key_migrations, s.key_migrations_refused, s.dolt_commit,
        content);
}

int migrate_command(const std::vector<std::string>& args) {
    std::optional<std::string> to, database;
    compat::migrate::MigrationOptions options;
    std::optional<compat::migrate::ContentMode> content_mode;
    bool json = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (auto value = option_value(args, i, "--to")) {
            to = value;
        } else if (auto value = option_value(args, i, "--database")) {
            database = value;
        } else if (auto value = option_value(args, i, "--branch")) {
            options.files_ref = *value;
        } else if (auto value = option_value(args, i, "--content")) {
            auto parsed = compat::migrate::parse_content_mode(*value);
            if (!parsed) return usage_error(parsed.error().message);
            content_mode = *parsed;
        } else if (args[i] == "--json") {
            json = true;
        } else {
            return usage_error(fmt::format("migrate: unknown argument '{}'", args[i]));
        }
    }
    auto annex = open_annex_repository();
    if (!annex) return failed(annex.error());
    auto choice = compat::choose_database(annex->repository, to, database);
    if (!choice) return failed(choice.error());
    if (content_mode && !choice->repository) {
        return failed(core::Failure{{},
                                    "--content needs a dolt-annex repository to hold the "
                                    "objects (--to PATH), not only a --database"});
    }
    auto open = compat::open_database(*choice, /*create=*/true);
    if (!open) return failed(open.error());
    if (auto remembered = compat::remember_database(annex->repository, *choice); !remembered) {
        return failed(remembered.error());
    }

    const bool terminal = isatty(STDERR_FILENO) == 1;
    if (terminal) {
        options.progress = [](const compat::migrate::MigrationSummary& s) {
            // (The annexed files of a first run are counted on another thread, and only at its
            // end.)
            fmt::print(
                stderr, "\rmigrate: {} logs read, {} locations{}{}...", s.logs_read, s.locations,
                s.files == 0 ? std::string() : fmt::format(", {} annexed files", s.files),
                s.rows_sorted == 0 ? std::string()
                                   : fmt::format("; {} rows loaded in key order", s.rows_sorted));
        };
    }
    auto summary =
        compat::migrate::migrate(annex->repository, annex->uuid, open->database, options);
    if (terminal) fmt::print(stderr, "\r\033[K");
    if (!summary) {
        return failed(
            core::Failure{summary.error().kind,
                          fmt::format("migrate into {} failed, nothing recorded as done: {}",
                                      open->database.description, summary.error().message)});
    }
    for (const std::string& problem : summary->problems) {
        core::log::warning(problem);
    }
    std::optional<compat::migrate::ContentSummary> content;
    if (content_mode) {
        std::function<void(const compat::migrate::ContentSummary&)> progress;
        if (terminal) {
            progress = [](const compat::migrate::ContentSummary& c) {
                fmt::print(stderr, "\rmigrate --content: {} objects stored, {} already there...",
                           c.stored, c.already_stored);
            };
        }
        auto imported = compat::migrate::import_content(annex->repository.git_dir(), annex->uuid,
                                                        *open->repository, *open->database.store,
                                                        *content_mode, progress);
        if (terminal) fmt::print(stderr, "\r\033[K");
        if (!imported) {
            return failed(core::Failure{
                imported.error().kind,
                fmt::format("migrate --content failed: {}", imported.error().message)});
        }
        for (const std::string& problem : imported->problems) {
            core::log::warning(problem);
        }
        auto committed = open->database.store->dolt_commit(
            fmt::format("git-annex-dolt migrate --content: {} objects of repository {} into {}",
                        imported->stored, annex->uuid, open->repository->uuid()));
        if (!committed) return failed(committed.error());
        content = *imported;
    }
    if (json) {
        fmt::print("{}\n", summary_json(*summary, content));
    } else {
        fmt::print(
            "migrate: git-annex branch {} into {}: {}{} logs read, {} locations, {} URLs, {} "
            "metadata values, {} chunk logs, {} remote states, {} repository settings, {} "
            "settings, {} annexed files ({} removed), {} key migrations ({} refused); {} corrupt "
            "lines, {} unknown files\n",
            summary->branch.substr(0, 12), open->database.description,
            summary->incremental ? "incremental, " : "", summary->logs_read, summary->locations,
            summary->urls, summary->metadata, summary->chunks, summary->remote_states,
            summary->repositories, summary->settings, summary->files, summary->files_removed,
            summary->key_migrations, summary->key_migrations_refused, summary->corrupt_lines,
            summary->unknown_files);
        if (content) {
            fmt::print(
                "migrate --content: {} objects stored, {} already there, {} failed, {} "
                "sources removed\n",
                content->stored, content->already_stored, content->failed, content->removed);
        }
    }
    return content && content->failed != 0 ? 1 : 0;
}

int whereis_command(const std::vector<std::string>& args) {
    compat::query::WhereisRequest request;
    bool keys = false;
    std::vector<std::string> paths;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--json") {
            request.json = true;
        } else if (args[i] == "--all" || args[i] == "-A") {
            request.all = true;
        } else if (auto key = option_value(args, i, "--key")) {
            request.keys.push_back(*key);
            keys = true;
        } else if (args[i].starts_with("--")) {
            return usage_error(fmt::format("whereis: unknown option '{}'", args[i]));
        } else {
            paths.push_back(args[i]);
        }
    }
    if (request.all && (keys || !paths.empty())) {
        return usage_error("whereis: --all takes no keys or paths");
    }
    auto annex = open_annex_repository();
    if (!annex) return failed(annex.error());
    if (!request.all && !keys) {
        const auto top = annex->repository.work_tree();
        if (!top)
            return failed(
                core::Failure{{}, "whereis PATH needs a working tree; use --all or --key"});
        const auto cwd = std::filesystem::current_path();
        request.cwd_in_tree = cwd.lexically_relative(*top).string();
        if (request.cwd_in_tree == ".") request.cwd_in_tree.clear();
        if (paths.empty()) paths.push_back(".");
        for (const std::string& given : paths) {
            std::error_code error;
            if (!std::filesystem::exists(std::filesystem::symlink_status(cwd / given, error))) {
                return failed(core::Failure{
                    {},
                    fmt::format("pathspec '{}' did not match any file(s) known to git", given)});
            }
            std::string in_tree =
                (cwd / given).lexically_normal().lexically_relative(*top).string();
            if (in_tree == ".") in_tree.clear();
            while (!in_tree.empty() && in_tree.back() == '/') in_tree.pop_back();
            if (in_tree.starts_with("..")) {
                return failed(
                    core::Failure{{}, fmt::format("{} is outside the repository", given)});
            }
            request.paths.push_back({given, in_tree});
        }
    }
    auto choice = compat::choose_database(annex->repository, std::nullopt, std::nullopt);
    if (!choice) return failed(choice.error());
    auto open = compat::open_database(*choice, /*create=*/false);
    if (!open) return failed(open.error());
    auto names = compat::query::RepositoryNames::load(open->database.store->connection(),
                                                      annex->repository, annex->uuid);
    if (!names) return failed(names.error());
    auto failures = compat::query::whereis(open->database, *names, annex->uuid, request, std::cout);
    std::cout.flush();
    if (!failures) return failed(failures.error());
    if (*failures != 0) {
        core::log::error("whereis: {} failed", *failures);
        return 1;
    }
    return 0;
}

// The remembered location database, open, and the repositories as this repository names them.
struct Queryable {
    AnnexRepo annex;
    compat::OpenDatabase open;
    compat::query::RepositoryNames names;
};
Result<Queryable> open_for_query() {
    auto annex = open_annex_repository();
    if (!annex) return std::unexpected(annex.error());
    auto choice = compat::choose_database(annex->repository, std::nullopt, std::nullopt);
    if (!choice) return std::unexpected(choice.error());
    auto open = compat::open_database(*choice, /*create=*/false);
    if (!open) return std::unexpected(open.error());
    auto names = compat::query::RepositoryNames::load(open->database.store->connection(),
                                                      annex->repository, annex->uuid);
    if (!names) return std::unexpected(names.error());
    return Queryable{std::move(*annex), std::move(*open), std::move(*names)};
}

int find_command(const std::vector<std::string>& args) {
    compat::query::FindRequest request;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (auto in = option_value(args, i, "--in")) {
            request.in.push_back(*in);
        } else if (auto not_in = option_value(args, i, "--not-in")) {
            request.not_in.push_back(*not_in);
        } else if (args[i] == "--json") {
            request.json = true;
        } else {
            return usage_error(fmt::format("find: unknown argument '{}'", args[i]));
        }
    }
    if (request.in.empty() && request.not_in.empty()) {
        return usage_error("find: give at least one --in=REPO or --not-in=REPO");
    }
    auto query = open_for_query();
    if (!query) return failed(query.error());
    // Files are listed from the current directory down, relative to it, as git annex find does.
    if (const auto top = query->annex.repository.work_tree()) {
        request.cwd_in_tree = std::filesystem::current_path().lexically_relative(*top).string();
        if (request.cwd_in_tree == ".") request.cwd_in_tree.clear();
    }
    core::location::LocationDatabase& database = query->open.database;
    auto connect = [&database] { return database.open_connection(); };
    auto found = compat::query::find(database.store->connection(), connect, query->names,
                                     query->annex.uuid, request, std::cout);
    std::cout.flush();
    return found ? 0 : failed(found.error());
}

int info_command(const std::vector<std::string>& args) {
    bool json = false;
    for (const std::string& arg : args) {
        if (arg != "--json") return usage_error(fmt::format("info: unknown argument '{}'", arg));
        json = true;
    }
    auto query = open_for_query();
    if (!query) return failed(query.error());
    auto info = compat::query::gather_info(query->open.database.store->connection(), query->names,
                                           query->annex.uuid);
    if (!info) return failed(info.error());
    compat::query::print_info(*info, json, std::cout);
    return 0;
}

// git-annex-dolt sync --with WHERE: the facts of the location database at WHERE merged into
// ours and ours into it, by the last-writer rule; a summary as JSON and as a line of text.
struct WithSummary {
    std::string json, text;
};
// Names a value sync kept out of a log, on one line of stderr (core/annex_values.h).
void report_refusal(const core::annex_values::Refusal& refusal) {
    core::log::error("sync: {}", refusal.line());
}

Result<WithSummary> merge_with(const core::location::LocationDatabase& ours,
                               const std::string& where) {
    auto choice = compat::choose_peer_database(where);
    if (!choice) return std::unexpected(choice.error());
    auto peer = compat::open_database(*choice, /*create=*/false);
    if (!peer) return core::fail("--with {}: {}", where, peer.error().message);
    const core::location::PeerEnd here{ours.target, ours.password, ours.description};
    const core::location::PeerEnd there{peer->database.target, peer->database.password,
                                        peer->database.description};
    auto in = core::location::merge_from_peer(here, there, report_refusal);
    if (!in) return std::unexpected(in.error());
    auto out = core::location::merge_from_peer(there, here, report_refusal);
    if (!out) return std::unexpected(out.error());
    auto side = [](const core::location::PeerMergeSummary& s) {
        return fmt::format(
            R"({{"rows_read":{},"incremental":{},"conflicts":{},"refused":{},"commit":"{}"}})",
            s.rows_read, s.incremental, s.conflicts, s.refused, s.commit);
    };
    WithSummary summary;
    summary.json = fmt::format(R"({{"database":{},"into_here":{},"into_there":{}}})",
                               core::dolt::json_string(there.description), side(*in), side(*out));
    summary.text = fmt::format(
        "sync: merged with {}: {} of its rows read{}, {} rows of ours read by it{}{}{}\n",
        there.description, in->rows_read, in->incremental ? " (its changes since last time)" : "",
        out->rows_read, out->incremental ? " (our changes since last time)" : "",
        in->conflicts + out->conflicts
            ? fmt::format(", {} conflicting rows resolved", in->conflicts + out->conflicts)
            : "",
        in->refused + out->refused
            ? fmt::format(", {} values refused (named on stderr)", in->refused + out->refused)
            : "");
    return summary;
}

int sync_command(const std::vector<std::string>& args) {
    bool json = false, full = false;
    std::vector<std::string> with;
    std::optional<std::string> dataset;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (auto name = option_value(args, i, "--dataset")) {
            if (auto valid = compat::sync::check_dataset_name(*name); !valid) {
                return usage_error("sync: " + valid.error().message);
            }
            dataset = std::move(name);
        } else if (arg == "--json") {
            json = true;
        } else if (arg == "--full") {
            full = true;
        } else if (arg == "--with" && i + 1 < args.size()) {
            with.push_back(args[++i]);
        } else if (arg.starts_with("--with=")) {
            with.push_back(arg.substr(7));
        } else {
            return usage_error(fmt::format("sync: unknown argument '{}'", arg));
        }
    }
    auto annex = open_annex_repository();
    if (!annex) return failed(annex.error());
    auto choice = compat::choose_database(annex->repository, std::nullopt, std::nullopt);
    if (!choice) return failed(choice.error());
    auto open = compat::open_database(*choice, /*create=*/false);
    if (!open) return failed(open.error());
    // First what changed on the git-annex branch, so the tables hold everything it knows.
    auto migrated = compat::migrate::migrate(annex->repository, annex->uuid, open->database, {});
    if (!migrated) return failed(migrated.error());
    // Then the other location databases, both ways, so the export below carries their facts too.
    std::string merges_json, merges_text;
    for (const std::string& where : with) {
        auto merged = merge_with(open->database, where);
        if (!merged) return failed(merged.error());
        merges_json += fmt::format("{}{}", merges_json.empty() ? "" : ",", merged->json);
        merges_text += merged->text;
    }
    // Then the dolt-annex dataset (--dataset, or the remembered one): what dolt-annex recorded on
    // its branches becomes location facts the export below carries.
    auto synced =
        compat::sync::sync_dataset(annex->repository, annex->uuid, *open, dataset, report_refusal);
    if (!synced) return failed(synced.error());
    // Then migrated keys, present in our stores that hold their old keys: dated by the migration,
    // so older than the last export's watermark, and the export compares everything.
    auto migrated_present = compat::sync::record_migrated_locations(*open->database.store);
    if (!migrated_present) return failed(migrated_present.error());
    if (*migrated_present != 0) full = true;
    auto exported = compat::sync::export_to_branch(
        annex->repository, annex->uuid, open->database.store->connection(), full, report_refusal);
    if (!exported) return failed(exported.error());
    if (json) {
        fmt::print(R"({{"migrated":{},"with":[{}],"dataset":{},"migrated_keys_present":{},)"
                   R"("export":{{"locations":{},"urls":{},"metadata":{},)"
                   R"("repositories":{},"refused":{},"files":{},"commit":"{}","ref":"{}"}}}})"
                   "\n",
                   summary_json(*migrated, std::nullopt), merges_json,
                   *synced ? (*synced)->json() : "null", *migrated_present, exported->locations,
                   exported->urls, exported->metadata, exported->repositories, exported->refused,
                   exported->files, exported->commit, compat::sync::kExportRef);
    } else {
        fmt::print("{}{}", merges_text, *synced ? (*synced)->text() : "");
        fmt::print(
            "sync: {} logs migrated; {} locations, {} URLs, {} metadata values, {} "
            "repositories written to {}{}{}\n",
            migrated->logs_read, exported->locations, exported->urls, exported->metadata,
            exported->repositories, compat::sync::kExportRef,
            exported->commit.empty() ? " (nothing new)" : " (git-annex merges it on its next run)",
            exported->refused == 0
                ? std::string()
                : fmt::format("; {} values refused (named on stderr)", exported->refused));
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    core::log::set_program("git-annex-dolt");
    // The program doubles as the supervisor of a shared dolt sql-server, as the remote does.
    if (int code = core::dolt::maybe_run_supervisor(argc, argv); code >= 0) return code;
    if (argc < 2) return usage_error("no command given");
    const std::string_view command = argv[1];
    std::vector<std::string> args(argv + 2, argv + argc);
    std::ios::sync_with_stdio(false);
    if (command == "migrate") return migrate_command(args);
    if (command == "whereis") return whereis_command(args);
    if (command == "sync") return sync_command(args);
    if (command == "find") return find_command(args);
    if (command == "info") return info_command(args);
    if (command == "--help" || command == "help") {
        fmt::print("{}", kUsage);
        return 0;
    }
    return usage_error(fmt::format("unknown command '{}'", command));
}
