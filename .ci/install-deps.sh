#!/usr/bin/env bash
# Installs everything Tessera needs to build, test and run its conformance suite on
# Debian 12. Idempotent: packages already present are skipped quickly.
set -euo pipefail

BUILD_PKGS=(build-essential cmake ninja-build pkg-config libboost1.81-dev libssl-dev
  libpugixml-dev nlohmann-json3-dev liblmdb-dev libisal-dev liburing-dev libgtest-dev libgmock-dev libcli11-dev)
CLIENT_PKGS=(awscli python3-boto3 s3cmd rclone curl python3-azure-storage azure-cli
  clang-14 libclang-rt-14-dev)

want=("${BUILD_PKGS[@]}")
if [[ "${1:-}" == "--clients" ]]; then
  want+=("${CLIENT_PKGS[@]}")
  # Node may come from elsewhere (with its own npm); only fall back to Debian's.
  command -v npm >/dev/null || want+=(nodejs npm)
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
