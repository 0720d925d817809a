#!/usr/bin/env bash
# Installs what sinan needs to build and test, from Debian 12's packages only. Run as root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" -ne 0 ]; then echo "install-deps.sh: run as root (it calls apt-get)" >&2; exit 1; fi
packages=(
  build-essential cmake ninja-build pkg-config git xz-utils
  nlohmann-json3-dev libcpp-httplib-dev libpcre2-dev libutf8proc-dev libcli11-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
)
# Node.js and npm run the API tests with the official openai client (tests/api/js). Debian's packages, unless a
# node is installed already (NodeSource's nodejs brings its own npm and conflicts with Debian's npm package).
if ! command -v node >/dev/null; then packages+=(nodejs npm); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
