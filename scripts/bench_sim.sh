#!/usr/bin/env bash
# Simulation speed benchmark: simulated clock cycles per second of the requant testbench (RTL,
# stream drivers, golden model and scoreboards together), the median of several repeats.
# Prints a summary and writes reports/bench_sim.json. Arguments go to `hycim bench` (--help).
# A benchmark, not a test: run it on a quiet machine and compare medians.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "${HYCIM_JOBS:-$(nproc)}" --target hycim
exec ./build/hycim bench "$@"
