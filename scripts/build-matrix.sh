#!/usr/bin/env bash
# The build matrix, nightly style (make build-matrix; not part of make test, which covers
# {Ninja, Debug} in asan-test and {Unix Makefiles, Release} in package-test): every generator,
# build type and host compiler from a clean folder, with -Werror, tests and benchmarks off.
# Each folder is deleted after its build. Prints one line per build and exits 1 if any failed.
# Usage: scripts/build-matrix.sh [JOBS]    Filter with GENERATORS, TYPES, COMPILERS (space lists).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="${1:-$(nproc)}"
generators="${GENERATORS:-Ninja|Unix Makefiles}"
types="${TYPES:-Debug Release RelWithDebInfo MinSizeRel}"
compilers="${COMPILERS:-gcc clang}"
work="$(mktemp -d "${TMPDIR:-/tmp}/trustmq-matrix.XXXXXX")"
trap 'rm -rf "$work"' EXIT

failed=0
IFS='|' read -r -a generator_list <<<"$generators"
for generator in "${generator_list[@]}"; do
  for type in $types; do
    for compiler in $compilers; do
      case "$compiler" in
        gcc) cc=gcc-12 cxx=g++-12 ;;
        clang) cc=clang-19 cxx=clang++-19 ;;
        *) echo "build-matrix: unknown compiler $compiler" >&2; exit 2 ;;
      esac
      dir="$work/b"
      log="$work/log"
      started=$(date +%s)
      if cmake -S "$root" -B "$dir" -G "$generator" -DCMAKE_BUILD_TYPE="$type" \
           -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" -DTRUSTMQ_WERROR=ON \
           -DTRUSTMQ_TESTS=OFF -DTRUSTMQ_BENCH=OFF >"$log" 2>&1 &&
         cmake --build "$dir" -j "$jobs" >>"$log" 2>&1; then
        result=ok
      else
        result=FAILED
        failed=1
        grep -E 'error|Error' "$log" | head -n 20 >&2
      fi
      echo "build-matrix: {$generator, $type, $compiler}: $result ($(($(date +%s) - started)) s)"
      rm -rf "$dir"
    done
  done
done
exit "$failed"
