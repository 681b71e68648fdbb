// Fuzzes the metadata log parser (KEY.log.met, KEY.log.rmet): what git-annex's serialisation
// of the parsed changes holds is the same metadata.
#include <algorithm>

#include "compat/logs/metadata_log.h"
#include "log_checks.h"

using namespace gad::compat::logs;
using gad::fuzz::check;

namespace {

// The metadata with field names in lower case: git-annex's fields ignore case, and of the
// spellings of one field in one line format_metadata_log writes one.
std::vector<CurrentField> folded(std::vector<CurrentField> fields) {
    for (CurrentField& field : fields) {
        for (char& c : field.field) c = (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
    }
    return fields;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = gad::fuzz::as_text(data, size);
    const auto parsed = parse_metadata_log(text);
    gad::fuzz::check_errors(parsed, text);
    current_metadata(parsed.entries);
    // The formatter leaves out fields that would not read back (empty, starting with '+' or '-'
    // (read as a value unless first in a line), with white space or control bytes, not UTF-8):
    // whatever it writes, it writes the same again once read back.
    const std::string written = format_metadata_log(parsed.entries);
    const auto again = parse_metadata_log(written);
    check(again.errors.empty(), "what format_metadata_log writes parses", written);
    check(format_metadata_log(again.entries) == written, "formatting is stable",
          format_metadata_log(again.entries), written);
    // Fields of printable ASCII keep their metadata through formatting (of one field's
    // spellings in one line, one is written: compared ignoring case).
    std::vector<MetadataEntry> plain;
    for (const MetadataEntry& entry : parsed.entries) {
        const bool printable =
            std::ranges::all_of(entry.field, [](char c) { return c > ' ' && c < 0x7f; });
        if (printable && !entry.field.empty() && entry.field[0] != '+' && entry.field[0] != '-') {
            plain.push_back(entry);
        }
    }
    const std::string plain_written = format_metadata_log(plain);
    check(folded(current_metadata(parse_metadata_log(plain_written).entries)) ==
              folded(current_metadata(plain)),
          "formatting keeps the metadata", plain_written, text);
    for (const MetadataEntry& entry : parsed.entries) {
        const std::string value = format_metadata_value(entry.value, entry.set);
        check(value.find_first_of(" \r\n") == std::string::npos, "a value is one word", value);
    }
    return 0;
}
