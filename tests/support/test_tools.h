// Small helpers the unit tests share.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace gad::test {

// The full path of program as the shell would find it on PATH, or nullopt.
std::optional<std::filesystem::path> on_path(const char* program);

// The SHA-256 of content in lowercase hex, as SHA256E keys carry it.
std::string sha256_hex(std::string_view content);

}  // namespace gad::test
