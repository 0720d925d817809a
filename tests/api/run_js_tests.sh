#!/usr/bin/env bash
# Runs the tests that drive `sinan serve` with the official openai npm client (tests/api/js): installs the
# client pinned in package-lock.json with `npm ci` when it is not installed yet, then `node --test`.
# CTest runs this with SINAN_BINARY set to the built binary.
set -euo pipefail
cd "$(dirname "$0")/js"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "run_js_tests.sh: node and npm are needed (bash scripts/install-deps.sh installs them)" >&2
  exit 1
fi
if [ ! -f node_modules/openai/package.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
exec node --test --test-concurrency=1
