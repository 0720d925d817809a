#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for a short while on its seed corpus.
# Longer runs: FUZZ_SECONDS=600 bash scripts/fuzz-smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-20}
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSINAN_BUILD_FUZZERS=ON -DSINAN_BUILD_TESTS=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz_targets
for target in build-fuzz/fuzz/fuzz_*; do
  [ -x "$target" ] || continue
  name=$(basename "$target")
  seeds="fuzz/corpus/${name#fuzz_}"
  work=$(mktemp -d)
  echo "fuzz: $name for ${seconds}s (seeds: $seeds)"
  "$target" -max_total_time="$seconds" -rss_limit_mb=4096 -max_len=1048576 "$work" "$seeds" 2>&1 | tail -n 2
  rm -rf "$work"
done
