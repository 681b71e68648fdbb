#include "test_tools.h"

#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <string>

namespace gad::test {

std::optional<std::filesystem::path> on_path(const char* program) {
    const char* path = std::getenv("PATH");
    if (path == nullptr) return std::nullopt;
    std::stringstream dirs(path);
    for (std::string dir; std::getline(dirs, dir, ':');) {
        const auto candidate = std::filesystem::path(dir.empty() ? "." : dir) / program;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return std::nullopt;
}

}  // namespace gad::test
