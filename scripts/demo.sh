#!/usr/bin/env bash
# HyCIM's main job: set-up, configure, build the hycim program, then run an RTL-vs-golden
# scenario end to end with a waveform, and print the report.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "${HYCIM_JOBS:-$(nproc)}" --target hycim
./build/hycim list
./build/hycim run requant --config ci --seed "${HYCIM_SEED:-1}" --runs 8 --stall random \
  --trace --json reports/demo_requant.json
# The sparse-attention front end: pq_encoder raced by the behavioral crossbar, analog ramps in
# the waveform beside the WTA.
./build/hycim run pq --config ci --seed "${HYCIM_SEED:-1}" --runs 4 --stall random \
  --analog sim/chips/all_effects.toml --trace waves/pq_demo.fst --json reports/demo_pq.json
echo "More: ./build/hycim --help, ./build/hycim pq-study (plot: scripts/plot_pq_study.py), ./build/hycim run requant --config bert --len 4096, docs/README.md"
