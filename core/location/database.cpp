#include "core/location/database.h"

namespace gad::core::location {

Result<LocationDatabase> open_location_database(const dolt::AnnexRepository& repository,
                                                const std::optional<sql::DatabaseUrl>& url,
                                                const std::string& password,
                                                std::chrono::milliseconds idle,
                                                sql::Timeouts timeouts) {
    LocationDatabase database;
    sql::DatabaseUrl target;
    if (url) {
        target = *url;
        database.description = url->to_string();
    } else {
        auto lease = dolt::acquire_server(
            dolt::ServerOptions{repository.dolt_dir(), repository.state_dir(), idle, timeouts});
        if (!lease) return std::unexpected(lease.error());
        target = lease->url();
        database.lease.emplace(std::move(*lease));
        database.description = fmt::format("Dolt database {}", repository.dolt_dir().string());
    }
    database.target = target;
    database.password_ = password;
    std::optional<sql::Connection> connection;
    if (database.lease) connection = database.lease->take_connection();
    if (!connection) {
        auto opened = sql::Connection::open(target, password, timeouts);
        if (!opened) return std::unexpected(opened.error());
        connection.emplace(std::move(*opened));
    }
    auto store = LocationStore::open(std::move(*connection));
    if (!store) {
        return fail(store.error().kind, "{}: {}", database.description, store.error().message);
    }
    database.store.emplace(std::move(*store));
    return database;
}

Result<LocationDatabase> open_location_database(const sql::DatabaseUrl& url,
                                                const std::string& password,
                                                sql::Timeouts timeouts) {
    LocationDatabase database;
    database.description = url.to_string();
    database.target = url;
    database.password_ = password;
    auto connection = sql::Connection::open(url, password, timeouts);
    if (!connection) return std::unexpected(connection.error());
    auto store = LocationStore::open(std::move(*connection));
    if (!store) return std::unexpected(store.error());
    database.store.emplace(std::move(*store));
    return database;
}

Result<sql::Connection> LocationDatabase::open_connection(const std::string& database,
                                                          sql::Timeouts timeouts) const {
    sql::DatabaseUrl url = target;
    if (!database.empty()) url.database = database;
    return sql::Connection::open(url, password_, timeouts);
}

void wait_for_statistics(sql::Connection& connection) {
    if (connection.is_dolt()) (void)connection.execute("CALL dolt_stats_wait()");
}

}  // namespace gad::core::location
