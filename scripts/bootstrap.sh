#!/usr/bin/env bash
# Installs what HyCIM needs on Debian 12 and checks the tool versions. Idempotent: it installs
# only the packages that are missing (with --no-install-recommends) and does nothing else when
# everything is there. Not root and something missing: prints the exact command and exits 1.
set -euo pipefail

PKGS=(
  cmake ninja-build g++ ccache python3
  verilator zlib1g-dev yosys
  libgtest-dev libgmock-dev libfmt-dev libcli11-dev nlohmann-json3-dev libtomlplusplus-dev
  lcov clang-format gtkwave xvfb xauth
  python3-matplotlib
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
if ((fail)); then
  echo "bootstrap: fix the tool versions above (Debian 12 packages meet every minimum)" >&2
  exit 1
fi
echo "bootstrap: ok (verilator $(verilator --version | awk '{print $2}'), yosys $(yosys -V | awk '{print $2}'))"
