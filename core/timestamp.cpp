#include "core/timestamp.h"

#include <charconv>
#include <chrono>

namespace gad::core {

Timestamp Timestamp::now() {
    const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch).count();
    return Timestamp{ns / 1'000'000'000, static_cast<std::uint64_t>(ns % 1'000'000'000) * 1000};
}

Result<Timestamp> Timestamp::parse(std::string_view text) {
    std::string_view rest = text;
    if (!rest.empty() && rest.back() == 's') rest.remove_suffix(1);
    const auto dot = rest.find('.');
    const std::string_view whole = rest.substr(0, dot);
    Timestamp result;
    if (whole.empty()) return fail("bad timestamp '{}': no seconds", text);
    auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), result.seconds);
    if (ec != std::errc() || end != whole.data() + whole.size() || result.seconds < 0) {
        return fail("bad timestamp '{}'", text);
    }
    if (dot != std::string_view::npos) {
        const std::string_view fraction = rest.substr(dot + 1);
        if (fraction.empty() || fraction.size() > 12) {
            return fail("bad timestamp '{}': fraction must have 1 to 12 digits", text);
        }
        for (char c : fraction) {
            if (c < '0' || c > '9') return fail("bad timestamp '{}'", text);
            result.picoseconds = result.picoseconds * 10 + static_cast<std::uint64_t>(c - '0');
        }
        for (std::size_t i = fraction.size(); i < 12; ++i) result.picoseconds *= 10;
    }
    return result;
}

std::string Timestamp::to_decimal() const { return fmt::format("{}.{:012}", seconds, picoseconds); }

std::string Timestamp::to_log() const {
    if (picoseconds == 0) return fmt::format("{}s", seconds);
    std::string fraction = fmt::format("{:012}", picoseconds);
    while (fraction.back() == '0') fraction.pop_back();
    return fmt::format("{}.{}s", seconds, fraction);
}

}  // namespace gad::core
