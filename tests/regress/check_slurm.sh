#!/usr/bin/env bash
# The smoke tier locally and as a Slurm job array on a one-machine cluster (scripts/slurm_local.sh,
# loopback only), with the same base seed: every run must have the same seed, outcome, failure
# signature and stream-element counts. Starts Slurm if it is not running and then stops it again.
# Opt-in (ctest label slurm; configure with -DHYCIM_SLURM_TEST=ON): it installs and starts
# services. Prints the wall time of both.
#   tests/regress/check_slurm.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
out=$(mktemp -d)
started=0
cleanup() {
  ((started)) && scripts/slurm_local.sh stop || true
  rm -rf "$out"
}
trap cleanup EXIT
eval "$(scripts/slurm_local.sh env)"
if ! sinfo -h >/dev/null 2>&1; then
  scripts/slurm_local.sh start
  started=1
fi
python3 scripts/regress.py --tier smoke --no-build --build "$build" --seed 7 --quiet \
  --out "$out/local" >"$out/local.txt"
python3 scripts/regress.py --tier smoke --no-build --build "$build" --seed 7 --quiet --slurm \
  --slurm-chunk 8 --out "$out/slurm" >"$out/slurm.txt"
python3 - "$out/local/summary.json" "$out/slurm/summary.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda s: {r["id"]: (r["seed"], r["status"], r["signature"], r["beats"]) for r in s["results"]}
ka, kb = key(a), key(b)
diff = sorted(i for i in set(ka) | set(kb) if ka.get(i) != kb.get(i))
print(f"check_slurm: local  {a['runs']} runs, {a['passed']} passed, {a['wall_seconds']:.1f} s wall ({a['jobs']} jobs)")
print(f"check_slurm: Slurm  {b['runs']} runs, {b['passed']} passed, {b['wall_seconds']:.1f} s wall ({b['jobs']} array tasks)")
if diff or a["beats"] != b["beats"]:
    for i in diff[:10]:
        print(f"check_slurm: {i}: local {ka.get(i)} vs Slurm {kb.get(i)}")
    sys.exit("check_slurm: the Slurm run differs from the local run")
if a["failed"]:
    sys.exit("check_slurm: the smoke tier failed (locally and on Slurm alike)")
print(f"check_slurm: identical: {len(ka)} runs, same seeds, outcomes, signatures and {sum(a['beats'].values()):,} stream elements")
PY
