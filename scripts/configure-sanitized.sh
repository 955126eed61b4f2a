#!/usr/bin/env bash
# Configures build-fuzz: clang 14 with ASan, UBSan and libFuzzer's coverage, the libraries,
# their unit tests and the fuzz harnesses (no gateway). scripts/sanitize.sh and
# scripts/fuzz.sh build what they need there.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DTESSERA_FUZZ=ON -DTESSERA_UNIT_ONLY=ON >/dev/null
