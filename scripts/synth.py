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

With --liberty LIB (a liberty file, or `osu018` for OSU 0.18 um from qflow-tech-osu018) it runs
the gate-level flow of scripts/gate_flow.py instead (docs/gate_level.md): flip-flops by
dfflibmap, logic by abc -liberty at the --clock-ns target, RAMs counted as bits, OpenSTA for
timing per path group and vectorless power. Per block it writes the netlist, the SDC and the logs
under --out-dir (default build/reports/gate/<block>_<config>/), and one JSON for all blocks.
--show JSON prints the table of such a file; --plot PNG charts the area by block.
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
import gate_flow  # noqa: E402
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


def gate_table(doc: dict) -> str:
    """The gate-level table of a --liberty JSON file."""
    rows = doc["blocks"]
    lib = rows[0]["liberty"] if rows else doc.get("liberty", "?")
    workload = any(r.get("workload_power") for r in rows)
    fpga = any(r.get("fpga") for r in rows)
    hdr = (f"{'block':<15} {'config':<6} {'area um2':>10} {'NAND2 eq':>9} {'FFs':>6} {'mem bits':>8} "
           f"{'mem um2':>9} {'WNS ns':>7} {'worst slack':>11} {'worst group':>11} {'Fmax MHz':>8} {'power mW':>8}"
           + (f" {'workload mW':>11}" if workload else "")
           + (f" {'iCE40UP5K':>17} {'ECP5-85F':>17}" if fpga else ""))
    out = [f"Gate-level estimate in {lib} (every figure in this library; no wires, no clock tree, no "
           f"parasitics)", hdr, "-" * len(hdr)]

    def f(v, fmt):
        return "-" if v is None else format(v, fmt)
    for r in rows:
        pw = (r.get("power_mw") or {}).get("total_mw")
        out.append(f"{r['block']:<15} {r['config']:<6} {r['area_um2']:>10.0f} {r['nand2_eq']:>9.0f} "
                   f"{r['flip_flops']:>6} {r['memory_bits']:>8} {r['memory_area_um2']:>9.0f} "
                   f"{f(r['wns_ns'], '.3f'):>7} {f(r['worst_slack_ns'], '.3f'):>11} "
                   f"{r['worst_group'] or '-':>11} {f(r['fmax_mhz'], '.1f'):>8} {f(pw, '.3f'):>8}"
                   + (f" {f((r.get('workload_power') or {}).get('power_mw', {}).get('total_mw'), '.3f'):>11}"
                      if workload else "")
                   + (" " + " ".join(f"{_fpga_cell(r.get('fpga') or {}, dev):>17}" for dev in ("iCE40", "LFE5U"))
                      if fpga else ""))
    if rows:
        r = rows[0]
        out.append(f"\narea: standard cells of {r['liberty']} (NAND2 eq = area / {r['nand2_cell']}, "
                   f"{r['nand2_area_um2']:g} um2); mem: RAM bits x {r['memory_area_per_bit_um2']} um2 "
                   f"(6T bit cell only, 0.18 um);\nclock target {r['clock_ns']} ns; Fmax from reg2reg "
                   f"paths; power at activity {r['activity']} per cycle on every net, without memories.")
        if workload:
            out.append("workload: the power of one test scenario's measured toggle rates (scripts/gate_power.py).")
        if fpga:
            out.append("iCE40UP5K / ECP5-85F: logic cells used % of the device @ Fmax MHz after nextpnr, the block "
                       "in a serial I/O harness (scripts/fpga.py); 'no (Nx)': over capacity N times.")
    return "\n".join(out)


def _fpga_cell(fp: dict, prefix: str) -> str:
    d = next((v for k, v in fp.items() if k.startswith(prefix)), None)
    if d is None:
        return "-"
    if d.get("fits") is None:
        return "not placed"
    if not d.get("fits"):
        return f"no ({d['over_by']:.2f}x)"
    pct = 100 * d["lut_used"] / d["lut_available"] if d.get("lut_available") else None
    return f"{pct:.1f}% @ {d['fmax_mhz']:.0f}" if pct is not None and d.get("fmax_mhz") else "-"


def gate_plot(doc: dict, png: Path, js: Path) -> None:
    try:
        import matplotlib
    except ImportError:
        # Debian's python3-matplotlib belongs to /usr/bin/python3 (scripts/bootstrap.sh).
        if sys.executable != "/usr/bin/python3" and Path("/usr/bin/python3").exists():
            subprocess.run(["/usr/bin/python3", __file__, "--show", str(js), "--plot", str(png)],
                           check=True, stdout=subprocess.DEVNULL)
            return
        raise
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = doc["blocks"]
    names = [f"{r['block']}\n({r['config']})" for r in rows]
    flops = [r["flop_area_um2"] / 1e6 for r in rows]
    logic = [(r["area_um2"] - r["flop_area_um2"]) / 1e6 for r in rows]
    mem = [r["memory_area_um2"] / 1e6 for r in rows]
    fig, ax = plt.subplots(figsize=(max(6, 1.3 * len(rows)), 4.5))
    x = range(len(rows))
    ax.bar(x, logic, label="combinational cells")
    ax.bar(x, flops, bottom=logic, label="flip-flops")
    ax.bar(x, mem, bottom=[a + b for a, b in zip(logic, flops)], label="RAM bits (6T bit cell)")
    # The totals written on the bars: the blocks span three orders of magnitude.
    for i, (a, b, c) in enumerate(zip(logic, flops, mem)):
        ax.annotate(f"{a + b + c:.3g}", (i, a + b + c), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(list(x), names, fontsize=8)
    ax.set_ylabel("area (mm$^2$)")
    lib = rows[0]["liberty"] if rows else "?"
    node = " (OSU 0.18 um)" if "osu018" in lib else ""
    ax.set_title(f"Area by block, {lib}{node}\nstandard cells + RAM bit cells; no wiring, no RAM periphery",
                 fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=120)


def gate_main(args, data: dict | None) -> int:
    lib_path = gate_flow.LIBERTY_ALIASES.get(args.liberty, Path(args.liberty))
    if not lib_path.is_file():
        print(f"synth: error: no liberty file '{lib_path}' (osu018 needs the Debian package "
              f"qflow-tech-osu018: scripts/bootstrap.sh)", file=sys.stderr)
        return 2
    try:
        lib = gate_flow.read_liberty(lib_path)
    except gate_flow.FlowError as e:
        print(f"synth: error: {e}", file=sys.stderr)
        return 2
    opts = gate_flow.Options(liberty=lib_path, clock_ns=args.clock_ns, clock_slew_ns=args.clock_slew_ns,
                             activity=args.activity,
                             mem_min_bits=args.mem_min_bits, mem_min_words=args.mem_min_words,
                             effort=args.effort, share=not args.noshare, driving_cell=args.driving_cell, load_pf=args.load_pf,
                             clock_port=args.clock_port, reset_port=args.reset_port,
                             sim_netlist=args.sim_netlist)
    out_dir = Path(args.out_dir)
    rows = []
    with tempfile.TemporaryDirectory() as tmpd:
        tmp = Path(tmpd)
        designs = []
        if args.rtl:
            if not args.top:
                print("synth: error: --rtl needs --top", file=sys.stderr)
                return 2
            srcs = " ".join(str(Path(f).resolve()) for f in args.rtl)
            designs.append(gate_flow.Design(args.top, "-", args.top, f"read_verilog -sv {srcs}",
                                            out_dir / args.top))
        else:
            subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_luts.py"), str(tmp / "lut")], check=True)
            wanted = args.config or ["ci"]
            for block, blk in data["blocks"].items():
                if args.block and block not in args.block:
                    continue
                if not args.block and not args.all_blocks and not blk.get("top"):
                    continue
                for cfg_name in blk["configs"]:
                    if "all" not in wanted and cfg_name not in wanted:
                        continue
                    try:
                        srcs = " ".join(str(s) for s in gen_config.block_sources(blk, tmp / "gen"))
                    except (gen_config.ConfigError, gen_config.gen_regs.RegsError) as e:
                        print(f"synth: error: {e}", file=sys.stderr)
                        return 1
                    top = blk["top_module"]
                    chparam = "".join(f"chparam -set {p} {v} {top}\n"
                                      for p, v in gen_config.resolve(blk, data["configs"][cfg_name]).items())
                    read = f"read_verilog -sv -I{gen_config.RTL / 'core'} -I{tmp / 'lut'} {srcs}\n{chparam}"
                    designs.append(gate_flow.Design(block, cfg_name, top, read, out_dir / f"{block}_{cfg_name}"))
        for d in designs:
            print(f"synth: {d.name} ({d.config}) against {lib.name} ...", file=sys.stderr, flush=True)
            try:
                rows.append(gate_flow.run(d, opts, lib))
            except gate_flow.FlowError as e:
                print(f"synth: error: {e}", file=sys.stderr)
                return 1
    doc = {"tool": subprocess.run(["yosys", "-V"], capture_output=True, text=True).stdout.strip(),
           "sta": "OpenSTA " + subprocess.run(["sta", "-version"], capture_output=True, text=True).stdout.strip(),
           "liberty": lib.name, "liberty_file": str(lib_path),
           "memory_area_source": gate_flow.SRAM_BIT_SOURCE, "blocks": rows}
    js = Path(args.json) if args.json else out_dir / "gate.json"
    gate_flow.write_report(js, doc, gate_table(doc))
    if args.plot:
        gate_plot(doc, Path(args.plot), js)
        print(f"chart: {args.plot}")
    return 0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", help="output file (default reports/synth.json; with --liberty "
                    "<out-dir>/gate.json)")
    ap.add_argument("--block", action="append", help="only these blocks (repeatable)")
    ap.add_argument("--config", action="append",
                    help="configurations (repeatable; default ci; 'all' for every one: the bert "
                         "softmax_unit maps 200 kbit of row buffers to flops and takes long)")
    ap.add_argument("--effort", choices=("fast", "full"), default="fast",
                    help="abc script: fast (abc -fast, seconds per block) or full (abc's default "
                         "script: about 10%% fewer gates and a shorter depth on requant_top, but "
                         "minutes per large block)")
    g = ap.add_argument_group("gate level (--liberty; docs/gate_level.md)")
    g.add_argument("--liberty", help="map to this liberty file ('osu018': OSU 0.18 um, "
                   "/usr/share/qflow/tech/osu018/osu018_stdcells.lib) and time it with OpenSTA")
    g.add_argument("--clock-ns", type=float, default=10.0, help="clock target in ns (abc -D and the SDC)")
    g.add_argument("--clock-slew-ns", type=float, default=0.1,
                   help="transition of the ideal clock at the flops (SDC set_clock_transition)")
    g.add_argument("--activity", type=float, default=0.1,
                   help="vectorless activity: transitions per clock cycle on every net (default 0.1)")
    g.add_argument("--mem-min-bits", type=int, default=512,
                   help="RAMs of at least this many bits (and --mem-min-words words) are counted as "
                        "bits, not mapped; smaller ones become flip-flops")
    g.add_argument("--mem-min-words", type=int, default=16)
    g.add_argument("--driving-cell", help="cell driving every input (default: the smallest buffer)")
    g.add_argument("--load-pf", type=float, default=0.01, help="load on every output in pF")
    g.add_argument("--clock-port", default="clk_i")
    g.add_argument("--reset-port", default="rst_ni", help="asynchronous reset (false path)")
    g.add_argument("--noshare", action="store_true",
                   help="skip Yosys's SAT-based resource sharing (attn_top spent over 13 CPU minutes "
                        "in it); fewer shared operators, so a larger area")
    g.add_argument("--sim-netlist", action="store_true",
                   help="also write <top>_sim.v: the netlist flattened against the liberty's cell "
                        "functions, with models of the memory stubs, for Verilator (the gate "
                        "tests, docs/gate_level.md)")
    g.add_argument("--all-blocks", action="store_true",
                   help="every block, not only the tops (top = true in rtl/config/hycim.toml)")
    g.add_argument("--rtl", nargs="+", help="an ad hoc design instead of the blocks (with --top)")
    g.add_argument("--top", help="top module of --rtl")
    g.add_argument("--out-dir", default=str(ROOT / "build" / "reports" / "gate"),
                   help="per-block netlists, SDC and logs (default build/reports/gate)")
    g.add_argument("--plot", help="write a bar chart of the area by block to this PNG")
    g.add_argument("--show", metavar="JSON", nargs="+",
                   help="print the table of gate-level JSON files and stop (several are merged, and "
                        "written to --json if given: blocks run one at a time make one file)")
    args = ap.parse_args(argv)
    if args.show:
        try:
            docs = [json.loads(Path(f).read_text()) for f in args.show]
            doc = {**docs[0], "blocks": [r for d in docs for r in d["blocks"]]}
            print(gate_table(doc))
        except (OSError, ValueError, KeyError, IndexError) as e:
            print(f"synth: error: {' '.join(args.show)}: {e}", file=sys.stderr)
            return 2
        js = Path(args.show[0])
        if args.json:
            js = Path(args.json)
            js.parent.mkdir(parents=True, exist_ok=True)
            js.write_text(json.dumps(doc, indent=2) + "\n")
        if args.plot:
            gate_plot(doc, Path(args.plot), js)
        return 0
    if args.liberty and args.rtl:
        return gate_main(args, None)
    try:
        data = gen_config.load()
    except gen_config.ConfigError as e:
        print(f"synth: error: {e}", file=sys.stderr)
        return 2
    for b in args.block or []:
        if b not in data["blocks"]:
            print(f"synth: error: unknown block '{b}'; known: {', '.join(data['blocks'])}", file=sys.stderr)
            return 2
    if args.liberty:
        return gate_main(args, data)
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
    out = Path(args.json or ROOT / "reports" / "synth.json")
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
