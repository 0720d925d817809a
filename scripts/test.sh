#!/usr/bin/env bash
# Installs dependencies, builds sinan and runs every test (unit, golden-logits, CLI) and a short fuzz pass.
# Usage: bash scripts/test.sh        (as root on Debian 12; CI runs exactly this through .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")
bash scripts/fuzz-smoke.sh
