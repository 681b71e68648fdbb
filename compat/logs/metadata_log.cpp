#include "compat/logs/metadata_log.h"

#include <openssl/evp.h>

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "core/annex_values.h"

namespace gad::compat::logs {

using core::annex_values::check;
using core::annex_values::Kind;

namespace {

std::string base64_encode(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                       reinterpret_cast<const unsigned char*>(bytes.data()),
                                       static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(length));
    return out;
}

// Strict base64 (padded, no white space), as git-annex's fromB64Maybe; nullopt if invalid.
std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    for (char c : text) {
        if (c == ' ' || (c >= '\t' && c <= '\r')) return std::nullopt;
    }
    std::string out(text.size() / 4 * 3, '\0');
    const int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                       reinterpret_cast<const unsigned char*>(text.data()),
                                       static_cast<int>(text.size()));
    if (length < 0) return std::nullopt;
    std::size_t padding = 0;
    if (text.ends_with("==")) {
        padding = 2;
    } else if (text.ends_with("=")) {
        padding = 1;
    }
    out.resize(static_cast<std::size_t>(length) - padding);
    return out;
}

std::string fold_case(std::string_view field) {
    std::string folded(field);
    for (char& c : folded) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return folded;
}

}  // namespace

std::string format_metadata_value(std::string_view value, bool set) {
    std::string out(1, set ? '+' : '-');
    if (value.find_first_of(std::string_view(" \r\n\0", 4)) != std::string_view::npos ||
        value.starts_with('!')) {
        out += '!';
        out += base64_encode(value);
    } else {
        out += value;
    }
    return out;
}

Parsed<MetadataEntry> parse_metadata_log(std::string_view text) {
    Parsed<MetadataEntry> result;
    for (const Line& line : split_lines(text)) {
        auto split = split_timestamp(line, "metadata line without metadata");
        if (!split) {
            result.errors.push_back(std::move(split.error()));
            continue;
        }
        const core::Timestamp ts = split->first;
        std::vector<MetadataEntry> entries;
        std::optional<std::string_view> field;
        bool bad = false;
        std::string_view rest = split->second;
        while (true) {
            const std::size_t end = std::min(rest.find(' '), rest.size());
            const std::string_view word = rest.substr(0, end);
            const bool is_value = field && !word.empty() && (word[0] == '+' || word[0] == '-');
            if (!is_value) {
                field = word;
            } else if (word.size() > 1 && word[1] == '!') {
                auto decoded = base64_decode(word.substr(2));
                if (!decoded) {
                    result.errors.push_back(line_error(line, "bad base64 in metadata value", word));
                    bad = true;
                    break;
                }
                entries.push_back(
                    MetadataEntry{ts, std::string(*field), std::move(*decoded), word[0] == '+'});
            } else {
                entries.push_back(MetadataEntry{ts, std::string(*field),
                                                std::string(word.substr(1)), word[0] == '+'});
            }
            if (end == rest.size()) break;
            rest.remove_prefix(end + 1);
        }
        if (!bad) {
            result.entries.insert(result.entries.end(), std::make_move_iterator(entries.begin()),
                                  std::make_move_iterator(entries.end()));
        }
    }
    return result;
}

std::vector<CurrentField> current_metadata(const std::vector<MetadataEntry>& entries) {
    // (folded field, value) -> the index of its newest change.
    std::map<std::pair<std::string, std::string_view>, std::size_t> newest;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const auto [it, inserted] =
            newest.try_emplace({fold_case(entries[i].field), entries[i].value}, i);
        if (!inserted && entries[i].ts >= entries[it->second].ts) it->second = i;
    }
    std::vector<CurrentField> fields;
    std::string current_folded;
    std::optional<core::Timestamp> spelling_ts;
    for (const auto& [id, index] : newest) {
        const MetadataEntry& e = entries[index];
        if (!e.set) continue;
        if (fields.empty() || id.first != current_folded) {
            fields.push_back(CurrentField{e.field, {}});
            current_folded = id.first;
            spelling_ts = e.ts;
        } else if (e.ts >= *spelling_ts) {
            fields.back().field = e.field;
            spelling_ts = e.ts;
        }
        fields.back().values.push_back(e.value);  // the map iterates values in byte order
    }
    return fields;
}

std::string format_metadata_log(const std::vector<MetadataEntry>& entries) {
    std::vector<const MetadataEntry*> sorted;
    for (const auto& e : entries) sorted.push_back(&e);
    std::ranges::stable_sort(sorted, {}, [](const MetadataEntry* e) { return e->ts; });

    std::string out;
    for (std::size_t begin = 0; begin < sorted.size();) {
        std::size_t end = begin;
        // folded field -> (spelling, value -> set)
        std::map<std::string, std::pair<std::string_view, std::map<std::string_view, bool>>> line;
        for (; end < sorted.size() && sorted[end]->ts == sorted[begin]->ts; ++end) {
            const MetadataEntry& e = *sorted[end];
            if (!check(Kind::metadata_field, e.field)) continue;
            auto& [spelling, values] = line[fold_case(e.field)];
            if (spelling.empty()) spelling = e.field;
            values[e.value] = e.set;
        }
        if (line.empty()) {
            begin = end;
            continue;
        }
        out += sorted[begin]->ts.to_log();
        for (const auto& [folded, field] : line) {
            out += ' ';
            out += field.first;
            for (const auto& [value, set] : field.second) {
                out += ' ';
                out += format_metadata_value(value, set);
            }
        }
        out += '\n';
        begin = end;
    }
    return out;
}

}  // namespace gad::compat::logs
