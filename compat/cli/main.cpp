// git-annex-dolt: migrate a git-annex repository's branch into location tables (Dolt or a
// MySQL-compatible server), and answer questions from them. Thin glue over compat/.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <expected>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compat/cli/summaries.h"
#include "compat/database_choice.h"
#include "compat/git/annex_version.h"
#include "compat/git/repository.h"
#include "compat/migrate/content_import.h"
#include "compat/migrate/migration.h"
#include "compat/migrate/rekey_store.h"
#include "compat/query/find.h"
#include "compat/query/info.h"
#include "compat/query/repository_names.h"
#include "compat/query/whereis.h"
#include "compat/sync/branch_export.h"
#include "compat/sync/dataset_export.h"
#include "compat/sync/migrated_locations.h"
#include "core/dolt/annex_repository.h"
#include "core/dolt/remote_url.h"
#include "core/dolt/server.h"
#include "core/location/peer_merge.h"
#include "core/location/remote_history.h"
#include "core/log.h"

namespace {

using namespace gad;
using core::Result;

constexpr std::string_view kUsage =
    "usage: git-annex-dolt migrate [--to PATH [--doltremote URL] | --database URL]\n"
    "                              [--branch REF] [--content=copy|hardlink|move] [--rekey-store]\n"
    "                              [--json]\n"
    "       git-annex-dolt sync [--full] [--with URL|PATH]... [--dataset NAME]\n"
    "                           [--no-pull] [--no-push] [--json]\n"
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

// migrate's arguments.
struct MigrateArgs {
    std::optional<std::string> to, database, dolt_remote;
    compat::migrate::MigrationOptions options;
    std::optional<compat::migrate::ContentMode> content_mode;
    bool rekey_store = false;
    bool json = false;
};
// Parses migrate's arguments; on a bad one, reports it and gives the usage error's exit code.
std::expected<MigrateArgs, int> parse_migrate_args(const std::vector<std::string>& args) {
    MigrateArgs parsed;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (auto value = option_value(args, i, "--to")) {
            parsed.to = value;
        } else if (auto value = option_value(args, i, "--database")) {
            parsed.database = value;
        } else if (auto value = option_value(args, i, "--doltremote")) {
            auto url = core::dolt::check_remote_url(*value);
            if (!url) return std::unexpected(usage_error("--doltremote: " + url.error().message));
            parsed.dolt_remote = std::move(*url);
        } else if (auto value = option_value(args, i, "--branch")) {
            parsed.options.files_ref = *value;
        } else if (auto value = option_value(args, i, "--content")) {
            auto mode = compat::migrate::parse_content_mode(*value);
            if (!mode) return std::unexpected(usage_error(mode.error().message));
            parsed.content_mode = *mode;
        } else if (args[i] == "--rekey-store") {
            parsed.rekey_store = true;
        } else if (args[i] == "--json") {
            parsed.json = true;
        } else {
            return std::unexpected(
                usage_error(fmt::format("migrate: unknown argument '{}'", args[i])));
        }
    }
    if (parsed.dolt_remote && !parsed.to) {
        return std::unexpected(
            usage_error("--doltremote needs --to PATH (a dolt-annex repository)"));
    }
    return parsed;
}

// The location database migrate writes into: opened (created if need be) and remembered in the
// repository's git config. --content and --rekey-store need a dolt-annex repository to hold
// the objects.
Result<compat::OpenDatabase> open_migrate_target(const AnnexRepo& annex, const MigrateArgs& args) {
    auto choice = compat::choose_database(annex.repository, args.to, args.database);
    if (!choice) return std::unexpected(choice.error());
    choice->dolt_remote = args.dolt_remote;
    if ((args.content_mode || args.rekey_store) && !choice->repository) {
        return std::unexpected(core::Failure{
            {},
            fmt::format("{} needs a dolt-annex repository to hold the objects (--to PATH), not "
                        "only a --database",
                        args.content_mode ? "--content" : "--rekey-store")});
    }
    auto open = compat::open_database(*choice, /*create=*/true);
    if (!open) return std::unexpected(open.error());
    if (auto remembered = compat::remember_database(annex.repository, *choice); !remembered) {
        return std::unexpected(remembered.error());
    }
    return open;
}

// Migrates the branch, with a progress line on stderr when it is a terminal; a failure says
// that nothing was recorded as done.
Result<compat::migrate::MigrationSummary> run_migration(const AnnexRepo& annex,
                                                        compat::OpenDatabase& open,
                                                        compat::migrate::MigrationOptions options,
                                                        bool terminal) {
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
    auto summary = compat::migrate::migrate(annex.repository, annex.uuid, open.database, options);
    if (terminal) fmt::print(stderr, "\r\033[K");
    if (!summary) {
        return std::unexpected(
            core::Failure{summary.error().kind,
                          fmt::format("migrate into {} failed, nothing recorded as done: {}",
                                      open.database.description, summary.error().message)});
    }
    return summary;
}

// migrate --content: the objects imported into the dolt-annex repository (with a progress line
// on a terminal, and its problems as warnings), and the records of them committed.
Result<compat::migrate::ContentSummary> run_content_import(const AnnexRepo& annex,
                                                           compat::OpenDatabase& open,
                                                           compat::migrate::ContentMode mode,
                                                           bool terminal) {
    std::function<void(const compat::migrate::ContentSummary&)> progress;
    if (terminal) {
        progress = [](const compat::migrate::ContentSummary& c) {
            fmt::print(stderr, "\rmigrate --content: {} objects stored, {} already there...",
                       c.stored, c.already_stored);
        };
    }
    auto imported =
        compat::migrate::import_content(annex.repository.git_dir(), annex.uuid, *open.repository,
                                        *open.database.store, mode, progress);
    if (terminal) fmt::print(stderr, "\r\033[K");
    if (!imported) {
        return std::unexpected(
            core::Failure{imported.error().kind,
                          fmt::format("migrate --content failed: {}", imported.error().message)});
    }
    for (const std::string& problem : imported->problems) {
        core::log::warning(problem);
    }
    auto committed = open.database.store->dolt_commit(
        fmt::format("git-annex-dolt migrate --content: {} objects of repository {} into {}",
                    imported->stored, annex.uuid, open.repository->uuid()));
    if (!committed) return std::unexpected(committed.error());
    return imported;
}

// migrate --rekey-store: migrated keys given objects of their own in the dolt-annex repository
// (its problems as warnings), and the records of them committed.
Result<compat::migrate::RekeySummary> run_rekey_store(compat::OpenDatabase& open, bool terminal) {
    std::function<void(const compat::migrate::RekeySummary&)> progress;
    if (terminal) {
        progress = [](const compat::migrate::RekeySummary& r) {
            fmt::print(stderr, "\rmigrate --rekey-store: {} objects linked...", r.linked);
        };
    }
    auto rekeyed = compat::migrate::rekey_store(*open.repository, *open.database.store, progress);
    if (terminal) fmt::print(stderr, "\r\033[K");
    if (!rekeyed) {
        return std::unexpected(core::Failure{
            rekeyed.error().kind,
            fmt::format("migrate --rekey-store failed: {}", rekeyed.error().message)});
    }
    for (const std::string& problem : rekeyed->problems) core::log::warning(problem);
    auto committed = open.database.store->dolt_commit(
        fmt::format("git-annex-dolt migrate --rekey-store: {} migrated keys given objects in {}",
                    rekeyed->linked, open.repository->uuid()));
    if (!committed) return std::unexpected(committed.error());
    return rekeyed;
}

int migrate_command(const std::vector<std::string>& args) {
    auto parsed = parse_migrate_args(args);
    if (!parsed) return parsed.error();
    auto annex = open_annex_repository();
    if (!annex) return failed(annex.error());
    auto open = open_migrate_target(*annex, *parsed);
    if (!open) return failed(open.error());
    const bool terminal = isatty(STDERR_FILENO) == 1;
    auto summary = run_migration(*annex, *open, parsed->options, terminal);
    if (!summary) return failed(summary.error());
    for (const std::string& problem : summary->problems) {
        core::log::warning(problem);
    }
    std::optional<compat::migrate::ContentSummary> content;
    if (parsed->content_mode) {
        auto imported = run_content_import(*annex, *open, *parsed->content_mode, terminal);
        if (!imported) return failed(imported.error());
        content = std::move(*imported);
    }
    std::optional<compat::migrate::RekeySummary> rekeyed;
    if (parsed->rekey_store) {
        auto done = run_rekey_store(*open, terminal);
        if (!done) return failed(done.error());
        rekeyed = std::move(*done);
    }
    compat::cli::print_summary(
        compat::cli::migrate_summary(*summary, open->database.description, content, rekeyed),
        parsed->json);
    return (content && content->failed != 0) || (rekeyed && rekeyed->failed != 0) ? 1 : 0;
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
    request.top = annex->repository.work_tree().value_or(annex->repository.git_dir());
    const auto version = compat::git::installed_annex_version(request.top);
    request.space_joined_lists = version.space_joined_repository_lists();
    request.clusters = version.knows_clusters();
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
// ours and ours into it, by the last-writer rule.
// Names a value sync kept out of a log, on one line of stderr (core/annex_values.h).
void report_refusal(const core::annex_values::Refusal& refusal) {
    core::log::error("sync: {}", refusal.line());
}

Result<compat::cli::Summary> merge_with(const core::location::LocationDatabase& ours,
                                        const std::string& where) {
    auto choice = compat::choose_peer_database(where);
    if (!choice) return std::unexpected(choice.error());
    auto peer = compat::open_database(*choice, /*create=*/false);
    if (!peer) return core::fail("--with {}: {}", where, peer.error().message);
    const core::location::PeerEnd here = ours.peer_end();
    const core::location::PeerEnd there = peer->database.peer_end();
    auto in = core::location::merge_from_peer(here, there, report_refusal);
    if (!in) return std::unexpected(in.error());
    auto out = core::location::merge_from_peer(there, here, report_refusal);
    if (!out) return std::unexpected(out.error());
    return compat::cli::merge_summary(*in, *out, there.description);
}

// sync's arguments.
struct SyncArgs {
    bool json = false, full = false, pull = true, push = true;
    std::vector<std::string> with;
    std::optional<std::string> dataset;
};
// Parses sync's arguments; on a bad one, reports it and gives the usage error's exit code.
std::expected<SyncArgs, int> parse_sync_args(const std::vector<std::string>& args) {
    SyncArgs parsed;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (auto name = option_value(args, i, "--dataset")) {
            if (auto valid = compat::sync::check_dataset_name(*name); !valid) {
                return std::unexpected(usage_error("sync: " + valid.error().message));
            }
            parsed.dataset = std::move(name);
        } else if (arg == "--json") {
            parsed.json = true;
        } else if (arg == "--full") {
            parsed.full = true;
        } else if (arg == "--no-pull") {
            parsed.pull = false;
        } else if (arg == "--no-push") {
            parsed.push = false;
        } else if (auto where = option_value(args, i, "--with")) {
            parsed.with.push_back(*where);
        } else {
            return std::unexpected(usage_error(fmt::format("sync: unknown argument '{}'", arg)));
        }
    }
    return parsed;
}

// sync with the database's Dolt remotes: pulls (unless --no-pull) before anything is written
// to the git-annex branch, and pushes (unless --no-push) once everything is committed.
struct RemoteExchange {
    core::location::RemoteSyncSummary pulled, pushed;
    bool any = false;  // the database has Dolt remotes
};
Result<void> exchange_with_remotes(core::location::LocationDatabase& database, bool pull,
                                   RemoteExchange& exchange, bool pushing) {
    auto& connection = database.store->connection();
    if (!pushing) {
        auto any = core::location::has_remotes(connection);
        if (!any) return std::unexpected(any.error());
        exchange.any = *any;
    }
    if (!exchange.any || !pull) return {};
    if (auto committed =
            database.store->dolt_commit("git-annex-dolt sync: before the exchange with "
                                        "Dolt remotes");
        !committed) {
        return std::unexpected(committed.error());
    }
    auto done =
        pushing ? core::location::push_remotes(database) : core::location::pull_remotes(database);
    if (!done) return std::unexpected(done.error());
    (pushing ? exchange.pushed : exchange.pulled) = std::move(*done);
    return {};
}

int sync_command(const std::vector<std::string>& arg_list) {
    auto args = parse_sync_args(arg_list);
    if (!args) return args.error();
    auto annex = open_annex_repository();
    if (!annex) return failed(annex.error());
    auto choice = compat::choose_database(annex->repository, std::nullopt, std::nullopt);
    if (!choice) return failed(choice.error());
    auto open = compat::open_database(*choice, /*create=*/false);
    if (!open) return failed(open.error());
    // First what changed on the git-annex branch, so the tables hold everything it knows.
    auto migrated = compat::migrate::migrate(annex->repository, annex->uuid, open->database, {});
    if (!migrated) return failed(migrated.error());
    // Then what the Dolt remotes hold, and the other location databases, both ways, so the
    // export below carries their facts too.
    RemoteExchange remotes;
    if (auto pulled = exchange_with_remotes(open->database, args->pull, remotes, false); !pulled) {
        return failed(pulled.error());
    }
    std::vector<compat::cli::Summary> merges;
    for (const std::string& where : args->with) {
        auto merged = merge_with(open->database, where);
        if (!merged) return failed(merged.error());
        merges.push_back(std::move(*merged));
    }
    // Then the dolt-annex dataset (--dataset, or the remembered one): what dolt-annex recorded on
    // its branches becomes location facts the export below carries.
    auto synced = compat::sync::sync_dataset(annex->repository, annex->uuid, *open, args->dataset,
                                             report_refusal);
    if (!synced) return failed(synced.error());
    // Then migrated keys, present in our stores that hold their old keys: dated by the migration,
    // so older than the last export's watermark, and the export compares everything.
    auto migrated_present = compat::sync::record_migrated_locations(*open->database.store);
    if (!migrated_present) return failed(migrated_present.error());
    auto exported = compat::sync::export_to_branch(
        annex->repository, annex->uuid, open->database.store->connection(),
        args->full || *migrated_present != 0, report_refusal);
    if (!exported) return failed(exported.error());
    if (auto pushed = exchange_with_remotes(open->database, args->push, remotes, true); !pushed) {
        return failed(pushed.error());
    }
    for (const std::string& branch : remotes.pushed.not_pushed) {
        core::log::warning("sync: {} has another history than ours; not pushed", branch);
    }
    std::optional<compat::cli::Summary> dataset_summary, remotes_summary;
    if (*synced) dataset_summary = compat::cli::Summary{(*synced)->json(), (*synced)->text()};
    if (remotes.any) remotes_summary = compat::cli::remotes_summary(remotes.pulled, remotes.pushed);
    compat::cli::print_summary(
        compat::cli::sync_summary(*migrated, merges, remotes_summary, dataset_summary,
                                  *migrated_present, *exported),
        args->json);
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
