#!/usr/bin/env bash
# Installs what is missing, builds, and starts the gateway on its embedded default:
# S3 and Blob on 127.0.0.1:9000 and 127.0.0.1:10000, data under ~/.local/share/tessera
# (or $TESSERA_DATA), 3 simulated regions x 3 drives, RS(6,3). Arguments are passed to
# `tessera serve` (e.g. --data DIR --listen 127.0.0.1:9000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-deps.sh
bash scripts/build.sh
exec build/gateway/tessera serve "$@"
