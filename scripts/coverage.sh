#!/usr/bin/env bash
# RTL coverage: builds the `coverage` preset (every block verilated with --coverage), runs the RTL
# tests (each writes coverage_<test>.dat), merges them with verilator_coverage, writes an lcov
# HTML report and annotated sources, and prints line, toggle and branch coverage per module.
#
#   scripts/coverage.sh [ctest args...]     e.g. scripts/coverage.sh -R SyncFifo
#
# Outputs (under build-coverage/coverage/): merged.dat, coverage.info, html/index.html,
# annotated/ (sources with per-line hit counts), summary.json.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scripts/bootstrap.sh
cmake --preset coverage >/dev/null
cmake --build --preset coverage -j "${HYCIM_JOBS:-$(nproc)}"

out=$root/build-coverage/coverage
rm -rf "$out"
mkdir -p "$out/data"
echo "coverage: running the RTL tests (per-test data in $out/data)"
HYCIM_COV_DIR=$out/data ctest --preset coverage "$@"

shopt -s nullglob
dats=("$out"/data/coverage_*.dat)
if ((${#dats[@]} == 0)); then
  echo "coverage: error: no coverage_*.dat written (did any RTL test run?)" >&2
  exit 1
fi
echo "coverage: merging ${#dats[@]} data files"
verilator_coverage --write "$out/merged.dat" "${dats[@]}"
verilator_coverage --write-info "$out/coverage.info" "$out/merged.dat"
verilator_coverage --annotate "$out/annotated" --annotate-min 1 "$out/merged.dat" >/dev/null
genhtml --quiet --branch-coverage --output-directory "$out/html" \
  --title "HyCIM RTL coverage" "$out/coverage.info" >/dev/null
python3 scripts/cov_report.py "$out/merged.dat" --json "$out/summary.json" --root "$root"
echo "coverage: HTML report: $out/html/index.html"
