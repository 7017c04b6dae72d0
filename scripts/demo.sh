#!/usr/bin/env bash
# One command for a newcomer: install what is missing, build, and run the default scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-deps.sh
scripts/build.sh
scenario=${1:-scenarios/cimpool-resnet18.yaml}
echo
echo "== cimvp run $scenario"
build/cimvp run "$scenario" --out out/demo
echo
echo "docs/inspecting.md walks through the report, the timeline and the waveforms."
echo "Try one change: in scenarios/cimpool-resnet18.yaml set pool_size: 64, or in"
echo "scenarios/platforms/cimpool.yaml the DRAM standard to LPDDR4-3200, and run scripts/demo.sh again."
