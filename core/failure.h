// Failure values returned (never thrown) across core's interfaces, in the shape of ccache's
// tl::expected<T, Failure>: a one-line message for the user, plus whether it was a timeout.
#pragma once

#include <fmt/format.h>

#include <expected>
#include <string>
#include <utility>

namespace gad::core {

struct Failure {
    // error: a plain failure; timeout: took too long; unreachable: the server or host cannot be
    // reached; transient: a conflict with a concurrent writer, worth retrying at once;
    // unpublished: written and committed here, but a Dolt remote did not take it (removepush).
    enum class Kind { error, timeout, unreachable, transient, unpublished };
    Kind kind = Kind::error;
    // One line, naming what was wrong; shown to the user as the reason of a *-FAILURE reply.
    std::string message;
};

template <typename T>
using Result = std::expected<T, Failure>;

// Builds an error Failure from a fmt format string.
template <typename... Args>
std::unexpected<Failure> fail(fmt::format_string<Args...> format, Args&&... args) {
    return std::unexpected(
        Failure{Failure::Kind::error, fmt::format(format, std::forward<Args>(args)...)});
}

// Builds a Failure of the given kind from a fmt format string.
template <typename... Args>
std::unexpected<Failure> fail(Failure::Kind kind, fmt::format_string<Args...> format,
                              Args&&... args) {
    return std::unexpected(Failure{kind, fmt::format(format, std::forward<Args>(args)...)});
}

}  // namespace gad::core
