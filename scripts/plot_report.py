#!/usr/bin/python3
"""Turns one or several cimvp report.json files into PNG charts and a self-contained report.html.

usage: /usr/bin/python3 scripts/plot_report.py REPORT.json [REPORT.json ...] [--out DIR]

Charts: energy by component and event kind; per-layer latency (when the report has `layers`);
utilization over time (from the run's trace.json power counters, when it was traced); and, with
several reports, a side-by-side comparison of latency, energy and area. Uses Debian's
python3-matplotlib; run it with /usr/bin/python3.
"""
import argparse
import base64
import html
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt  # noqa: E402


def load(path):
    try:
        with open(path) as stream:
            report = json.load(stream)
    except (OSError, json.JSONDecodeError) as error:
        sys.exit(f"plot_report: error: {path}: {error}")
    if report.get("schema") != 1:
        sys.exit(f"plot_report: error: {path}: not a cimvp report (schema {report.get('schema')!r})")
    report["_path"] = path
    return report


def save(figure, directory, name):
    path = os.path.join(directory, name)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def energy_breakdown(report, directory, index):
    components = report["components"]
    names = [name for name in components if components[name]["energy_pj_total"] > 0]
    kinds = sorted({kind for name in names for kind in components[name]["energy_pj"]})
    figure, axis = plt.subplots(figsize=(8, 4.5))
    bottom = [0.0] * len(names)
    for kind in kinds:
        values = [components[name]["energy_pj"].get(kind, 0.0) / 1e6 for name in names]  # uJ
        axis.bar(names, values, bottom=bottom, label=kind)
        bottom = [b + v for b, v in zip(bottom, values)]
    axis.set_ylabel("energy (uJ)")
    axis.set_title(f"{report['scenario']}: energy by component and event")
    if kinds:
        axis.legend(fontsize=7, ncol=2)
    return save(figure, directory, f"energy_{index}.png")


def layer_latency(report, directory, index):
    layers = report.get("layers")
    if not layers:
        return None
    names = [layer["name"] for layer in layers]
    latency = [layer["latency_ns"] / 1e3 for layer in layers]
    figure, axis = plt.subplots(figsize=(max(6, len(names) * 0.35), 4))
    axis.bar(range(len(names)), latency)
    axis.set_xticks(range(len(names)))
    axis.set_xticklabels(names, rotation=90, fontsize=6)
    axis.set_ylabel("latency (us)")
    axis.set_title(f"{report['scenario']}: latency per layer")
    return save(figure, directory, f"layers_{index}.png")


def trace_events(report):
    """The run's Perfetto events, or None when it was not traced (or the file moved away)."""
    trace_path = report.get("timeline_summary", {}).get("perfetto")
    if not trace_path:
        return None
    if not os.path.exists(trace_path):
        trace_path = os.path.join(os.path.dirname(report["_path"]), os.path.basename(trace_path))
    if not os.path.exists(trace_path):
        return None
    with open(trace_path) as stream:
        return json.load(stream)["traceEvents"]


def utilization_over_time(events, report, directory, index, bins=200):
    names = {e["tid"]: e["args"]["name"] for e in events if e.get("ph") == "M" and e["name"] == "thread_name"}
    end = report["sim_time_ns"] / 1e3
    if end <= 0:
        return None
    width = end / bins
    busy = {}
    for event in events:
        if event.get("ph") != "X" or "." in names.get(event["tid"], "."):
            continue  # only the busy track of each instance
        row = busy.setdefault(names[event["tid"]], [0.0] * bins)
        start, stop = event["ts"], event["ts"] + event["dur"]
        first, last = int(start / width), min(int(stop / width), bins - 1)
        for b in range(first, last + 1):
            overlap = min(stop, (b + 1) * width) - max(start, b * width)
            if overlap > 0:
                row[b] += overlap / width
    if not busy:
        return None
    figure, axis = plt.subplots(figsize=(8, 4))
    times = [(b + 0.5) * width for b in range(bins)]
    for name, row in sorted(busy.items()):
        axis.plot(times, [100 * min(v, 1.0) for v in row], label=name, linewidth=0.8)
    axis.set_xlabel("time (us)")
    axis.set_ylabel("utilization (%)")
    axis.set_title(f"{report['scenario']}: utilization over time")
    axis.legend(fontsize=7)
    return save(figure, directory, f"utilization_{index}.png")


def power_over_time(events, report, directory, index):
    series = {}
    for event in events:
        if event.get("ph") == "C" and event["name"].endswith("power_mw"):
            series.setdefault(event["name"].replace(" power_mw", ""), []).append((event["ts"], event["args"]["value"]))
    if not series:
        return None
    figure, axis = plt.subplots(figsize=(8, 4))
    for name, points in sorted(series.items()):
        axis.plot([t for t, _ in points], [v for _, v in points], label=name, linewidth=0.8)
    axis.set_xlabel("time (us)")
    axis.set_ylabel("power (mW)")
    axis.set_title(f"{report['scenario']}: power over time")
    axis.legend(fontsize=7)
    return save(figure, directory, f"power_{index}.png")


def comparison(reports, directory):
    labels = [report["scenario"] for report in reports]
    metrics = [("latency (us)", lambda r: r["totals"]["latency_ns"] / 1e3),
               ("energy (uJ)", lambda r: r["totals"]["energy_pj"] / 1e6),
               ("area (mm2)", lambda r: r["totals"]["area_mm2"])]
    figure, axes = plt.subplots(1, 3, figsize=(11, 3.8))
    for axis, (title, value) in zip(axes, metrics):
        axis.bar(labels, [value(report) for report in reports])
        axis.set_title(title)
        axis.tick_params(axis="x", rotation=30, labelsize=7)
    return save(figure, directory, "comparison.png")


def embed(path):
    with open(path, "rb") as stream:
        data = base64.b64encode(stream.read()).decode()
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(os.path.basename(path))}">'


def summary_rows(report):
    rows = []
    for name, entry in report["components"].items():
        rows.append(f"<tr><td>{html.escape(name)}</td><td>{html.escape(entry['type'])}</td>"
                    f"<td>{entry['busy_ns'] / 1e3:.3f}</td><td>{100 * entry.get('utilization', 0):.1f}%</td>"
                    f"<td>{entry['energy_pj_total'] / 1e6:.3f}</td><td>{entry['area_um2'] / 1e6:.4f}</td></tr>")
    return "\n".join(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("reports", nargs="+", help="report.json files")
    parser.add_argument("--out", help="output folder (default: the first report's folder)")
    args = parser.parse_args()
    reports = [load(path) for path in args.reports]
    directory = args.out or os.path.dirname(os.path.abspath(args.reports[0]))
    os.makedirs(directory, exist_ok=True)

    sections = []
    images = []
    for index, report in enumerate(reports):
        events = trace_events(report)
        charts = [energy_breakdown(report, directory, index), layer_latency(report, directory, index)]
        if events:
            charts += [utilization_over_time(events, report, directory, index),
                       power_over_time(events, report, directory, index)]
        charts = [chart for chart in charts if chart]
        images += charts
        totals = report["totals"]
        sections.append(
            f"<h2>{html.escape(report['scenario'])}</h2>"
            f"<p>latency {totals['latency_ns'] / 1e3:.3f} us, energy {totals['energy_pj'] / 1e6:.3f} uJ, "
            f"area {totals['area_mm2']:.4f} mm2, simulated in {report['wall_time_s']:.2f} s</p>"
            "<table><tr><th>component</th><th>type</th><th>busy (us)</th><th>util</th><th>energy (uJ)</th>"
            f"<th>area (mm2)</th></tr>{summary_rows(report)}</table>" + "".join(embed(chart) for chart in charts))
    if len(reports) > 1:
        chart = comparison(reports, directory)
        images.append(chart)
        sections.insert(0, "<h2>comparison</h2>" + embed(chart))

    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>cimvp report</title><style>"
            "body{font-family:sans-serif;max-width:1100px;margin:auto} table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right} img{display:block;margin:12px 0}"
            "</style></head><body><h1>cimvp report</h1>" + "".join(sections) + "</body></html>\n")
    html_path = os.path.join(directory, "report.html")
    with open(html_path, "w") as stream:
        stream.write(page)
    for path in images:
        print(path)
    print(html_path)


if __name__ == "__main__":
    main()
