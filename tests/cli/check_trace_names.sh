#!/usr/bin/env bash
# A waveform name is only a name: hycim converts FST to VCD without a shell, so quotes, ';' and
# spaces in a --trace name neither break the conversion nor run anything.
#   tests/cli/check_trace_names.sh PATH/TO/hycim
set -euo pipefail
hycim=$(realpath "$1")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
name="$dir/it's a; touch pwned; '.vcd"
"$hycim" run requant --config ci --runs 1 --len 4 --quiet --trace "$name" >out.txt
if [[ -e pwned ]]; then
  echo "check_trace_names: the trace name ran a shell command" >&2
  exit 1
fi
if ! head -c 200 "$name" | grep -q '\$date\|\$version\|\$timescale'; then
  echo "check_trace_names: no VCD written at '$name'" >&2
  cat out.txt >&2
  exit 1
fi
if [[ -e "$name.fst" ]]; then
  echo "check_trace_names: the intermediate FST was left behind" >&2
  exit 1
fi
# The printed "open with" line is one a shell can take as it is: pasted (here: evaluated with a
# stand-in gtkwave that prints its arguments), it names exactly the waveform and its view.
line=$(sed -n 's/^  open with  //p' out.txt)
got=$(gtkwave() { printf '%s\n' "$@"; }; eval "$line")
want=$(printf '%s\n' "$name" "${name%.vcd}.gtkw")
if [[ "$got" != "$want" ]]; then
  echo "check_trace_names: the 'open with' line does not survive a shell: $line" >&2
  exit 1
fi
if [[ -e pwned ]]; then
  echo "check_trace_names: the 'open with' line ran a shell command" >&2
  exit 1
fi
echo "check_trace_names: ok ('$name' written, nothing run, the gtkwave line quoted)"
