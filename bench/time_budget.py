#!/usr/bin/python3
"""Where a simulation's wall time goes, by kind of work, from a DWARF call-graph profile.

Reads the text of `perf script -F time,ip,sym` (bench/time_budget.sh makes it) and keeps the
samples taken while SystemC simulates: their stacks run through sc_start or a SystemC thread.
Compilation, quantization and the reference interpreter run outside both and are left out.
Each sample goes to the category of its innermost frame that matches one, so the shares add up
to 100%; work done for tracing counts as tracing, whatever frame is innermost.

Usage: /usr/bin/python3 bench/time_budget.py PERF_SCRIPT_TEXT
"""
import collections
import sys

# (category, substrings of a frame's symbol). The first category whose substring a frame holds wins,
# and frames are looked at from the innermost out: a copy inside a memory target counts as a copy.
CATEGORIES = [
    ("arithmetic: CIM macro kernels", ["CimArray::run_fast", "CimArray::run_detailed"]),
    ("arithmetic: weight decode into the macro",
     ["CimArray::write_packed_weights", "CimArray::write_dense_weights", "decode_weights"]),
    ("arithmetic: vector unit kernels", ["cimvp::vector::"]),
    ("arithmetic: permutation crossbar routing", ["PermutationCrossbar::execute", "PermutationCrossbar::route",
                                                  "BenesNetwork::"]),
    ("data copies in memories", ["__memcpy", "__memset", "__memmove", "SparseStore::"]),
    ("memory targets: banks, timing", ["SramBuffer::", "DramController::"]),
    ("busy-time unions (utilization)", ["BusyTracker::add", "Component::record_busy"]),
    ("router: decode, port calendar", ["Router::"]),
    ("engine side of a transaction", ["CommandEngine::transfer", "PayloadPool", "CommandEngine::strided",
                                      "CommandEngine::block", "CommandEngine::read_rows",
                                      "CommandEngine::write_rows"]),
    ("register windows", ["register_access", "CommandEngine::ring_doorbell"]),
    ("SystemC kernel: waits, events, process switches", ["sc_core::", "qt_", "sc_cor"]),
    ("firmware: fetch, decode, issue", ["Scheduler::", "isa::"]),
    ("engines: command handling", ["SramCimMacro::", "VectorUnit::", "DmaEngine::", "CommandEngine::"]),
]
# Work done for tracing counts as tracing wherever it sits on the stack, copies and all.
TRACING = ("tracing: slices, waveforms, power samples",
           ["Tracer::", "record_traced_busy", "PowerSampler::", "trace_command", "trace_instruction",
            "trace_activity", "trace_bank"])
SIMULATING = ("sc_simcontext::simulate", "sc_thread_cor_fn", "qt_blocki")


def samples(path):
    """Yields each sample's frames, innermost first."""
    with open(path, errors="replace") as text:
        frames = None
        for line in text:
            stripped = line.strip()
            if not stripped:
                if frames:
                    yield frames
                frames = None
            elif frames is None:
                frames = []  # the sample's header line: its time
            else:
                parts = stripped.split(None, 1)
                if len(parts) == 2:
                    symbol = parts[1]
                    frames.append(symbol[:symbol.rfind(" (")] if " (" in symbol else symbol)
        if frames:
            yield frames


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    counts = collections.Counter()
    for frames in samples(sys.argv[1]):
        if not any(marker in frame for frame in frames for marker in SIMULATING):
            continue
        category = "other"
        if any(key in frame for frame in frames for key in TRACING[1]):
            frames, category = [], TRACING[0]
        for frame in frames:
            match = next((name for name, keys in CATEGORIES if any(key in frame for key in keys)), None)
            if match:
                category = match
                break
        counts[category] += 1
    total = sum(counts.values())
    if total == 0:
        sys.exit(f"time_budget: no sample of {sys.argv[1]} was taken while SystemC simulated")
    print(f"{total} samples while simulating")
    for category, count in counts.most_common():
        print(f"{100.0 * count / total:6.1f}%  {category}")


if __name__ == "__main__":
    main()
