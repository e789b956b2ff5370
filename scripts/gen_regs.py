#!/usr/bin/env python3
"""Generate a HyCIM top's register block from its one description (<top>.regs.toml).

  gen_regs.py DESC... --out DIR   write DIR/<top>_reg_top.sv and DIR/<top>_regs.h
  gen_regs.py --docs [DESC...]    rewrite the register tables in the blocks' docs
  gen_regs.py --check-docs [DESC...]
                                  exit 1 if a doc table differs from what --docs would write
  gen_regs.py --check [DESC...]   only validate the descriptions

Without DESC the commands take every rtl/**/*.regs.toml. The schema, the common header every
top shares and a worked example: docs/registers.md. Files are only rewritten when their content
changes, so an unchanged description never triggers a rebuild.
"""
from __future__ import annotations

import argparse
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RTL = ROOT / "rtl"

UPPER_SNAKE = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")
CAMEL = re.compile(r"^[A-Z][A-Za-z0-9]*$")
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# An SV expression allowed in value/reset: parameter names, integers, operators (arithmetic,
# shifts, bitwise, comparisons, ?:), parentheses and casts.
SV_EXPR = re.compile(r"^[A-Za-z0-9_ ()+\-*/%<>=!&|^~?:']+$")

# ---- The common header: the same offsets and ERR bits in every top --------------------------
ID_OFFSET, VERSION_OFFSET, CTRL_OFFSET, STATUS_OFFSET, ERR_OFFSET, CYCLES_OFFSET = (
    0x00, 0x04, 0x08, 0x0C, 0x10, 0x14)
LIMITS_BASE, LIMITS_END = 0x20, 0x40  # read-only build limits ("const" registers)
BLOCK_BASE = 0x40                     # the block's configuration, counters and pulses

# Common error classes: (name, bit, kind, description). Bits 5..7 are reserved for further
# common classes; a block's own classes start at BLOCK_ERR_BASE.
COMMON_ERRORS = [
    ("StartBusy", 0, "event", "CTRL.START written while BUSY; the running run continues"),
    ("LastMismatch", 1, "event", "an input beat's last flag disagrees with the configured length; "
     "the run still completes by the length"),
    ("LenZero", 2, "config", "start with a run length of 0"),
    ("LenTooBig", 3, "config", "start with a run length above the build limit"),
    ("BadMode", 4, "config", "start with a MODE value the block does not know"),
]
BLOCK_ERR_BASE = 8
ACCESS = {
    "rw": "configuration: read/write; writes refused (pslverr) while BUSY unless busy_write = \"allow\"",
    "ro": "read-only, driven by the hardware (a counter or status)",
    "const": "read-only build constant (a parameter), in the build-limits area",
    "w1p": "write-only pulse: a write of 1 to a bit pulses that bit for one cycle; reads 0",
}
DOC_ACCESS = {"rw": "RW", "ro": "R", "const": "R (build)", "w1p": "W (pulse)"}


class RegsError(Exception):
    pass


@dataclass
class Field:
    name: str
    lsb: int
    width: int
    desc: str
    value: str | int | None = None  # const registers only


@dataclass
class Reg:
    name: str
    access: str
    offset: int
    width: int
    desc: str
    reset: str | int = 0
    value: str | int | None = None
    busy_write: str = "refuse"
    fields: list[Field] = field(default_factory=list)
    common: bool = False

    @property
    def snake(self) -> str:
        return self.name.lower()

    @property
    def camel(self) -> str:
        return "".join(p.capitalize() for p in self.name.split("_"))


@dataclass
class Err:
    name: str
    bit: int
    kind: str
    desc: str
    common: bool = False

    @property
    def snake(self) -> str:
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.name).lower()


@dataclass
class Block:
    path: Path
    name: str
    ident: int
    ident_text: str
    version: int
    doc: Path | None
    params: dict[str, int]
    regs: list[Reg]
    errors: list[Err]

    @property
    def err_width(self) -> int:
        return max(e.bit for e in self.errors) + 1

    @property
    def max_offset(self) -> int:
        return max(r.offset for r in self.regs)


def repo_file(base: Path, name: str) -> bool:
    """Is `name` a relative path to an existing file inside `base`? (No absolute paths, no way
    out with '..'; a name the file system cannot take is simply not a file.) Shared with
    gen_config.py, which checks its source, register and view names the same way."""
    try:
        p = (base / name).resolve()
        return not Path(name).is_absolute() and p.is_relative_to(base.resolve()) and p.is_file()
    except (OSError, ValueError):
        return False


def rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _int(v, what: str, lo: int = 0, hi: int = 0xFFFFFFFF) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
        raise RegsError(f"{what} = {v!r}: expected an integer in {lo}..{hi:#x}")
    return v


def _expr(v, what: str, params: dict[str, int], width: int) -> str | int:
    """An integer that fits `width` bits, or an SV expression over the block's parameters."""
    if isinstance(v, int) and not isinstance(v, bool):
        if not 0 <= v < (1 << width):
            raise RegsError(f"{what} = {v:#x} does not fit {width} bits")
        return v
    if isinstance(v, str) and v.strip() and SV_EXPR.match(v):
        names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", v))
        unknown = sorted(n for n in names if n not in params)
        if unknown:
            raise RegsError(f"{what} = {v!r} names {', '.join(unknown)}, not in [params] "
                            f"({', '.join(params) or 'none'})")
        return v
    raise RegsError(f"{what} = {v!r}: expected an integer or an expression over [params]")


def _tables(v, what: str) -> list[dict]:
    if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
        raise RegsError(f"{what} must be an array of tables")
    return v


def _text(v, what: str) -> str:
    """A description: one line of printable text (it lands in SV and C++ comments and in a
    markdown table, where a line break or a '|' would break the generated file)."""
    if not isinstance(v, str) or not v.strip():
        raise RegsError(f"{what} is required")
    if not v.isprintable() or "|" in v:
        raise RegsError(f"{what} must be one line of printable text without '|'")
    return v.strip()


def _keys(table: dict, allowed: set[str], where: str) -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        raise RegsError(f"{where}: unknown key(s) {', '.join(extra)} (allowed: {', '.join(sorted(allowed))})")


def common_regs() -> list[Reg]:
    return [
        Reg("ID", "const", ID_OFFSET, 32, "block identifier (four ASCII characters)", common=True),
        Reg("VERSION", "const", VERSION_OFFSET, 32, "register map version of this block", common=True),
        Reg("CTRL", "w1p", CTRL_OFFSET, 1, "run control", common=True,
            fields=[Field("START", 0, 1, "check the configuration and start a run")]),
        Reg("STATUS", "ro", STATUS_OFFSET, 2, "run state", common=True,
            fields=[Field("BUSY", 0, 1, "a run is in progress"),
                    Field("DONE", 1, 1, "the last start has finished, legal or not")]),
        Reg("ERR", "ro", ERR_OFFSET, 32, "error bits of the last start and its run (table below); "
            "cleared by a legal start", common=True),
        Reg("CYCLES", "ro", CYCLES_OFFSET, 32, "cycles the last run was BUSY", common=True),
    ]


def load(path: Path) -> Block:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise RegsError(f"{rel(path)}: {e}") from e
    return loads(text, path)


def loads(text: str, path: Path) -> Block:
    """The register block from the text of a description; `path` names it in messages. Every
    defect of the text raises RegsError."""
    where = rel(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise RegsError(f"{where}: not valid TOML: {e}") from e
    try:
        return _parse(path, data)
    except RegsError as e:
        raise RegsError(f"{where}: {e}") from e


def _parse(path: Path, data: dict) -> Block:
    _keys(data, {"block", "params", "reg", "error"}, "top level")
    blk = data.get("block")
    if not isinstance(blk, dict):
        raise RegsError("missing [block] table")
    _keys(blk, {"name", "id", "version", "doc", "common_errors"}, "[block]")
    name = blk.get("name")
    if not isinstance(name, str) or not IDENT.match(name):
        raise RegsError(f"[block] name = {name!r}: expected the top module's name")
    ident = blk.get("id")
    if isinstance(ident, str):
        if len(ident) != 4 or not all(32 < ord(c) < 127 for c in ident):
            raise RegsError(f"[block] id = {ident!r}: expected four printable ASCII characters")
        ident_text = ident
        ident = int.from_bytes(ident.encode(), "big")
    else:
        ident = _int(ident, "[block] id")
        ident_text = ""
    version = _int(blk.get("version"), "[block] version", 1)
    doc = None
    if "doc" in blk:
        d = blk["doc"]
        if not isinstance(d, str) or not repo_file(ROOT, d):
            raise RegsError(f"[block] doc = {d!r}: no such file in the repository")
        doc = ROOT / d

    params = data.get("params", {})
    if not isinstance(params, dict):
        raise RegsError("[params] must be a table of NAME = default")
    for p, v in params.items():
        if not CAMEL.match(p):
            raise RegsError(f"[params] {p}: parameter names are UpperCamelCase")
        _int(v, f"[params] {p}", 0, 0x7FFFFFFF)
    if "ApbAddrWidth" in params:
        raise RegsError("[params] ApbAddrWidth is always a parameter of the register block; do not list it")

    regs = common_regs()
    taken = {r.offset: r.name for r in regs}
    names = {r.name for r in regs}
    next_off = {"limits": LIMITS_BASE, "block": BLOCK_BASE}
    raw_regs = _tables(data.get("reg", []), "registers ([[reg]])")
    for i, r in enumerate(raw_regs):
        rname = r.get("name")
        if not isinstance(rname, str) or not UPPER_SNAKE.match(rname):
            raise RegsError(f"register #{i + 1}: name = {rname!r}: expected UPPER_SNAKE_CASE")
        w = f"register {rname}"
        if rname in names:
            raise RegsError(f"{w}: name already used (the common header has ID, VERSION, CTRL, "
                            f"STATUS, ERR, CYCLES)")
        names.add(rname)
        _keys(r, {"name", "access", "offset", "width", "reset", "value", "desc", "busy_write", "field"}, w)
        access = r.get("access")
        if not isinstance(access, str) or access not in ACCESS:
            raise RegsError(f"{w}: access = {access!r}: expected one of {', '.join(ACCESS)}")
        desc = _text(r.get("desc"), f"{w}: desc")
        fields = []
        for j, fd in enumerate(_tables(r.get("field", []), f"{w}: fields ([[reg.field]])")):
            fname = fd.get("name")
            if not isinstance(fname, str) or not UPPER_SNAKE.match(fname):
                raise RegsError(f"{w}: field #{j + 1}: name = {fname!r}: expected UPPER_SNAKE_CASE")
            fw = f"{w} field {fname}"
            _keys(fd, {"name", "lsb", "width", "desc", "value"}, fw)
            lsb = _int(fd.get("lsb"), f"{fw}: lsb", 0, 31)
            width = _int(fd.get("width", 1), f"{fw}: width", 1, 32 - lsb)
            fdesc = _text(fd.get("desc"), f"{fw}: desc")
            value = None
            if access == "const":
                if "value" not in fd:
                    raise RegsError(f"{fw}: a field of a const register needs a value")
                value = _expr(fd["value"], f"{fw}: value", params, width)
            elif "value" in fd:
                raise RegsError(f"{fw}: value is only for const registers (use the register's reset)")
            for other in fields:
                if lsb < other.lsb + other.width and other.lsb < lsb + width:
                    raise RegsError(f"{fw}: bits {lsb + width - 1}:{lsb} overlap field {other.name}")
            if any(o.name == fname for o in fields):
                raise RegsError(f"{fw}: duplicate field name")
            fields.append(Field(fname, lsb, width, fdesc, value))
        top_bit = max((f.lsb + f.width for f in fields), default=0)
        width = _int(r.get("width", max(top_bit, 1) if fields else 32), f"{w}: width", 1, 32)
        if top_bit > width:
            raise RegsError(f"{w}: fields reach bit {top_bit - 1}, beyond width {width}")
        area = "limits" if access == "const" else "block"
        if "offset" in r:
            off = _int(r["offset"], f"{w}: offset", 0, 0xFFFF)
            if off % 4:
                raise RegsError(f"{w}: offset {off:#x} is not word-aligned")
            if area == "limits" and not LIMITS_BASE <= off < LIMITS_END:
                raise RegsError(f"{w}: const registers live in the build-limits area "
                                f"{LIMITS_BASE:#04x}..{LIMITS_END - 4:#04x}; offset {off:#x} is outside")
            if area == "block" and off < BLOCK_BASE:
                raise RegsError(f"{w}: offset {off:#x} is inside the common header / limits area "
                                f"(block registers start at {BLOCK_BASE:#04x})")
        else:
            off = next_off[area]
            while off in taken:
                off += 4
            if area == "limits" and off >= LIMITS_END:
                raise RegsError(f"{w}: the build-limits area {LIMITS_BASE:#04x}..{LIMITS_END - 4:#04x} is full")
        if off in taken:
            raise RegsError(f"{w}: offset {off:#x} is already taken by {taken[off]}")
        taken[off] = rname
        next_off[area] = max(next_off[area], off + 4)
        reg = Reg(rname, access, off, width, desc, fields=fields)
        if access == "rw":
            reg.reset = _expr(r.get("reset", 0), f"{w}: reset", params, width)
            bw = r.get("busy_write", "refuse")
            if bw not in ("refuse", "allow"):
                raise RegsError(f"{w}: busy_write = {bw!r}: expected \"refuse\" or \"allow\"")
            reg.busy_write = bw
        else:
            for k in ("reset", "busy_write"):
                if k in r:
                    raise RegsError(f"{w}: {k} is only for rw registers")
        if access == "const":
            if fields:
                if "value" in r:
                    raise RegsError(f"{w}: give the value per field, not both")
            else:
                if "value" not in r:
                    raise RegsError(f"{w}: a const register needs a value (an integer or a parameter expression)")
                reg.value = _expr(r["value"], f"{w}: value", params, width)
        elif "value" in r:
            raise RegsError(f"{w}: value is only for const registers")
        regs.append(reg)
    regs.sort(key=lambda x: x.offset)

    # Error classes: the common ones the block raises, then its own.
    common_by_name = {n: (b, k, d) for n, b, k, d in COMMON_ERRORS}
    wanted = blk.get("common_errors", [])
    if not isinstance(wanted, list) or not all(isinstance(n, str) for n in wanted):
        raise RegsError("[block] common_errors must be a list of names")
    errors = [Err("StartBusy", 0, "event", common_by_name["StartBusy"][2], common=True)]
    for n in wanted:
        if n == "StartBusy":
            continue  # always there
        if n not in common_by_name:
            raise RegsError(f"[block] common_errors: unknown class {n!r} (common: {', '.join(common_by_name)})")
        b, k, d = common_by_name[n]
        errors.append(Err(n, b, k, d, common=True))
    bits = {e.bit: e.name for e in errors}
    next_bit = BLOCK_ERR_BASE
    raw_errs = _tables(data.get("error", []), "error classes ([[error]])")
    for i, e in enumerate(raw_errs):
        ename = e.get("name")
        if not isinstance(ename, str) or not CAMEL.match(ename):
            raise RegsError(f"error class #{i + 1}: name = {ename!r}: expected UpperCamelCase")
        w = f"error class {ename}"
        _keys(e, {"name", "bit", "kind", "desc"}, w)
        if ename in common_by_name:
            raise RegsError(f"{w}: is a common class; list it in [block] common_errors instead")
        if any(x.name == ename for x in errors):
            raise RegsError(f"{w}: duplicate name")
        kind = e.get("kind", "config")
        if kind not in ("config", "event"):
            raise RegsError(f"{w}: kind = {kind!r}: expected \"config\" (checked at start) or \"event\"")
        if "bit" in e:
            bit = _int(e["bit"], f"{w}: bit", BLOCK_ERR_BASE, 31)
        else:
            bit = next_bit
            while bit in bits:
                bit += 1
            if bit > 31:
                raise RegsError(f"{w}: no ERR bit left (32 bits)")
        if bit in bits:
            raise RegsError(f"{w}: ERR bit {bit} is already taken by {bits[bit]}")
        desc = _text(e.get("desc"), f"{w}: desc")
        bits[bit] = ename
        next_bit = max(next_bit, bit + 1)
        errors.append(Err(ename, bit, kind, desc))
    errors.sort(key=lambda x: x.bit)
    exprs = [r.reset for r in regs] + [r.value for r in regs] + [f.value for r in regs for f in r.fields]
    used = set()
    for v in exprs:
        if isinstance(v, str):
            used |= set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", v))
    for p in params:
        if p not in used:
            raise RegsError(f"[params] {p} is used by no value or reset (an unused SV parameter "
                            f"fails verilator -Wall); remove it")
    return Block(path, name, ident, ident_text, version, doc, dict(params), regs, errors)


# ---- SystemVerilog ---------------------------------------------------------------------------
def _sv_val(v: str | int, width: int) -> str:
    if isinstance(v, int):
        return f"{width}'h{v:X}"
    return f"{width}'({v})"


def _const_word(r: Reg) -> str:
    if r.fields:
        parts = [f"((32'({f.value}) & 32'h{(1 << f.width) - 1:X}) << {f.lsb})" for f in r.fields]
        return (" |\n" + " " * 18).join(parts)
    return _sv_val(r.value, 32)


def pkg(b: Block) -> str:
    """The byte offsets and ERR bit indices as a package, for RTL that programs the block over an
    internal APB (attn_top drives its pq_encoder and softmax instances so). Referenced as
    <top>_reg_pkg::<Name>: Yosys 0.23 reads packages but not `import pkg::*`."""
    o = [f"// Generated by scripts/gen_regs.py from {rel(b.path)}. Do not edit.",
         "//",
         f"// {b.name}_reg_pkg: byte offsets and ERR bit indices of {b.name}, for RTL that programs it.",
         "// A user takes the few it needs, so unused ones are not a finding here.",
         "",
         "/* verilator lint_off UNUSEDPARAM */",
         f"package {b.name}_reg_pkg;"]
    for r in b.regs:
        o.append(f"  localparam int unsigned {r.camel}Offset = 32'h{r.offset:03X};")
    for e in b.errors:
        o.append(f"  localparam int unsigned Err{e.name}Bit = {e.bit};")
    o.append(f"endpackage : {b.name}_reg_pkg")
    o.append("/* verilator lint_on UNUSEDPARAM */")
    return "\n".join(o) + "\n"


def pkg_name(b: Block) -> str:
    return f"{b.name}_reg_pkg.sv"


def sv(b: Block) -> str:
    mod = f"{b.name}_reg_top"
    ew = b.err_width
    rw = [r for r in b.regs if r.access == "rw"]
    ro = [r for r in b.regs if r.access == "ro" and not r.common]
    pulses = [r for r in b.regs if r.access == "w1p" and not r.common]
    cfg_errs = [e for e in b.errors if e.kind == "config"]
    ev_errs = [e for e in b.errors if e.kind == "event" and e.name != "StartBusy"]
    o = []
    a = o.append
    a(f"// Generated by scripts/gen_regs.py from {rel(b.path)}. Do not edit.")
    a("//")
    a(f"// {mod}: the register block of {b.name}.")
    a("// The APB port, the common header (ID, VERSION, CTRL, STATUS, ERR, CYCLES) with the shared")
    a("// run control, the build limits and the block's registers. Map and rules: docs/registers.md.")
    a("")
    a('`include "hycim_assert.svh"')
    a("")
    a(f"module {mod} #(")
    plist = [f"  parameter int unsigned {p} = {v}" for p, v in b.params.items()]
    plist.append("  parameter int unsigned ApbAddrWidth = 12")
    a(",\n".join(plist))
    a(") (")
    ports = [
        "input  logic                    clk_i",
        "input  logic                    rst_ni",
        "// APB4 register port",
        "input  logic                    apb_psel_i",
        "input  logic                    apb_penable_i",
        "input  logic                    apb_pwrite_i",
        "input  logic [ApbAddrWidth-1:0] apb_paddr_i",
        "input  logic [31:0]             apb_pwdata_i",
        "input  logic [3:0]              apb_pstrb_i",
        "output logic [31:0]             apb_prdata_o",
        "output logic                    apb_pready_o",
        "output logic                    apb_pslverr_o",
        "// Run control: a legal start (one cycle), the run state, the run's last handshake",
        "output logic                    start_o",
        "output logic                    busy_o",
        "output logic                    done_o",
        "input  logic                    finish_i",
    ]
    if cfg_errs:
        ports.append("// Illegal-configuration classes, sampled when CTRL.START is written")
        ports += [f"input  logic                    err_{e.snake}_i" for e in cfg_errs]
    if ev_errs:
        ports.append("// Classes raised during a run (one cycle sets the sticky ERR bit)")
        ports += [f"input  logic                    err_{e.snake}_i" for e in ev_errs]
    def vec(w: int) -> str:
        return f"[{w - 1}:0]".ljust(17) if w > 1 else " " * 17
    if rw:
        ports.append("// Configuration registers")
        ports += [f"output logic {vec(r.width)}  {r.snake}_o" for r in rw]
    if pulses:
        ports.append("// Write pulses")
        for r in pulses:
            ports += [f"output logic {vec(r.width)}  {r.snake}_o", f"output logic {vec(1)}  {r.snake}_we_o"]
    if ro:
        ports.append("// Read-only values from the hardware")
        ports += [f"input  logic {vec(r.width)}  {r.snake}_i" for r in ro]
    # commas: after every port line except comments and the last port
    idx = [i for i, p in enumerate(ports) if not p.startswith("//")]
    for i, p in enumerate(ports):
        sep = "," if (not p.startswith("//") and i != idx[-1]) else ""
        a(f"  {p}{sep}")
    a(");")
    a("")
    a("  // Word offsets (byte offset >> 2).")
    for r in b.regs:
        a(f"  localparam int unsigned Word{r.camel} = {r.offset >> 2};")
    a(f"  localparam int unsigned ErrWidth = {ew};")
    a("")
    a("  logic                    reg_we, reg_re, reg_error;")
    a("  logic [ApbAddrWidth-1:0] reg_addr;")
    a("  logic [31:0]             reg_wdata, reg_rdata;")
    a("  logic [ApbAddrWidth-3:0] word;")
    a("")
    a("  apb_reg_port #(")
    a("    .AddrWidth (ApbAddrWidth)")
    a("  ) u_apb (")
    a("    .clk_i,")
    a("    .rst_ni,")
    for s, t in [("psel_i", "apb_psel_i"), ("penable_i", "apb_penable_i"), ("pwrite_i", "apb_pwrite_i"),
                 ("paddr_i", "apb_paddr_i"), ("pwdata_i", "apb_pwdata_i"), ("pstrb_i", "apb_pstrb_i"),
                 ("prdata_o", "apb_prdata_o"), ("pready_o", "apb_pready_o"),
                 ("pslverr_o", "apb_pslverr_o"), ("reg_we_o", "reg_we"), ("reg_re_o", "reg_re"),
                 ("reg_addr_o", "reg_addr"), ("reg_wdata_o", "reg_wdata"),
                 ("reg_rdata_i", "reg_rdata")]:
        a(f"    .{s:<11} ({t}),")
    a("    .reg_error_i (reg_error)")
    a("  );")
    a("")
    a("  assign word = reg_addr[ApbAddrWidth-1:2];")
    a("")
    a("  // ---- Run control (rtl/core/hycim_run_ctrl.sv)")
    a("  logic                start_req, busy, done;")
    a("  logic [ErrWidth-1:0] cfg_err, event_err, err;")
    a("  logic [31:0]         cycles;")
    a("")
    a("  assign start_req = reg_we && (word == WordCtrl[ApbAddrWidth-3:0]) && reg_wdata[0];")
    a("  always_comb begin")
    a("    cfg_err   = '0;")
    a("    event_err = '0;")
    for e in cfg_errs:
        a(f"    cfg_err[{e.bit}] = err_{e.snake}_i;  // {e.name}")
    for e in ev_errs:
        a(f"    event_err[{e.bit}] = err_{e.snake}_i;  // {e.name}")
    a("  end")
    a("")
    a("  hycim_run_ctrl #(")
    a("    .ErrWidth     (ErrWidth),")
    a("    .StartBusyBit (0)")
    a("  ) u_run (")
    a("    .clk_i,")
    a("    .rst_ni,")
    a("    .start_req_i (start_req),")
    a("    .cfg_err_i   (cfg_err),")
    a("    .event_err_i (event_err),")
    a("    .finish_i    (finish_i),")
    a("    .start_ok_o  (start_o),")
    a("    .busy_o      (busy),")
    a("    .done_o      (done),")
    a("    .err_o       (err),")
    a("    .cycles_o    (cycles)")
    a("  );")
    a("")
    a("  assign busy_o = busy;")
    a("  assign done_o = done;")
    a("")
    if rw:
        a("  // ---- Configuration registers")
        for r in rw:
            a(f"  logic [{r.width - 1}:0] {r.snake}_q, {r.snake}_d;")
        a("")
        a("  always_comb begin")
        for r in rw:
            a(f"    {r.snake}_d = {r.snake}_q;")
        for r in rw:
            cond = f"reg_we && (word == Word{r.camel}[ApbAddrWidth-3:0])"
            if r.busy_write == "refuse":
                cond += " && !busy"
            a(f"    if ({cond}) {r.snake}_d = reg_wdata[{r.width - 1}:0];")
        a("  end")
        a("")
        a("  always_ff @(posedge clk_i or negedge rst_ni) begin")
        a("    if (!rst_ni) begin")
        for r in rw:
            a(f"      {r.snake}_q <= {_sv_val(r.reset, r.width)};")
        a("    end else begin")
        for r in rw:
            a(f"      {r.snake}_q <= {r.snake}_d;")
        a("    end")
        a("  end")
        a("")
        for r in rw:
            a(f"  assign {r.snake}_o = {r.snake}_q;")
        a("")
    if pulses:
        a("  // ---- Write pulses")
        for r in pulses:
            a(f"  assign {r.snake}_we_o = reg_we && (word == Word{r.camel}[ApbAddrWidth-3:0]);")
            a(f"  assign {r.snake}_o = {r.snake}_we_o ? reg_wdata[{r.width - 1}:0] : '0;")
        a("")
    a("  // ---- Read data and pslverr: unmapped addresses and writes to read-only registers")
    a("  // answer pslverr; configuration writes while BUSY too (unless busy_write = \"allow\").")
    a("  always_comb begin")
    a("    reg_error = 1'b0;")
    a("    reg_rdata = 32'h0;")
    a("    unique case (word)")
    w = max(len(f"Word{r.camel}[ApbAddrWidth-3:0]:") for r in b.regs)
    for r in b.regs:
        lab = f"Word{r.camel}[ApbAddrWidth-3:0]:".ljust(w)
        if r.name == "ID":
            val = f"32'h{b.ident:08X}"
        elif r.name == "VERSION":
            val = f"32'd{b.version}"
        elif r.name == "STATUS":
            val = "{30'h0, done, busy}"
        elif r.name == "ERR":
            val = "32'(err)"
        elif r.name == "CYCLES":
            val = "cycles"
        elif r.access == "w1p":
            val = "32'h0"
        elif r.access == "const":
            val = _const_word(r)
        elif r.access == "rw":
            val = f"32'({r.snake}_q)" if r.width < 32 else f"{r.snake}_q"
        else:
            val = f"32'({r.snake}_i)" if r.width < 32 else f"{r.snake}_i"
        a(f"      {lab} reg_rdata = {val};")
    a(f"      {'default:'.ljust(w)} reg_error = 1'b1;")
    a("    endcase")
    a("    if (reg_we) begin")
    a("      unique case (word)")
    ok = [r for r in b.regs if r.access == "w1p" or (r.access == "rw" and r.busy_write == "allow")]
    locked = [r for r in b.regs if r.access == "rw" and r.busy_write == "refuse"]
    for group, val in ((ok, "1'b0"), (locked, "busy")):
        if not group:
            continue
        labels = [f"Word{r.camel}[ApbAddrWidth-3:0]" for r in group]
        for lab in labels[:-1]:
            a(f"        {lab},")
        a(f"        {labels[-1]}: reg_error = {val};")
    a("        default: reg_error = 1'b1;")
    a("      endcase")
    a("    end")
    a("  end")
    a("")
    used_wdata = max([r.width for r in rw] + [r.width for r in pulses] + [1])
    sink = ["reg_re", "reg_addr[1:0]"]
    if used_wdata < 32:
        sink.append(f"reg_wdata[31:{used_wdata}]")
    a("  logic unused_bits;")
    a(f"  assign unused_bits = ^{{{', '.join(sink)}}};")
    a("")
    a(f"  `HYCIM_ASSERT_INIT(AddrFitsMap, (64'd1 << ApbAddrWidth) > 64'd{b.max_offset},")
    a(f"                     \"ApbAddrWidth too small for the register map (last offset {b.max_offset:#x})\")")
    a("")
    a("endmodule")
    return "\n".join(o) + "\n"


# ---- C++ ---------------------------------------------------------------------------------
def _reset_value(b: Block, r: Reg) -> int | None:
    """The value register r reads after reset when the description alone fixes it, else None."""
    if r.name == "ID":
        return b.ident
    if r.name == "VERSION":
        return b.version
    if r.access == "w1p" or (r.common and r.access == "ro"):
        return 0  # CTRL reads 0; STATUS, ERR and CYCLES are cleared by hycim_run_ctrl's reset
    if r.access == "rw":
        return r.reset if isinstance(r.reset, int) else None
    if r.access == "const":
        if r.fields:
            if not all(isinstance(f.value, int) for f in r.fields):
                return None
            return sum((f.value & ((1 << f.width) - 1)) << f.lsb for f in r.fields)
        return r.value if isinstance(r.value, int) else None
    return None


def cpp(b: Block) -> str:
    o = []
    a = o.append
    ns = f"hycim::regs::{b.name}"
    a(f"// Generated by scripts/gen_regs.py from {rel(b.path)}. Do not edit.")
    a(f"// The register map of {b.name}: byte offsets, field shifts and masks, ERR bits.")
    a("#pragma once")
    a("")
    a("#include <array>")
    a("#include <cstdint>")
    a("#include <string_view>")
    a("")
    a(f"namespace {ns} {{")
    a("")
    a(f"inline constexpr uint32_t kIdValue = 0x{b.ident:08X};" +
      (f'  // "{b.ident_text}"' if b.ident_text else ""))
    a(f"inline constexpr uint32_t kVersionValue = {b.version};")
    a("")
    a("// Byte offsets.")
    for r in b.regs:
        a(f"inline constexpr uint32_t k{r.camel} = 0x{r.offset:02X};")
    a("")
    fields = [(r, f) for r in b.regs for f in r.fields]
    if fields:
        a("// Fields: k<Reg><Field>Shift, and the mask in place (k<Reg><Field>Mask).")
        for r, f in fields:
            fc = "".join(p.capitalize() for p in f.name.split("_"))
            a(f"inline constexpr uint32_t k{r.camel}{fc}Shift = {f.lsb};")
            a(f"inline constexpr uint32_t k{r.camel}{fc}Mask = 0x{((1 << f.width) - 1) << f.lsb:X}u;")
        a("")
    resets = [r for r in b.regs if r.access == "rw" and isinstance(r.reset, int)]
    if resets:
        a("// Reset values of the configuration registers (those given as integers).")
        for r in resets:
            a(f"inline constexpr uint32_t k{r.camel}Reset = 0x{r.reset:X}u;")
        a("")
    a("// ERR bits: k<Class>Bit is the bit index, kErr<Class> its mask.")
    for e in b.errors:
        a(f"inline constexpr uint32_t kErr{e.name}Bit = {e.bit};")
        a(f"inline constexpr uint32_t kErr{e.name} = 1u << {e.bit};")
    a(f"inline constexpr uint32_t kErrWidth = {b.err_width};")
    a("")
    a("enum class Access { kRw, kRo, kConst, kW1p };")
    a("struct RegInfo {")
    a("  std::string_view name;")
    a("  uint32_t offset;")
    a("  Access access;")
    a("  bool busy_write;  // rw only: writes accepted while BUSY")
    a("  // What it reads after reset, where the description fixes it: a rw register's integer")
    a("  // reset, a const register's integer value, 0 for CTRL, STATUS, ERR and CYCLES. The block's")
    a("  // own read-only registers, and values given by a parameter, depend on the block or build.")
    a("  bool reset_known;")
    a("  uint32_t reset;")
    a("};")
    acc = {"rw": "kRw", "ro": "kRo", "const": "kConst", "w1p": "kW1p"}
    a("// Every register, in offset order (for generic map checks).")
    a(f"inline constexpr std::array<RegInfo, {len(b.regs)}> kRegisters = {{{{")
    for r in b.regs:
        bw = "true" if r.access == "rw" and r.busy_write == "allow" else "false"
        rv = _reset_value(b, r)
        known = "false" if rv is None else "true"
        a(f'    {{"{r.name}", 0x{r.offset:02X}, Access::{acc[r.access]}, {bw}, {known}, '
          f'0x{rv or 0:X}u}},')
    a("}};")
    a("")
    a(f"}}  // namespace {ns}")
    return "\n".join(o) + "\n"


# ---- Docs ----------------------------------------------------------------------------------
def _doc_value(v: str | int) -> str:
    return f"{v:#x}" if isinstance(v, int) and v > 9 else f"`{v}`" if isinstance(v, str) else str(v)


def doc_table(b: Block) -> str:
    o = [f"Generated by `scripts/gen_regs.py --docs` from `{rel(b.path)}`; edit that file, not this table.",
         "Common header and rules: [../registers.md](../registers.md).", "",
         "| offset | name | access | reset / value | content |", "|---|---|---|---|---|"]
    for r in b.regs:
        if r.name == "ID":
            val = f"{b.ident:#010x}" + (f' ("{b.ident_text}")' if b.ident_text else "")
        elif r.name == "VERSION":
            val = str(b.version)
        elif r.access == "rw":
            val = _doc_value(r.reset)
        elif r.access == "const" and not r.fields:
            val = _doc_value(r.value)
        else:
            val = ""
        content = r.desc
        if r.access == "rw" and r.busy_write == "allow":
            content += " (writable while BUSY)"
        for f in r.fields:
            bits = f"{f.lsb}" if f.width == 1 else f"{f.lsb + f.width - 1}:{f.lsb}"
            extra = f" = {_doc_value(f.value)}" if f.value is not None else ""
            content += f"; bit{'s' if f.width > 1 else ''} {bits} `{f.name}`{extra}: {f.desc}"
        o.append(f"| {r.offset:#04x} | `{r.name}` | {DOC_ACCESS[r.access]} | {val} | {content} |")
    o += ["", "| ERR bit | class | kind | raised when |", "|---|---|---|---|"]
    for e in b.errors:
        kind = ("common, " if e.common else "") + ("start refused" if e.kind == "config" else "sticky")
        o.append(f"| {e.bit} | `{e.name}` | {kind} | {e.desc} |")
    return "\n".join(o)


def markers(b: Block) -> tuple[str, str]:
    return (f"<!-- gen_regs begin {b.name} -->", f"<!-- gen_regs end {b.name} -->")


def doc_text(b: Block) -> tuple[str, str]:
    """(current doc text, text with the table regenerated)."""
    text = b.doc.read_text()
    begin, end = markers(b)
    i, j = text.find(begin), text.find(end)
    if i < 0 or j < i:
        raise RegsError(f"{rel(b.doc)}: no '{begin}' ... '{end}' marker pair for the register table")
    new = text[: i + len(begin)] + "\n" + doc_table(b) + "\n" + text[j:]
    return text, new


# ---- Files ---------------------------------------------------------------------------------
def write_if_changed(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_text() == text:
        return
    path.write_text(text)


def sv_name(b: Block) -> str:
    return f"{b.name}_reg_top.sv"


def cpp_name(b: Block) -> str:
    return f"{b.name}_regs.h"


def generate(desc: Path, outdir: Path) -> tuple[Path, Path]:
    b = load(desc)
    sv_path, h_path = outdir / sv_name(b), outdir / cpp_name(b)
    write_if_changed(outdir / pkg_name(b), pkg(b))
    write_if_changed(sv_path, sv(b))
    write_if_changed(h_path, cpp(b))
    return sv_path, h_path


def all_descriptions() -> list[Path]:
    return sorted(RTL.glob("**/*.regs.toml"))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("desc", nargs="*", type=Path, help="register descriptions (default: rtl/**/*.regs.toml)")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--out", type=Path, help="write <top>_reg_top.sv and <top>_regs.h here")
    g.add_argument("--docs", action="store_true", help="rewrite the register tables in the docs")
    g.add_argument("--check-docs", action="store_true", help="fail if a doc table is stale")
    g.add_argument("--check", action="store_true", help="only validate the descriptions")
    args = ap.parse_args(argv)
    descs = args.desc or all_descriptions()
    stale = []
    try:
        for d in descs:
            if args.out:
                generate(d, args.out)
                continue
            b = load(d)
            if args.check:
                continue
            if b.doc is None:
                if args.docs:
                    print(f"gen_regs: {rel(d)} names no doc; nothing to write", file=sys.stderr)
                continue
            cur, new = doc_text(b)
            if args.docs:
                write_if_changed(b.doc, new)
            elif cur != new:
                stale.append(f"{rel(b.doc)} (from {rel(d)})")
    except RegsError as e:
        print(f"gen_regs: error: {e}", file=sys.stderr)
        return 2
    if stale:
        print("gen_regs: stale register table in " + ", ".join(stale) +
              "; run scripts/gen_regs.py --docs", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
