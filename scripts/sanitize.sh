#!/usr/bin/env bash
# Builds the libraries and their unit tests with clang, AddressSanitizer and UBSan into
# build-fuzz (the fuzz harnesses of scripts/fuzz.sh share those objects) and runs them.
# The integration tests, which run the gateway binary, stay in build/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/configure-sanitized.sh
cmake --build build-fuzz -j"$(nproc)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-fuzz --output-on-failure -j"$(nproc)" --timeout 600
