#!/usr/bin/env bash
# One command for a newcomer: install what is missing, build, and run the default scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-deps.sh
scripts/build.sh
scenario=${1:-scenarios/dma-stream.yaml}
echo
echo "== cimvp run $scenario"
build/cimvp run "$scenario" --out out/demo
