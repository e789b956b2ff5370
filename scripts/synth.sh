#!/usr/bin/env bash
# Gate-level estimate per block (Yosys): cells, flip-flops, transistors, logic depth.
# Writes reports/synth.json and prints a table. Options go to scripts/synth.py (--help).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/synth.py "$@"
