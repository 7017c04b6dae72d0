#!/usr/bin/env bash
# Profiles one simulation with perf (DWARF call graphs) and prints where its wall time goes, by kind
# of work (bench/time_budget.py). Installs linux-perf if it is missing. perf needs
# kernel.perf_event_paranoid <= 2 (the default on Debian) to profile its own child.
# Usage: bench/time_budget.sh [BUILD_DIR] [SCENARIO]
#   (default: build scenarios/mars-resnet18-cifar10.yaml)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
scenario=${2:-scenarios/mars-resnet18-cifar10.yaml}
if ! command -v perf >/dev/null; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    echo "time_budget: installing linux-perf"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends linux-perf
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# 15 kHz and 16 KiB of stack per sample: enough for SystemC's deepest thread stacks.
SYSC_DISABLE_COPYRIGHT_MESSAGE=1 perf record -q -F 15000 --call-graph dwarf,16384 -o "$work/perf.data" \
    "$build/cimvp" run "$scenario" --out "$work/out" --quiet >/dev/null
perf script -i "$work/perf.data" -F time,ip,sym 2>/dev/null >"$work/stacks.txt"
/usr/bin/python3 bench/time_budget.py "$work/stacks.txt"
