#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole default test suite through ctest.
# Long sweeps carry the ctest label `long` and are left out; run them with
#   ctest --test-dir build -L long
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j"${CIMVP_JOBS:-2}" -LE long
