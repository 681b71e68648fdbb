#include "core/annex_jobs.h"

#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <string_view>

#include "core/file_reads.h"

namespace gad::core {
namespace {

// Whether a -J/--jobs value means more than one job.
bool concurrent(std::string_view value) {
    if (value == "cpus") return true;
    unsigned jobs = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), jobs);
    return error == std::errc{} && end == value.data() + value.size() && jobs > 1;
}

}  // namespace

bool asks_for_concurrent_jobs(std::span<const std::string> arguments) {
    bool answer = false;  // The last -J given wins, as in git-annex's option parser.
    for (std::size_t i = 0; i < arguments.size(); ++i) {
        std::string_view argument = arguments[i];
        if (argument == "--") break;
        std::optional<std::string_view> value;
        if (argument == "-J" || argument == "--jobs") {
            if (i + 1 < arguments.size()) value = arguments[++i];
        } else if (argument.starts_with("--jobs=")) {
            value = argument.substr(7);
        } else if (argument.starts_with("-J")) {
            value = argument.substr(2);
        }
        if (value) answer = concurrent(*value);
    }
    return answer;
}

std::optional<std::vector<std::string>> command_line_of(pid_t pid) {
    auto read = read_small_file("/proc/" + std::to_string(pid) + "/cmdline");
    if (!read || !*read) return std::nullopt;
    const std::string& all = **read;
    if (all.empty()) return std::nullopt;  // a zombie, or a kernel thread
    std::vector<std::string> arguments;
    for (std::size_t start = 0; start < all.size();) {
        std::size_t end = all.find('\0', start);
        if (end == std::string::npos) end = all.size();
        arguments.emplace_back(all, start, end - start);
        start = end + 1;
    }
    return arguments;
}

bool should_negotiate_async() {
    if (const char* forced = std::getenv("GIT_ANNEX_DOLT_ASYNC"); forced != nullptr) {
        std::string_view value = forced;
        if (value == "yes") return true;
        if (value == "no") return false;
    }
    std::optional<std::vector<std::string>> parent = command_line_of(::getppid());
    return !parent || asks_for_concurrent_jobs(*parent);
}

}  // namespace gad::core
