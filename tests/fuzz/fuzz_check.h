// What every fuzz target shares: the libFuzzer entry point's signature, and check(), which stops
// the run as a crash (so that libFuzzer keeps the input) when a property of the code fails.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace gad::fuzz {

// Aborts, naming the broken property and the two values compared, when `ok` is false.
inline void check(bool ok, std::string_view what, std::string_view got = {},
                  std::string_view expected = {}) {
    if (ok) return;
    std::fprintf(stderr, "fuzz property failed: %.*s\n  got:      \"%.*s\"\n  expected: \"%.*s\"\n",
                 static_cast<int>(what.size()), what.data(), static_cast<int>(got.size()),
                 got.data(), static_cast<int>(expected.size()), expected.data());
    std::abort();
}

// The input as text.
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

}  // namespace gad::fuzz

// Called by libFuzzer (or standalone_main.cpp) once per input; returns 0.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
