// Small helpers the unit tests share.
#pragma once

#include <filesystem>
#include <optional>

namespace gad::test {

// The full path of program as the shell would find it on PATH, or nullopt.
std::optional<std::filesystem::path> on_path(const char* program);

}  // namespace gad::test
