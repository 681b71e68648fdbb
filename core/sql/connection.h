// One connection to a MySQL-protocol server through libmysqlclient (MariaDB Connector/C): the only
// place that owns a MYSQL* or MYSQL_STMT*. Statements that carry data are always prepared.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/failure.h"
#include "core/sql/database_url.h"

struct st_mysql;
struct st_mysql_stmt;

namespace gad::core::sql {

// A statement parameter: SQL NULL, an integer, or bytes (text, keys, DECIMAL literals).
using Param = std::variant<std::nullptr_t, std::int64_t, std::string_view>;
using Row = std::vector<std::optional<std::string>>;
using Rows = std::vector<Row>;
// Called for each row of a streamed result; a failure stops the stream and is returned.
using RowVisitor = std::function<Result<void>(const Row&)>;

// A row's cells as parameters (an absent cell as NULL); they refer to cells, which must outlive
// them.
std::vector<Param> params_of(const Row& cells);

class Statement;

// How long a connection waits for its server: to connect, and for each read or write of a
// statement's traffic. A server that does not answer in time (frozen, or cut off by the network)
// fails the statement, and the connection is closed.
struct Timeouts {
    std::chrono::seconds connect{10};
    std::chrono::seconds io{600};  // long enough for a bulk load or a large Dolt commit
    static Timeouts all(std::chrono::seconds each) { return {each, each}; }
};

class Connection {
  public:
    // Connects to url with timeouts; password may be empty. Fails naming the database.
    static Result<Connection> open(const DatabaseUrl& url, const std::string& password = {},
                                   Timeouts timeouts = {});

    // Sets up the client library (open() does it on first use, once per process; about 1 ms, for
    // looking up the "mysql" service and loading OpenSSL's configuration). Callable from any
    // thread, so a program can have it done while it does other work.
    static void initialize_library();

    Connection(Connection&&) noexcept;
    Connection& operator=(Connection&&) noexcept;
    ~Connection();

    // Runs a statement without data and without results (DDL, BEGIN, COMMIT, SET ...).
    Result<void> execute(std::string_view sql);

    // Runs a statement without data through the text protocol and returns all its rows
    // (used for CALL DOLT_* procedures, which return result sets).
    Result<Rows> query(std::string_view sql);

    // Runs a prepared statement (prepared once per connection and cached by its text) with params.
    Result<Rows> query(std::string_view sql, const std::vector<Param>& params);

    // Like query(sql, params) but streams the rows to visit one at a time, in bounded memory; the
    // connection runs nothing else until it returns.
    Result<void> for_each(std::string_view sql, const std::vector<Param>& params,
                          const RowVisitor& visit);

    // Like query(sql, params) but returns the number of affected rows.
    Result<std::uint64_t> run(std::string_view sql, const std::vector<Param>& params);

    // Runs a LOAD DATA LOCAL INFILE statement, the server's bulk-load path, feeding it data as
    // the file's content (whatever file name the statement gives, no local file is ever read).
    // Returns the number of rows loaded. Fails when the server refuses LOCAL loading.
    Result<std::uint64_t> load_data(std::string_view sql, std::string_view data);

    // What load_data feeds the server (internal; kept at one address across moves).
    struct LocalInfile;

    // True when the server is Dolt (SELECT dolt_version() works); cached after the first call.
    bool is_dolt();

    // The server's version string (SELECT VERSION()).
    std::string server_version();

    // Cuts the connection, so that a statement another thread waits on fails at once, as do
    // later ones. The only member that may be called while another thread uses the connection.
    void interrupt();

  private:
    using Clock = std::chrono::steady_clock;
    Connection() = default;
    Result<Statement*> prepare(std::string_view sql);
    Failure failure(std::string_view what);
    // failure, saying so when it came after waiting out the read or write timeout since started.
    Failure timed(Failure failure, Clock::time_point started) const;

    struct Closer {
        void operator()(st_mysql* mysql) const;
    };
    std::unique_ptr<st_mysql, Closer> mysql_;
    std::map<std::string, std::unique_ptr<Statement>, std::less<>> statements_;
    std::optional<bool> is_dolt_;
    std::unique_ptr<LocalInfile> local_infile_;
    Timeouts timeouts_;
    std::string where_;  // the database, as named in messages
    int socket_ = -1;    // the connection's socket, for interrupt()
};

// Appends value to out in the text form LOAD DATA's default FIELDS ESCAPED BY '\\' reads back
// exactly: backslash, tab, newline, carriage return and NUL written as escape sequences.
void append_load_field(std::string& out, std::string_view value);

}  // namespace gad::core::sql
