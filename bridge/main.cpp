// git-annex-remote-dolt: git-annex's external special remote program for dolt-annex. Talks the
// protocol on stdin/stdout; also serves as the dolt sql-server supervisor when asked to.
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

#include "bridge/dolt_remote.h"
#include "core/annex_jobs.h"
#include "core/dolt/server.h"
#include "core/log.h"
#include "core/sql/connection.h"
#include "protocol/dispatcher.h"

int main(int argc, char** argv) {
    gad::core::log::set_program("git-annex-remote-dolt");
    if (int code = gad::core::dolt::maybe_run_supervisor(argc, argv); code >= 0) return code;
    if (argc > 1) {
        gad::core::log::error(
            "takes no arguments: git-annex runs it, once set up with git annex initremote NAME "
            "type=external externaltype=dolt encryption=none directory=PATH");
        return 2;
    }
    std::ios::sync_with_stdio(false);
    // The database client library sets itself up while git-annex and we exchange the first
    // messages (it would otherwise cost PREPARE about 1 ms, in every git-annex command).
    std::thread library_setup(gad::core::sql::Connection::initialize_library);
    int result = 0;
    {
        gad::bridge::DoltRemote remote(gad::core::should_negotiate_async());
        auto session = gad::protocol::serve(
            remote,
            []() -> std::optional<std::string> {
                std::string line;
                if (!std::getline(std::cin, line)) return std::nullopt;
                return line;
            },
            [](std::string_view line) {
                std::fwrite(line.data(), 1, line.size(), stdout);
                std::fputc('\n', stdout);
                std::fflush(stdout);
            });
        if (session.status != gad::protocol::SessionResult::Status::ok) result = 1;
    }
    library_setup.join();
    return result;
}
