#!/usr/bin/env bash
# HyCIM lint (docs/conventions.md, "Lint and synthesis"). Parts, all by default:
#   --verilator  every module alone (its own defaults) and every block in every configuration,
#                verilator --lint-only -Wall --assert
#   --yosys      every block read by Yosys in every configuration: coarse synthesis in ci,
#                elaboration in the others; then `check -assert` (no multiple drivers, undriven
#                wires, loops). Full synthesis: scripts/synth.sh.
#   --format     clang-format check of every C++ file, and --regs
#   --regs       every register description (rtl/**/*.regs.toml) is valid and the register
#                tables in the docs are what scripts/gen_regs.py --docs writes from them
#   --block B    limit --verilator and --yosys to block B of rtl/config/hycim.toml (ctest runs
#                one lint.yosys.<block> test per block, so that they spread over the cores)
# Prints one line per check and a summary; exits 1 if any check failed.
set -uo pipefail
cd "$(dirname "$0")/.."

parts=()
only=""
while (($#)); do
  if [[ "$1" == --block ]]; then
    [[ $# -ge 2 ]] || { echo "lint.sh: --block needs a block name" >&2; exit 2; }
    python3 scripts/gen_config.py blocks | awk '{print $1}' | grep -qx -- "$2" ||
      { echo "lint.sh: no block '$2' in rtl/config/hycim.toml" >&2; exit 2; }
    only=$2
    shift 2
  else
    parts+=("$1")
    shift
  fi
done
((${#parts[@]})) || parts=(--verilator --yosys --format)
regs=scripts/gen_regs.py
gen=scripts/gen_config.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Generated lookup tables and their path header (rtl/training/sfln includes hycim_lut_paths.svh),
# made once, by the first RTL part that needs them.
need_luts() {
  [[ -f "$tmp/lut/hycim_lut_paths.svh" ]] && return
  python3 scripts/gen_luts.py "$tmp/lut" || { echo "lint.sh: scripts/gen_luts.py failed" >&2; exit 1; }
}
n=0
failed=0

report() {  # name, rc, log file
  n=$((n + 1))
  if [[ $2 -eq 0 ]]; then
    printf '  ok    %s\n' "$1"
  else
    failed=$((failed + 1))
    printf '  FAIL  %s\n' "$1"
    sed 's/^/        /' "$3" | head -40
  fi
}

lint_verilator() {
  need_luts
  echo "verilator --lint-only -Wall --assert:"
  local seen="" block top cfg srcs src mod
  while read -r block top cfg; do
    [[ -z "$only" || "$block" == "$only" ]] || continue
    mapfile -t srcs < <(python3 $gen sources "$block" --gen "$tmp/gen")
    # Every module of the block alone, with its own parameter defaults (once per module).
    local upto=()
    for src in "${srcs[@]}"; do
      upto+=("$src")
      mod=$(sed -n 's/^module[[:space:]]\+\([A-Za-z0-9_]\+\).*/\1/p' "$src" | head -n1)
      [[ -z "$mod" || " $seen " == *" $mod "* ]] && continue
      seen="$seen $mod"
      verilator --lint-only -Wall --assert -Irtl/core -I"$tmp/lut" rtl/lint/verilator_waiver.vlt \
        "${upto[@]}" --top-module "$mod" >"$tmp/log" 2>&1
      report "$mod (defaults)" $? "$tmp/log"
    done
    # The block's top in this configuration.
    verilator --lint-only -Wall --assert -Irtl/core -I"$tmp/lut" rtl/lint/verilator_waiver.vlt \
      "${srcs[@]}" --top-module "$top" $(python3 $gen gparams "$block" "$cfg") >"$tmp/log" 2>&1
    report "$top ($cfg)" $? "$tmp/log"
  done < <(python3 $gen blocks)
}

# Constructs Yosys 0.23 reads differently from Verilator and the standard, with no message
# (docs/toolchain.md section 4): a unary minus before a size cast, -W'(x), which Yosys takes as a
# cast to the size -W (round_shift_sat's lower bound), and an unpacked array of a typedef.
yosys_pitfalls() {
  grep -rnE "(^|[=(,?:]|<=|return)[[:space:]]*-[[:space:]]*[A-Za-z0-9_]+'\(" rtl --include='*.sv' \
    | grep -vE "^[^:]+:[0-9]+:[[:space:]]*//" >"$tmp/log"
  [[ ! -s "$tmp/log" ]]
  report "no unary minus before a size cast (-W'(x): write -(W'(x)))" $? "$tmp/log"
  # An unpacked array of a typedef'd element (entry_t m [N]), which Yosys 0.23 reads as one
  # element (found by netlist re-simulation: erabs_ctrl's OU table).
  grep -rnE "^[[:space:]]*([A-Za-z0-9_]+::)?[A-Za-z0-9_]+_t[[:space:]]+[A-Za-z0-9_]+[[:space:]]*\[" \
    rtl --include='*.sv' >"$tmp/log"
  [[ ! -s "$tmp/log" ]]
  report "no unpacked array of a typedef (x_t m [N]: declare logic [W-1:0] m [N], read into an x_t)" $? "$tmp/log"
}

lint_yosys() {
  need_luts
  echo "yosys $(yosys -V | awk '{print $2}') read_verilog -sv + coarse synth (ci) or elaboration (others) + check -assert:"
  yosys_pitfalls
  local block top cfg srcs
  python3 $gen generate "$tmp/gen" || { report "gen_config" 1 /dev/null; return; }
  while read -r block top cfg; do
    [[ -z "$only" || "$block" == "$only" ]] || continue
    mapfile -t srcs < <(python3 $gen sources "$block" --gen "$tmp/gen")
    # The ci configuration goes through Yosys's coarse synthesis (up to, not including, the
    # fine-grained mapping and abc: the LayerNorm multipliers take minutes there; scripts/synth.sh
    # does the full mapping); the others (whose row buffers can hold hundreds of kilobits of
    # flops) are elaborated: parameters applied, processes and hierarchy resolved.
    # Blocks whose coarse synthesis alone takes minutes (memories held as flops: sram_cim, and
    # attn_top, which holds every attention unit) say lint_yosys = "elaborate" in hycim.toml;
    # scripts/synth.sh synthesizes them.
    local mode how
    mode=$(python3 $gen lintmode "$block" "$cfg")
    how="synth -flatten -top $top -run :fine"
    [[ "$mode" == synth ]] || how="hierarchy -check -top $top; proc; flatten; opt_clean"
    {
      echo "read_verilog -sv -Irtl/core -I$tmp/lut ${srcs[*]}"
      cat "$tmp/gen/$cfg/$block.chparam.ys"
      echo "$how"
      echo "check -assert"
    } >"$tmp/lint.ys"
    yosys -q -s "$tmp/lint.ys" >"$tmp/log" 2>&1
    report "$top ($cfg, $([[ "$mode" == synth ]] && echo coarse synth || echo elaborate))" $? "$tmp/log"
  done < <(python3 $gen blocks)
}

lint_format() {
  echo "clang-format $(clang-format --version | grep -o '[0-9]\+\.[0-9.]\+' | head -n1) (.clang-format):"
  local files
  mapfile -t files < <(git ls-files -co --exclude-standard -- '*.cc' '*.h' '*.cpp' '*.hpp' 2>/dev/null ||
    find golden tb tests sim -name '*.cc' -o -name '*.h')
  clang-format --dry-run --Werror "${files[@]}" >"$tmp/log" 2>&1
  report "${#files[@]} C++ files" $? "$tmp/log"
}

lint_regs() {
  echo "register descriptions and their doc tables (scripts/gen_regs.py):"
  python3 $regs --check >"$tmp/log" 2>&1
  report "descriptions valid" $? "$tmp/log"
  python3 $regs --check-docs >"$tmp/log" 2>&1
  report "doc tables up to date (else: scripts/gen_regs.py --docs)" $? "$tmp/log"
}

for p in "${parts[@]}"; do
  case "$p" in
    --verilator) lint_verilator ;;
    --yosys) lint_yosys ;;
    --format) lint_format; lint_regs ;;
    --regs) lint_regs ;;
    *) echo "lint.sh: unknown option '$p' (--verilator, --yosys, --format, --regs)" >&2; exit 2 ;;
  esac
done
echo "lint: $n checks, $failed failed"
((failed == 0))
