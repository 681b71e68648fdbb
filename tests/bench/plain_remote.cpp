// git-annex-remote-plain: the least an external special remote can do, as a floor for the bench.
//
// It keeps each object as DIRECTORY/KEY (written to a temporary name, then renamed), answers
// CHECKPRESENT with a stat and REMOVE with an unlink: no hash directories, no verification, no
// fsync, no database, no ASYNC. Timing git-annex against it shows what git-annex's own external
// special remote path costs per request, apart from anything git-annex-remote-dolt does.
// Not installed; built for tests/bench only.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

namespace {

namespace fs = std::filesystem;

// The words of `line` after the first `skip` ones: the last parameter may contain spaces.
std::string rest_after(const std::string& line, int skip) {
    std::size_t at = 0;
    for (int i = 0; i < skip; ++i) {
        at = line.find(' ', at);
        if (at == std::string::npos) return {};
        ++at;
    }
    return line.substr(at);
}

std::string word(const std::string& line, int index) {
    std::string rest = rest_after(line, index);
    return rest.substr(0, rest.find(' '));
}

bool copy_into(const fs::path& from, const fs::path& to) {
    std::error_code error;
    fs::path temp = to;
    temp += ".tmp";
    fs::copy_file(from, temp, fs::copy_options::overwrite_existing, error);
    if (error) return false;
    fs::rename(temp, to, error);
    return !error;
}

}  // namespace

int main() {
    std::ios::sync_with_stdio(false);
    fs::path directory;
    std::string line;
    auto reply = [](const std::string& text) { std::cout << text << '\n' << std::flush; };
    reply("VERSION 2");
    while (std::getline(std::cin, line)) {
        std::string request = word(line, 0);
        if (request == "EXTENSIONS") {
            reply("EXTENSIONS");
        } else if (request == "INITREMOTE" || request == "PREPARE") {
            reply("GETCONFIG directory");
            std::string value;
            std::getline(std::cin, value);
            directory = rest_after(value, 1);
            std::error_code error;
            if (directory.empty() || !fs::is_directory(directory, error)) {
                reply(request + "-FAILURE directory= must name an existing directory");
            } else {
                reply(request + "-SUCCESS");
            }
        } else if (request == "TRANSFER") {
            std::string direction = word(line, 1), key = word(line, 2);
            fs::path file = rest_after(line, 3), object = directory / key;
            bool ok = direction == "STORE" ? copy_into(file, object) : copy_into(object, file);
            reply((ok ? "TRANSFER-SUCCESS " : "TRANSFER-FAILURE ") + direction + " " + key +
                  (ok ? "" : " copy failed"));
        } else if (request == "CHECKPRESENT") {
            std::string key = word(line, 1);
            struct stat info;
            bool present = ::stat((directory / key).c_str(), &info) == 0;
            reply((present ? "CHECKPRESENT-SUCCESS " : "CHECKPRESENT-FAILURE ") + key);
        } else if (request == "REMOVE") {
            std::string key = word(line, 1);
            bool ok = ::unlink((directory / key).c_str()) == 0 || errno == ENOENT;
            reply((ok ? "REMOVE-SUCCESS " : "REMOVE-FAILURE ") + key +
                  (ok ? "" : " unlink failed"));
        } else {
            reply("UNSUPPORTED-REQUEST");
        }
    }
    return 0;
}
