#!/usr/bin/env bash
# Simulation cost of whole networks against the reference interpreter: runs each scenario once and
# prints the wall time of the simulation (sc_start to the end) over the wall time of the integer
# interpreter running the same network on the same input in the same process.
# Usage: bench/network_ratio.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
printf '%-40s %12s %12s %8s\n' scenario simulation_s reference_s ratio
for scenario in scenarios/mars-resnet18-cifar10.yaml scenarios/sram-cim-resnet18-imagenet-w4a4.yaml; do
    out=$(mktemp -d)
    "$build/cimvp" run "$scenario" --out "$out" --quiet >/dev/null
    /usr/bin/python3 - "$out/report.json" "$scenario" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
simulation = report["wall_time_s"]
reference = report["workload"]["reference_wall_s"]
print(f"{sys.argv[2]:<40} {simulation:12.3f} {reference:12.3f} {simulation / reference:8.1f}")
PY
    rm -rf "$out"
done
