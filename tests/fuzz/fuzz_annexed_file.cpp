// Fuzzes reading the key an annexed file names (a symlink target or a pointer file's content).
#include "compat/logs/annexed_file.h"
#include "fuzz_check.h"

using namespace gad::compat::logs;
using gad::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = gad::fuzz::as_text(data, size);
    for (bool is_symlink : {true, false}) {
        if (const auto key = annexed_file_key(text, is_symlink)) {
            check(!key->empty() && key->find("--") != std::string::npos, "keys are key-like", *key,
                  text);
        }
    }
    key_from_link_target(text);
    return 0;
}
