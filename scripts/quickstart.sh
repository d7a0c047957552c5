#!/usr/bin/env bash
# One command from a fresh Debian/Ubuntu checkout to a built and running example image:
# installs the system packages and npm dependencies, compiles tsbuild, then runs scripts/demo.sh.
# Run as root (sudo): builds use namespaces and overlay mounts.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# gcc and libdeflate-dev: npm ci builds tsbuild's native deflate (layers gzip about 1.8x faster).
apt-get install -y -qq --no-install-recommends attr busybox-static ca-certificates gcc libc6-dev libdeflate-dev runc util-linux >/dev/null
npm ci --no-audit --no-fund
npm run build
bash scripts/demo.sh
