#!/usr/bin/env bash
# Simulation cost of whole networks against the reference interpreter. Each scenario runs RUNS times
# (default 3); every run times the integer interpreter on the same network and input in the same
# process, three times over (the fastest counts: the first also pays for touching fresh memory),
# then the simulation (sc_start to the end). Prints each run, the median of each column, and the
# median of the runs' ratios.
# Usage: bench/network_ratio.sh [BUILD_DIR] [RUNS]   (default: build 3)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
runs=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%-40s %12s %12s %12s %8s\n' scenario simulation_s reference_s ref_first_s ratio
for scenario in scenarios/mars-resnet18-cifar10.yaml scenarios/sram-cim-resnet18-imagenet-w4a4.yaml; do
    for run in $(seq "$runs"); do
        # Three reference runs, so that the fastest can be the denominator.
        "$build/cimvp" run "$scenario" --set workload.params.reference_runs=3 --out "$work/out$run" --quiet >/dev/null
    done
    /usr/bin/python3 - "$scenario" "$work" "$runs" <<'PY'
import json, statistics, sys
scenario, work, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = []
for run in range(1, runs + 1):
    report = json.load(open(f"{work}/out{run}/report.json"))
    workload = report["workload"]
    rows.append((report["wall_time_s"], workload["reference_wall_s"], workload["reference_first_wall_s"]))
for sim, ref, first in rows:
    print(f"{scenario:<40} {sim:12.3f} {ref:12.3f} {first:12.3f} {sim / ref:8.1f}")
# The ratio's median is over each run's own ratio: a run's simulation and reference slow down
# together when the machine does, while medians taken column by column may pair different runs.
sim, ref, first = (statistics.median(column) for column in zip(*rows))
ratio = statistics.median(s / r for s, r, _ in rows)
print(f"{'  median':<40} {sim:12.3f} {ref:12.3f} {first:12.3f} {ratio:8.1f}")
PY
done
