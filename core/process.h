// Running another program to completion (dolt, git) through Boost.Process, capturing its output.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/failure.h"

namespace gad::core {

struct ProcessOutput {
    int exit_code = 0;
    std::string output;  // stdout and stderr together
};

// Runs program (looked up on PATH) with args in directory cwd, stdin from /dev/null, and waits.
// Fails only when the program cannot be started; a non-zero exit is reported in the result.
Result<ProcessOutput> run_program(const std::string& program, const std::vector<std::string>& args,
                                  const std::filesystem::path& cwd);

// Like run_program, but a non-zero exit is a Failure quoting the last line of output.
Result<std::string> run_program_checked(const std::string& program,
                                        const std::vector<std::string>& args,
                                        const std::filesystem::path& cwd);

// The last non-empty line of a log file a program wrote, for a failure's message; empty when
// there is none (or no file).
std::string last_line_of(const std::filesystem::path& log);

}  // namespace gad::core
