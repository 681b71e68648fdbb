// Fuzzes Key::parse: no crash; an accepted key re-serialises exactly and parses again to the
// same key, its fields are consistent, and check_syntax() accepts whatever parse() accepts.
#include "core/key.h"
#include "fuzz_check.h"

using gad::core::Key;
using gad::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = gad::fuzz::as_text(data, size);
    auto key = Key::parse(text);
    auto syntax = Key::check_syntax(text);
    // Both refuse with one line naming what was wrong.
    if (!key) check(key.error().message.find('\n') == std::string::npos, "one-line error");
    if (!syntax) check(syntax.error().message.find('\n') == std::string::npos, "one-line error");
    // Whatever a store may keep is also a key by the branch's looser grammar.
    gad::core::hashdir_lower(text);
    gad::core::hashdir_mixed(text);
    if (!key) return 0;
    check(syntax.has_value(), "check_syntax accepts what parse accepts", text);
    check(key->to_string() == text, "to_string() is the text parsed", key->to_string(), text);
    check(key->to_string().size() <= Key::max_length, "length limit", key->to_string());
    check(!key->backend().empty() && !key->name().empty(), "backend and name are not empty", text);
    check(key->name() != "." && key->name() != ".." &&
              key->to_string().find_first_of("/\\") == std::string::npos,
          "a key is safe as a file name", text);
    auto again = Key::parse(key->to_string());
    check(again.has_value() && *again == *key && again->size() == key->size() &&
              again->mtime() == key->mtime() && again->chunk_size() == key->chunk_size() &&
              again->chunk_number() == key->chunk_number(),
          "Key::parse(k.to_string()) == k", text);
    const Key whole = key->without_chunk();
    check(!whole.is_chunk() && whole.name() == key->name() && whole.size() == key->size(),
          "without_chunk() drops only the chunk fields", whole.to_string(), text);
    check(Key::parse(whole.to_string()).has_value(), "without_chunk() parses", whole.to_string());
    check(key->hashdir_lower() == whole.hashdir_lower(), "chunks share their key's hashdir");
    check(key->hashdir_lower().size() == 8 && key->hashdir_mixed().size() == 6,
          "hash directory shapes", key->hashdir_lower() + " " + key->hashdir_mixed());
    return 0;
}
