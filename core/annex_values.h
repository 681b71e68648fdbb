// Which values from the location tables may enter a git-annex log line (the git-annex branch
// that git-annex-dolt sync writes) or a dolt-annex dataset branch: the one gate every writer of
// those, and every merge of a peer's rows, passes its values through, so that nothing the
// tables hold can forge a line git-annex reads.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "core/failure.h"

namespace gad::core::annex_values {

// The kinds of value a git-annex log line is built from.
enum class Kind {
    // A repository UUID: what git-annex's isUUID accepts (Data.UUID.fromString): 36 characters,
    // '-' at offsets 8, 13, 18 and 23, hexadecimal digits (either case) elsewhere. No version or
    // variant is required, so git-annex's special UUIDs pass (the web remote's
    // 00000000-0000-0000-0000-000000000001, bittorrent's ...0002). git-annex would store any
    // string as a UUID; ones it did not make itself are refused here.
    uuid,
    // An annex key in a branch log (it names the log's file): Key::check_syntax's grammar (no
    // control characters; '/' allowed, as in git-annex's URL keys, and no length limit).
    key,
    // An annex key that becomes a file name (a dolt-annex dataset row): Key::parse.
    stored_key,
    // A URL of a .log.web line: not empty; no CR, LF or NUL (git-annex keeps the rest of the
    // line, spaces included, as the URL).
    url,
    // A repository description (uuid.log): no CR, LF or NUL; may be empty.
    description,
    // A metadata field (KEY.log.met): not empty, valid UTF-8, no space or other ASCII control
    // or white space byte, not starting with '+' or '-' (which would read as a value).
    metadata_field,
    // A presence status: "1", "0" or "X".
    presence_status,
    // One word of a log line: a UUID-based log's first word, a MapLog's field, a chunk log's
    // UUID as the log formatters see them: not empty; no space, CR, LF or NUL.
    word,
    // Any other text a log line carries whole (trust, groups, remote config, preferred content,
    // remote state, settings): no CR, LF or NUL. (Metadata values need no check: they are
    // written base64-encoded, "!...", whenever they hold a space, CR, LF or NUL.)
    text,
};

// What a kind is called in messages: "repository UUID", "key", "URL", ...
std::string_view kind_name(Kind kind);

// Succeeds when value may enter a git-annex log as a value of kind; else fails with why, in a
// few words ("contains a line feed", "not a git-annex UUID (8-4-4-4-12 hex digits)").
Result<void> check(Kind kind, std::string_view value);

// value quoted for one line of a terminal: printable ASCII kept (backslash and the quote
// doubled as \\ and \'), every other byte \xNN, cut after max_bytes with "...".
std::string escaped(std::string_view value, std::size_t max_bytes = 120);

// One value kept out of a log.
struct Refusal {
    Kind kind = Kind::text;
    std::string value;
    std::string reason;  // check()'s message
    std::string where;   // what it was part of: "location of key K", "row of table urls", ...

    // The line naming it, without program name or newline: "refused repository UUID
    // 'abc\x0a...' (location of key K): contains a line feed". Every byte of it is printable.
    std::string line() const;
};

// Where refusals are reported as they happen (sync prints each to stderr).
using RefusalSink = std::function<void(const Refusal&)>;

// A writer's gate: checks values, counts and reports the ones refused.
class Gate {
  public:
    explicit Gate(RefusalSink sink = {}) : sink_(std::move(sink)) {}

    // True when value may enter a log as kind. Otherwise counts it and reports it with
    // where() (called only then, so it may format freely), and returns false.
    template <typename Where>
    bool admit(Kind kind, std::string_view value, Where&& where) {
        auto checked = check(kind, value);
        if (checked) return true;
        refuse(Refusal{kind, std::string(value), std::move(checked.error().message),
                       std::string(where())});
        return false;
    }

    // Counts and reports a refusal found otherwise.
    void refuse(const Refusal& refusal);

    std::size_t refused() const noexcept { return refused_; }

  private:
    RefusalSink sink_;
    std::size_t refused_ = 0;
};

}  // namespace gad::core::annex_values
