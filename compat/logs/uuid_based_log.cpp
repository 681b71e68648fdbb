#include "compat/logs/uuid_based_log.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cstdint>

#include "core/annex_values.h"

namespace gad::compat::logs {

using core::annex_values::check;
using core::annex_values::Kind;
namespace {

constexpr std::string_view timestamp_field = "timestamp=";

// Appends the UTF-8 encoding of a code point as GHC's filesystem encoding writes it: lone
// surrogates U+DC80..U+DCFF stand for the undecodable byte 0x80..0xFF. False for other
// surrogates and beyond U+10FFFF, which have no encoding.
bool append_code_point(std::string& out, std::uint32_t cp) {
    if (cp >= 0xdc80 && cp <= 0xdcff) {
        out += static_cast<char>(cp - 0xdc00);
    } else if (cp >= 0xd800 && cp <= 0xdfff) {
        return false;
    } else if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp <= 0x10ffff) {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        return false;
    }
    return true;
}

// The code point of a white space character as starts_with_space matched it (1 to 3 bytes).
std::uint32_t space_code_point(std::string_view bytes) {
    const auto b = [&](std::size_t i) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i]));
    };
    switch (bytes.size()) {
        case 1:
            return b(0);
        case 2:
            return (b(0) & 0x1f) << 6 | (b(1) & 0x3f);
        default:
            return (b(0) & 0x0f) << 12 | (b(1) & 0x3f) << 6 | (b(2) & 0x3f);
    }
}

// git-annex's configUnEscape: "&NUM;" becomes the character NUM; anything else stays.
std::string config_unescape(std::string_view text) {
    std::string out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const char c = text[pos++];
        if (c != '&') {
            out += c;
            continue;
        }
        std::size_t digits = 0;
        while (pos + digits < text.size() && text[pos + digits] >= '0' &&
               text[pos + digits] <= '9') {
            ++digits;
        }
        std::uint32_t cp = 0;
        const auto [end, ec] = std::from_chars(text.data() + pos, text.data() + pos + digits, cp);
        const bool entity = digits > 0 && pos + digits < text.size() && text[pos + digits] == ';' &&
                            ec == std::errc();
        std::string decoded;
        if (entity && append_code_point(decoded, cp)) {
            out += decoded;
            pos += digits + 1;
        } else {
            out += '&';
        }
    }
    return out;
}

// git-annex's configEscape: white space and '&' become "&NUM;".
std::string config_escape(std::string_view text) {
    std::string out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t length = 0;
        if (starts_with_space(text.substr(pos), length)) {
            out += fmt::format("&{};", space_code_point(text.substr(pos, length)));
            pos += length;
        } else if (text[pos] == '&') {
            out += "&38;";
            ++pos;
        } else {
            out += text[pos++];
        }
    }
    return out;
}

}  // namespace

Parsed<UuidBasedEntry> parse_uuid_based_log(std::string_view text) {
    Parsed<UuidBasedEntry> result;
    for (const Line& line : split_lines(text)) {
        if (line.text.front() == ' ') {
            result.errors.push_back(line_error(line, "line without a UUID"));
            continue;
        }
        const std::size_t uuid_end = std::min(line.text.find(' '), line.text.size());
        UuidBasedEntry entry{std::string(line.text.substr(0, uuid_end)), {}, {}, false};
        // `rest` is empty or starts with the space after the UUID.
        const std::string_view rest = line.text.substr(uuid_end);
        if (!rest.empty()) {
            const std::size_t last_space = rest.rfind(' ');
            const std::string_view last_word = rest.substr(last_space + 1);
            std::optional<core::Timestamp> ts;
            if (last_word.starts_with(timestamp_field)) {
                ts = parse_log_timestamp(last_word.substr(timestamp_field.size()));
            }
            if (ts) {
                entry.ts = *ts;
                entry.has_timestamp = true;
                entry.value = last_space == 0 ? "" : rest.substr(1, last_space - 1);
            } else {
                entry.value = rest.substr(1);
            }
        }
        result.entries.push_back(std::move(entry));
    }
    return result;
}

std::vector<UuidBasedEntry> compact_uuid_based(std::vector<UuidBasedEntry> entries) {
    auto kept = newest_per(
        std::move(entries), [](const UuidBasedEntry& e) { return e.id; }, TieBreak::last_wins);
    std::ranges::sort(kept, {}, &UuidBasedEntry::id);
    return kept;
}

std::string format_uuid_based_log(const std::vector<UuidBasedEntry>& entries) {
    std::string out;
    for (const auto& e : entries) {
        if (!check(Kind::word, e.id) || !check(Kind::text, e.value)) continue;
        out += e.id;
        out += ' ';
        out += e.value;
        if (e.has_timestamp) {
            out += ' ';
            out += timestamp_field;
            out += e.ts.to_log();
        }
        out += '\n';
    }
    return out;
}

TrustLevel parse_trust_level(std::string_view value) {
    const auto words = split_words(value);
    if (words.empty()) return TrustLevel::trusted;
    if (words[0] == "1") return TrustLevel::trusted;
    if (words[0] == "0") return TrustLevel::untrusted;
    if (words[0] == "X") return TrustLevel::dead;
    return TrustLevel::semitrusted;
}

std::string_view format_trust_level(TrustLevel level) {
    switch (level) {
        case TrustLevel::trusted:
            return "1";
        case TrustLevel::untrusted:
            return "0";
        case TrustLevel::dead:
            return "X";
        case TrustLevel::semitrusted:
            break;
    }
    return "?";
}

TrustLevel parse_trust_setting(std::string_view value) {
    if (value == "1" || value == "trusted") return TrustLevel::trusted;
    if (value == "0" || value == "untrusted") return TrustLevel::untrusted;
    if (value == "X" || value == "dead") return TrustLevel::dead;
    return TrustLevel::semitrusted;
}

std::vector<std::string> parse_group_names(std::string_view value) {
    std::vector<std::string> groups;
    for (std::string_view word : split_words(value)) groups.emplace_back(word);
    std::ranges::sort(groups);
    const auto [first, last] = std::ranges::unique(groups);
    groups.erase(first, last);
    return groups;
}

std::string format_group_names(std::vector<std::string> groups) {
    std::ranges::sort(groups);
    const auto [first, last] = std::ranges::unique(groups);
    groups.erase(first, last);
    return fmt::format("{}", fmt::join(groups, " "));
}

std::vector<std::pair<std::string, std::string>> parse_remote_config(std::string_view value) {
    std::vector<std::pair<std::string, std::string>> config;
    for (std::string_view word : split_words(value)) {
        const std::size_t equals = std::min(word.find('='), word.size());
        std::string key(word.substr(0, equals));
        std::string val =
            equals < word.size() ? config_unescape(word.substr(equals + 1)) : std::string();
        auto same = std::ranges::find(config, key, &std::pair<std::string, std::string>::first);
        if (same != config.end()) {
            same->second = std::move(val);
        } else {
            config.emplace_back(std::move(key), std::move(val));
        }
    }
    return config;
}

std::string format_remote_config(std::vector<std::pair<std::string, std::string>> config) {
    // Like M.fromList then M.toList: the last value of a key, keys in order.
    std::vector<std::pair<std::string, std::string>> unique;
    for (auto& [key, val] : config) {
        auto same = std::ranges::find(unique, key, &std::pair<std::string, std::string>::first);
        if (same != unique.end()) {
            same->second = std::move(val);
        } else {
            unique.emplace_back(std::move(key), std::move(val));
        }
    }
    std::ranges::sort(unique);
    std::string out;
    for (const auto& [key, val] : unique) {
        if (!out.empty()) out += ' ';
        out += key;
        out += '=';
        out += config_escape(val);
    }
    return out;
}

}  // namespace gad::compat::logs
