#include "compat/database_choice.h"

#include <cstdlib>
#include <system_error>

#include "core/location/remote_history.h"

namespace gad::compat {

using core::fail;

Result<DatabaseChoice> choose_database(const git::Repository& repository,
                                       const std::optional<std::string>& to,
                                       const std::optional<std::string>& database) {
    if (to && database) return fail("give --to PATH or --database URL, not both");
    std::optional<std::string> path = to;
    std::optional<std::string> url = database;
    if (!path && !url) {
        auto remembered_path = repository.config(kRepositoryConfig);
        if (!remembered_path) return std::unexpected(remembered_path.error());
        auto remembered_url = repository.config(kDatabaseConfig);
        if (!remembered_url) return std::unexpected(remembered_url.error());
        path = *remembered_path;
        url = *remembered_url;
        if (path && url) url.reset();
    }
    DatabaseChoice choice;
    if (path) {
        std::error_code error;
        auto absolute = std::filesystem::absolute(*path, error);
        if (error) return fail("bad path {}: {}", *path, error.message());
        choice.repository = absolute.lexically_normal();
    } else if (url) {
        auto parsed = core::sql::DatabaseUrl::parse(*url);
        if (!parsed) return std::unexpected(parsed.error());
        choice.url = std::move(*parsed);
        choice.url_text = *url;
    } else {
        return fail(
            "no location database chosen for this repository: run `git-annex-dolt migrate "
            "--to PATH` (a dolt-annex repository) or `--database mysql://USER@HOST/DB`");
    }
    return choice;
}

Result<DatabaseChoice> choose_peer_database(const std::string& where) {
    if (where.find("://") != std::string::npos) {
        DatabaseChoice choice;
        auto parsed = core::sql::DatabaseUrl::parse(where);
        if (!parsed) return std::unexpected(parsed.error());
        choice.url = std::move(*parsed);
        choice.url_text = where;
        choice.password_variable = "GIT_ANNEX_DOLT_WITH_PASSWORD";
        return choice;
    }
    std::error_code error;
    const auto path = std::filesystem::absolute(where, error).lexically_normal();
    if (error || !std::filesystem::is_directory(path, error)) {
        return fail("--with {}: neither a mysql:// URL nor a directory", where);
    }
    if (core::dolt::AnnexRepository::open(path)) {
        DatabaseChoice choice;
        choice.repository = path;
        return choice;
    }
    auto repository = git::Repository::discover(path);
    if (!repository) {
        return fail("--with {}: neither a dolt-annex repository nor a git repository", where);
    }
    auto chosen = choose_database(*repository, std::nullopt, std::nullopt);
    if (!chosen) return fail("--with {}: {}", where, chosen.error().message);
    return chosen;
}

Result<void> remember_database(const git::Repository& repository, const DatabaseChoice& choice) {
    const bool path = choice.repository.has_value();
    if (auto unset = repository.unset_config(path ? kDatabaseConfig : kRepositoryConfig); !unset) {
        return unset;
    }
    return path ? repository.set_config(kRepositoryConfig, choice.repository->string())
                : repository.set_config(kDatabaseConfig, choice.url_text);
}

Result<OpenDatabase> open_database(const DatabaseChoice& choice, bool create) {
    OpenDatabase open;
    if (choice.url) {
        const char* password = std::getenv(choice.password_variable.c_str());
        auto database =
            core::location::open_location_database(*choice.url, password ? password : "");
        if (!database) return std::unexpected(database.error());
        open.database = std::move(*database);
        return open;
    }
    auto existing = core::dolt::AnnexRepository::open(*choice.repository);
    if (!existing) {
        if (!create) return std::unexpected(existing.error());
        existing = core::dolt::AnnexRepository::init(
            *choice.repository, core::dolt::new_uuid(), /*with_dolt=*/true,
            {std::string(core::dolt::AnnexRepository::kOwnAnnex), {}}, choice.dolt_remote);
        if (!existing) return std::unexpected(existing.error());
    }
    open.repository.emplace(std::move(*existing));
    auto database = core::location::open_location_database(*open.repository, std::nullopt, "",
                                                           std::chrono::seconds(30));
    if (!database) return std::unexpected(database.error());
    open.database = std::move(*database);
    if (choice.dolt_remote) {
        auto& connection = open.database.store->connection();
        auto joined = core::location::ensure_origin(connection, *choice.dolt_remote);
        if (joined && open.repository->seeded_remote()) {
            joined = core::location::push_default_branch(connection);
        }
        if (!joined) return core::fail("--doltremote: {}", joined.error().message);
    }
    return open;
}

}  // namespace gad::compat
