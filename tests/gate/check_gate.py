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


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("toy", "block"):
        print(__doc__, file=sys.stderr)
        return 2
    if not LIB.is_file():
        print(f"check_gate: {LIB} missing (Debian qflow-tech-osu018: scripts/bootstrap.sh)", file=sys.stderr)
        return 1
    (toy if argv[0] == "toy" else block)(Path(argv[1]))
    print(f"{len(FAILS)} failed" if FAILS else "all checks passed")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
