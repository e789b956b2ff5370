#!/usr/bin/env bash
# Fuzzing of every reader of user files (docs/verification/fuzzing.md):
#   npy        golden::read_npy_raw (the .npy reader of every real-data path)      libFuzzer, C++
#   chip_file  sim::AnalogParams::from_toml (--analog FILE, pq-study --chip)        libFuzzer, C++
#   numbers    golden::parse_u64 (options, environment variables, chip files)       libFuzzer, C++
#   config     scripts/gen_config.py loads() (rtl/config/hycim.toml)               atheris, Python
#   regs       scripts/gen_regs.py loads() and its generators (*.regs.toml)        atheris, Python
#   regress    scripts/regress.py loads_description() (tests/regress.toml)         atheris, Python
# The C++ targets are built by the asan preset (clang, ASan + UBSan + libFuzzer):
#   cmake --preset asan && cmake --build --preset asan
# Each run starts from the seed corpus in the repository (real files of each format) plus
# tests/fuzz/regressions/<target>/ (inputs of past findings, kept as fixtures), mutates into a
# scratch corpus, and stops after --runs executions or --time seconds. A finding (a crash, a
# sanitizer report, an exception outside the project's error type, a broken invariant) is
# saved under reports/fuzz/<target>/ and makes the run fail; turn it into a regression by copying
# the file into tests/fuzz/regressions/<target>/ once it is fixed.
#
#   scripts/fuzz.sh [--target T]... [--runs N | --time S] [--seed N] [--build DIR] [--json FILE]
#     default: every target, --runs 20000 each (ctest: 100000 for the C++ targets, 3000 for Python), seed 1 (the short run of the default suite)
#     long run: scripts/fuzz.sh --time 600
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ALL=(npy chip_file numbers config regs regress)
targets=()
runs=20000
time_s=""
seed=1
build=build-asan
json=""
usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }
num() {  # option value: a non-negative decimal integer
  [[ "$2" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: $1 wants a non-negative integer, got '$2'" >&2; exit 2; }
}
while (($#)); do
  case "$1" in
    --target) [[ $# -ge 2 ]] || { echo "fuzz.sh: --target needs a value" >&2; exit 2; }
      [[ " ${ALL[*]} " == *" $2 "* ]] || { echo "fuzz.sh: unknown target '$2' (known: ${ALL[*]})" >&2; exit 2; }
      targets+=("$2"); shift 2 ;;
    --runs) [[ $# -ge 2 ]] || { echo "fuzz.sh: --runs needs a value" >&2; exit 2; }
      num --runs "$2"; runs=$2; time_s=""; shift 2 ;;
    --time) [[ $# -ge 2 ]] || { echo "fuzz.sh: --time needs a value" >&2; exit 2; }
      num --time "$2"; time_s=$2; shift 2 ;;
    --seed) [[ $# -ge 2 ]] || { echo "fuzz.sh: --seed needs a value" >&2; exit 2; }
      num --seed "$2"; seed=$2; shift 2 ;;
    --build) [[ $# -ge 2 ]] || { echo "fuzz.sh: --build needs a value" >&2; exit 2; }
      build=$2; shift 2 ;;
    --json) [[ $# -ge 2 ]] || { echo "fuzz.sh: --json needs a value" >&2; exit 2; }
      json=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "fuzz.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
((${#targets[@]})) || targets=("${ALL[@]}")
if [[ -n $json ]]; then
  mkdir -p "$(dirname "$json")" 2>/dev/null || true
  : >"$json" 2>/dev/null || { echo "fuzz.sh: cannot write --json $json" >&2; exit 2; }
fi
# Debian's interpreter: bootstrap installs atheris there.
PY=/usr/bin/python3

seeds_of() {  # the seed corpus of a target: files of the real format in the repository
  case "$1" in
    npy) echo tests/core/data ;;
    chip_file) echo sim/chips ;;
    numbers) echo tests/fuzz/seeds/numbers ;;
    config) echo rtl/config/hycim.toml ;;
    regs) find rtl -name '*.regs.toml' | sort ;;
    regress) echo tests/regress.toml ;;
  esac
}

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail=0
results=()
for t in "${targets[@]}"; do
  case "$t" in
    npy|chip_file|numbers)
      cmd=("$build/tests/fuzz_$t")
      if [[ ! -x ${cmd[0]} ]]; then
        echo "fuzz.sh: ${cmd[0]} not built (cmake --preset asan && cmake --build --preset asan)" >&2
        exit 2
      fi ;;
    *)
      if ! "$PY" -c 'import atheris' 2>/dev/null; then
        echo "fuzz.sh: atheris is not installed for $PY (scripts/bootstrap.sh installs it)" >&2
        exit 2
      fi
      cmd=("$PY" tests/fuzz/fuzz_descriptions.py "$t") ;;
  esac
  art="$ROOT/reports/fuzz/$t"
  mkdir -p "$art" "$scratch/$t"
  limit=(-runs="$runs")
  [[ -n $time_s ]] && limit=(-max_total_time="$time_s")
  # libFuzzer reads directories: the seeds are copied into the scratch corpus, where the run
  # also adds the inputs that reach new coverage.
  inputs=("$scratch/$t")
  mapfile -t seeds < <(seeds_of "$t")
  find "${seeds[@]}" -maxdepth 1 -type f ! -name '*.md' -exec cp -t "$scratch/$t" {} +
  nseeds=$(find "$scratch/$t" -type f | wc -l)
  [[ -d tests/fuzz/regressions/$t ]] && inputs+=("tests/fuzz/regressions/$t")
  dict=()
  [[ -f tests/fuzz/$t.dict ]] && dict=(-dict="tests/fuzz/$t.dict")
  log="$scratch/$t.log"
  before=$(find "$art" -maxdepth 1 -type f | wc -l)
  budget="--runs $runs"
  [[ -n $time_s ]] && budget="--time $time_s"
  echo "fuzz.sh: $t: ${limit[*]} -seed=$seed (reproduce: scripts/fuzz.sh --target $t $budget --seed $seed)"
  set +e
  "${cmd[@]}" "${limit[@]}" -seed="$seed" -print_final_stats=1 \
    -artifact_prefix="$art/" "${dict[@]}" "${inputs[@]}" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n1 | grep -Eo '[0-9]+' || true)
  corpus=$(($(find "$scratch/$t" -type f | wc -l) - nseeds))
  findings=$(($(find "$art" -maxdepth 1 -type f | wc -l) - before))
  ((rc != 0 && findings == 0)) && findings=1
  status=ok
  if ((rc != 0)); then
    status=FINDING
    fail=1
    echo "fuzz.sh: $t FAILED (exit $rc); the end of its log:" >&2
    tail -n 40 "$log" >&2
    echo "fuzz.sh: inputs saved under reports/fuzz/$t/" >&2
  fi
  printf 'fuzz.sh: %-9s %-7s executions %s, coverage %s, new corpus units %s, findings %s\n' \
    "$t" "$status" "${execs:-?}" "${cov:-?}" "$corpus" "$findings"
  runs_json=$runs
  [[ -n $time_s ]] && runs_json=null
  results+=("{\"target\": \"$t\", \"status\": \"$status\", \"executions\": ${execs:-0}, \"coverage\": ${cov:-0}, \"new_corpus_units\": $corpus, \"findings\": $findings, \"seed\": $seed, \"runs\": $runs_json, \"time_s\": ${time_s:-null}}")
done
if [[ -n $json ]]; then
  (IFS=,; echo "[${results[*]}]") | "$PY" -m json.tool >"$json"
  echo "fuzz.sh: wrote $json"
fi
exit "$fail"
