#!/usr/bin/env python3
"""ctest gate.toy and gate.block: the gate-level flow (scripts/synth.py --liberty) against figures
worked out from the liberty itself, with a liberty reader of its own (not scripts/gate_flow.py's).

  check_gate.py toy   OUT_DIR   tests/gate/gate_toy.sv: 12 DFFSR + 4 XOR2X1 and a 64 x 16 RAM.
      area       = 12 area(DFFSR) + 4 area(XOR2X1), exactly; NAND2 eq = area / area(NAND2X1);
      flops      = 12; memory bits = 1,024 (the RAM counted, not mapped); no other cell;
      leakage    = 12 leak(DFFSR) + 4 leak(XOR2X1) (1 %: OpenSTA sums cell_leakage_power);
      min period = the reg2reg path DFFSR CLK->Q, XOR2X1, DFFSR setup: between the sums of the
                   smallest and of the largest table entries of those arcs over the loads the
                   netlist can present (the first three load indices, up to 25 fF);
      power      = proportional to the clock frequency (the activity is per clock cycle).
  check_gate.py block OUT_DIR  spill_register (Width 16): 34 flip-flops (two 16-bit slots and two
      full bits, each with an asynchronous reset: DFFSR), no memory bits, an area at least that of
      34 DFFSR, an Fmax between 50 MHz and 2 GHz, and the netlist and SDC written.
  check_gate.py power OUT_DIR  scripts/gate_power.py on the toy at 10 ns:
      a hand-written VCD (20 clock cycles, output pin i of the 16 cells toggling i+1 times, an input
      vector written with dropped leading zeros) gives exactly activity = toggles / 20 and duty =
      time at 1 / 200 ns on every pin and port bit; the workload switching power equals
      sum over nets of C_load V^2 / 2 x activity / period, C_load from the liberty's input pin
      capacitances and the SDC's 0.01 pF output load; leakage equals the vectorless one; every pin
      at the vectorless activity 0.1 gives the vectorless power of scripts/synth.py (0.1 %); a pin
      missing from the waveform fails --min-coverage 1 (exit 1); a waveform of another design is
      refused (exit 1).
  check_gate.py fpga OUT_DIR   scripts/fpga.py: spill_register (Width 16) on the iCE40 UP5K and the
      ECP5 85k: fits; 34 flip-flops of its own (the ASIC count) plus 36 of the harness (18 input
      and 18 output port bits); iCE40 logic cells between max(flops, LUTs) and flops + LUTs; an
      Fmax in (20, 1000) MHz from nextpnr's report. A 6,000-flop shift register on the UP5K
      (5,280 logic cells) is reported as not fitting, by used / available, with exit 0.
Exit 1 with one line per failed check.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIB = Path("/usr/share/qflow/tech/osu018/osu018_stdcells.lib")
FAILS: list[str] = []


def check(ok: bool, what: str) -> None:
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        FAILS.append(what)


def cell_body(text: str, cell: str) -> str:
    m = re.search(rf"cell\s*\({cell}\)\s*\{{", text)
    depth, i = 1, m.end()
    while depth:
        depth += (text[i] == "{") - (text[i] == "}")
        i += 1
    return text[m.end():i]


def attr(body: str, name: str) -> float:
    return float(re.search(rf"\b{name}\s*:\s*([0-9.eE+-]+)", body).group(1))


def arc_tables(body: str, related: str, kinds: tuple[str, ...], timing_type: str | None = None):
    """(index_1, index_2, rows) of the named tables of every timing() group of `body` related to
    pin `related` (and of `timing_type`, if given)."""
    out = []
    for t in re.finditer(r"timing\(\)\s*\{(.*?)\n    \}", body, flags=re.S):
        g = t.group(1)
        if f'related_pin : "{related}"' not in g or (timing_type and f"timing_type : {timing_type}" not in g):
            continue
        for k in kinds:
            for tab in re.finditer(rf"\b{k}\([^)]*\)\s*\{{(.*?)\}}", g, flags=re.S):
                b = tab.group(1)
                i1, i2 = ([float(x) for x in re.search(rf'{n}\s*\("([^"]*)"', b).group(1).split(",")]
                          for n in ("index_1", "index_2"))
                vals = re.search(r"values\s*\((.*?)\);", b, flags=re.S).group(1)
                out.append((i1, i2, [[float(x) for x in r.split(",")] for r in re.findall(r'"([^"]*)"', vals)]))
    return out


def lookup(table, x1: float, x2: float) -> float:
    """NLDM table value at (x1, x2): bilinear between the two nearest indices of each variable,
    extrapolated linearly beyond the first or last index (as static timing tools do)."""
    i1, i2, rows = table

    def seg(idx, x):
        k = max(0, min(len(idx) - 2, sum(1 for v in idx if v <= x) - 1))
        return k, (x - idx[k]) / (idx[k + 1] - idx[k])
    a, fa = seg(i1, x1)
    b, fb = seg(i2, x2)
    v0 = rows[a][b] + fb * (rows[a][b + 1] - rows[a][b])
    v1 = rows[a + 1][b] + fb * (rows[a + 1][b + 1] - rows[a + 1][b])
    return v0 + fa * (v1 - v0)


def span(tables, xs1, xs2) -> tuple[float, float]:
    """Smallest and largest value of the tables over the corners of the ranges xs1 x xs2."""
    vals = [lookup(t, a, b) for t in tables for a in xs1 for b in xs2]
    return min(vals), max(vals)


def run_flow(out: Path, *args: str) -> dict:
    js = out / "gate.json"
    cmd = [sys.executable, str(ROOT / "scripts" / "synth.py"), "--liberty", "osu018", "--out-dir", str(out),
           "--json", str(js), *args]
    print("+ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    return json.loads(js.read_text())["blocks"][0]


def toy(out: Path) -> None:
    text = re.sub(r"/\*.*?\*/", "", LIB.read_text(), flags=re.S)
    dff, xor, nand = (cell_body(text, c) for c in ("DFFSR", "XOR2X1", "NAND2X1"))
    area = 12 * attr(dff, "area") + 4 * attr(xor, "area")
    leak_nw = 12 * attr(dff, "cell_leakage_power") + 4 * attr(xor, "cell_leakage_power")
    # The reg2reg path by hand: DFFSR CLK->Q driving at most a DFFSR D pin and an XOR2X1 input,
    # the XOR2X1 driving one DFFSR D pin, the DFFSR setup time; clock edge 0.1 ns (the flow's SDC
    # default); data slews bracketed by [0, 0.3] ns. Each arc is looked up at the corners of those
    # ranges, the path bounded by the sums of the smallest and of the largest values.
    d_cap = attr(re.search(r"pin\(D\)\s*\{(.*?)\}", dff, flags=re.S).group(1), "capacitance")
    x_cap = max(attr(re.search(rf"pin\({p}\)\s*\{{(.*?)\}}", xor, flags=re.S).group(1), "capacitance")
                for p in "AB")
    clk_slew, slews = 0.1, (0.0, 0.3)
    clkq = span(arc_tables(dff, "CLK", ("cell_rise", "cell_fall"), "rising_edge"), (x_cap, d_cap + x_cap), (clk_slew,))
    xor_d = span(arc_tables(xor, "A", ("cell_rise", "cell_fall")) + arc_tables(xor, "B", ("cell_rise", "cell_fall")),
                 (d_cap,), slews)
    setup = span(arc_tables(dff, "CLK", ("rise_constraint", "fall_constraint"), "setup_rising"), (clk_slew,), slews)
    lo, hi = clkq[0] + xor_d[0] + setup[0], clkq[1] + xor_d[1] + setup[1]
    print(f"hand: CLK->Q {clkq[0]:.4f}..{clkq[1]:.4f}, XOR {xor_d[0]:.4f}..{xor_d[1]:.4f}, "
          f"setup {setup[0]:.4f}..{setup[1]:.4f} ns")
    period = 5.0
    r = run_flow(out / "p5", "--rtl", str(ROOT / "tests" / "gate" / "gate_toy.sv"), "--top", "gate_toy",
                 "--clock-ns", str(period))
    check(abs(r["area_um2"] - area) < 1e-6, f"area {r['area_um2']} um2 == 12 DFFSR + 4 XOR2X1 = {area}")
    check(abs(r["nand2_eq"] - area / attr(nand, "area")) < 0.1,
          f"NAND2 eq {r['nand2_eq']} == {area} / {attr(nand, 'area')}")
    check(r["cells_by_type"].get("DFFSR") == 12 and r["cells_by_type"].get("XOR2X1") == 4
          and len(r["cells_by_type"]) == 3, f"cells {r['cells_by_type']} == 12 DFFSR, 4 XOR2X1, one RAM stub")
    check(r["flip_flops"] == 12, f"flip-flops {r['flip_flops']} == 12")
    check(r["memory_bits"] == 1024 and len(r["memories"]) == 1 and r["memories"][0]["words"] == 64
          and r["memories"][0]["width"] == 16, f"memory bits {r['memory_bits']} == 64 x 16")
    check(abs(r["memory_area_um2"] - 1024 * r["memory_area_per_bit_um2"]) < 0.1, "memory area == bits x area per bit")
    leak = r["power_mw"]["leakage_mw"] * 1e6
    check(abs(leak - leak_nw) <= 0.01 * leak_nw, f"leakage {leak:.4f} nW == {leak_nw:.4f} nW (1 %)")
    r2r = r["groups"]["reg2reg"]
    tmin = period - r2r["slack_ns"]
    check(lo <= tmin <= hi, f"reg2reg minimum period {tmin:.4f} ns within [{lo:.4f}, {hi:.4f}] ns from the tables")
    check(abs(r["fmax_mhz"] - 1e3 / tmin) < 0.2, f"Fmax {r['fmax_mhz']} MHz == 1000 / {tmin:.4f} ns")
    check(r["groups"]["in2reg"] is not None and r["groups"]["reg2out"] is not None and r["groups"]["in2out"] is None,
          "path groups: in2reg and reg2out present, no in2out path (every output is registered)")
    for f in ("netlist", "sdc"):
        check(Path(r[f]).is_file() and Path(r[f]).stat().st_size > 0, f"{f} written: {r[f]}")
    r10 = run_flow(out / "p10", "--rtl", str(ROOT / "tests" / "gate" / "gate_toy.sv"), "--top", "gate_toy",
                   "--clock-ns", str(2 * period))
    ratio = r["power_mw"]["total_mw"] / r10["power_mw"]["total_mw"]
    check(1.9 < ratio < 2.1, f"power at 5 ns / power at 10 ns = {ratio:.3f} (about 2: activity per cycle)")


def block(out: Path) -> None:
    text = re.sub(r"/\*.*?\*/", "", LIB.read_text(), flags=re.S)
    r = run_flow(out, "--block", "spill_register")
    check(r["flip_flops"] == 34, f"spill_register flip-flops {r['flip_flops']} == 2 x 16 + 2")
    check(r["memory_bits"] == 0, f"spill_register memory bits {r['memory_bits']} == 0")
    floor = 34 * attr(cell_body(text, "DFFSR"), "area")
    check(r["area_um2"] > floor, f"area {r['area_um2']} um2 > 34 DFFSR = {floor}")
    check(r["fmax_mhz"] is not None and 50 < r["fmax_mhz"] < 2000, f"Fmax {r['fmax_mhz']} MHz in (50, 2000)")
    check(r["wns_ns"] is not None and r["tns_ns"] is not None, "WNS and TNS reported")
    for f in ("netlist", "sdc"):
        check(Path(r[f]).is_file() and Path(r[f]).stat().st_size > 0, f"{f} written: {r[f]}")


def _toggles(k: int, start: float = 2.0, step: float = 10.0, end: float = 200.0) -> tuple[list[float], float]:
    """Toggle times of a pin that toggles k times from 0, and its time at 1 until `end`."""
    times = [start + step * j for j in range(k)]
    high = sum((times[j + 1] if j + 1 < k else end) - times[j] for j in range(0, k, 2))
    return times, high


def power(out: Path) -> None:
    text = re.sub(r"/\*.*?\*/", "", LIB.read_text(), flags=re.S)
    r = run_flow(out / "p10", "--rtl", str(ROOT / "tests" / "gate" / "gate_toy.sv"), "--top", "gate_toy",
                 "--clock-ns", "10")
    js = out / "p10" / "gate.json"
    net = Path(r["netlist"]).read_text()
    insts = re.findall(r"^\s*(DFFSR|XOR2X1)\s+(\S+)\s*\((.*?)\);", net, flags=re.M | re.S)
    check(len(insts) == 16, f"{len(insts)} cells in the netlist == 16")
    conns = [(cell, name, dict((p, n.strip()) for p, n in re.findall(r"\.(\w+)\(([^()]*)\)", body)))
             for cell, name, body in insts]
    out_pin = {"DFFSR": "Q", "XOR2X1": "Y"}
    # The hand-written waveform.
    period, cycles, end = 10.0, 20, 200.0
    lines = ["$timescale 1ns $end", "$scope module TOP $end", "$scope module gate_toy $end",
             "$var wire 1 ! clk_i $end", "$var wire 4 # a_i [3:0] $end", "$var wire 1 % we_i $end"]
    events: dict[float, list[str]] = {}
    expect: dict[str, tuple[float, float]] = {}
    for i, (cell, name, _) in enumerate(sorted(conns, key=lambda c: c[1])):
        vid = f"p{i}"
        key = f"{name}.{out_pin[cell]}"
        lines.append(f"$var wire 1 {vid} {key} $end")
        times, high = _toggles(i + 1)
        for j, t in enumerate(times):
            events.setdefault(t, []).append(f"{1 - j % 2}{vid}")
        expect[key] = ((i + 1) / cycles, high / end)
    lines += ["$upscope $end", "$upscope $end", "$enddefinitions $end", "#0", "$dumpvars", "0!", "b0 #", "0%"]
    lines += [f"0p{i}" for i in range(len(conns))] + ["$end"]
    for c in range(cycles):
        events.setdefault(c * period + 5, []).append("1!")
        events.setdefault(c * period + 10, []).append("0!")
    events.setdefault(12.0, []).append("b101 #")     # bits 0 and 2 rise at 12 ns
    events.setdefault(22.0, []).append("b1111 #")    # bits 1 and 3 rise at 22 ns
    for t in sorted(events):
        lines.append(f"#{int(t)}")
        lines += events[t]
    vcd = out / "toy.vcd"
    vcd.write_text("\n".join(lines) + "\n")
    expect_ports = {"a_i[0]": (1 / cycles, (end - 12) / end), "a_i[2]": (1 / cycles, (end - 12) / end),
                    "a_i[1]": (1 / cycles, (end - 22) / end), "a_i[3]": (1 / cycles, (end - 22) / end),
                    "we_i": (0.0, 0.0)}
    pw = out / "power"
    cmd = [sys.executable, str(ROOT / "scripts" / "gate_power.py"), "--gate-json", str(js), "--block", "gate_toy",
           "--config", "-", "--out-dir", str(pw)]
    print("+ " + " ".join(cmd + ["--vcd", str(vcd)]), flush=True)
    res = subprocess.run(cmd + ["--vcd", str(vcd), "--json", str(pw / "vcd.json"), "--min-coverage", "1"])
    check(res.returncode == 0, f"gate_power.py --vcd exit {res.returncode} == 0")
    if res.returncode != 0:
        return
    got = {}
    for ln in (pw / "pin_activity.csv").read_text().splitlines()[1:]:
        k, _, a, d = ln.split(",")
        got[k] = (float(a), float(d))
    bad = [k for k, v in {**expect, **expect_ports}.items()
           if k not in got or abs(got[k][0] - v[0]) > 1e-9 or abs(got[k][1] - v[1]) > 1e-9]
    check(not bad, f"activity and duty of {len(expect)} pins and {len(expect_ports)} port bits as written "
          f"(toggles / {cycles}, time at 1 / {end:g} ns){': wrong ' + ', '.join(bad[:4]) if bad else ''}")
    # Switching power by hand: every cell output net at its activity.
    caps = {}
    for cell in ("DFFSR", "XOR2X1"):
        body = cell_body(text, cell)
        for p in re.findall(r"pin\((\w+)\)\s*\{", body):
            pb = re.search(rf"pin\({p}\)\s*\{{(.*?)\}}", body, flags=re.S).group(1)
            if "direction : input" in pb:
                caps[(cell, p)] = attr(pb, "capacitance")
    volt = float(re.search(r"nom_voltage\s*:\s*([0-9.]+)", text).group(1))
    outputs = {f"\\q_q[{i}]" for i in range(4)}   # nets that drive q_o (0.01 pF each in the SDC)
    sw = 0.0
    for cell, name, pins in conns:
        n = pins[out_pin[cell]]
        c_load = sum(caps.get((c2, p2), 0.0) for c2, _, pins2 in conns for p2, n2 in pins2.items() if n2 == n)
        c_load += 0.01 if n in outputs else 0.0
        sw += 0.5 * c_load * 1e-12 * volt ** 2 * expect[f"{name}.{out_pin[cell]}"][0] / (period * 1e-9)
    rep = json.loads((pw / "vcd.json").read_text())
    got_sw = rep["power_mw"]["switching_mw"] * 1e-3
    check(abs(got_sw - sw) <= 0.005 * sw, f"switching {got_sw * 1e6:.4f} uW == sum C V^2 a / 2T = {sw * 1e6:.4f} uW (0.5 %)")
    check(rep["power_mw"]["leakage_mw"] == r["power_mw"]["leakage_mw"],
          f"leakage {rep['power_mw']['leakage_mw']} mW == vectorless {r['power_mw']['leakage_mw']} mW")
    check(rep["coverage"] == 1.0 and rep["cycles"] == cycles and rep["window_ns"] == end,
          f"coverage {rep['coverage']}, {rep['cycles']} cycles, window {rep['window_ns']} ns")
    res = subprocess.run(cmd + ["--synthetic", str(r["activity"]), "0.5", "--json", str(pw / "syn.json")])
    syn = json.loads((pw / "syn.json").read_text())["power_mw"]["total_mw"] if res.returncode == 0 else None
    vec = r["power_mw"]["total_mw"]
    check(syn is not None and abs(syn - vec) <= 1e-3 * vec,
          f"every pin at activity {r['activity']}: {syn} mW == vectorless {vec} mW (0.1 %)")
    # A pin missing from the waveform, and a waveform of another design.
    vcd2 = out / "toy_missing.vcd"
    vcd2.write_text("\n".join(ln for ln in lines if not re.search(r"\bp0\b|^[01]p0$", ln)) + "\n")
    res = subprocess.run(cmd + ["--vcd", str(vcd2), "--min-coverage", "1"], capture_output=True, text=True)
    check(res.returncode == 1 and "15 of 16 cell output pins" in res.stderr,
          f"one pin missing, --min-coverage 1: exit {res.returncode} == 1, '{res.stderr.strip()[-90:]}'")
    vcd3 = out / "other.vcd"
    vcd3.write_text(vcd.read_text().replace("module gate_toy", "module other_top"))
    res = subprocess.run(cmd + ["--vcd", str(vcd3)], capture_output=True, text=True)
    check(res.returncode == 1 and "no scope 'gate_toy'" in res.stderr,
          f"another design's waveform: exit {res.returncode} == 1, '{res.stderr.strip()[-90:]}'")


def fpga(out: Path) -> None:
    js = out / "fpga.json"
    cmd = [sys.executable, str(ROOT / "scripts" / "fpga.py"), "--block", "spill_register", "--out-dir", str(out),
           "--json", str(js)]
    print("+ " + " ".join(cmd), flush=True)
    res = subprocess.run(cmd)
    check(res.returncode == 0, f"fpga.py exit {res.returncode} == 0")
    if res.returncode != 0:
        return
    devs = {d["device"]: d for d in json.loads(js.read_text())["rows"][0]["devices"]}
    check(set(devs) == {"iCE40UP5K-SG48", "LFE5U-85F-CABGA381"}, f"devices {sorted(devs)}")
    for name, d in devs.items():
        check(d["fits"] and d["harness_ffs"] == 36 and d["port_bits_in"] == 18 and d["port_bits_out"] == 18,
              f"{name}: fits, harness 36 flops (18 in, 18 out): {d['fits']}, {d['harness_ffs']}")
        own = sum(v for k, v in d["block_cells"].items() if re.match(r"(SB_DFF|TRELLIS_FF)", k))
        check(own == 34, f"{name}: the block's own flip-flops {own} == 34 (as in the ASIC netlist)")
        check(d["fmax_mhz"] is not None and 20 < d["fmax_mhz"] < 1000, f"{name}: Fmax {d['fmax_mhz']} MHz in (20, 1000)")
    ice = devs.get("iCE40UP5K-SG48")
    if ice:
        luts = ice["block_cells"].get("SB_LUT4", 0)
        ffs = 34 + ice["harness_ffs"]
        lc = ice["lut_used"]
        # The harness's output shift register needs a LUT per bit (load or shift), its input one none.
        check(max(ffs, luts) <= lc <= ffs + luts + ice["port_bits_out"],
              f"iCE40 logic cells {lc} within [max({ffs} flops, {luts} LUTs), flops + LUTs + 18 harness LUTs]")
    ecp = devs.get("LFE5U-85F-CABGA381")
    if ecp:
        ff = ecp["utilization"].get("TRELLIS_FF", {}).get("used")
        check(ff == 34 + 36, f"ECP5 TRELLIS_FF used {ff} == 34 + 36")
    big = out / "big_shift.sv"
    big.write_text("module big_shift (input logic clk_i, input logic d_i, output logic q_o);\n"
                   "  logic [5999:0] q;\n  always_ff @(posedge clk_i) q <= {q[5998:0], d_i};\n"
                   "  assign q_o = q[5999];\nendmodule\n")
    js2 = out / "big.json"
    res = subprocess.run([sys.executable, str(ROOT / "scripts" / "fpga.py"), "--rtl", str(big), "--top", "big_shift",
                          "--device", "ice40", "--out-dir", str(out / "big"), "--json", str(js2)],
                         capture_output=True, text=True)
    print(res.stdout)
    d = json.loads(js2.read_text())["rows"][0]["devices"][0] if res.returncode == 0 else None
    check(d is not None and not d["fits"] and d["over_resource"] == "ICESTORM_LC" and d["lut_used"] >= 6000
          and abs(d["over_by"] - d["lut_used"] / 5280) < 1e-3 and "does not fit" in res.stdout,
          f"6,000 flops on the UP5K: exit {res.returncode}, "
          + (f"fits {d['fits']}, {d['lut_used']} of 5280 logic cells, over by {d['over_by']}" if d else res.stderr[-200:]))


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("toy", "block", "power", "fpga"):
        print(__doc__, file=sys.stderr)
        return 2
    if not LIB.is_file():
        print(f"check_gate: {LIB} missing (Debian qflow-tech-osu018: scripts/bootstrap.sh)", file=sys.stderr)
        return 1
    {"toy": toy, "block": block, "power": power, "fpga": fpga}[argv[0]](Path(argv[1]))
    print(f"{len(FAILS)} failed" if FAILS else "all checks passed")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
