// A stand-in for libFuzzer where clang's is not available: runs every file of the corpus
// directories given, then mutates them at random (fixed seed) until the time is up. Accepts
// libFuzzer's -max_total_time=S, -artifact_prefix=P and -seed=N; other options are ignored. When
// an input crashes the target (abort, a sanitizer report, a signal), it is written to
// P + "crash-input" first. Builds with ASan/UBSan like the libFuzzer targets.
#include <fcntl.h>
#include <sanitizer/common_interface_defs.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "fuzz_check.h"

namespace {

std::string crash_path;      // Where the current input goes if it crashes.
const std::string* current;  // The input being run.

void keep_current_input() {
    if (!current) return;
    const int fd = ::open(crash_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return;
    [[maybe_unused]] ssize_t n = ::write(fd, current->data(), current->size());
    ::close(fd);
    static const char note[] = "fuzz: crashing input kept at ";
    [[maybe_unused]] ssize_t m = ::write(2, note, sizeof note - 1);
    m = ::write(2, crash_path.data(), crash_path.size());
    m = ::write(2, "\n", 1);
}

void on_signal(int signal) {
    keep_current_input();
    std::signal(signal, SIG_DFL);
    std::raise(signal);
}

void run(const std::string& input) {
    current = &input;
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
    current = nullptr;
}

std::string mutate(std::string input, const std::vector<std::string>& corpus,
                   std::mt19937_64& rng) {
    auto pick = [&](std::size_t n) { return n == 0 ? 0 : rng() % n; };
    const char interesting[] = " \n\r\t-_./&%:=+!0123456789sJX\x00\xff";
    for (int changes = 1 + pick(4); changes > 0; --changes) {
        switch (pick(6)) {
            case 0:  // flip a bit
                if (!input.empty()) input[pick(input.size())] ^= 1 << pick(8);
                break;
            case 1:  // insert a character
                input.insert(input.begin() + pick(input.size() + 1),
                             interesting[pick(sizeof interesting - 1)]);
                break;
            case 2:  // erase a run
                if (!input.empty()) {
                    std::size_t at = pick(input.size());
                    input.erase(at, 1 + pick(std::min<std::size_t>(8, input.size() - at)));
                }
                break;
            case 3:  // replace with a random byte
                if (!input.empty()) input[pick(input.size())] = static_cast<char>(rng());
                break;
            case 4:  // duplicate a run
                if (!input.empty()) {
                    std::size_t at = pick(input.size());
                    input.insert(at, input.substr(at, 1 + pick(16)));
                }
                break;
            default:  // splice in part of another input
                if (!corpus.empty()) {
                    const std::string& other = corpus[pick(corpus.size())];
                    std::size_t from = pick(other.size() + 1);
                    input.insert(pick(input.size() + 1), other.substr(from, pick(64)));
                }
        }
    }
    if (input.size() > 1024) input.resize(1024);
    return input;
}

}  // namespace

int main(int argc, char** argv) {
    double seconds = 10;
    std::uint64_t seed = 1;
    std::vector<std::string> corpus;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.starts_with("-max_total_time=")) {
            seconds = std::stod(arg.substr(16));
        } else if (arg.starts_with("-artifact_prefix=")) {
            crash_path = arg.substr(17);
        } else if (arg.starts_with("-seed=")) {
            seed = std::stoull(arg.substr(6));
        } else if (!arg.starts_with("-")) {
            std::error_code ec;
            for (const auto& entry : std::filesystem::directory_iterator(arg, ec)) {
                std::ifstream in(entry.path(), std::ios::binary);
                corpus.emplace_back(std::istreambuf_iterator<char>(in),
                                    std::istreambuf_iterator<char>());
            }
        }
    }
    crash_path += "crash-input";
    __sanitizer_set_death_callback(keep_current_input);
    for (int signal : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) std::signal(signal, on_signal);

    for (const std::string& input : corpus) run(input);
    std::mt19937_64 rng(seed);
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    std::size_t runs = corpus.size();
    for (; std::chrono::steady_clock::now() < end; ++runs) {
        const std::string base = corpus.empty() ? std::string() : corpus[rng() % corpus.size()];
        const std::string input = mutate(base, corpus, rng);
        run(input);
        if (runs % 16 == 0 && input.size() < 1024) corpus.push_back(input);
    }
    std::printf("Done %zu runs in %.0f second(s) (standalone, seed %llu)\n", runs, seconds,
                static_cast<unsigned long long>(seed));
    return 0;
}
