#!/usr/bin/env bash
# Fails when a C++ source of the project differs from what clang-format (Debian's, with the
# repository's .clang-format) makes of it, naming each file; `clang-format -i FILE` fixes one.
set -euo pipefail
cd "${1:-$(dirname "$0")/../..}"
command -v clang-format >/dev/null || { echo "format check: clang-format is not installed (scripts/setup installs it)" >&2; exit 1; }
mapfile -t files < <(git ls-files -- '*.cpp' '*.h')
[ ${#files[@]} -gt 0 ] || { echo "format check: no sources found under $PWD" >&2; exit 1; }
drift=()
for f in "${files[@]}"; do
    clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || drift+=("$f")
done
if [ ${#drift[@]} -gt 0 ]; then
    printf 'format check: not clang-formatted: %s\n' "${drift[@]}" >&2
    echo "format check: ${#drift[@]} of ${#files[@]} files differ; run: clang-format -i FILE" >&2
    exit 1
fi
echo "format check: ${#files[@]} files clang-formatted ($(clang-format --version))"
