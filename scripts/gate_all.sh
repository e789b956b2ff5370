#!/usr/bin/env bash
# The whole gate-level run, opt-in (docs/gate_level.md, "The full run"): every top of the ci
# configuration through scripts/synth.py --liberty osu018 (attn_top with --noshare), the FPGA
# place and route of each (scripts/fpga.py; attn_top only with --with-attn-fpga), the workload
# power of requant_top when a -DHYCIM_GATE_POWER=ON build is given, then one gate JSON for all
# blocks, its table and the area chart. Each step's log and time go to OUT/logs/.
#   scripts/gate_all.sh [--out DIR] [--power-build BUILD_DIR] [--skip-fpga] [--with-attn-fpga]
#                       [--block B]...   (only these tops)
# The steps, measured one by one on 2 cores (docs/gate_level.md): about 48 minutes of synthesis
# (40 of them attn_top) and 80 of FPGA place and route.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/reports/gate
power_build=
fpga=1
attn_fpga=0
tops=(requant_top pq_encoder erabs_ctrl softmax_unit layernorm_unit sfln_unit attn_top)
picked=()
while (($#)); do
  case "$1" in
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --power-build) power_build=${2:?--power-build needs a build directory}; shift 2 ;;
    --skip-fpga) fpga=0; shift ;;
    --with-attn-fpga) attn_fpga=1; shift ;;
    --block)
      [[ " ${tops[*]} " == *" ${2:-} "* ]] || { echo "gate_all: --block must be one of: ${tops[*]}" >&2; exit 2; }
      picked+=("$2"); shift 2 ;;
    -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "gate_all: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if [[ -n $power_build && ! -x $power_build/tests/test_requant_top_gate ]]; then
  echo "gate_all: $power_build/tests/test_requant_top_gate not built (cmake -DHYCIM_GATE_POWER=ON," \
    "then build that target)" >&2
  exit 2
fi
((${#picked[@]})) && tops=("${picked[@]}")
mkdir -p "$out/logs" "$out/fpga"
step() {  # name, command...: run, log, time; stop the run on failure
  local name=$1 t0=$SECONDS
  shift
  echo "gate_all: $name ..." >&2
  if ! "$@" >"$out/logs/$name.log" 2>&1; then
    echo "gate_all: $name failed (log $out/logs/$name.log)" >&2
    tail -5 "$out/logs/$name.log" >&2
    exit 1
  fi
  echo "gate_all: $name done in $((SECONDS - t0)) s" >&2
}
jsons=()
for b in "${tops[@]}"; do
  extra=()
  [[ $b == attn_top ]] && extra=(--noshare)
  step "synth_$b" python3 scripts/synth.py --liberty osu018 --block "$b" "${extra[@]}" \
    --out-dir "$out" --json "$out/$b.json"
  jsons+=("$out/$b.json")
done
step merge python3 scripts/synth.py --show "${jsons[@]}" --json "$out/gate.json"
if ((fpga)); then
  for b in "${tops[@]}"; do
    [[ $b == attn_top && $attn_fpga == 0 ]] && continue
    step "fpga_$b" python3 scripts/fpga.py --block "$b" --out-dir "$out/fpga" \
      --json "$out/fpga/$b.json" --update "$out/gate.json"
  done
fi
if [[ -n $power_build ]]; then
  step power_requant_top python3 scripts/gate_power.py --gate-json "$out/gate.json" \
    --block requant_top --bench "$power_build/tests/test_requant_top_gate" \
    --filter 'Stall/RequantTop.RandomRunsMatchGolden/none' --min-coverage 0.99 \
    --out-dir "$out/power" --json "$out/power/requant_top.json" --update
fi
# Debian's matplotlib belongs to /usr/bin/python3 (scripts/bootstrap.sh).
/usr/bin/python3 scripts/synth.py --show "$out/gate.json" --plot "$out/area.png"
echo "gate_all: $out/gate.json, $out/area.png"
