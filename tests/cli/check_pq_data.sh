#!/usr/bin/env bash
# hycim pq-study --data refuses, before any simulation, a missing or wrong directory, a missing
# file, arrays of the wrong type or shape, layer/head slots out of range, an unknown --mapping and
# an unknown --effect, each with a message naming it.
#   tests/cli/check_pq_data.sh PATH/TO/hycim FIXTURE_DIR
set -uo pipefail
hycim=$(realpath "$1")
fixture=$(realpath "$2")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0
expect_error() {  # message fragment, hycim pq-study arguments...
  local want=$1; shift
  local out rc
  out=$("$hycim" pq-study --tokens 64 --chips 1 --json "$dir/r.json" --table "$dir/r.md" "$@" 2>&1)
  rc=$?
  if [[ $rc -eq 0 || "$out" != *"$want"* || "$out" == *"ideal chip"* ]]; then
    echo "check_pq_data: 'hycim pq-study $*' should fail before the run with '$want' (exit $rc):" >&2
    echo "$out" | tail -4 >&2
    fail=1
  fi
}
# An INT8 .npy file of a given shape (numpy's own header layout, no numpy needed).
write_i8() {  # path, shape...
  python3 - "$@" <<'PY'
import struct, sys
path, shape = sys.argv[1], [int(v) for v in sys.argv[2:]]
dims = ", ".join(str(v) for v in shape) + ("," if len(shape) == 1 else "")
hdr = "{'descr': '|i1', 'fortran_order': False, 'shape': (%s), }" % dims
hdr += " " * (63 - (10 + len(hdr)) % 64) + "\n"
n = 1
for v in shape:
    n *= v
with open(path, "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode() + bytes(n))
PY
}
copy_fixture() {  # a fresh copy of the fixture's Q/K in $dir/d
  rm -rf "$dir/d" && mkdir "$dir/d" && cp "$fixture"/*_[qk]_i8.npy "$fixture/manifest.json" "$dir/d/"
}
touch "$dir/file"
mkdir "$dir/empty"
expect_error "--data $dir/none: no such directory" --data "$dir/none"
expect_error "--data $dir/file: not a directory" --data "$dir/file"
expect_error "no calibration Q/K" --data "$dir/empty"
expect_error "--layer and --head need --data" --layer 0
copy_fixture
rm "$dir/d/eval0_k_i8.npy"
expect_error "eval0_k_i8.npy is missing" --data "$dir/d"
copy_fixture
rm "$dir/d/eval0_q_i8.npy" "$dir/d/eval0_k_i8.npy" "$dir/d/eval1_q_i8.npy" "$dir/d/eval1_k_i8.npy"
expect_error "no evaluation Q/K" --data "$dir/d"
copy_fixture
cp "$fixture/scales_f64.npy" "$dir/d/calib_q_i8.npy"
expect_error "holds dtype '<f8'" --data "$dir/d"
copy_fixture
write_i8 "$dir/d/calib_q_i8.npy" 2 3 1536
expect_error "want 4 dimensions" --data "$dir/d"
copy_fixture
write_i8 "$dir/d/calib_q_i8.npy" 2 3 1536 12
write_i8 "$dir/d/calib_k_i8.npy" 2 3 1536 12
expect_error "head dimension 12 (the last axis)" --data "$dir/d"
copy_fixture
write_i8 "$dir/d/calib_q_i8.npy" 2 3 1536 72
write_i8 "$dir/d/calib_k_i8.npy" 2 3 1536 72
expect_error "head dimension 72" --data "$dir/d"
copy_fixture
write_i8 "$dir/d/eval1_k_i8.npy" 2 3 100 32
expect_error "eval1_q_i8.npy has shape (2, 3, 128, 32), eval1_k_i8.npy (2, 3, 100, 32)" \
  --data "$dir/d"
copy_fixture
write_i8 "$dir/d/eval1_q_i8.npy" 2 2 128 32
write_i8 "$dir/d/eval1_k_i8.npy" 2 2 128 32
expect_error "evaluation sequence 1 has shape (2, 2, 128, 32), want (2, 3, tokens > 0, 32)" \
  --data "$dir/d"
copy_fixture
write_i8 "$dir/d/calib_q_i8.npy" 2 3 8 32
write_i8 "$dir/d/calib_k_i8.npy" 2 3 8 32
expect_error "8 calibration rows, the codebook needs 16" --data "$dir/d"
expect_error "--layer 2: $fixture has 2 slots (0..1)" --data "$fixture" --layer 2
expect_error "--head 3: $fixture has 3 slots (0..2)" --data "$fixture" --layer 1 --head 3
# The study's own options: an unknown crossbar mapping or effect.
expect_error "mapping = 'diff' is not a crossbar mapping (known: offset differential" --mapping diff
expect_error "--effect prog is not an effect of the study (known: prog_sigma" --effect prog
if ((fail)); then exit 1; fi
echo "check_pq_data: ok"
