#!/usr/bin/python3
"""Puts several cimvp report.json files side by side as Markdown tables.

usage: scripts/compare_reports.py REPORT.json [REPORT.json ...] [--baseline N]

Rows: the check, latency and throughput, energy per inference split into DRAM background (standby
and refresh, which grow with run time), DRAM accesses and the chip, energy and area by component
type, the chip area with every weight on chip (workload `weights_on_chip`), weight-pool figures,
and the permutation crossbars' share of area and busy time. With --baseline N (1-based), each
report's ratio to report N is shown beside the figures that have one.
"""
import argparse
import json
import sys
from collections import defaultdict

DRAM_BACKGROUND_EVENTS = ("background", "ref")


def load(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, json.JSONDecodeError) as error:
        sys.exit(f"compare_reports: {path}: {error}")


def figures(report):
    """The numbers compared, by row name; None where a report has no such figure."""
    workload = report.get("workload", {})
    row = {}
    check = workload.get("check", {})
    row["outputs match reference"] = (
        f"{check.get('outputs_match')} ({check.get('compared')} compared)" if check else None)
    row["latency (ms)"] = report["totals"]["latency_ns"] / 1e6
    row["throughput (FPS)"] = workload.get("throughput_fps")
    energy = workload.get("energy_per_inference_pj", report["totals"]["energy_pj"])
    background = dram_dynamic = 0.0
    by_type_energy = defaultdict(float)
    by_type_area = defaultdict(float)
    crossbar_busy = 0.0
    for name, component in report["components"].items():
        kind = component["type"]
        by_type_energy[kind] += component.get("energy_pj_total", 0.0)
        by_type_area[kind] += component.get("area_um2", 0.0)
        if kind == "dram_controller":
            for event, pj in component.get("energy_pj", {}).items():
                if event in DRAM_BACKGROUND_EVENTS:
                    background += pj
                else:
                    dram_dynamic += pj
        if kind == "permutation_crossbar":
            crossbar_busy = max(crossbar_busy, component.get("busy_ns", 0.0))
    row["energy per inference (uJ)"] = energy / 1e6
    row["  DRAM background + refresh (uJ)"] = background / 1e6
    row["  DRAM accesses (uJ)"] = dram_dynamic / 1e6
    row["  chip, DRAM left out (uJ)"] = (report["totals"]["energy_pj"] - background - dram_dynamic) / 1e6
    for kind in sorted(by_type_energy):
        if kind != "dram_controller" and by_type_energy[kind] > 0:
            row[f"  {kind} (uJ)"] = by_type_energy[kind] / 1e6
    row["DRAM bytes moved (MiB)"] = sum(
        c.get("bytes_moved", 0) for c in report["components"].values() if c["type"] == "dram_controller") / 2**20
    row["platform area (mm2)"] = report["totals"]["area_mm2"]
    for kind in sorted(by_type_area):
        if by_type_area[kind] > 0:
            row[f"  {kind} (mm2)"] = by_type_area[kind] / 1e6
    resident = workload.get("weights_on_chip")
    if resident:
        row["area, all weights on chip (mm2)"] = resident["area_um2"] / 1e6
        row["  CIM macros holding the weights"] = resident["macros"]
        row["  their area (mm2)"] = resident["macro_area_um2"] / 1e6
        row["  pool index SRAM (mm2)"] = resident["index_sram_area_um2"] / 1e6
        row["  pool macros + crossbars (mm2)"] = resident["pool_hardware_area_um2"] / 1e6
    pool = workload.get("weight_pool")
    row["effective bits per weight"] = pool["effective_bits_per_weight"] if pool else None
    row["weight reconstruction error"] = pool["relative_error"] if pool else None
    if by_type_area.get("permutation_crossbar"):
        row["crossbar share of platform area"] = by_type_area["permutation_crossbar"] / (
            report["totals"]["area_mm2"] * 1e6)
        row["busiest crossbar's busy share of latency"] = crossbar_busy / report["totals"]["latency_ns"]
    return row


def cell(value, baseline=None):
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    text = f"{value:.4g}" if isinstance(value, float) else str(value)
    if isinstance(baseline, (int, float)) and not isinstance(baseline, bool) and baseline:
        text += f" ({value / baseline:.3g}x)"
    return text


def main():
    parser = argparse.ArgumentParser(description="Put cimvp reports side by side.")
    parser.add_argument("reports", nargs="+")
    parser.add_argument("--baseline", type=int, default=0, help="1-based report to show ratios against")
    args = parser.parse_args()
    if args.baseline < 0 or args.baseline > len(args.reports):
        sys.exit(f"compare_reports: --baseline must be 1..{len(args.reports)}")
    reports = [load(path) for path in args.reports]
    rows = [figures(report) for report in reports]
    names = []
    for row in rows:
        for name in row:
            if name not in names:
                names.append(name)
    base = rows[args.baseline - 1] if args.baseline else None
    print("| figure | " + " | ".join(r.get("scenario", "?") for r in reports) + " |")
    print("|---|" + "---|" * len(reports))
    for name in names:
        cells = [cell(row.get(name), base.get(name) if base and row is not base else None) for row in rows]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
