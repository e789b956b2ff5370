#!/usr/bin/env bash
# HyCIM's main job: set-up, configure, build the hycim program, then run an RTL-vs-golden
# scenario end to end with a waveform, and print the report.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "${HYCIM_JOBS:-$(nproc)}" --target hycim
./build/hycim list
# The flagship: one head of the pretrained all-MiniLM-L6-v2 (the fixture's layer slot 1, layer 5)
# through attn_top, sparse and dense on the same RTL, every tensor compared with golden; cycles
# per stage, speedup, MAC utilization, error against the model's own float attention; waveform.
./build/hycim attention --fixture tests/attention/data/minilm --layer 1 --head 0 \
  --trace waves/attention_demo.fst --json reports/demo_attention.json
./build/hycim run requant --config ci --seed "${HYCIM_SEED:-1}" --runs 8 --stall random \
  --trace --json reports/demo_requant.json
# The sparse-attention front end: pq_encoder raced by the behavioral crossbar, analog ramps in
# the waveform beside the WTA.
./build/hycim run pq --config ci --seed "${HYCIM_SEED:-1}" --runs 4 --stall random \
  --analog sim/chips/all_effects.toml --trace waves/pq_demo.fst --json reports/demo_pq.json
echo "More: ./build/hycim --help, HYCIM_FULL=1 builds: ./build/hycim attention --config bert --random 512, ./build/hycim pq-study (plot: scripts/plot_pq_study.py), ./build/hycim run requant --config bert --len 4096, docs/README.md"
