// The messages a program prints on stderr: each is one line, "<program>: <message>", with the
// program named once by main. Control characters in a message are escaped, so that a value
// quoted in it (a key, a URL, a server's error) cannot start a line of its own.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace gad::core::log {

// Names the program every message starts with; `name` must outlive the process (a literal).
// Called once by main, before any thread starts. Unset, the name is the executable's file name.
void set_program(const char* name);

// The name messages start with.
std::string_view program();

// `text` with every byte below 0x20 and 0x7f written as an escape ("\n", "\r", "\t", "\e" or
// "\xNN"), so it prints as one line.
std::string escape(std::string_view text);

// "<program>: <escaped message>\n" (with "warning: " before the message for warnings): what
// error() and warning() write.
std::string error_line(std::string_view message);
std::string warning_line(std::string_view message);

// Writes the error (or warning) line to stderr in one write, so that lines written by
// concurrent threads never mix.
void error(std::string_view message);
void warning(std::string_view message);

template <typename... Args>
void error(fmt::format_string<Args...> format, Args&&... args) {
    error(std::string_view(fmt::format(format, std::forward<Args>(args)...)));
}
template <typename... Args>
void warning(fmt::format_string<Args...> format, Args&&... args) {
    warning(std::string_view(fmt::format(format, std::forward<Args>(args)...)));
}

}  // namespace gad::core::log
