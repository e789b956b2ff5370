#!/usr/bin/env bash
# hycim erabs on the checked-in digits network: a few images through erabs_ctrl with 0
# mismatches, every setting of the technique table in the JSON report with counts that obey the
# counting rule; a layer over the build through erabs_ctrl tile by tile (hycim erabs-layer --rtl);
# bad networks are refused before any run (exit 2, a message naming the file).
#   tests/cli/check_erabs.sh PATH/TO/hycim DATA_DIR
set -uo pipefail
hycim=$(realpath "$1")
data=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0
if ! "$hycim" erabs --network "$data" --rtl 3 --json "$dir/erabs.json" >"$dir/out.txt" 2>&1; then
  echo "check_erabs: hycim erabs failed:" >&2
  tail -20 "$dir/out.txt" >&2
  fail=1
fi
/usr/bin/python3 - "$dir/erabs.json" <<'PY' || fail=1
import json, sys
j = json.load(open(sys.argv[1]))
rows = {r["setting"]: r for r in j["settings"]}
want = ["ERA-BS", "no exponent quant.", "no bit flip", "no squeeze-out", "no activation skip",
        "PRUNE_LIKE", "ISAAC_LIKE"]
bad = []
if list(rows) != want: bad.append(f"settings {list(rows)}")
for name in ("ERA-BS", "PRUNE_LIKE", "ISAAC_LIKE"):
    r = rows[name]
    if r["rtl_images"] != 3 or r["rtl_compared"] == 0 or r["rtl_mismatches"] != 0:
        bad.append(f"{name}: RTL {r['rtl_images']} images, {r['rtl_compared']} compared, "
                   f"{r['rtl_mismatches']} mismatches")
for name, r in rows.items():
    if abs(r["adc_conversions_per_image"] - 16 * r["ou_reads_per_image"]) > 1e-6:
        bad.append(f"{name}: conversions are not 16 per read")
    if not 0 <= r["accuracy_pct"] <= 100 or r["ous_stored"] > r["ous_total"]:
        bad.append(f"{name}: accuracy {r['accuracy_pct']}, OUs {r['ous_stored']}/{r['ous_total']}")
# Switching dynamic skipping off never reads less; without bit flip nothing is emptied.
if rows["no activation skip"]["ou_reads_per_image"] < rows["ERA-BS"]["ou_reads_per_image"]:
    bad.append("dynamic skipping off read less")
if rows["no bit flip"]["ous_stored"] < rows["ERA-BS"]["ous_stored"]:
    bad.append("bit flip off stored fewer OUs")
# ISAAC_LIKE skips nothing; uniform quantization without flips or pruning is as accurate as float
# here within a few images.
if rows["ISAAC_LIKE"]["skipped_dynamic_per_image"] != 0 or rows["ISAAC_LIKE"]["skipped_static_per_image"] != 0:
    bad.append("ISAAC_LIKE skipped reads")
if not j["passed"] or not 50 < j["float_accuracy_pct"] <= 100:
    bad.append(f"passed {j['passed']}, float accuracy {j['float_accuracy_pct']}")
for b in bad: print("check_erabs:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
# A layer over the ci build (200 x 150: 2 x 2 tiles of 128 x 128) through erabs_ctrl tile by tile:
# 0 mismatches in the tiles' beats and counters and in the summed outputs, and with every row
# through the RTL its reads are the whole layer's count (golden::count_reads), ISAAC_LIKE's too.
/usr/bin/python3 - "$dir" <<'PY' || fail=1
import sys, numpy as np
r = np.random.default_rng(7)
np.save(f"{sys.argv[1]}/w.npy", r.standard_normal((200, 150)).astype(np.float32))
x = r.standard_normal((2, 200))
x[1] = np.maximum(x[1], 0)  # a ReLU row: its negative phase is skipped
np.save(f"{sys.argv[1]}/x.npy", x.astype(np.float32))
PY
if ! "$hycim" erabs-layer --w "$dir/w.npy" --x "$dir/x.npy" --out "$dir/y.npy" --json "$dir/l.json" \
    --rtl 2 >"$dir/layer.txt" 2>&1; then
  echo "check_erabs: hycim erabs-layer --rtl failed:" >&2
  tail -5 "$dir/layer.txt" >&2
  fail=1
fi
/usr/bin/python3 - "$dir/l.json" <<'PY' || fail=1
import json, sys
j = json.load(open(sys.argv[1]))
rtl, bad = j["rtl"], []
for name, r in (("ERA-BS", rtl["setting"]), ("ISAAC_LIKE", rtl["isaac"])):
    if r["tiles"] != 4 or r["rows"] != 2 or r["mismatches"] or r["output_mismatches"] \
            or r["outputs_compared"] != 300 or r["compared"] == 0 or r["cycles"] <= r["reads"]:
        bad.append(f"{name}: {r}")
if rtl["setting"]["reads"] != j["reads"] or rtl["setting"]["adc_conversions"] != j["adc_conversions"]:
    bad.append(f"RTL reads {rtl['setting']['reads']}, the layer's count {j['reads']}")
if rtl["isaac"]["reads"] != j["isaac_reads"]:
    bad.append(f"ISAAC_LIKE RTL reads {rtl['isaac']['reads']}, its table's {j['isaac_reads']}")
if not rtl["passed"]: bad.append("rtl.passed is false")
for b in bad: print("check_erabs:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
expect_error() {  # message fragment, hycim arguments...
  local want=$1; shift
  local out rc
  out=$("$hycim" "$@" 2>&1)
  rc=$?
  if [[ $rc -ne 2 || "$out" != *"$want"* ]]; then
    echo "check_erabs: 'hycim $*' should exit 2 with '$want' (exit $rc):" >&2
    echo "$out" | tail -4 >&2
    fail=1
  fi
}
expect_error "not a directory" erabs --network "$dir/none" --json "$dir/e.json"
mkdir -p "$dir/short"
cp "$data"/*.npy "$dir/short/"
cp "$data/w2.npy" "$dir/short/w3.npy"  # 64 x 64 where 64 x 10 belongs: labels still fit, b3 does not
expect_error "b3.npy N long" erabs --network "$dir/short" --json "$dir/e.json"
expect_error "--budget" erabs --network "$data" --budget 2 --json "$dir/e.json"
exit $fail
