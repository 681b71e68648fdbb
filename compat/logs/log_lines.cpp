#include "compat/logs/log_lines.h"

#include <fmt/format.h>

#include <array>

namespace gad::compat::logs {

std::vector<Line> split_lines(std::string_view text) {
    std::vector<Line> lines;
    std::size_t number = 1;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t end = text.find_first_of("\r\n", pos);
        const std::size_t stop = end == std::string_view::npos ? text.size() : end;
        if (stop > pos) lines.push_back(Line{number, text.substr(pos, stop - pos)});
        pos = stop;
        while (pos < text.size() && (text[pos] == '\r' || text[pos] == '\n')) {
            if (text[pos] == '\n') ++number;
            ++pos;
        }
    }
    return lines;
}

LineError line_error(const Line& line, std::string_view what, std::string_view text) {
    constexpr std::size_t shown = 80;
    std::string quoted;
    for (unsigned char c : text.substr(0, shown)) {
        if (c >= 0x20 && c < 0x7f) {
            quoted += static_cast<char>(c);
        } else {
            quoted += fmt::format("\\x{:02x}", c);
        }
    }
    if (text.size() > shown) quoted += "...";
    return LineError{line.number, fmt::format("line {}: {}: '{}'", line.number, what, quoted)};
}

std::optional<core::Timestamp> parse_log_timestamp(std::string_view text) {
    auto parsed = core::Timestamp::parse(text);
    if (!parsed) return std::nullopt;
    return *parsed;
}

std::expected<std::pair<core::Timestamp, std::string_view>, LineError> split_timestamp(
    const Line& line, std::string_view missing) {
    const std::size_t space = line.text.find(' ');
    if (space == std::string_view::npos) return std::unexpected(line_error(line, missing));
    const auto ts = parse_log_timestamp(line.text.substr(0, space));
    if (!ts) return std::unexpected(line_error(line, "bad timestamp"));
    return std::pair{*ts, line.text.substr(space + 1)};
}

void append_log_line(std::string& out, const core::Timestamp& ts, std::string_view first,
                     std::string_view rest) {
    out += ts.to_log();
    out += ' ';
    out += first;
    out += ' ';
    out += rest;
    out += '\n';
}

bool starts_with_space(std::string_view text, std::size_t& length) {
    if (text.empty()) return false;
    const auto c = static_cast<unsigned char>(text[0]);
    if (c == ' ' || (c >= '\t' && c <= '\r')) {
        length = 1;
        return true;
    }
    // The UTF-8 encodings of U+00A0 and of the Unicode space separators (category Zs) above it.
    static constexpr std::array<std::string_view, 16> spaces = {
        "\xc2\xa0",     "\xe1\x9a\x80", "\xe2\x80\x80", "\xe2\x80\x81",
        "\xe2\x80\x82", "\xe2\x80\x83", "\xe2\x80\x84", "\xe2\x80\x85",
        "\xe2\x80\x86", "\xe2\x80\x87", "\xe2\x80\x88", "\xe2\x80\x89",
        "\xe2\x80\x8a", "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80"};
    for (std::string_view space : spaces) {
        if (text.starts_with(space)) {
            length = space.size();
            return true;
        }
    }
    return false;
}

std::vector<std::string_view> split_words(std::string_view text) {
    std::vector<std::string_view> words;
    std::size_t pos = 0;
    std::size_t word_begin = std::string_view::npos;
    while (pos < text.size()) {
        std::size_t length = 0;
        if (starts_with_space(text.substr(pos), length)) {
            if (word_begin != std::string_view::npos) {
                words.push_back(text.substr(word_begin, pos - word_begin));
                word_begin = std::string_view::npos;
            }
            pos += length;
        } else {
            if (word_begin == std::string_view::npos) word_begin = pos;
            ++pos;
        }
    }
    if (word_begin != std::string_view::npos) words.push_back(text.substr(word_begin));
    return words;
}

}  // namespace gad::compat::logs
