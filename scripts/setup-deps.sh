#!/usr/bin/env bash
# Installs the Debian packages cimvp needs to build, test and run its demo.
# Idempotent: only packages that are missing are installed, and it says which.
set -euo pipefail

packages=(
    build-essential cmake pkg-config git
    libsystemc-dev           # SystemC 2.3.4 + TLM-2.0 (C++17 ABI, no CMake config: found via pkg-config)
    libyaml-cpp-dev          # netlists and scenarios
    libboost-dev             # header-only utilities
    zlib1g-dev               # CRC-32 of program images
    nlohmann-json3-dev       # report.json
    libgtest-dev libgmock-dev googletest
    libbenchmark-dev         # bench/
    libonnx-dev libprotobuf-dev protobuf-compiler   # ONNX import
    libonnx-testdata         # ONNX backend node tests (conformance suite)
    python3-numpy python3-matplotlib                # plots, run with /usr/bin/python3
    gtkwave                  # vcd2fst: the tests check that our VCD files load
)

missing=()
for pkg in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "setup-deps: all ${#packages[@]} packages already installed"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "setup-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup-deps: done"
