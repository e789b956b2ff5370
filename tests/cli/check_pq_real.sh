#!/usr/bin/env bash
# hycim pq-study --data on a small sample of the MiniLM fixture (one head, 32 Q + 32 K tokens,
# one chip, the offset mapping, whose sensitivity the checks below assume): it runs, the JSON
# report has the real-data fields with consistent values, and scripts/plot_pq_study.py draws it
# (scripts/check_png.py checks the PNG).
#   tests/cli/check_pq_real.sh PATH/TO/hycim FIXTURE_DIR OUT_DIR PLOT_PYTHON
set -uo pipefail
hycim=$(realpath "$1")
fixture=$(realpath "$2")
out=$3
py=$4
src=$(dirname "$(realpath "$0")")/../..
mkdir -p "$out"
rm -f "$out/pq_real.json" "$out/pq_real.md" "$out/pq_real.png"
if ! "$hycim" pq-study --data "$fixture" --layer 1 --head 2 --tokens 64 --chips 1 --mapping offset \
    --json "$out/pq_real.json" --table "$out/pq_real.md" >"$out/pq_real.log" 2>&1; then
  echo "check_pq_real: hycim pq-study --data failed:" >&2
  tail -5 "$out/pq_real.log" >&2
  exit 1
fi
"$py" - "$out/pq_real.json" <<'PY' || exit 1
import json, sys
r = json.load(open(sys.argv[1]))
bad = []
def want(cond, what):
    if not cond:
        bad.append(what)
want(r.get("tokens") == "real", "tokens == real")
want(r.get("mapping") == "offset", "mapping == offset (--mapping)")
want(r.get("active_groups") == 4, "active_groups == 4")
d = r.get("data", {})
want(d.get("layout") == "fixture" and d.get("head_dim") == 32 and d.get("padded_to") == 64,
     "data: fixture layout, head_dim 32 padded to 64")
want(d.get("calibration_rows") == 1536, "1536 calibration rows")
want(d.get("evaluation_tokens_q") == 32 and d.get("evaluation_tokens_k") == 32, "32 + 32 tokens")
h = r.get("heads", [])
want(len(h) == 1 and h[0].get("label") == "L5H6" and h[0].get("layer_slot") == 1
     and h[0].get("head_slot") == 2, "one head, L5H6 at slots 1, 2")
want(len(r.get("head_thresholds_worst_chip_vs_ideal_pct", [])) == 1, "per-head thresholds")
pts = r.get("points", [])
want(len(pts) == 59, f"59 points, got {len(pts)}")
for p in pts:
    ph = p.get("per_head", [])
    if len(ph) != 1 or abs(ph[0]["agree_ideal_pct"]["mean"] - p["agree_ideal_pct"]["mean"]) > 1e-9:
        bad.append(f"{p['effect']} {p['level']}: per_head is not the pooled value of one head")
        break
    if not 0 <= p["agree_ideal_pct"]["min"] <= p["agree_ideal_pct"]["max"] <= 100:
        bad.append(f"{p['effect']} {p['level']}: agreement out of [0, 100]")
        break
# The smallest levels leave codes alone, the largest do not. Agreement counts the 4 active groups
# only: counting the 4 inactive ones too (code 0 on every chip) would lift prog_sigma 0.1 (about
# 11 % measured) above 50 %.
first = {p["effect"]: p for p in reversed(pts)}
want(first["g_off"]["agree_ideal_pct"]["mean"] > 90, "g_off 0.1 keeps > 90 %")
worst = min(p["agree_ideal_pct"]["mean"] for p in pts if p["effect"] == "prog_sigma")
want(worst < 40, f"prog_sigma 0.1 costs codes (worst {worst:.1f} %)")
if bad:
    print("check_pq_real: " + "; ".join(bad), file=sys.stderr)
    sys.exit(1)
PY
"$py" "$src/scripts/plot_pq_study.py" "$out/pq_real.json" -o "$out/pq_real.png" || exit 1
"$py" "$src/scripts/check_png.py" --size 2000x800 --min-colors 6 --color '#1f77b4' \
  --color '#ff7f0e' --color '#2ca02c' --color '#d62728' --color '#7f7f7f' "$out/pq_real.png" ||
  exit 1
echo "check_pq_real: ok"
