#!/usr/bin/env bash
# Builds and runs the fuzz targets for CTest (label "fuzz").
#   fuzz.sh build DIR            configure and build the fuzz project (CMakeLists.txt here) in DIR
#   fuzz.sh run DIR TARGET SECS [RUNS]
#                                run one target for SECS seconds (GAD_FUZZ_SECONDS overrides) on
#                                its checked-in seed corpus (corpus/TARGET) and what earlier runs
#                                found (DIR/corpus/TARGET); a crash fails, keeping the input in
#                                DIR/crashes/TARGET/ and printing its path.
# With clang 16+ and libFuzzer (Debian: clang-16 libclang-rt-16-dev libc++-16-dev
# libc++abi-16-dev, installed by scripts/setup) the targets use libFuzzer; without them, a
# seeded random mutator (standalone_main.cpp) built by the default compiler (or $CXX).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
targets=(line_codec dispatcher key presence_log uuid_based_log single_value_log chunk_log
         map_log metadata_log branch_file log_lines annexed_file)

# The first clang++ that builds C++23 with libc++ and links libFuzzer, or nothing.
find_clang() {
    local probe dir
    dir=$(mktemp -d)
    printf '%s\n' '#include <expected>' '#include <cstdint>' '#include <cstddef>' \
        'extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t*, std::size_t) {' \
        '  return std::expected<int, int>(0).value(); }' >"$dir/probe.cpp"
    for probe in clang++-19 clang++-18 clang++-17 clang++-16 clang++; do
        command -v "$probe" >/dev/null || continue
        if "$probe" -std=c++2b -stdlib=libc++ -fsanitize=fuzzer,address,undefined \
            "$dir/probe.cpp" -o "$dir/probe" -l:libstdc++.so.6 >/dev/null 2>&1; then
            rm -rf "$dir"; echo "$probe"; return
        fi
    done
    rm -rf "$dir"
}

case "${1:-}" in
build)
    dir=$2
    cxx=
    # GAD_FUZZ_ENGINE=standalone forces the fallback (to check that it still builds).
    if [ "${GAD_FUZZ_ENGINE:-}" != standalone ]; then cxx=$(find_clang); fi
    if [ -n "$cxx" ]; then
        engine=libfuzzer
    else
        engine=standalone cxx=${CXX:-c++}
        echo "fuzz: no clang with libFuzzer and libc++ found; using the seeded random mutator" \
             "built by $cxx (scripts/setup installs clang)"
    fi
    launcher=()
    if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
    cmake -S "$here" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE= -DCMAKE_CXX_COMPILER="$cxx" \
        -DGAD_FUZZ_ENGINE="$engine" "-DGAD_FUZZ_TARGETS=$(IFS=';'; echo "${targets[*]}")" "${launcher[@]}" \
        >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; exit 1; }
    echo "fuzz: $engine targets, built by $cxx"
    cmake --build "$dir"
    ;;
run)
    dir=$2 target=$3 seconds=${GAD_FUZZ_SECONDS:-$4} runs=${5:-}
    [ -x "$dir/fuzz_$target" ] || { echo "fuzz: $dir/fuzz_$target is not built" >&2; exit 1; }
    seeds=$here/corpus/$target
    found=$dir/corpus/$target crashes=$dir/crashes/$target
    mkdir -p "$found" "$crashes"
    rm -f "$crashes"/*
    status=0
    # -timeout: an input running over 10 s is a hang. Leaks count as crashes (ASan's default).
    # CI runs a fixed seed so that a landing does not depend on what a random run happens to
    # find; by hand each run draws its own (GAD_FUZZ_SEED picks one, as does a crash's log).
    # Under CI also a fixed number of inputs (RUNS), not a time: a faster machine would otherwise
    # try more of them than the runs that landed did (its time limit, four times SECS, only
    # guards against a slow one).
    seed=${GAD_FUZZ_SEED:-} limit=(-max_total_time="$seconds")
    if [ "${CI:-}" = true ]; then
        seed=${seed:-1}
        if [ -n "$runs" ] && [ -z "${GAD_FUZZ_SECONDS:-}" ]; then
            limit=(-runs="$runs" -max_total_time=$((seconds * 4)))
        fi
    fi
    "$dir/fuzz_$target" ${seed:+-seed="$seed"} "${limit[@]}" -timeout=10 -rss_limit_mb=2048 \
        -max_len=1024 -print_final_stats=1 -artifact_prefix="$crashes/" "$found" "$seeds" \
        2>"$dir/$target.log" || status=$?
    tail -n 5 "$dir/$target.log"
    kept=$(find "$crashes" -type f | head -n 1)
    if [ "$status" -ne 0 ] || [ -n "$kept" ]; then
        grep -E 'ERROR|fuzz property failed|  got: |  expected: |SUMMARY' "$dir/$target.log" | head -n 20 || true
        echo "fuzz_$target FAILED (exit $status); full log: $dir/$target.log"
        if [ -n "$kept" ]; then
            echo "crashing input kept at: $kept"
            echo "reproduce with: $dir/fuzz_$target $kept"
        fi
        exit 1
    fi
    ;;
list)
    echo "${targets[@]}"
    ;;
*)
    echo "usage: $0 build DIR | run DIR TARGET SECONDS | list" >&2
    exit 2
    ;;
esac
