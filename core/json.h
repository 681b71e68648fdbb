// The little JSON that dolt-annex's files need (repos/*.repo, config.json; JSON5 when dolt-annex
// wrote them): quoting a string, and reading one field of a flat object.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gad::core {

// text as a JSON string literal, with quotes and escapes.
std::string json_string(std::string_view text);

// The value of the first field called name in text, its key in double, single or no quotes: the
// content of a string value ("..." or '...', escapes left as written) or a number as written;
// nullopt when no such field has a string or number value. Nesting is not looked at, so the
// field is found in any object of text.
std::optional<std::string> json_field(std::string_view text, std::string_view name);

}  // namespace gad::core
