#!/usr/bin/env python3
"""Gate-level estimate of every HyCIM block with Yosys (docs/conventions.md, "Lint and synthesis").

For each block and configuration of rtl/config/hycim.toml: read the RTL, apply the configuration's
chparam values, `synth -flatten`, then
  - map to simple gates (abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX): gate count, flip-flops and the
    longest combinational path in gates (ltp -noff),
  - map to CMOS gates (abc -g cmos2) for a transistor estimate (stat -tech cmos).
No liberty file: these are technology-independent estimates for comparing blocks and revisions,
not a sign-off area. --effort fast (the default) runs `abc -fast`; --effort full runs abc's default
script, slower by minutes on the larger blocks. Writes one JSON file and prints a table.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_config  # noqa: E402

ROOT = gen_config.ROOT


def synth_block(block: str, blk: dict, cfg_name: str, cfg: dict, tmp: Path, effort: str) -> dict:
    srcs = " ".join(str(s) for s in gen_config.block_sources(blk, tmp / "gen"))
    top = blk["top_module"]
    chparam = "".join(f"chparam -set {p} {v} {top}\n" for p, v in gen_config.resolve(blk, cfg).items())
    gates_json = tmp / f"{block}_{cfg_name}_gates.json"
    abc = "abc -fast" if effort == "fast" else "abc"
    script = f"""
read_verilog -sv -I{gen_config.RTL / 'core'} -I{tmp / 'lut'} {srcs}
{chparam}
synth -flatten -top {top}
design -save synth
{abc} -g AND,NAND,OR,NOR,XOR,XNOR,MUX
opt_clean
tee -q -o {gates_json} stat -json
ltp -noff
design -load synth
{abc} -g cmos2
opt_clean
stat -tech cmos
"""
    t0 = time.monotonic()
    res = subprocess.run(["yosys", "-p", script], capture_output=True, text=True)
    if res.returncode != 0:
        tail = "\n".join(res.stdout.splitlines()[-15:] + res.stderr.splitlines()[-15:])
        raise RuntimeError(f"yosys failed on {block} ({cfg_name}):\n{tail}")
    stats = json.loads(gates_json.read_text())
    mod = next(iter(stats["modules"].values()))
    by_type = mod.get("num_cells_by_type", {})
    ffs = sum(n for t, n in by_type.items() if "DFF" in t or "DLATCH" in t)
    latches = sum(n for t, n in by_type.items() if "DLATCH" in t)
    m = re.search(r"Longest topological path in \S+ \(length=(\d+)\)", res.stdout)
    depth = int(m.group(1)) if m else None
    tr = re.findall(r"Estimated number of transistors:\s+(\d+)", res.stdout)
    return {
        "block": block,
        "top": top,
        "config": cfg_name,
        "cells": mod["num_cells"],
        "gates": mod["num_cells"] - ffs,
        "flip_flops": ffs - latches,
        "latches": latches,
        "transistors": int(tr[-1]) if tr else None,
        "logic_depth": depth,
        "cells_by_type": by_type,
        "abc_effort": effort,
        "seconds": round(time.monotonic() - t0, 2),
    }


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", default=str(ROOT / "reports" / "synth.json"), help="output file")
    ap.add_argument("--block", action="append", help="only these blocks (repeatable)")
    ap.add_argument("--config", action="append",
                    help="configurations (repeatable; default ci; 'all' for every one: the bert "
                         "softmax_unit maps 200 kbit of row buffers to flops and takes long)")
    ap.add_argument("--effort", choices=("fast", "full"), default="fast",
                    help="abc script: fast (abc -fast, seconds per block) or full (abc's default "
                         "script: about 10%% fewer gates and a shorter depth on requant_top, but "
                         "minutes per large block)")
    args = ap.parse_args(argv)
    try:
        data = gen_config.load()
    except gen_config.ConfigError as e:
        print(f"synth: error: {e}", file=sys.stderr)
        return 2
    for b in args.block or []:
        if b not in data["blocks"]:
            print(f"synth: error: unknown block '{b}'; known: {', '.join(data['blocks'])}", file=sys.stderr)
            return 2
    rows = []
    with tempfile.TemporaryDirectory() as tmpd:
        subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_luts.py"), str(Path(tmpd) / "lut")],
                       check=True)
        for block, blk in data["blocks"].items():
            if args.block and block not in args.block:
                continue
            for cfg_name in blk["configs"]:
                wanted = args.config or ["ci"]
                if "all" not in wanted and cfg_name not in wanted:
                    continue
                print(f"synth: {block} ({cfg_name}) ...", file=sys.stderr, flush=True)
                try:
                    rows.append(synth_block(block, blk, cfg_name, data["configs"][cfg_name], Path(tmpd),
                                           args.effort))
                except (RuntimeError, gen_config.ConfigError, gen_config.gen_regs.RegsError) as e:
                    print(f"synth: error: {e}", file=sys.stderr)
                    return 1
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    yosys_version = subprocess.run(["yosys", "-V"], capture_output=True, text=True).stdout.strip()
    out.write_text(json.dumps({"tool": yosys_version, "blocks": rows}, indent=2) + "\n")
    hdr = f"{'block':<18} {'config':<6} {'cells':>7} {'gates':>7} {'FFs':>6} {'transistors':>11} {'depth':>6}"
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        print(f"{r['block']:<18} {r['config']:<6} {r['cells']:>7} {r['gates']:>7} {r['flip_flops']:>6} "
              f"{r['transistors'] if r['transistors'] is not None else '-':>11} "
              f"{r['logic_depth'] if r['logic_depth'] is not None else '-':>6}")
    print(f"\nabc effort: {args.effort}. gates: AND/NAND/OR/NOR/XOR/XNOR/MUX after abc; "
          f"depth: longest path in those gates;\ntransistors: abc -g cmos2 + stat -tech cmos. JSON: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
