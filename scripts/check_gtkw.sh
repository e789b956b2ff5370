#!/usr/bin/env bash
# Checks that a saved gtkwave view matches a waveform: opens both in gtkwave (off-screen, with
# xvfb-run) and compares the signals gtkwave displays with the signals the view lists. A view
# whose signal was renamed in the RTL loses that signal silently in gtkwave; this catches it.
#   scripts/check_gtkw.sh VIEW.gtkw WAVEFORM.fst
set -euo pipefail
if [[ $# -ne 2 ]]; then
  echo "usage: $0 VIEW.gtkw WAVEFORM.fst" >&2
  exit 2
fi
view=$1
wave=$2
for f in "$view" "$wave"; do
  [[ -f "$f" ]] || { echo "check_gtkw: no such file: $f" >&2; exit 2; }
done
for t in gtkwave xvfb-run; do
  command -v "$t" >/dev/null || { echo "check_gtkw: $t not found (scripts/bootstrap.sh installs it)" >&2; exit 2; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/list.tcl" <<'TCL'
foreach s [gtkwave::getDisplayedSignals] { puts "HYCIM_SIG $s" }
gtkwave::/File/Quit
TCL
# Signal lines of a .gtkw file: not a [section], not a @flag line, not a -comment, not a * line.
grep -v -E '^(\[|@|-|\*|$)' "$view" | sort >"$tmp/want"
timeout 120 xvfb-run -a gtkwave -S "$tmp/list.tcl" "$wave" "$view" >"$tmp/log" 2>&1 || true
sed -n 's/^HYCIM_SIG //p' "$tmp/log" | sort >"$tmp/got"
if ! [[ -s "$tmp/got" ]]; then
  echo "check_gtkw: gtkwave displayed nothing; its output:" >&2
  tail -20 "$tmp/log" >&2
  exit 1
fi
if ! diff -u "$tmp/want" "$tmp/got" >"$tmp/diff"; then
  echo "check_gtkw: $view: these view signals are not in $wave (- missing, + unexpected):" >&2
  grep -E '^[-+][^-+]' "$tmp/diff" >&2
  exit 1
fi
echo "check_gtkw: $view: all $(wc -l <"$tmp/got") signals found in $wave"
