#!/usr/bin/env bash
# Numbers on the hycim command line go through golden::parse_u64: a sign, a value over 64 bits,
# garbage or an out-of-range value is refused with a message naming the option and exit code
# != 0; a leading 0 is decimal and 0x is hexadecimal (the seed is printed back).
#   tests/cli/check_numbers.sh PATH/TO/hycim
set -uo pipefail
hycim=$(realpath "$1")
fail=0
refuse() {  # expected message fragment, arguments...
  local want=$1; shift
  local out
  out=$("$hycim" run requant --quiet "$@" 2>&1)
  local rc=$?
  if [[ $rc -eq 0 || "$out" != *"$want"* ]]; then
    echo "check_numbers: 'hycim run requant $*' should be refused with '$want' (exit $rc):" >&2
    echo "$out" | head -5 >&2
    fail=1
  fi
}
accept() {  # expected seed line, arguments...
  local want=$1; shift
  local out
  out=$("$hycim" run requant --quiet --runs 1 --len 4 "$@" 2>&1)
  if [[ $? -ne 0 || "$out" != *"$want"* ]]; then
    echo "check_numbers: 'hycim run requant $*' should run with '$want':" >&2
    echo "$out" | head -5 >&2
    fail=1
  fi
}
refuse "--seed: '-1' is not an unsigned integer" --seed -1
refuse "--seed: '18446744073709551616' is not an unsigned integer" --seed 18446744073709551616
refuse "--seed: 'abc' is not an unsigned integer" --seed abc
refuse "--len: '-3' is not an unsigned integer" --len -3
refuse "--runs: '4294967296' is above" --runs 4294967296
refuse "--trace-start: '-1' is not an unsigned integer" --trace x.fst --trace-start -1
refuse "--probe-group: '-2' is not an unsigned integer" --probe-group -2
accept "seed 10," --seed 010
accept "seed 16," --seed 0x10
accept "seed 18446744073709551615," --seed 18446744073709551615
if ((fail)); then exit 1; fi
echo "check_numbers: ok"
