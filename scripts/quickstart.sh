#!/usr/bin/env bash
# One command from a fresh Debian/Ubuntu checkout to a built and running example image:
# installs the system packages and npm dependencies, compiles tsbuild, then runs scripts/demo.sh.
# Run as root (sudo): builds use namespaces and overlay mounts.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends attr busybox-static ca-certificates runc util-linux >/dev/null
npm ci --no-audit --no-fund
npm run build
bash scripts/demo.sh
