#!/usr/bin/env bash
# The CIMPool reproduction (docs/reproduction.md): runs the dense 4-bit ResNet-18 baseline and the
# CIMPool ResNet-18 scenario, then the CIMPool scenario at pool sizes 32, 64 and 256, and puts the
# reports side by side. Every figure comes from the platform's own models in these runs.
#   usage: scripts/cimpool_reproduction.sh [OUT_DIR]     (default out/cimpool-reproduction; ~1 min)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/cimpool-reproduction}
case "$out" in /*) ;; *) out="$(pwd)/$out" ;; esac
cimvp=build/cimvp
[ -x "$cimvp" ] || { echo "cimpool_reproduction: build first (scripts/build.sh)" >&2; exit 1; }
mkdir -p "$out"

run() {  # run SCENARIO NAME [--set KEY=VALUE]...
    echo "== $2" >&2
    "$cimvp" run "$1" --out "$out/$2" --quiet "${@:3}"
}

run scenarios/sram-cim-resnet18-imagenet-w4a4.yaml dense-w4a4
run scenarios/cimpool-resnet18.yaml cimpool-128
# The sweep changes the pool size, and sizes each core's pool macro (one column per pool vector) and
# crossbar (one port per pool vector) to it; traces stay off.
for size in 32 64 256; do
    sets=(--set "scenario=cimpool-resnet18-pool$size" --set "workload.params.pool_size=$size" --set trace=null)
    for core in 0 1 2 3; do
        sets+=(--set "platform.modules.c${core}_pool.params.columns=$size")
        sets+=(--set "platform.modules.c${core}_xbar.params.ports=$size")
    done
    run scenarios/cimpool-resnet18.yaml "cimpool-$size" "${sets[@]}"
done

echo
echo "## Dense 4-bit baseline against CIMPool (ratios to the baseline)"
/usr/bin/python3 scripts/compare_reports.py "$out/dense-w4a4/report.json" "$out/cimpool-128/report.json" --baseline 1
echo
echo "## Pool size sweep"
/usr/bin/python3 scripts/compare_reports.py "$out"/cimpool-{32,64,128,256}/report.json --baseline 3
