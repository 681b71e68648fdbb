#include "core/process.h"

#include <boost/process.hpp>
#include <fstream>

namespace gad::core {

namespace bp = boost::process;

Result<ProcessOutput> run_program(const std::string& program, const std::vector<std::string>& args,
                                  const std::filesystem::path& cwd) {
    const auto path = bp::search_path(program);
    if (path.empty()) return fail("{} is not installed (not found on PATH)", program);
    bp::ipstream out;
    std::error_code ec;
    bp::child child(path, bp::args(args), bp::start_dir = cwd.string(),
                    bp::std_in<bp::null, (bp::std_out & bp::std_err)> out, ec);
    if (ec) return fail("cannot run {}: {}", program, ec.message());
    ProcessOutput result;
    std::string line;
    while (std::getline(out, line)) {
        result.output += line;
        result.output += '\n';
    }
    child.wait(ec);
    result.exit_code = child.exit_code();
    return result;
}

Result<std::string> run_program_checked(const std::string& program,
                                        const std::vector<std::string>& args,
                                        const std::filesystem::path& cwd) {
    auto result = run_program(program, args, cwd);
    if (!result) return std::unexpected(result.error());
    if (result->exit_code != 0) {
        std::string last;
        std::string_view text = result->output;
        while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
        last = std::string(
            text.substr(text.rfind('\n') == std::string_view::npos ? 0 : text.rfind('\n') + 1));
        std::string command = program;
        if (!args.empty()) command += " " + args.front();
        return fail("`{}` failed (exit {}): {}", command, result->exit_code, last);
    }
    return std::move(result->output);
}

std::string last_line_of(const std::filesystem::path& log) {
    std::ifstream in(log);
    std::string line, last;
    while (std::getline(in, line)) {
        if (!line.empty()) last = line;
    }
    return last;
}

}  // namespace gad::core
