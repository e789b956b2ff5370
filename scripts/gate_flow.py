#!/usr/bin/env python3
"""Gate-level estimate of one design against a liberty (scripts/synth.py --liberty; docs/gate_level.md).

Per design: Yosys maps the flip-flops with dfflibmap and the logic with abc -liberty at a clock
target; large RAM arrays are kept out of the mapping as memory stubs and counted as bits; OpenSTA
times the netlist under a generated SDC (path groups reg2reg, in2reg, reg2out, in2out) and reports
power at a stated vectorless activity. Every figure belongs to the liberty it was mapped to (the
default is OSU 0.18 um from Debian's qflow-tech-osu018): no wires, no clock tree, no parasitics.
"""
from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

OSU018 = Path("/usr/share/qflow/tech/osu018/osu018_stdcells.lib")
LIBERTY_ALIASES = {"osu018": OSU018}

# Area per memory bit: the 6T SRAM bit cell of a published 0.18 um logic process. S. Yang et al.,
# "A High Performance 180 nm Generation Logic Technology", IEDM 1998 (Intel's 180 nm process):
# 5.59 um^2 per 6T cell. A bit cell alone: no decoders, sense amplifiers or column multiplexers, no
# extra ports; the memory area below is therefore a lower bound for a compiled macro.
SRAM_BIT_UM2 = 5.59
SRAM_BIT_SOURCE = ("6T SRAM bit cell, 5.59 um^2: S. Yang et al., 'A High Performance 180 nm "
                   "Generation Logic Technology', IEDM 1998 (bit cell only: no periphery, one port)")

# $mem_v2 parameters (Yosys 0.23): all of them are removed when a memory becomes a stub.
MEM_PARAMS = ("ABITS", "INIT", "MEMID", "OFFSET", "RD_ARST_VALUE", "RD_CE_OVER_SRST", "RD_CLK_ENABLE",
              "RD_CLK_POLARITY", "RD_COLLISION_X_MASK", "RD_INIT_VALUE", "RD_PORTS", "RD_SRST_VALUE",
              "RD_TRANSPARENCY_MASK", "RD_WIDE_CONTINUATION", "SIZE", "WIDTH", "WR_CLK_ENABLE",
              "WR_CLK_POLARITY", "WR_PORTS", "WR_PRIORITY_MASK", "WR_WIDE_CONTINUATION")


class FlowError(RuntimeError):
    pass


@dataclass
class Options:
    liberty: Path
    clock_ns: float = 10.0
    clock_slew_ns: float = 0.1      # transition of the (ideal, skew-free) clock at every flop
    io_fraction: float = 0.2        # input and output delay, each, as a fraction of the period
    load_pf: float = 0.01           # load on every output
    driving_cell: str | None = None  # default: the smallest-area buffer of the liberty
    activity: float = 0.1           # transitions per clock cycle on every non-clock net
    duty: float = 0.5
    mem_min_bits: int = 512         # RAMs at least this large (and mem_min_words deep) become stubs
    mem_min_words: int = 16
    effort: str = "fast"
    share: bool = True              # Yosys's SAT-based resource sharing in the coarse synthesis
    clock_port: str = "clk_i"
    reset_port: str = "rst_ni"
    sim_netlist: bool = False       # also write <top>_sim.v, the netlist flattened for Verilator


# ---- Liberty ---------------------------------------------------------------------------------

@dataclass
class Liberty:
    path: Path
    name: str
    areas: dict[str, float]
    flops: set[str]
    latches: set[str]
    functions: dict[str, dict[str, str]]  # cell -> output pin -> function
    time_unit: str
    nand2: str
    buffer: str

    @property
    def nand2_area(self) -> float:
        return self.areas[self.nand2]


def _cell_blocks(text: str):
    """(name, body) of every `cell (name) { ... }` group, brace-matched."""
    for m in re.finditer(r"\bcell\s*\(\s*\"?([\w$]+)\"?\s*\)\s*\{", text):
        depth, i = 1, m.end()
        while depth and i < len(text):
            c = text[i]
            depth += (c == "{") - (c == "}")
            i += 1
        yield m.group(1), text[m.end():i - 1]


def _pin_functions(body: str) -> dict[str, str]:
    out = {}
    for m in re.finditer(r"\bpin\s*\(\s*\"?(\w+)\"?\s*\)\s*\{", body):
        seg = body[m.end():]
        # the pin's own attributes come before its first nested group or its end
        head = re.split(r"\{|\}", seg, maxsplit=1)[0]
        f = re.search(r"\bfunction\s*:\s*\"([^\"]*)\"", head)
        if f and re.search(r"direction\s*:\s*output", head):
            out[m.group(1)] = _norm_function(f.group(1))
    return out


def _norm_function(f: str) -> str:
    """A liberty function without blanks: juxtaposition (AND) written as '&', outer parentheses
    removed, e.g. '(!(A B))' -> '!(A&B)'."""
    f = re.sub(r"(?<=[\w)'])\s+(?=[\w(!])", "&", f.strip())
    f = f.replace(" ", "").replace("*", "&")
    while f.startswith("(") and f.endswith(")") and _balanced(f[1:-1]):
        f = f[1:-1]
    return f


def _balanced(f: str) -> bool:
    depth = 0
    for c in f:
        depth += (c == "(") - (c == ")")
        if depth < 0:
            return False
    return depth == 0


def read_liberty(path: Path) -> Liberty:
    text = re.sub(r"/\*.*?\*/", "", path.read_text(errors="replace"), flags=re.S)
    lib = re.search(r"\blibrary\s*\(\s*\"?([\w.]+)\"?\s*\)", text)
    tu = re.search(r"\btime_unit\s*:\s*\"?([\w.]+)\"?", text)
    areas, flops, latches, funcs = {}, set(), set(), {}
    for name, body in _cell_blocks(text):
        a = re.search(r"\barea\s*:\s*([0-9.eE+-]+)", body)
        if not a:
            continue
        areas[name] = float(a.group(1))
        if re.search(r"\bff\s*\(", body):
            flops.add(name)
        if re.search(r"\blatch\s*\(", body):
            latches.add(name)
        funcs[name] = _pin_functions(body)
    if not areas:
        raise FlowError(f"{path}: no cell with an area (not a liberty file?)")
    comb = {c: f for c, f in funcs.items() if c not in flops | latches}
    nand2 = _smallest(areas, comb, _is_nand2)
    buf = _smallest(areas, comb, lambda f: re.fullmatch(r"\w+", f) is not None)
    if nand2 is None:
        raise FlowError(f"{path}: no two-input NAND cell (needed for NAND2 equivalents)")
    return Liberty(path, lib.group(1) if lib else path.stem, areas, flops, latches, funcs,
                   tu.group(1) if tu else "1ns", nand2, buf or "")


def _is_nand2(f: str) -> bool:
    return re.fullmatch(r"!\((\w+)&(\w+)\)|!(\w+)\+!(\w+)", f) is not None


def _smallest(areas, funcs, pred):
    best = None
    for cell, pins in funcs.items():
        if len(pins) == 1 and pred(next(iter(pins.values()))):
            if best is None or areas[cell] < areas[best]:
                best = cell
    return best


# ---- Yosys -----------------------------------------------------------------------------------

@dataclass
class Memory:
    cell: str
    memid: str
    words: int
    width: int
    rd_ports: int
    wr_ports: int
    sync_read: bool
    stub: str | None = None  # module name of the stub, or None: left to Yosys (flops or ROM logic)
    kind: str = ""
    abits: int = 0
    # What a simulation model of the stub must honour (sim_model refuses anything else).
    wr_clk_enable: int = 0
    wr_clk_polarity: int = 0
    offset: int = 0
    init_defined: bool = False

    @property
    def bits(self) -> int:
        return self.words * self.width

    def as_json(self) -> dict:
        return {"name": self.memid, "words": self.words, "width": self.width, "bits": self.bits,
                "read_ports": self.rd_ports, "write_ports": self.wr_ports,
                "read": "sync" if self.sync_read else "async", "kind": self.kind}


def write_report(path: Path, doc: dict, table: str) -> None:
    """Write a report's JSON (creating its directory) and print its table and where it went."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n")
    print(table)
    print(f"JSON: {path}")


def _yosys(script: str, log: Path) -> str:
    res = subprocess.run(["yosys", "-l", str(log), "-q", "-p", script], capture_output=True, text=True)
    if res.returncode != 0:
        tail = "\n".join((res.stdout + res.stderr).splitlines()[-20:])
        raise FlowError(f"yosys failed (log {log}):\n{tail}")
    return log.read_text(errors="replace")


def _parse_mem_dump(text: str) -> list[Memory]:
    mems = []
    for m in re.finditer(r"cell \$mem_v2 (\S+)\n(.*?)\n\s*end", text, flags=re.S):
        body = m.group(2)

        def p(name: str) -> str:
            v = re.search(rf"parameter \\{name} (.+)", body)
            return v.group(1).strip() if v else ""

        def num(name: str) -> int:
            v = p(name)
            if "'" in v:  # sized binary constant, e.g. 2'01
                bits = v.split("'", 1)[1]
                return int(bits.replace("x", "0"), 2) if bits else 0
            return int(v)
        memid = p("MEMID").strip('"').replace("\\\\", "").lstrip("\\")
        init = p("INIT")
        mems.append(Memory(cell=m.group(1), memid=memid, words=num("SIZE"), width=num("WIDTH"),
                           rd_ports=num("RD_PORTS"), wr_ports=num("WR_PORTS"),
                           sync_read=num("RD_CLK_ENABLE") != 0, abits=num("ABITS"),
                           wr_clk_enable=num("WR_CLK_ENABLE") if num("WR_PORTS") else 0,
                           wr_clk_polarity=num("WR_CLK_POLARITY") if num("WR_PORTS") else 0,
                           offset=num("OFFSET") if p("OFFSET") else 0,
                           init_defined=bool(init) and bool(set(init.split("'", 1)[-1]) - {"x"})))
    return mems


def _stub_module(name: str, m: Memory, abits: int) -> str:
    r, w = m.rd_ports, m.wr_ports
    ports = [("input", "RD_CLK", r), ("input", "RD_EN", r), ("input", "RD_ARST", r),
             ("input", "RD_SRST", r), ("input", "RD_ADDR", r * abits), ("output", "RD_DATA", r * m.width),
             ("input", "WR_CLK", w), ("input", "WR_EN", w * m.width), ("input", "WR_ADDR", w * abits),
             ("input", "WR_DATA", w * m.width)]
    decl = ",\n  ".join(f"{d} [{n - 1}:0] {p}" for d, p, n in ports if n > 0)
    return f"module {name} (\n  {decl}\n);\nendmodule\n"


def sim_model(name: str, m: Memory) -> str:
    """A behavioural model of a memory stub for re-simulating the netlist: the array the RTL
    described, written on the rising clock edge with per-bit enables, read asynchronously. Only
    what HyCIM's RAMs use is modelled (one write port, asynchronous reads, no offset, no initial
    contents); anything else is refused rather than simulated wrongly."""
    if m.sync_read or m.wr_ports != 1 or m.wr_clk_enable != 1 or m.wr_clk_polarity != 1 \
            or m.offset != 0 or m.init_defined:
        raise FlowError(f"memory {m.memid}: no simulation model for a RAM with "
                        f"{'synchronous' if m.sync_read else 'asynchronous'} reads, "
                        f"{m.wr_ports} write ports, write clock enable {m.wr_clk_enable}, "
                        f"polarity {m.wr_clk_polarity}, offset {m.offset}"
                        f"{', initial contents' if m.init_defined else ''}")
    a, w = m.abits, m.width
    reads = "".join(f"  assign RD_DATA[{i * w} +: {w}] = mem[RD_ADDR[{i * a} +: {a}]];\n"
                    for i in range(m.rd_ports))
    return (f"// Simulation model of {m.memid} ({m.words} x {w}, {m.rd_ports} asynchronous read "
            f"ports): scripts/gate_flow.py\n"
            f"{_stub_module(name, m, a).rsplit('endmodule', 1)[0]}"
            f"  reg [{w - 1}:0] mem [0:{m.words - 1}];\n{reads}"
            f"  always @(posedge WR_CLK[0])\n"
            f"    mem[WR_ADDR[0 +: {a}]] <= (mem[WR_ADDR[0 +: {a}]] & ~WR_EN) | (WR_DATA & WR_EN);\n"
            f"endmodule\n")


def write_sim_netlist(out: Path, top: str, lib: Liberty, mapped: str, stubs_v: Path,
                      mems: list[Memory]) -> Path:
    """The mapped netlist flattened against the liberty's cell functions (read_liberty), which
    Verilator 5.006 simulates (it rejects the OSU cell models' unnamed UDP instances), with a
    behavioural model of every memory stub appended. Written to <out>/<top>_sim.v."""
    body = out / "mapped_cells.v"
    body.write_text(mapped)
    sim = out / f"{top}_sim.v"
    _yosys(f"""read_liberty {lib.path}
read_verilog -lib {stubs_v}
read_verilog {body}
hierarchy -top {top}
flatten
opt_clean
write_verilog -noattr {sim}
""", out / "yosys_sim.log")
    body.unlink()
    models = "".join(sim_model(m.stub, m) for m in mems if m.stub)
    text = sim.read_text()
    sim.write_text(f"// {top}: the {lib.name} netlist of scripts/gate_flow.py, flattened for "
                   f"simulation; not for timing (use {top}.v)\n" + text + models)
    return sim


def _abits(text: str, cell: str) -> int:
    m = re.search(rf"cell \$mem_v2 {re.escape(cell)}\n(.*?)\n\s*end", text, flags=re.S)
    v = re.search(r"parameter \\ABITS (\d+)", m.group(1)) if m else None
    return int(v.group(1)) if v else 0


def stat_cells(text: str) -> tuple[dict[str, int], float | None]:
    """Cell counts and chip area from the last `stat -liberty` of a log."""
    blocks = text.split("Printing statistics.")
    last = blocks[-1] if len(blocks) > 1 else text
    cells = {}
    m = re.search(r"Number of cells:\s+\d+\n((?:\s+\S+\s+\d+\n)+)", last)
    if m:
        for line in m.group(1).splitlines():
            t, n = line.split()
            cells[t] = int(n)
    a = re.search(r"Chip area for (?:top )?module '[^']*':\s+([0-9.]+)", last)
    return cells, float(a.group(1)) if a else None


def _split_assigns(text: str) -> str:
    """One bit per `assign`: OpenSTA 2.0.17 rejects `assign {a, b} = {c, d};`, which Yosys writes
    for aliased buses. Whole buses and part selects are expanded from the declarations, binary
    constants bit by bit."""
    widths: dict[str, tuple[int, int]] = {}
    for m in re.finditer(r"^\s*(?:wire|input|output|inout)\s+\[(\d+):(\d+)\]\s+(\S+)\s*;", text, flags=re.M):
        widths[m.group(3)] = (int(m.group(1)), int(m.group(2)))

    def bits(expr: str) -> list[str] | None:
        out = []
        for e in _top_split(expr.strip()[1:-1] if expr.strip().startswith("{") else expr.strip()):
            c = re.fullmatch(r"(\d+)'b([01xz]+)", e)
            if c:
                out += [f"1'b{b}" for b in c.group(2).rjust(int(c.group(1)), "0")]
                continue
            sl = re.fullmatch(r"(\S+)\s*\[(\d+):(\d+)\]", e)
            if sl:
                hi, lo = int(sl.group(2)), int(sl.group(3))
                rng = range(hi, lo - 1, -1) if hi >= lo else range(hi, lo + 1)
                out += [f"{sl.group(1)}[{i}]" for i in rng]
                continue
            name = e.rstrip()
            if name in widths:
                hi, lo = widths[name]
                rng = range(hi, lo - 1, -1) if hi >= lo else range(hi, lo + 1)
                sep = " " if name.startswith("\\") else ""  # an escaped name ends at a blank
                out += [f"{name}{sep}[{i}]" for i in rng]
            else:
                out.append(e if e.endswith(" ") or not e.startswith("\\") else e + " ")
        return out

    def repl(m: re.Match) -> str:
        lhs, rhs = bits(m.group(1)), bits(m.group(2))
        if lhs is None or rhs is None or len(lhs) != len(rhs):
            return m.group(0)
        return "".join(f"  assign {a.rstrip()} = {b};\n" for a, b in zip(lhs, rhs))
    return re.sub(r"^\s*assign\s+(.+?)\s*=\s*(.+?)\s*;\s*$\n?", lambda m: repl(m)
                  if "{" in m.group(0) or m.group(1).strip() in widths else m.group(0), text, flags=re.M)


def _top_split(s: str) -> list[str]:
    """Split a concatenation's body at its top-level commas (escaped names end with a blank)."""
    out, depth, cur = [], 0, ""
    for c in s:
        if c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
        if c == "," and depth == 0:
            out.append(cur.strip(" ") if not cur.strip().startswith("\\") else cur.strip() + " ")
            cur = ""
        else:
            cur += c
    if cur.strip():
        out.append(cur.strip(" ") if not cur.strip().startswith("\\") else cur.strip() + " ")
    return out


# ---- OpenSTA ---------------------------------------------------------------------------------

GROUPS = ("reg2reg", "in2reg", "reg2out", "in2out")


def sdc_text(o: Options, lib: Liberty, ports: list[str]) -> str:
    period = o.clock_ns
    io = round(o.io_fraction * period, 4)
    drv = o.driving_cell or lib.buffer
    drv_pin = next(iter(lib.functions.get(drv, {"Y": ""})))
    lines = [
        f"# Generated by scripts/synth.py --liberty: clock {o.clock_ns} ns on {o.clock_port}; input and",
        f"# output delay {o.io_fraction:g} of the period each; inputs driven by {drv}; {o.load_pf} pF on",
        f"# every output; {o.reset_port} asynchronous, not timed. Ideal clock (no clock tree, no skew)",
        f"# with a {o.clock_slew_ns} ns edge; no wires.",
        f"create_clock -name clk -period {period} [get_ports {o.clock_port}]",
        f"set_clock_transition {o.clock_slew_ns} [get_clocks clk]",
        f"set_input_delay {io} -clock clk [delete_from_list [all_inputs] [get_ports {o.clock_port}]]",
        f"set_output_delay {io} -clock clk [all_outputs]",
        f"set_driving_cell -lib_cell {drv} -pin {drv_pin} [delete_from_list [all_inputs] [get_ports {o.clock_port}]]",
        f"set_load {o.load_pf} [all_outputs]",
    ]
    if o.reset_port in ports:
        lines.append(f"set_false_path -from [get_ports {o.reset_port}]")
    return "\n".join(lines) + "\n"


def sta_script(o: Options, lib: Liberty, netlist: Path, sdc: Path, top: str) -> str:
    return f"""read_liberty {lib.path}
read_verilog {netlist}
link_design {top}
read_sdc {sdc}
group_path -name reg2reg -from [all_registers] -to [all_registers]
group_path -name in2reg -from [all_inputs] -to [all_registers]
group_path -name reg2out -from [all_registers] -to [all_outputs]
group_path -name in2out -from [all_inputs] -to [all_outputs]
puts "HYCIM_ENDPOINTS"
report_checks -path_delay max -group_count 1 -format end -digits 4
puts "HYCIM_WORST"
report_checks -path_delay max -group_count 1 -fields {{fanout}} -digits 3
report_wns -digits 4
report_tns -digits 4
set_power_activity -global -activity {o.activity} -duty {o.duty}
puts "HYCIM_POWER"
report_power -digits 4
"""


def parse_sta(text: str) -> dict:
    groups = {g: None for g in GROUPS}
    ends = text.split("HYCIM_ENDPOINTS", 1)[-1].split("HYCIM_WORST", 1)[0]
    for m in re.finditer(r"max_delay/setup group (\S+)\n.*?-{20,}\n\s*(\S+) \((\S+)\)\s+([-0-9.]+)\s+([-0-9.]+)\s+"
                         r"([-0-9.]+)", ends, flags=re.S):
        g = m.group(1)
        groups[g] = {"endpoint": m.group(2), "required_ns": float(m.group(4)),
                     "arrival_ns": float(m.group(5)), "slack_ns": float(m.group(6))}
    worst = text.split("HYCIM_WORST", 1)[-1].split("HYCIM_POWER", 1)[0]
    for m in re.finditer(r"Startpoint: (\S+).*?\nEndpoint: (\S+).*?\nPath Group: (\S+)", worst, flags=re.S):
        if groups.get(m.group(3)) is not None:
            groups[m.group(3)]["startpoint"] = m.group(1)
    wns = re.search(r"^wns\s+([-0-9.]+)", text, flags=re.M)
    tns = re.search(r"^tns\s+([-0-9.]+)", text, flags=re.M)
    power = power_groups(text.split("HYCIM_POWER", 1)[-1]).get("total")
    return {"groups": groups, "wns_ns": float(wns.group(1)) if wns else None,
            "tns_ns": float(tns.group(1)) if tns else None, "power": power}


def power_mw(internal_w: float, switching_w: float, leakage_w: float, total_w: float | None = None) -> dict:
    """A power figure in mW, four significant digits (the total: their sum unless given)."""
    if total_w is None:
        total_w = internal_w + switching_w + leakage_w
    return {k: float(f"{v * 1e3:.4g}") for k, v in
            (("internal_mw", internal_w), ("switching_mw", switching_w), ("leakage_mw", leakage_w),
             ("total_mw", total_w))}


def power_groups(text: str) -> dict:
    """The rows of an OpenSTA report_power (sequential, combinational, macro, pad, total), each in
    mW as power_mw gives it, with OpenSTA's own total."""
    return {m.group(1).lower(): power_mw(*(float(x) for x in m.groups()[1:]))
            for m in re.finditer(r"^(Sequential|Combinational|Macro|Pad|Total)\s+([-0-9.e+]+)\s+([-0-9.e+]+)\s+"
                                 r"([-0-9.e+]+)\s+([-0-9.e+]+)", text, flags=re.M)}


# ---- One design ------------------------------------------------------------------------------

@dataclass
class Design:
    name: str          # block name (or the top of an ad hoc design)
    config: str
    top: str
    read_script: str   # read_verilog ... and chparam lines
    outdir: Path
    extra: dict = field(default_factory=dict)


def run(d: Design, o: Options, lib: Liberty) -> dict:
    t0 = time.monotonic()
    out = d.outdir
    out.mkdir(parents=True, exist_ok=True)
    coarse, mem_dump = out / "coarse.il", out / "memories.il"
    # Pass 1: the coarse synthesis (memories inferred, not mapped) and a dump of every memory.
    # chparam can leave the top named $paramod\<top>\...: it is renamed back for the selections.
    log1 = _yosys(f"""{d.read_script}
synth -flatten -top {d.top} -run begin:fine{"" if o.share else " -noshare"}
rename -top {d.top}
write_rtlil {coarse}
tee -q -o {mem_dump} dump t:$mem_v2
""", out / "yosys_coarse.log")
    dump = mem_dump.read_text()
    mems = _parse_mem_dump(dump)
    as_regs = sorted(set(re.findall(r"Replacing memory \\(\S+) with list of registers", log1)))
    stubs, cmds = [], []
    for i, m in enumerate(mems):
        if m.wr_ports == 0:
            m.kind = "rom (mapped to logic)"
        elif m.bits >= o.mem_min_bits and m.words >= o.mem_min_words:
            m.stub = f"hycim_mem_{i}"
            m.kind = "macro (counted as bits)"
            stubs.append(_stub_module(m.stub, m, _abits(dump, m.cell)))
            # Brackets are wildcards in a Yosys selection (g_buf[0].mem_q): match them with '?'
            # (any one character); each stub is checked to have selected exactly one cell.
            sel = f"{d.top}/" + re.sub(r"[\[\]*?]", "?", m.cell)
            cmds.append(f"chtype -set {m.stub} {sel}")
            cmds += [f"setparam -unset {p} {sel}" for p in MEM_PARAMS]
        else:
            m.kind = "small (mapped to flip-flops)"
    stub_v = out / "memory_stubs.v"
    stub_v.write_text("// Memory stubs: each RAM kept out of the flop mapping (scripts/gate_flow.py)\n"
                      + "".join(stubs))
    # Pass 2: map to the liberty; a timing netlist with the stubs appended.
    net = out / f"{d.top}.v"
    abc = "abc -fast" if o.effort == "fast" else "abc"
    constr = out / "abc.constr"
    drv = o.driving_cell or lib.buffer
    constr.write_text(f"set_driving_cell {drv}\nset_load {o.load_pf}\n")
    ps = int(round(o.clock_ns * 1000))
    read_stubs = f"read_verilog -lib {stub_v}\n" if stubs else ""
    # abc -fast's own script with -constr (strash; dretime; retime; map; buffer; upsize; dnsize)
    # plus `cleanup` after map: ABC's buffer otherwise stops on a dangling node ("node N has no
    # fanout") in pq_encoder and softmax_unit.
    abc_script = out / "abc_fast.script"
    abc_script.write_text(f"strash\ndretime\nretime -o -D {ps}\nmap -D {ps}\ncleanup\nbuffer\n"
                          f"upsize -D {ps}\ndnsize -D {ps}\nstime -p\n")

    def map_script(with_constr: bool) -> str:
        constr_opt = f" -constr {constr}" if with_constr else ""
        if with_constr and o.effort == "fast":
            constr_opt += f" -script {abc_script}"
        return f"""read_rtlil {coarse}
{read_stubs}{chr(10).join(cmds)}
synth -top {d.top} -run fine: -noabc
dfflibmap -liberty {lib.path}
opt -fast
{"abc" if "-script" in constr_opt else abc} -liberty {lib.path}{constr_opt} -D {ps}
opt_clean
tee -q -o {out / 'stat.txt'} stat -top {d.top} -liberty {lib.path}
setundef -zero
splitnets
write_verilog -noattr -noexpr -nohex -nodec {out / 'mapped.v'}
"""
    # With -constr, abc's script ends with buffer/upsize/dnsize; on some netlists (pq_encoder)
    # ABC's `buffer` stops with "node N has no fanout". Then map again without the constraints
    # (no buffering or sizing for the load) and say so in the JSON.
    abc_constr = True
    try:
        _yosys(map_script(True), out / "yosys_map.log")
    except FlowError as e:
        if "has no fanout" not in (out / "yosys_map.log").read_text(errors="replace"):
            raise
        print(f"synth: {d.name}: abc -constr failed ({str(e).splitlines()[-1]}); mapping without it",
              file=sys.stderr)
        abc_constr = False
        _yosys(map_script(False), out / "yosys_map.log")
    stat_txt = (out / "stat.txt").read_text()
    cells, yosys_area = stat_cells(stat_txt)
    stub_names = {m.stub for m in mems if m.stub}
    wrong = [f"{n} x{cells.get(n, 0)}" for n in sorted(stub_names) if cells.get(n, 0) != 1]
    if wrong:
        raise FlowError(f"{d.name}: a memory stub did not replace exactly one memory: {', '.join(wrong)}")
    unmapped = sorted(t for t in cells if t not in lib.areas and t not in stub_names)
    if unmapped:
        raise FlowError(f"{d.name}: cells not in the liberty after mapping: {', '.join(unmapped)}")
    area = sum(n * lib.areas[t] for t, n in cells.items() if t in lib.areas)
    flops = sum(n for t, n in cells.items() if t in lib.flops)
    latches = sum(n for t, n in cells.items() if t in lib.latches)
    flop_area = sum(n * lib.areas[t] for t, n in cells.items() if t in lib.flops | lib.latches)
    mapped = _split_assigns((out / "mapped.v").read_text())
    net.write_text("".join(stubs) + mapped)
    (out / "mapped.v").unlink()
    sim = write_sim_netlist(out, d.top, lib, mapped, stub_v, mems) if o.sim_netlist else None
    ports = re.findall(r"^\s*(?:input|output)\s+(?:\[[^\]]*\]\s*)?(\S+?)\s*;", net.read_text().split(
        f"module {d.top}(", 1)[-1].split("endmodule", 1)[0], flags=re.M)
    if o.clock_port not in ports:
        raise FlowError(f"{d.name}: no clock port '{o.clock_port}' on {d.top} (--clock-port)")
    sdc = out / f"{d.top}.sdc"
    sdc.write_text(sdc_text(o, lib, ports))
    tcl = out / "sta.tcl"
    tcl.write_text(sta_script(o, lib, net, sdc, d.top))
    res = subprocess.run(["sta", "-no_splash", "-exit", str(tcl)], capture_output=True, text=True)
    (out / "sta.log").write_text(res.stdout + res.stderr)
    if res.returncode != 0 or "Error" in res.stdout + res.stderr:
        raise FlowError(f"{d.name}: OpenSTA failed (log {out / 'sta.log'}):\n" + "\n".join(
            (res.stdout + res.stderr).splitlines()[-15:]))
    sta = parse_sta(res.stdout)
    groups = sta["groups"]
    # Name the flops of the worst paths by the register they hold (the net on their Q pin).
    net_text = net.read_text()
    for g in groups.values():
        for key in ("startpoint", "endpoint"):
            inst = (g or {}).get(key, "").split("/")[0]
            q = re.search(rf"\s{re.escape(inst)} \((?:(?!\);).)*?\.Q\(([^)]*)\)", net_text, flags=re.S) if inst else None
            if q:
                g[key + "_register"] = q.group(1).strip().lstrip("\\")
    timed = {g: v for g, v in groups.items() if v is not None}
    worst_group = min(timed, key=lambda g: timed[g]["slack_ns"]) if timed else None
    worst = timed[worst_group]["slack_ns"] if worst_group else None
    r2r = groups["reg2reg"]
    # Fmax from the register-to-register paths: the period at which their worst slack is zero.
    # Input and output paths scale with the assumed I/O budget and are left out of it.
    fmax = None
    if r2r is not None:
        tmin = o.clock_ns - r2r["slack_ns"]
        fmax = 1e3 / tmin if tmin > 0 else math.inf
    mem_bits = sum(m.bits for m in mems if m.stub)
    mem_area = mem_bits * SRAM_BIT_UM2
    return {
        "block": d.name, "config": d.config, "top": d.top, **d.extra,
        "liberty": lib.name, "liberty_file": str(lib.path),
        "clock_ns": o.clock_ns,
        "area_um2": round(area, 3),
        "yosys_area_um2": yosys_area,
        "nand2_eq": round(area / lib.nand2_area, 1),
        "nand2_cell": lib.nand2, "nand2_area_um2": lib.nand2_area,
        "cells": sum(n for t, n in cells.items() if t in lib.areas),
        "flip_flops": flops, "latches": latches,
        "flop_area_um2": round(flop_area, 3),
        "cells_by_type": dict(sorted(cells.items())),
        "memory_bits": mem_bits,
        "memory_area_um2": round(mem_area, 1),
        "memory_area_per_bit_um2": SRAM_BIT_UM2,
        "total_area_um2": round(area + mem_area, 1),
        "memories": [m.as_json() for m in mems],
        "arrays_as_registers": as_regs,
        "worst_slack_ns": worst, "worst_group": worst_group,
        "wns_ns": sta["wns_ns"], "tns_ns": sta["tns_ns"],
        "fmax_mhz": None if fmax is None else round(fmax, 1),
        "groups": groups,
        "power_mw": sta["power"],
        "activity": o.activity,
        "netlist": str(net), "sdc": str(sdc),
        "sim_netlist": str(sim) if sim else None,
        "abc_effort": o.effort,
        "abc_constr": abc_constr,
        "share": o.share,
        "seconds": round(time.monotonic() - t0, 1),
    }
