#!/usr/bin/python3
"""Writes docs/conformance.md from the output of the ONNX node conformance suite.

Usage: tests/conformance/conformance_report.py BUILD_DIR [OUTPUT]
Runs BUILD_DIR/tests/conformance_onnx_node_conformance_test --gtest_filter=OnnxNodeSuite.Summary,
so the page always lists what the current build does, not what someone remembers.
"""
import collections
import os
import re
import subprocess
import sys


def run_suite(build_dir):
    binary = os.path.join(build_dir, "tests", "conformance_onnx_node_conformance_test")
    env = dict(os.environ, SYSC_DISABLE_COPYRIGHT_MESSAGE="1")
    result = subprocess.run([binary, "--gtest_filter=OnnxNodeSuite.Summary"], capture_output=True, text=True, env=env)
    return result.stdout


def parse(output):
    passed, failed, skipped, totals = [], [], [], None
    for line in output.splitlines():
        if line.startswith("passed "):
            passed.append(line.split()[1])
        elif line.startswith("FAILED "):
            name, _, reason = line[len("FAILED "):].partition(": ")
            failed.append((name, reason))
        elif line.startswith("skipped "):
            name, _, reason = line[len("skipped "):].partition(": unsupported: ")
            skipped.append((name, reason))
        elif re.fullmatch(r"\d+ passed, \d+ failed, \d+ skipped", line):
            totals = line
    if totals is None:
        sys.exit("conformance_report.py: the suite printed no totals line; did it crash?")
    return passed, failed, skipped, totals


def operator_groups(passed):
    """Passing cases grouped by the name stem after test_, e.g. test_conv_with_strides -> conv."""
    groups = collections.defaultdict(list)
    for name in passed:
        groups[name[len("test_"):].split("_")[0]].append(name)
    return groups


def write(path, passed, failed, skipped, totals):
    by_operator = collections.defaultdict(list)
    other = []
    for name, reason in skipped:
        match = re.fullmatch(r"unsupported operator (\S+)", reason)
        if match:
            by_operator[match.group(1)].append(name)
        else:
            other.append((name, reason))
    lines = [
        "# ONNX backend node conformance",
        "",
        "The float reference interpreter is checked against the ONNX backend node tests that Debian's",
        "`libonnx-testdata` (ONNX 1.12) installs in `/usr/share/libonnx-testdata/data/node`. Each case is",
        "imported with `import_onnx`, run with `run_float` on `test_data_set_0`, and every output is compared",
        "as `|a - b| <= 1e-7 + 1e-3 * |b|`. A case whose operators all have an implementation is also a ctest",
        "case of its own (`OnnxNode/NodeTest.MatchesReference/<case>`); `OnnxNodeSuite.Summary` runs them all.",
        "",
        "An int64 graph input (a Reshape target shape, Slice bounds, axes, pads, repeats) is frozen into a",
        "constant before import, because shapes are compile-time values in cimvp; constant folding then",
        "evaluates what depends only on constants. Everything else is fed at run time.",
        "",
        "A case is skipped, never counted as passed, when the importer rejects it as unsupported: an operator",
        "without an implementation, or a supported operator with an attribute value, data type or optional",
        "output that cimvp does not implement (the reason is the importer's own error message).",
        "",
        "This page is generated: `tests/conformance/conformance_report.py BUILD_DIR` rewrites it.",
        "",
        "## Totals",
        "",
        "`" + totals + "`",
        "",
    ]
    if failed:
        lines += ["## Failing", ""] + [f"- `{name}`: {reason}" for name, reason in failed] + [""]
    lines += ["## Passing", ""]
    for stem, names in sorted(operator_groups(passed).items()):
        lines.append(f"- **{stem}** ({len(names)}): " + ", ".join(f"`{n}`" for n in names))
    lines += ["", "## Skipped: supported operator, unsupported attribute, type or form", ""]
    lines += [f"- `{name}`: {reason}" for name, reason in other]
    lines += ["", "## Skipped: unsupported operator", "",
              "The first operator of the case that cimvp does not implement, with the cases it blocks.", ""]
    for operator, names in sorted(by_operator.items(), key=lambda item: (-len(item[1]), item[0])):
        lines.append(f"- **{operator}** ({len(names)}): " + ", ".join(f"`{n}`" for n in names))
    with open(path, "w") as page:
        page.write("\n".join(lines) + "\n")


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__.strip().splitlines()[2])
    output_path = sys.argv[2] if len(sys.argv) == 3 else os.path.join(os.path.dirname(__file__), "..", "..", "docs",
                                                                      "conformance.md")
    write(output_path, *parse(run_suite(sys.argv[1])))


if __name__ == "__main__":
    main()
