#!/usr/bin/env bash
# The whole HyCIM test suite: set-up, configure, build, then ctest (golden unit tests, RTL tests
# against the golden model, lint). Ends with ctest's summary; exits non-zero on any failure.
# Environment: HYCIM_SEED (base seed, default 1), HYCIM_JOBS (build jobs, default: all cores).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "${HYCIM_JOBS:-$(nproc)}"
ctest --preset default "$@"
