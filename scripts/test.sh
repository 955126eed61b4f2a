#!/usr/bin/env bash
# Installs what is missing (build deps and the real clients), builds, runs every unit and
# integration test, the conformance suite with real clients, then the fuzz harnesses.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-deps.sh --clients
bash scripts/build.sh
# The JavaScript clients of the conformance suite, pinned by their lockfiles.
npm ci --prefix conformance/s3/js --no-audit --no-fund --loglevel=error
npm ci --prefix conformance/blob/js --no-audit --no-fund --loglevel=error
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 600
TESSERA_BIN="$PWD/build/gateway/tessera" bash conformance/run.sh
# The unit tests again under ASan and UBSan (clang), then the libFuzzer harnesses built
# the same way, 30 s each.
bash scripts/sanitize.sh
bash scripts/fuzz.sh 30
