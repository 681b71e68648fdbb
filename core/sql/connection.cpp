#include "core/sql/connection.h"

#include <errmsg.h>
#include <mysql.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <mutex>

namespace gad::core::sql {

// A prepared statement with its parameter and result buffers.
class Statement {
  public:
    explicit Statement(MYSQL_STMT* stmt) : stmt_(stmt) {}
    ~Statement() { mysql_stmt_close(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    MYSQL_STMT* get() const { return stmt_; }

  private:
    MYSQL_STMT* stmt_;
};

namespace {

Failure::Kind kind_of(unsigned error, std::string_view message) {
    // Deadlock, lock wait timeout, and Dolt's "serialization failure ... try restarting
    // transaction" when two sessions commit conflicting changes.
    if (error == 1213 || error == 1205 || message.find("restarting transaction") != message.npos ||
        message.find("serialization failure") != message.npos) {
        return Failure::Kind::transient;
    }
    switch (error) {
        case CR_CONNECTION_ERROR:
        case CR_CONN_HOST_ERROR:
        case CR_SERVER_GONE_ERROR:
        case CR_SERVER_LOST:
        case CR_UNKNOWN_HOST:
            return Failure::Kind::unreachable;
        default:
            return Failure::Kind::error;
    }
}

std::string one_line(std::string text) {
    for (char& c : text) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    return text;
}

Failure stmt_failure(MYSQL_STMT* stmt, std::string_view what) {
    unsigned error = mysql_stmt_errno(stmt);
    const char* message = mysql_stmt_error(stmt);
    return Failure{kind_of(error, message),
                   one_line(fmt::format("{}: {} (error {})", what, message, error))};
}

// Reads the result rows of an executed statement one at a time (unbuffered), passing each to visit.
Result<void> fetch_each(MYSQL_STMT* stmt, std::string_view sql, const RowVisitor& visit) {
    MYSQL_RES* meta = mysql_stmt_result_metadata(stmt);
    if (meta == nullptr) return {};
    const unsigned columns = mysql_num_fields(meta);
    mysql_free_result(meta);
    std::vector<MYSQL_BIND> binds(columns);
    std::vector<std::array<char, 256>> buffers(columns);
    std::vector<unsigned long> lengths(columns);
    std::vector<my_bool> nulls(columns);
    for (unsigned i = 0; i < columns; ++i) {
        std::memset(&binds[i], 0, sizeof(MYSQL_BIND));
        binds[i].buffer_type = MYSQL_TYPE_STRING;
        binds[i].buffer = buffers[i].data();
        binds[i].buffer_length = buffers[i].size();
        binds[i].length = &lengths[i];
        binds[i].is_null = &nulls[i];
    }
    if (mysql_stmt_bind_result(stmt, binds.data()) != 0) {
        return std::unexpected(stmt_failure(stmt, sql));
    }
    Row row(columns);
    while (true) {
        int status = mysql_stmt_fetch(stmt);
        if (status == MYSQL_NO_DATA) break;
        if (status == 1) return std::unexpected(stmt_failure(stmt, sql));
        for (unsigned i = 0; i < columns; ++i) {
            row[i].reset();
            if (nulls[i]) continue;
            if (lengths[i] <= buffers[i].size()) {
                row[i].emplace(buffers[i].data(), lengths[i]);
                continue;
            }
            // Truncated: fetch the whole column value.
            std::string value(lengths[i], '\0');
            MYSQL_BIND full{};
            full.buffer_type = MYSQL_TYPE_STRING;
            full.buffer = value.data();
            full.buffer_length = value.size();
            if (mysql_stmt_fetch_column(stmt, &full, i, 0) != 0) {
                return std::unexpected(stmt_failure(stmt, sql));
            }
            row[i] = std::move(value);
        }
        if (auto done = visit(row); !done) {
            while (mysql_stmt_fetch(stmt) == 0) {
            }
            return done;
        }
    }
    return {};
}

}  // namespace

void Connection::Closer::operator()(st_mysql* mysql) const { mysql_close(mysql); }

// The data of the LOAD DATA LOCAL statement running now, if any. A server asking for a local
// file at any other time gets an error, never a file.
struct Connection::LocalInfile {
    std::string_view data;
    bool loading = false;
    std::size_t offset = 0;
};

namespace {

int infile_init(void** state, const char*, void* userdata) {
    *state = userdata;
    auto* infile = static_cast<Connection::LocalInfile*>(userdata);
    if (!infile->loading) return 1;
    infile->offset = 0;
    return 0;
}

int infile_read(void* state, char* buffer, unsigned int length) {
    auto* infile = static_cast<Connection::LocalInfile*>(state);
    const std::size_t n = std::min<std::size_t>(length, infile->data.size() - infile->offset);
    std::memcpy(buffer, infile->data.data() + infile->offset, n);
    infile->offset += n;
    return static_cast<int>(n);
}

void infile_end(void*) {}

int infile_error(void*, char* message, unsigned int length) {
    std::snprintf(message, length, "the server asked for a local file it was not given");
    return CR_UNKNOWN_ERROR;
}

}  // namespace

void append_load_field(std::string& out, std::string_view value) {
    for (char c : value) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\0':
                out += "\\0";
                break;
            default:
                out += c;
        }
    }
}

Result<std::uint64_t> Connection::load_data(std::string_view sql, std::string_view data) {
    const auto started = Clock::now();
    local_infile_->data = data;
    local_infile_->loading = true;
    MYSQL* mysql = mysql_.get();
    const int status = mysql_real_query(mysql, sql.data(), sql.size());
    local_infile_->loading = false;
    if (status != 0) return std::unexpected(timed(failure(sql.substr(0, sql.find(" ("))), started));
    return static_cast<std::uint64_t>(mysql_affected_rows(mysql));
}

Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;
Connection::~Connection() {
    statements_.clear();  // statements must close before their connection
}

void Connection::initialize_library() {
    static std::once_flag library_once;
    std::call_once(library_once, [] { mysql_library_init(0, nullptr, nullptr); });
}

Result<Connection> Connection::open(const DatabaseUrl& url, const std::string& password,
                                    Timeouts timeouts) {
    initialize_library();

    Connection connection;
    connection.mysql_.reset(mysql_init(nullptr));
    if (!connection.mysql_) return fail("cannot allocate a MySQL connection");
    connection.timeouts_ = timeouts;
    connection.where_ = url.to_string();
    MYSQL* mysql = connection.mysql_.get();
    unsigned connect_timeout =
        static_cast<unsigned>(std::max<std::int64_t>(1, timeouts.connect.count()));
    unsigned io_timeout = static_cast<unsigned>(std::max<std::int64_t>(1, timeouts.io.count()));
#if !defined(MARIADB_PACKAGE_VERSION)
    // Oracle's libmysqlclient tries a timed-out read up to three times; MariaDB Connector/C (the
    // one Debian builds against) gives up after the first, as measured against a SIGSTOPped server.
    io_timeout = std::max(1u, (io_timeout + 2) / 3);
#endif
    mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
    mysql_options(mysql, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
    mysql_options(mysql, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
    mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    // LOAD DATA LOCAL only ever reads what load_data() gives (the handler set below).
    unsigned local_infile = 1;
    mysql_options(mysql, MYSQL_OPT_LOCAL_INFILE, &local_infile);
    connection.local_infile_ = std::make_unique<LocalInfile>();
    if (url.socket) {
        unsigned protocol = MYSQL_PROTOCOL_SOCKET;
        mysql_options(mysql, MYSQL_OPT_PROTOCOL, &protocol);
    }
    const char* host = url.socket ? "localhost" : url.host.c_str();
    const auto started = Clock::now();
    if (mysql_real_connect(mysql, host, url.user.c_str(),
                           password.empty() ? nullptr : password.c_str(), url.database.c_str(),
                           url.socket ? 0 : url.port, url.socket ? url.socket->c_str() : nullptr,
                           CLIENT_MULTI_RESULTS) == nullptr) {
        unsigned error = mysql_errno(mysql);
        Failure failure{kind_of(error, mysql_error(mysql)),
                        one_line(fmt::format("cannot connect to database {}: {}", url.to_string(),
                                             mysql_error(mysql)))};
        // The handshake's read waits for the connect timeout (a frozen server accepts the
        // connection but never greets).
        if (Clock::now() - started >= std::chrono::milliseconds(timeouts.connect) * 9 / 10) {
            failure.kind = Failure::Kind::timeout;
            failure.message += fmt::format(" (no answer within {} s)", timeouts.connect.count());
        }
        return std::unexpected(std::move(failure));
    }
    connection.socket_ = static_cast<int>(mysql_get_socket(mysql));
    mysql_set_local_infile_handler(mysql, infile_init, infile_read, infile_end, infile_error,
                                   connection.local_infile_.get());
    return connection;
}

void Connection::interrupt() {
    if (socket_ >= 0) ::shutdown(socket_, SHUT_RDWR);
}

Failure Connection::timed(Failure failure, Clock::time_point started) const {
    if (Clock::now() - started >= std::chrono::milliseconds(timeouts_.io) * 9 / 10) {
        failure.kind = Failure::Kind::timeout;
        failure.message +=
            fmt::format(" (database {} did not answer within {} s)", where_, timeouts_.io.count());
    }
    return failure;
}

Failure Connection::failure(std::string_view what) {
    MYSQL* mysql = mysql_.get();
    const unsigned error = mysql_errno(mysql);
    return Failure{kind_of(error, mysql_error(mysql)),
                   one_line(fmt::format("{}: {} (error {})", what, mysql_error(mysql), error))};
}

Result<void> Connection::execute(std::string_view sql) {
    auto rows = query(sql);
    if (!rows) return std::unexpected(rows.error());
    return {};
}

Result<Rows> Connection::query(std::string_view sql) {
    const auto started = Clock::now();
    MYSQL* mysql = mysql_.get();
    if (mysql_real_query(mysql, sql.data(), sql.size()) != 0) {
        return std::unexpected(timed(failure(sql), started));
    }
    Rows rows;
    // Procedures return one or more result sets followed by a status: read them all, keep the
    // first set's rows.
    bool first = true;
    do {
        MYSQL_RES* result = mysql_store_result(mysql);
        if (result != nullptr) {
            const unsigned columns = mysql_num_fields(result);
            while (MYSQL_ROW values = mysql_fetch_row(result)) {
                if (!first) continue;
                unsigned long* lengths = mysql_fetch_lengths(result);
                Row row(columns);
                for (unsigned i = 0; i < columns; ++i) {
                    if (values[i] != nullptr) row[i].emplace(values[i], lengths[i]);
                }
                rows.push_back(std::move(row));
            }
            mysql_free_result(result);
            first = false;
        } else if (mysql_field_count(mysql) != 0) {
            return std::unexpected(timed(failure(sql), started));
        }
        int next = mysql_next_result(mysql);
        if (next > 0) return std::unexpected(timed(failure(sql), started));
        if (next < 0) break;
    } while (true);
    return rows;
}

Result<Statement*> Connection::prepare(std::string_view sql) {
    if (auto found = statements_.find(sql); found != statements_.end()) return found->second.get();
    MYSQL_STMT* stmt = mysql_stmt_init(mysql_.get());
    if (stmt == nullptr) return std::unexpected(failure(sql));
    auto statement = std::make_unique<Statement>(stmt);
    if (mysql_stmt_prepare(stmt, sql.data(), sql.size()) != 0) {
        return std::unexpected(stmt_failure(stmt, sql));
    }
    Statement* raw = statement.get();
    statements_.emplace(std::string(sql), std::move(statement));
    return raw;
}

namespace {

Result<MYSQL_STMT*> bind_and_execute(Statement& statement, std::string_view sql,
                                     const std::vector<Param>& params) {
    MYSQL_STMT* stmt = statement.get();
    if (mysql_stmt_param_count(stmt) != params.size()) {
        return fail("{}: {} parameters given, {} expected", sql, params.size(),
                    mysql_stmt_param_count(stmt));
    }
    std::vector<MYSQL_BIND> binds(params.size());
    std::vector<unsigned long> lengths(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
        MYSQL_BIND& bind = binds[i];
        std::memset(&bind, 0, sizeof bind);
        std::visit(
            [&](const auto& value) {
                using T = std::decay_t<decltype(value)>;
                if constexpr (std::is_same_v<T, std::nullptr_t>) {
                    bind.buffer_type = MYSQL_TYPE_NULL;
                } else if constexpr (std::is_same_v<T, std::int64_t>) {
                    bind.buffer_type = MYSQL_TYPE_LONGLONG;
                    bind.buffer = const_cast<std::int64_t*>(&value);
                } else {
                    bind.buffer_type = MYSQL_TYPE_STRING;
                    bind.buffer = const_cast<char*>(value.data());
                    bind.buffer_length = value.size();
                    lengths[i] = value.size();
                    bind.length = &lengths[i];
                }
            },
            params[i]);
    }
    if (!binds.empty() && mysql_stmt_bind_param(stmt, binds.data()) != 0) {
        return std::unexpected(stmt_failure(stmt, sql));
    }
    if (mysql_stmt_execute(stmt) != 0) {
        return std::unexpected(stmt_failure(stmt, sql));
    }
    return stmt;
}

}  // namespace

Result<Rows> Connection::query(std::string_view sql, const std::vector<Param>& params) {
    const auto started = Clock::now();
    auto statement = prepare(sql);
    if (!statement) return std::unexpected(timed(statement.error(), started));
    auto stmt = bind_and_execute(**statement, sql, params);
    if (!stmt) return std::unexpected(timed(stmt.error(), started));
    Rows rows;
    auto fetched = fetch_each(*stmt, sql, [&rows](const Row& row) -> Result<void> {
        rows.push_back(row);
        return {};
    });
    mysql_stmt_free_result(*stmt);
    if (!fetched) return std::unexpected(timed(fetched.error(), started));
    return rows;
}

Result<void> Connection::for_each(std::string_view sql, const std::vector<Param>& params,
                                  const RowVisitor& visit) {
    const auto started = Clock::now();
    auto statement = prepare(sql);
    if (!statement) return std::unexpected(timed(statement.error(), started));
    auto stmt = bind_and_execute(**statement, sql, params);
    if (!stmt) return std::unexpected(timed(stmt.error(), started));
    auto fetched = fetch_each(*stmt, sql, visit);
    mysql_stmt_free_result(*stmt);
    if (!fetched) return std::unexpected(timed(fetched.error(), started));
    return fetched;
}

Result<std::uint64_t> Connection::run(std::string_view sql, const std::vector<Param>& params) {
    const auto started = Clock::now();
    auto statement = prepare(sql);
    if (!statement) return std::unexpected(timed(statement.error(), started));
    auto stmt = bind_and_execute(**statement, sql, params);
    if (!stmt) return std::unexpected(timed(stmt.error(), started));
    return static_cast<std::uint64_t>(mysql_stmt_affected_rows(*stmt));
}

bool Connection::is_dolt() {
    if (!is_dolt_) {
        auto rows = query("SELECT dolt_version()");
        is_dolt_ = rows.has_value();
    }
    return *is_dolt_;
}

std::string Connection::server_version() {
    auto rows = query("SELECT VERSION()");
    if (!rows || rows->empty() || !(*rows)[0][0]) return "unknown";
    return *(*rows)[0][0];
}

std::vector<Param> params_of(const Row& cells) {
    std::vector<Param> params;
    params.reserve(cells.size());
    for (const std::optional<std::string>& cell : cells) {
        if (cell) {
            params.emplace_back(std::string_view(*cell));
        } else {
            params.emplace_back(nullptr);
        }
    }
    return params;
}

}  // namespace gad::core::sql
