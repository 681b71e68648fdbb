// Metadata logs (KEY.log.met, Logs/MetaData.hs and Types/MetaData.hs): lines
// "TS field1 +value -value field2 +value", a value being set (+) or unset (-); values with a
// space, '\r' or '\n', or starting with '!', are written "!BASE64" (here also those with a NUL,
// which git-annex reads back the same). Per-remote metadata
// (KEY.log.rmet) has the same format, with fields "UUID:field".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "compat/logs/log_lines.h"
#include "core/timestamp.h"

namespace gad::compat::logs {

// One change of one value of one field.
struct MetadataEntry {
    core::Timestamp ts;
    std::string field;  // as written; git-annex compares fields ignoring case
    std::string value;  // decoded (never base64)
    bool set = true;    // true for "+value", false for "-value"

    bool operator==(const MetadataEntry&) const = default;
};

// Parses a metadata log into one entry per (field, value) change, in the order written. As
// git-annex, the first word after the timestamp is a field, a word starting '+' or '-' after a
// field is a value of it, and any other word starts a new field (which may have no values).
// Lines with a bad timestamp, no metadata, or a value with bad base64 are reported and skipped.
Parsed<MetadataEntry> parse_metadata_log(std::string_view text);

// The metadata currently set on one field.
struct CurrentField {
    std::string field;                // the spelling of the field's newest change
    std::vector<std::string> values;  // sorted by bytes

    bool operator==(const CurrentField&) const = default;
};

// The metadata in effect: for each (field ignoring ASCII case, value) the newest change wins
// (of equal timestamps, the later in the input); fields with no value set are left out.
// Sorted by case-folded field. git-annex's derived "lastchanged" fields are not included.
// (git-annex folds Unicode case too; here only ASCII letters are folded.)
std::vector<CurrentField> current_metadata(const std::vector<MetadataEntry>& entries);

// git-annex's serialisation: entries grouped into one line per timestamp, lines in timestamp
// order, fields sorted by case-folded name and values by bytes within a line, a value given
// twice in a line written once with its later flag; values needing it written "!BASE64".
// Entries whose field would not read back as written (core/annex_values.h: empty, starting with
// '+' or '-', white space or control bytes, not UTF-8) are left out.
std::string format_metadata_log(const std::vector<MetadataEntry>& entries);

// "+value" / "-value" as git-annex writes one value, base64-encoding it when it contains ' ',
// '\r', '\n' (or NUL, which git-annex would write raw) or starts with '!'.
std::string format_metadata_value(std::string_view value, bool set);

}  // namespace gad::compat::logs
