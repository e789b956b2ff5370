#!/usr/bin/env python3
"""Workload power of a block's OSU 0.18 um netlist (docs/gate_level.md, "Workload power").

The vectorless figure of scripts/synth.py --liberty assumes one activity on every net. This script
takes the activity of a real scenario instead:
  1. the block's netlist re-simulation bench (test_<block>_gate, built with
     -DHYCIM_GATE_POWER=ON so that the waveform holds every cell pin) runs one test with
     HYCIM_TRACE=<file>.vcd, or --vcd names a waveform written some other way;
  2. the VCD is read as a stream: for every output pin of every liberty cell of the timing
     netlist (<inst>.<PIN> in the flattened simulation netlist), and for every input port bit,
     the number of transitions and the time spent at 1 inside the window;
  3. activity = transitions / rising edges of the clock in the window, duty = time at 1 / window
     length (written to <out-dir>/pin_activity.csv);
  4. OpenSTA gives every instance's power at a global activity of 0 and of 1 (report_power
     -instances); each instance's power is affine in its activity, so the workload power is the
     sum over instances at their measured output rates (the OpenSTA section below says why
     OpenSTA 2.0.17 cannot take the per-pin activities itself, and what this leaves out);
  5. beside it, OpenSTA's own propagation from the measured input port activities
     (set_power_activity -input_ports, which this OpenSTA does honour).
Instances whose outputs the waveform does not hold keep the vectorless activity (--activity,
default that of the gate JSON) and are counted: the report gives the coverage. OpenSTA 2.0.17 has
no read_vcd or read_saif, hence the conversion here; no library does this VCD-to-activity step
(pyDigitalWaveTools and vcdvcd load whole waveforms into memory; this reads one line at a time).

  gate_power.py --gate-json build/gate/requant_top_ci/gate.json --block requant_top \
      --bench build/tests/test_requant_top_gate --filter 'Stall/RequantTop.RandomRunsMatchGolden/none'
  gate_power.py --gate-json G --block B --vcd trace.vcd [--start-ns T0 --stop-ns T1]
  gate_power.py --gate-json G --block B --synthetic 0.1 0.5   (every pin at one activity: the
      vectorless figure again, a check of the per-instance sum)

Writes a JSON report (--json) and, with --update, the workload figure into the block's entry of
the gate JSON (printed by scripts/synth.py --show beside the vectorless one). Exit 2 on bad
arguments or files, 1 when the bench or OpenSTA fails or --min-coverage is not met.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gate_flow  # noqa: E402


class PowerError(RuntimeError):
    pass


# ---- The timing netlist -----------------------------------------------------------------------

@dataclass
class Netlist:
    top: str
    pins: dict[str, str] = field(default_factory=dict)     # "<inst>.<PIN>" -> net driven
    cells: dict[str, str] = field(default_factory=dict)    # inst -> cell
    inputs: dict[str, int] = field(default_factory=dict)   # input port -> width
    other_insts: int = 0                                   # instances of non-liberty modules


def _unescape(name: str) -> str:
    name = name.strip()
    return name[1:].rstrip() if name.startswith("\\") else name


def read_netlist(path: Path, lib: gate_flow.Liberty, top: str) -> Netlist:
    """Output pins of every liberty cell instance, and the input ports, of the flat netlist that
    scripts/gate_flow.py writes (write_verilog -noattr: one module per line group)."""
    text = path.read_text()
    m = re.search(rf"^module\s+\\?{re.escape(top)}\s*\(", text, flags=re.M)
    if not m:
        raise PowerError(f"{path}: no module {top}")
    body = text[m.end():text.find("\nendmodule", m.end())]
    nl = Netlist(top)
    for d in re.finditer(r"^\s*input\s+(?:\[(\d+):(\d+)\]\s+)?(\\?\S+)\s*;", body, flags=re.M):
        w = abs(int(d.group(1)) - int(d.group(2))) + 1 if d.group(1) else 1
        nl.inputs[_unescape(d.group(3))] = w
    for inst in re.finditer(r"^\s{2}(\\?[\w$]+)\s+(\\\S+\s|[\w$]+)\s*\((.*?)\);", body, flags=re.M | re.S):
        cell, name = inst.group(1), _unescape(inst.group(2))
        if cell not in lib.functions:
            nl.other_insts += 1
            continue
        nl.cells[name] = cell
        outs = lib.functions[cell]
        for c in re.finditer(r"\.(\w+)\(([^()]*)\)", inst.group(3)):
            if c.group(1) in outs:
                nl.pins[f"{name}.{c.group(1)}"] = _unescape(c.group(2))
    if not nl.cells:
        raise PowerError(f"{path}: no instance of a cell of {lib.name} in {top}")
    return nl


# ---- The waveform -----------------------------------------------------------------------------

@dataclass
class Activity:
    window_ns: float
    cycles: int
    pins: dict[str, tuple[float, float]]    # "<inst>.<PIN>" -> (activity, duty)
    ports: dict[str, tuple[float, float]]   # "port[bit]" or "port" -> (activity, duty)


_TIMESCALE_NS = {"s": 1e9, "ms": 1e6, "us": 1e3, "ns": 1.0, "ps": 1e-3, "fs": 1e-6}


def read_vcd(path: Path, nl: Netlist, clock: str, start_ns: float | None, stop_ns: float | None) -> Activity:
    """Transitions and time at 1 of the netlist's output pins and input port bits, from a VCD
    whose scope <...>.<top> holds the flattened netlist's wires. X and Z count as 0."""
    scale = 1.0
    scope: list[str] = []
    want: dict[str, list[tuple[str, int, int]]] = {}   # id -> [(key, width, kind 0 pin / 1 port)]
    top_depth = None
    clk_id = None
    with path.open("r", errors="replace") as f:
        # header
        buf = ""
        for line in f:
            buf += line
            if "$end" not in line and not line.strip().startswith("$enddefinitions"):
                continue
            tok = buf.split()
            buf = ""
            if not tok:
                continue
            if tok[0] == "$timescale":
                ts = "".join(tok[1:-1])
                m = re.fullmatch(r"(\d+)(s|ms|us|ns|ps|fs)", ts)
                if not m:
                    raise PowerError(f"{path}: unreadable $timescale '{ts}'")
                scale = int(m.group(1)) * _TIMESCALE_NS[m.group(2)]
            elif tok[0] == "$scope":
                scope.append(tok[2])
                if top_depth is None and tok[2] == nl.top:
                    top_depth = len(scope)
            elif tok[0] == "$upscope":
                scope.pop()
            elif tok[0] == "$var" and top_depth is not None and len(scope) == top_depth \
                    and scope[top_depth - 1] == nl.top:
                width, vid, name = int(tok[2]), tok[3], tok[4]
                if name in nl.pins and width == 1:
                    want.setdefault(vid, []).append((name, 1, 0))
                elif name in nl.inputs and width == nl.inputs[name]:
                    if name == clock:
                        clk_id = vid
                    else:
                        want.setdefault(vid, []).append((name, width, 1))
            elif tok[0] == "$enddefinitions":
                break
        if top_depth is None:
            raise PowerError(f"{path}: no scope '{nl.top}' (not a waveform of this block?)")
        if clk_id is None:
            raise PowerError(f"{path}: no clock '{clock}' in scope {nl.top}")
        # value changes
        width = {vid: lst[0][1] for vid, lst in want.items()}
        value: dict[str, str] = {}
        since: dict[str, float] = {}
        toggles: dict[str, list[int]] = {vid: [0] * width[vid] for vid in want}
        high: dict[str, list[float]] = {vid: [0.0] * width[vid] for vid in want}
        t = 0.0
        t0 = start_ns
        t_first = None
        t_last = 0.0
        clk_val = "0"
        edges = 0

        def in_window() -> bool:
            return (t0 is None or t > t0) and (stop_ns is None or t <= stop_ns)

        def settle(vid: str, now: float) -> None:
            """Add the time at 1 of vid's current value from `since` to `now`, clipped to the window."""
            v = value.get(vid)
            if v is None:
                return
            lo = max(since[vid], t0 if t0 is not None else 0.0)
            hi = min(now, stop_ns) if stop_ns is not None else now
            if hi > lo:
                span = hi - lo
                hv = high[vid]
                for i, ch in enumerate(reversed(v)):
                    if ch == "1":
                        hv[i] += span

        def change(vid: str, v: str) -> None:
            w = width[vid]
            if len(v) < w:   # VCD vectors drop leading zeros (or extend x/z)
                v = (v[0] if v[0] in "xz" else "0") * (w - len(v)) + v
            v = "".join("1" if c == "1" else "0" for c in v)
            old = value.get(vid)
            if old is not None and in_window():
                tg = toggles[vid]
                for i, (a, b) in enumerate(zip(reversed(old), reversed(v))):
                    if a != b:
                        tg[i] += 1
            settle(vid, t)
            value[vid] = v
            since[vid] = t

        for line in f:
            c = line[:1]
            if c == "#":
                t = int(line[1:]) * scale
                if t_first is None:
                    t_first = t
                t_last = t
                if stop_ns is not None and t > stop_ns:
                    break
                continue
            if c in "01xzXZ":
                vid, v = line[1:].strip(), c.lower()
            elif c in "bB":
                v, vid = line[1:].split()
            else:
                continue   # $dumpvars / $end / real values
            if vid == clk_id:
                if v == "1" and clk_val != "1" and in_window():
                    edges += 1
                clk_val = v
            if vid in want:
                change(vid, v)
    end = t_last if stop_ns is None else min(stop_ns, t_last)
    begin = t0 if t0 is not None else (t_first or 0.0)
    window = end - begin
    if window <= 0 or edges == 0:
        raise PowerError(f"{path}: the window [{begin:g}, {end:g}] ns holds no rising edge of {clock}")
    for vid in want:
        settle(vid, end)
    act = Activity(window, edges, {}, {})
    for vid, lst in want.items():
        for key, w, kind in lst:
            for i in range(w):
                a, d = toggles[vid][i] / edges, high[vid][i] / window
                if kind == 0:
                    act.pins[key] = (a, d)
                else:
                    act.ports[f"{key}[{i}]" if nl.inputs[key] > 1 else key] = (a, d)
    return act


# ---- OpenSTA ----------------------------------------------------------------------------------
#
# OpenSTA 2.0.17 (Debian 12) takes no per-pin activity: `set_power_activity -pins` calls a Tcl
# procedure it does not define (get_pins_error), and the C++ behind it (Power::setPinActivity) is
# overwritten by the activity propagation or ignored under -global (search/Power.cc of that
# version, docs/gate_level.md). What it does take: one global activity, and per input port
# activities that its propagation starts from. So the workload figure is built from OpenSTA's own
# per-instance powers at two global activities: every instance's power is affine in the activity
# of its pins (switching = C_load V^2 / 2 x toggles; internal = table energy x toggles; the clock
# pins stay at 2 transitions per cycle), so
#     P_inst(alpha) = P_inst(0) + alpha x (P_inst(1) - P_inst(0)),
# and the workload power is the sum over instances with alpha = the measured toggle rate of the
# instance's output pin (the mean of its outputs for the two-output adders). The switching part
# is exact per net; the internal energy of data inputs (a flop's D pin, say) is charged at the
# rate of the instance's output rather than of that input.

def _sta(script: str, log: Path) -> str:
    # A script file, not stdin: OpenSTA run interactively writes .history_sta into its directory.
    tcl = log.with_suffix(".tcl")
    tcl.write_text(script + "exit\n")
    res = subprocess.run(["sta", "-no_splash", "-exit", str(tcl)], capture_output=True, text=True, cwd=log.parent)
    log.write_text(script + "\n---- stdout\n" + res.stdout + "\n---- stderr\n" + res.stderr)
    errs = [ln for ln in (res.stdout + res.stderr).splitlines() if ln.startswith("Error")]
    if res.returncode != 0 or errs or "HYCIM_POWER" not in res.stdout:
        raise PowerError(f"OpenSTA failed (log {log}): {(errs or res.stderr.splitlines()[-3:] or ['?'])[0]}")
    return res.stdout.split("HYCIM_POWER", 1)[1]


def _design(lib_path: Path, netlist: Path, sdc: Path, top: str) -> str:
    return f"read_liberty {lib_path}\nread_verilog {netlist}\nlink_design {top}\nread_sdc {sdc}\n"


def _groups(text: str, log: Path) -> dict:
    groups = gate_flow.power_groups(text)
    if "total" not in groups:
        raise PowerError(f"OpenSTA printed no power total (log {log})")
    return groups


def instance_powers(lib_path: Path, netlist: Path, sdc: Path, top: str, duty: float, out_dir: Path):
    """[{inst: (internal, switching, leakage) in W} at global activity 0, the same at 1]."""
    out = []
    for a in (0.0, 1.0):
        log = out_dir / f"sta_instances_a{a:g}.log"
        text = _sta(_design(lib_path, netlist, sdc, top)
                    + f"set_power_activity -global -activity {a} -duty {duty}\nputs HYCIM_POWER\n"
                    "report_power -instances [get_cells *] -digits 8\n", log)
        inst = {}
        for m in re.finditer(r"^\s*([-0-9.e+]+)\s+([-0-9.e+]+)\s+([-0-9.e+]+)\s+[-0-9.e+]+\s+(\S+)\s*$",
                             text, flags=re.M):
            inst[_unescape(m.group(4))] = (float(m.group(1)), float(m.group(2)), float(m.group(3)))
        if not inst:
            raise PowerError(f"OpenSTA printed no instance powers (log {log})")
        out.append(inst)
    return out


def workload_power(nl: Netlist, lib: gate_flow.Liberty, act: Activity, p0: dict, p1: dict,
                   default: float) -> tuple[dict, int]:
    """Sequential / combinational / total power with each instance at its output pins' measured
    activity; instances without a measured output keep `default` (their count is returned)."""
    sums = {g: [0.0, 0.0, 0.0] for g in ("sequential", "combinational")}
    outs: dict[str, list[str]] = {}
    for key in nl.pins:
        inst, pin = key.rsplit(".", 1)
        outs.setdefault(inst, []).append(key)
    unmeasured = 0
    for inst, cell in nl.cells.items():
        if inst not in p0 or inst not in p1:
            raise PowerError(f"OpenSTA reported no power for instance {inst} ({cell})")
        rates = [act.pins[k][0] for k in outs.get(inst, []) if k in act.pins]
        if rates:
            alpha = sum(rates) / len(rates)
        else:
            alpha = default
            unmeasured += 1
        (i0, s0, l0), (i1, s1, _) = p0[inst], p1[inst]
        g = sums["sequential" if cell in lib.flops or cell in lib.latches else "combinational"]
        g[0] += i0 + alpha * (i1 - i0)
        g[1] += s0 + alpha * (s1 - s0)
        g[2] += l0
    res = {g: gate_flow.power_mw(*v) for g, v in sums.items()}
    res["total"] = gate_flow.power_mw(*(a + b for a, b in zip(sums["sequential"], sums["combinational"])))
    return res, unmeasured


def propagated_power(lib_path: Path, netlist: Path, sdc: Path, top: str, act: Activity, default: float,
                     duty: float, out_dir: Path) -> dict:
    """OpenSTA's own estimate from the workload's input port statistics: the measured activity and
    duty of every input port bit, propagated through the logic by OpenSTA (no global activity)."""
    lines = [f"set_power_activity -input -activity {default} -duty {duty}"]
    for key, (a, d) in sorted(act.ports.items()):
        lines.append(f"set_power_activity -input_ports [get_ports {{{key}}}] -activity {a:.6g} -duty {d:.6g}")
    tcl = out_dir / "workload_inputs.tcl"
    tcl.write_text("\n".join(lines) + "\n")
    log = out_dir / "sta_propagated.log"
    return _groups(_sta(_design(lib_path, netlist, sdc, top) + f"source {tcl}\nputs HYCIM_POWER\n"
                        "report_power -digits 6\n", log), log)


# ---- Driver -----------------------------------------------------------------------------------

def run_bench(bench: Path, test_filter: str, vcd: Path, start_ns: float | None, stop_ns: float | None) -> None:
    env = dict(os.environ, HYCIM_TRACE=str(vcd))
    if start_ns is not None:
        env["HYCIM_TRACE_START"] = str(int(start_ns))
    if stop_ns is not None:
        env["HYCIM_TRACE_STOP"] = str(int(stop_ns))
    cmd = [str(bench), f"--gtest_filter={test_filter}"]
    print(f"gate_power: running {' '.join(cmd)} with HYCIM_TRACE={vcd}", file=sys.stderr, flush=True)
    res = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if res.returncode != 0:
        tail = "\n".join((res.stdout + res.stderr).splitlines()[-10:])
        raise PowerError(f"the bench failed (exit {res.returncode}):\n{tail}")
    if re.search(r"\[\s*PASSED\s*\]\s+0 tests", res.stdout) or "[  PASSED  ]" not in res.stdout:
        raise PowerError(f"--filter '{test_filter}' ran no test in {bench}")
    if not vcd.is_file() or vcd.stat().st_size == 0:
        raise PowerError(f"the bench wrote no waveform {vcd}")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gate-json", required=True, help="the block's gate JSON (scripts/synth.py --liberty)")
    ap.add_argument("--block", required=True)
    ap.add_argument("--config", default="ci")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--vcd", help="a VCD of the netlist re-simulation (every cell pin traced)")
    src.add_argument("--bench", help="the test_<block>_gate executable to run (with --filter)")
    src.add_argument("--synthetic", nargs=2, type=float, metavar=("ACTIVITY", "DUTY"),
                     help="set every output pin and input port explicitly to these values")
    ap.add_argument("--filter", help="the gtest filter of the one scenario --bench runs")
    ap.add_argument("--start-ns", type=float, help="window start (default: the first time)")
    ap.add_argument("--stop-ns", type=float, help="window end (default: the last time)")
    ap.add_argument("--clock", default="clk_i")
    ap.add_argument("--activity", type=float,
                    help="activity of pins the waveform lacks (default: the gate JSON's vectorless one)")
    ap.add_argument("--min-coverage", type=float, default=0.0,
                    help="fail (exit 1) when fewer than this fraction of the cell output pins are in the waveform")
    ap.add_argument("--out-dir", help="activity file and OpenSTA log (default: beside the netlist)")
    ap.add_argument("--json", help="write the report here")
    ap.add_argument("--update", action="store_true",
                    help="also store the result as 'workload_power' in the block's entry of --gate-json")
    args = ap.parse_args(argv)

    def fail(msg: str, code: int = 2) -> int:
        print(f"gate_power: error: {msg}", file=sys.stderr)
        return code
    if args.bench and not args.filter:
        return fail("--bench needs --filter (one scenario)")
    for name in ("start_ns", "stop_ns"):
        v = getattr(args, name)
        if v is not None and not (v >= 0 and v < float("inf")):
            return fail(f"--{name.replace('_', '-')} must be a finite time >= 0, not {v}")
    if args.start_ns is not None and args.stop_ns is not None and args.stop_ns <= args.start_ns:
        return fail("--stop-ns must be after --start-ns")
    if args.synthetic and not (0 <= args.synthetic[0] < float("inf") and 0 <= args.synthetic[1] <= 1):
        return fail("--synthetic needs an activity >= 0 and a duty in [0, 1]")
    if not 0 <= args.min_coverage <= 1:
        return fail("--min-coverage is a fraction in [0, 1]")
    try:
        doc = json.loads(Path(args.gate_json).read_text())
        row = next((r for r in doc["blocks"] if r["block"] == args.block and r["config"] == args.config), None)
        if row is None:
            return fail(f"{args.gate_json}: no block {args.block} ({args.config})")
        lib_path, netlist, sdc, top = Path(row["liberty_file"]), Path(row["netlist"]), Path(row["sdc"]), row["top"]
        for p in (lib_path, netlist, sdc):
            if not p.is_file():
                return fail(f"{p} (named by {args.gate_json}) does not exist")
        lib = gate_flow.read_liberty(lib_path)
        nl = read_netlist(netlist, lib, top)
    except (OSError, ValueError, KeyError, TypeError) as e:
        return fail(f"{args.gate_json}: {e}")
    except (gate_flow.FlowError, PowerError) as e:
        return fail(str(e))
    default = args.activity if args.activity is not None else row.get("activity", 0.1)
    out_dir = Path(args.out_dir) if args.out_dir else netlist.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    t_start = time.monotonic()
    scenario = None
    try:
        if args.synthetic:
            a, d = args.synthetic
            act = Activity(0.0, 0, {k: (a, d) for k in nl.pins},
                           {(f"{p}[{i}]" if w > 1 else p): (a, d) for p, w in nl.inputs.items()
                            if p != args.clock for i in range(w)})
            scenario = f"synthetic activity {a:g}, duty {d:g} on every pin"
        else:
            with tempfile.TemporaryDirectory() as tmpd:
                vcd = Path(args.vcd) if args.vcd else Path(tmpd) / "workload.vcd"
                if args.bench:
                    run_bench(Path(args.bench), args.filter, vcd, args.start_ns, args.stop_ns)
                    scenario = f"{Path(args.bench).name} --gtest_filter={args.filter}"
                elif not vcd.is_file():
                    return fail(f"no waveform {vcd}")
                else:
                    scenario = str(vcd)
                print(f"gate_power: reading {vcd} ({vcd.stat().st_size / 1e6:.1f} MB) ...", file=sys.stderr, flush=True)
                act = read_vcd(vcd, nl, args.clock, args.start_ns, args.stop_ns)
        duty = row.get("duty", 0.5)
        with (out_dir / "pin_activity.csv").open("w") as f:
            f.write("pin,net,activity,duty\n")
            for k in sorted(act.pins):
                f.write(f"{k},{nl.pins[k]},{act.pins[k][0]:.9g},{act.pins[k][1]:.9g}\n")
            for k in sorted(act.ports):
                f.write(f"{k},{k},{act.ports[k][0]:.9g},{act.ports[k][1]:.9g}\n")
        print("gate_power: OpenSTA per-instance powers at activity 0 and 1 ...", file=sys.stderr, flush=True)
        p0, p1 = instance_powers(lib_path, netlist, sdc, top, duty, out_dir)
        power, unmeasured = workload_power(nl, lib, act, p0, p1, default)
        propagated = propagated_power(lib_path, netlist, sdc, top, act, default, duty, out_dir)
    except PowerError as e:
        return fail(str(e), 1)
    except OSError as e:
        return fail(str(e))
    covered = len(act.pins)
    total = len(nl.pins)
    missing = sorted(set(nl.pins) - set(act.pins))
    acts = sorted(((a, k) for k, (a, _) in act.pins.items()), reverse=True)
    res = {
        "block": args.block, "config": args.config, "liberty": row["liberty"], "scenario": scenario,
        "clock_ns": row["clock_ns"], "window_ns": act.window_ns, "cycles": act.cycles,
        "pins_total": total, "pins_in_waveform": covered, "coverage": round(covered / total, 6),
        "pins_missing_example": missing[:10], "instances_unmeasured": unmeasured,
        "input_port_bits": len(act.ports), "other_instances": nl.other_insts,
        "default_activity": default,
        "mean_activity": round(sum(a for a, _ in act.pins.values()) / covered, 6) if covered else None,
        "pins_above_1": sum(1 for a, _ in act.pins.values() if a > 1),
        "idle_pins": sum(1 for a, _ in act.pins.values() if a == 0),
        "hottest": [{"pin": k, "net": nl.pins[k], "activity": round(a, 4)} for a, k in acts[:10]],
        "power_mw": power["total"], "power_groups_mw": power,
        "propagated_power_mw": propagated["total"],
        "vectorless_power_mw": row.get("power_mw"), "vectorless_activity": row.get("activity"),
        "method": "per-instance OpenSTA powers at global activity 0 and 1, each instance at its output "
                  "pins' measured toggle rate (docs/gate_level.md, Workload power)",
        "seconds": round(time.monotonic() - t_start, 1),
    }
    vp = (row.get("power_mw") or {}).get("total_mw")
    print(f"Workload power of {args.block} ({args.config}) in {row['liberty']} at {row['clock_ns']} ns "
          f"(no wires, no clock tree, memories not included)")
    print(f"  scenario      {scenario}")
    if act.cycles:
        print(f"  window        {act.window_ns:g} ns, {act.cycles} clock cycles")
    print(f"  pins          {covered} of {total} cell outputs from the waveform ({100 * covered / total:.2f} %), "
          f"{len(act.ports)} input port bits; mean activity {res['mean_activity']}, "
          f"{res['idle_pins']} never toggle, {res['pins_above_1']} above 1 per cycle")
    t = power["total"]
    print(f"  workload      {t['total_mw']:.4g} mW (internal {t['internal_mw']:.4g}, switching "
          f"{t['switching_mw']:.4g}, leakage {t['leakage_mw']:.4g}): every instance at its measured rate")
    print(f"  propagated    {propagated['total']['total_mw']:.4g} mW: OpenSTA's propagation from the "
          f"measured input port activities")
    if vp is not None:
        print(f"  vectorless    {vp:.4g} mW at activity {row.get('activity')} on every net")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(res, indent=2) + "\n")
        print(f"JSON: {args.json}")
    if args.update:
        row["workload_power"] = {k: res[k] for k in ("scenario", "window_ns", "cycles", "coverage",
                                                     "mean_activity", "power_mw", "propagated_power_mw")}
        Path(args.gate_json).write_text(json.dumps(doc, indent=2) + "\n")
    if covered / total < args.min_coverage:
        return fail(f"only {covered} of {total} cell output pins ({100 * covered / total:.2f} %) are in the "
                    f"waveform, under --min-coverage {args.min_coverage}: build the bench with "
                    f"-DHYCIM_GATE_POWER=ON (Verilator --trace-underscore)", 1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
