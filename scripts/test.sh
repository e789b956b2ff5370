#!/usr/bin/env bash
# The whole HyCIM test suite: set-up, configure, build, then ctest (golden unit tests, RTL tests
# against the golden model, lint). Ends with ctest's summary; exits non-zero on any failure.
# Environment: HYCIM_SEED (base seed, default 1), HYCIM_JOBS (build jobs, default: all cores),
# HYCIM_ASAN=0 to skip the sanitizer pass (the unit tests again, built with ASan + UBSan),
# HYCIM_FULL=1 for the full tier too (preset full: the models of `full_configs` in
# rtl/config/hycim.toml: attn_top, relevance_unit, topk_select and sram_cim in bert, and
# their tests; about 10 minutes more on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
tier=default
[[ "${HYCIM_FULL:-0}" != 0 ]] && tier=full
cmake --preset "$tier" >/dev/null
cmake --build --preset "$tier" -j "${HYCIM_JOBS:-$(nproc)}"
if [[ "${HYCIM_ASAN:-1}" != 0 ]]; then
  # The golden model, analog models, harness and parsers under AddressSanitizer and
  # UndefinedBehaviorSanitizer (preset asan: test_units only; any finding fails the run).
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j "${HYCIM_JOBS:-$(nproc)}"
  ctest --preset asan
fi
ctest --preset "$tier" "$@"
