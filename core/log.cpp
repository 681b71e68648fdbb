#include "core/log.h"

#include <errno.h>
#include <unistd.h>

#include <atomic>

namespace gad::core::log {
namespace {

std::atomic<const char*> program_name{nullptr};

std::string line(std::string_view prefix, std::string_view message) {
    std::string out(program());
    out += ": ";
    out += prefix;
    out += escape(message);
    out += '\n';
    return out;
}

void write_stderr(const std::string& text) {
    std::string_view rest = text;
    while (!rest.empty()) {
        const ssize_t written = ::write(STDERR_FILENO, rest.data(), rest.size());
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) return;  // Nowhere left to report it.
        rest.remove_prefix(static_cast<std::size_t>(written));
    }
}

}  // namespace

void set_program(const char* name) { program_name.store(name); }

std::string_view program() {
    const char* name = program_name.load();
    return name ? name : program_invocation_short_name;
}

std::string escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte != 0x7f) {
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '\x1b') {
            out += "\\e";
        } else {
            out += fmt::format("\\x{:02x}", byte);
        }
    }
    return out;
}

std::string error_line(std::string_view message) { return line("", message); }
std::string warning_line(std::string_view message) { return line("warning: ", message); }

void error(std::string_view message) { write_stderr(error_line(message)); }
void warning(std::string_view message) { write_stderr(warning_line(message)); }

}  // namespace gad::core::log
