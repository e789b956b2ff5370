#!/usr/bin/env bash
# Outputs that cannot be written are refused before the run (exit != 0, a message naming the
# option and the file), and a write that fails (a full disk: /dev/full) is an error, not
# "report written".
#   tests/cli/check_outputs.sh PATH/TO/hycim
set -uo pipefail
hycim=$(realpath "$1")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0
expect_error() {  # message fragment, must-not-appear fragment, hycim arguments...
  local want=$1 not=$2; shift 2
  local out rc
  out=$("$hycim" "$@" 2>&1)
  rc=$?
  if [[ $rc -eq 0 || "$out" != *"$want"* || ( -n "$not" && "$out" == *"$not"* ) ]]; then
    echo "check_outputs: 'hycim $*' should fail with '$want' (exit $rc):" >&2
    echo "$out" | tail -4 >&2
    fail=1
  fi
}
touch "$dir/file"
# A directory where a file is wanted, and a directory that cannot be made (under a file).
expect_error "--json $dir: is a directory" "PASS" run requant --quiet --json "$dir"
expect_error "--json $dir/file/r.json: cannot create its directory" "PASS" \
  run requant --quiet --json "$dir/file/r.json"
expect_error "--trace $dir/file/w.fst: cannot create its directory" "PASS" \
  run requant --quiet --trace "$dir/file/w.fst"
expect_error "throughput --json $dir: is a directory" "steady" \
  throughput softmax --config ci --json "$dir"
# A full disk: the run happens, the write fails, and it is said.
expect_error "writing /dev/full failed" "report written" run requant --quiet --json /dev/full
# A missing directory is made.
if ! "$hycim" run requant --quiet --runs 1 --len 4 --json "$dir/new/sub/r.json" >/dev/null ||
   ! [[ -s "$dir/new/sub/r.json" ]]; then
  echo "check_outputs: --json into a new directory was not written" >&2
  fail=1
fi
if ((fail)); then exit 1; fi
echo "check_outputs: ok"
