#!/usr/bin/env python3
"""Per-module line, toggle and branch coverage from a Verilator coverage data file.

Verilator writes one record per coverage point:
    C '<key/value pairs separated by \\x01, key and value by \\x02>' <count>
with the keys 'page' (e.g. 'v_line/sync_fifo'), 'f' (file), 'l' (line) and 'h' (hierarchy).
A point is covered when its count is non-zero. Points are counted per instance, so a module
instantiated twice, or verilated in two parameterisations, contributes its points twice (as
verilator_coverage does). Verilator reports line points only for procedural code, so a module
built from continuous assignments alone has no line figure ('-').

    cov_report.py merged.dat [--json summary.json] [--root DIR] [--under rtl/core]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

KINDS = ("line", "toggle", "branch", "user")
RECORD = re.compile(r"^C '(.*)' (\d+)\s*$")


def parse(path: Path) -> list[tuple[dict[str, str], int]]:
    points = []
    with path.open(encoding="utf-8", errors="replace") as f:
        for n, raw in enumerate(f, 1):
            if not raw.startswith("C "):
                continue
            m = RECORD.match(raw)
            if not m:
                raise ValueError(f"{path}:{n}: not a coverage record: {raw[:80]!r}")
            fields = {}
            for item in m.group(1).split("\x01"):
                if "\x02" in item:
                    k, v = item.split("\x02", 1)
                    fields[k] = v
            points.append((fields, int(m.group(2))))
    return points


def summarise(points, root: Path | None, under: str | None):
    # (module, file) -> kind -> [covered, total]
    table: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for fields, count in points:
        page = fields.get("page", "")
        if "/" not in page:
            continue
        kind, module = page.split("/", 1)
        # Verilator names a parameterised copy of a module <name>__<suffix>; fold them together.
        module = module.split("__", 1)[0]
        kind = kind.removeprefix("v_")
        if kind not in KINDS:
            continue
        fname = fields.get("f", "?")
        if root is not None:
            try:
                fname = str(Path(fname).resolve().relative_to(root))
            except ValueError:
                pass
        if under and not fname.startswith(under):
            continue
        cell = table[(module, fname)][kind]
        cell[0] += 1 if count > 0 else 0
        cell[1] += 1
    return table


def pct(c: list[int]) -> float | None:
    return 100.0 * c[0] / c[1] if c[1] else None


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dat", type=Path, help="Verilator coverage data (e.g. merged.dat)")
    ap.add_argument("--json", type=Path, help="write the summary here")
    ap.add_argument("--root", type=Path, help="print file names relative to this directory")
    ap.add_argument("--under", help="only files under this path (relative to --root)")
    args = ap.parse_args(argv)
    if not args.dat.is_file():
        print(f"cov_report: error: no such file: {args.dat}", file=sys.stderr)
        return 2
    try:
        points = parse(args.dat)
    except ValueError as e:
        print(f"cov_report: error: {e}", file=sys.stderr)
        return 2
    root = args.root.resolve() if args.root else None
    table = summarise(points, root, args.under)
    if not table:
        print("cov_report: error: no coverage points found", file=sys.stderr)
        return 1

    def fmt(c):
        p = pct(c)
        return f"{p:6.1f}% {c[0]:>5}/{c[1]:<5}" if p is not None else f"{'-':>7} {'':11}"

    hdr = f"{'module':<16} {'file':<32} {'line':>19} {'toggle':>19} {'branch':>19}"
    print(hdr)
    print("-" * len(hdr))
    rows = []
    totals: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for (module, fname), kinds in sorted(table.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        print(f"{module:<16} {fname:<32} {fmt(kinds['line']):>19} {fmt(kinds['toggle']):>19} "
              f"{fmt(kinds['branch']):>19}")
        group = str(Path(fname).parent)
        row = {"module": module, "file": fname}
        for k in KINDS:
            c = kinds[k]
            row[k] = {"covered": c[0], "total": c[1], "percent": pct(c)}
            totals[group][k][0] += c[0]
            totals[group][k][1] += c[1]
        rows.append(row)
    print("-" * len(hdr))
    summary = {}
    for group, kinds in sorted(totals.items()):
        print(f"{'total':<16} {group + '/':<32} {fmt(kinds['line']):>19} {fmt(kinds['toggle']):>19} "
              f"{fmt(kinds['branch']):>19}")
        summary[group] = {k: {"covered": kinds[k][0], "total": kinds[k][1], "percent": pct(kinds[k])}
                          for k in KINDS}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"source": str(args.dat), "modules": rows, "by_directory": summary},
                                        indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
