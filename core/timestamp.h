// Exact git-annex log timestamps: whole seconds plus picoseconds, as written in presence logs
// ("1287290776.765152s") and stored in SQL as DECIMAL(24,12). Never compared as floats or strings.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/failure.h"

namespace gad::core {

struct Timestamp {
    std::int64_t seconds = 0;
    std::uint64_t picoseconds = 0;  // 0 .. 10^12 - 1

    auto operator<=>(const Timestamp&) const = default;

    // The current wall-clock time, with nanosecond resolution.
    static Timestamp now();

    // Parses "SECONDS[.FRACTION][s]" with up to 12 fractional digits; fails naming the text.
    static Result<Timestamp> parse(std::string_view text);

    // "SECONDS.FFFFFFFFFFFF" with all 12 fractional digits: the SQL DECIMAL(24,12) form.
    std::string to_decimal() const;

    // git-annex's log form: "SECONDS.FRACTIONs" with trailing zeros of the fraction dropped
    // (and no '.' when the fraction is zero).
    std::string to_log() const;
};

}  // namespace gad::core
