#!/usr/bin/env python3
"""Mutation testing of the RTL (docs/verification/mutation.md).

For each block of tests/mutation/curated.toml: the curated mutants listed there plus generated
ones (operator swaps, constants +/-1, negated conditions, dropped reset assignments), chosen
deterministically from a seed. Each mutant is applied to one line of a scratch copy of the tree
(build-mutate/tree), only the block's Verilator model and test binaries (ci configuration) are
rebuilt, the block's ctest tests (label rtl) run with a timeout, and the mutant is classified:

  killed      a test failed (or timed out: timeout counts as killed)
  survived    every test passed
  stillborn   the mutant does not verilate (lint, -Wall) or compile
  equivalent  listed in curated.toml with the argument why (not run unless --run-equivalent)

score = (killed + timeout) / (killed + timeout + survived). Reports: reports/mutation/<block>.json
and reports/mutation/summary.md. /tmp/hycim-build.lock is held per mutant, not per campaign.

  scripts/mutate.py --list --block sync_fifo     # the mutants, without building
  scripts/mutate.py --block sync_fifo            # one campaign
  scripts/mutate.py --resume --min-score 0.95    # every block, skipping mutants already reported
  scripts/mutate.py --only g-1a2b3c4d --block sync_fifo
  scripts/mutate.py --check                      # curated.toml consistent with the RTL

Exit status: 0 done, 1 a block under --min-score (or a mutant listed equivalent was killed),
2 a usage or description error, or an unmutated tree that fails its own tests.
"""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RTL = ROOT / "rtl"
DEFAULT_CURATED = ROOT / "tests" / "mutation" / "curated.toml"
DEFAULT_OUT = ROOT / "reports" / "mutation"
DEFAULT_WORK = ROOT / "build-mutate"
DEFAULT_LOCK = Path("/tmp/hycim-build.lock")
HYCIM_TOML = RTL / "config" / "hycim.toml"

STATUSES = ("killed", "timeout", "survived", "stillborn", "equivalent")
KINDS = ("arith", "relational", "equality", "logical", "negation", "constant", "condition", "reset")


class MutateError(Exception):
    """A usage or description error (exit status 2)."""


# ---- The description: tests/mutation/curated.toml ------------------------------------------------
@dataclass
class Block:
    name: str
    files: list[str]  # relative to rtl/
    tests: list[str]  # test executables (ci configuration)
    generated: int  # generated mutants to draw
    note: str = ""


@dataclass
class Mutant:
    id: str
    block: str
    origin: str  # generated | curated
    kind: str
    file: str  # relative to rtl/
    line: int  # 1-based
    original: str  # the whole line before
    mutated: str  # the whole line after
    what: str  # e.g. "'+' -> '-'"
    reason: str = ""  # curated: why it matters
    equivalent: str = ""  # the argument, when listed as equivalent


@dataclass
class Description:
    path: Path
    seed: int
    blocks: dict[str, Block]
    curated: list[dict]
    equivalent: dict[str, dict]  # id -> entry


def _hycim_blocks() -> dict:
    with open(HYCIM_TOML, "rb") as f:
        return tomllib.load(f).get("blocks", {})


def _test_source(test: str) -> Path | None:
    hits = sorted((ROOT / "tests").glob(f"*/{test}.cc"))
    return hits[0] if hits else None


def model_block(test: str, hblocks: dict) -> str:
    """The block whose ci model a test executable links (tests/CMakeLists.txt: test_<block>)."""
    b = test[len("test_"):] if test.startswith("test_") else ""
    if b not in hblocks:
        raise MutateError(f"test '{test}' is not test_<block> of a block of {HYCIM_TOML.name}")
    return b


def load_description(path: Path) -> Description:
    try:
        text = path.read_text()
    except OSError as e:
        raise MutateError(f"cannot read {path}: {e.strerror}") from e
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise MutateError(f"{path}: not valid TOML: {e}") from e
    unknown = sorted(set(data) - {"settings", "blocks", "mutant", "equivalent"})
    if unknown:
        raise MutateError(f"{path}: unknown top-level key(s) {', '.join(unknown)}")
    settings = data.get("settings", {})
    seed = settings.get("seed", 1)
    default_n = settings.get("generated", 20)
    if not isinstance(seed, int) or not isinstance(default_n, int) or default_n < 0:
        raise MutateError(f"{path}: [settings] seed and generated are non-negative integers")
    hblocks = _hycim_blocks()
    blocks: dict[str, Block] = {}
    for name, b in data.get("blocks", {}).items():
        where = f"{path}: [blocks.{name}]"
        if name not in hblocks:
            raise MutateError(f"{where}: not a block of {HYCIM_TOML.name}")
        if not isinstance(b, dict) or set(b) - {"files", "tests", "generated", "note"}:
            raise MutateError(f"{where}: keys are files, tests, generated, note")
        files, tests = b.get("files"), b.get("tests")
        if not isinstance(files, list) or not files or not all(isinstance(f, str) for f in files):
            raise MutateError(f"{where}: files is a list of RTL files (relative to rtl/)")
        if not isinstance(tests, list) or not tests or not all(isinstance(t, str) for t in tests):
            raise MutateError(f"{where}: tests is a list of test executables")
        for t in tests:
            mb = model_block(t, hblocks)
            if _test_source(t) is None:
                raise MutateError(f"{where}: no tests/*/{t}.cc")
            for f in files:
                if f not in hblocks[mb].get("sources", []):
                    raise MutateError(f"{where}: {f} is not a source of {mb}, which {t} tests")
        for f in files:
            if not (RTL / f).is_file():
                raise MutateError(f"{where}: no such file rtl/{f}")
        n = b.get("generated", default_n)
        if not isinstance(n, int) or n < 0:
            raise MutateError(f"{where}: generated is a non-negative integer")
        blocks[name] = Block(name, files, tests, n, b.get("note", ""))
    curated = data.get("mutant", [])
    seen = set()
    for i, m in enumerate(curated):
        where = f"{path}: [[mutant]] #{i + 1}"
        need = {"id", "block", "file", "original", "replacement", "reason"}
        if not isinstance(m, dict) or need - set(m) or set(m) - need:
            raise MutateError(f"{where}: keys are {', '.join(sorted(need))}")
        if not all(isinstance(m[k], str) for k in need):
            raise MutateError(f"{where}: every value is a string")
        if not re.fullmatch(r"c-[a-z0-9_.-]+", m["id"]) or m["id"] in seen:
            raise MutateError(f"{where}: id '{m['id']}' must be unique and c-<lower case name>")
        seen.add(m["id"])
        if m["block"] not in blocks:
            raise MutateError(f"{where}: block '{m['block']}' has no [blocks.*] table")
        if m["file"] not in blocks[m["block"]].files:
            raise MutateError(f"{where}: {m['file']} is not among the files of {m['block']}")
        if m["original"] == m["replacement"]:
            raise MutateError(f"{where}: replacement equals original")
    equivalent: dict[str, dict] = {}
    for i, e in enumerate(data.get("equivalent", [])):
        where = f"{path}: [[equivalent]] #{i + 1}"
        need = {"id", "block", "mutated", "reason"}
        if not isinstance(e, dict) or need - set(e) or set(e) - need:
            raise MutateError(f"{where}: keys are {', '.join(sorted(need))}")
        if e["id"] in equivalent:
            raise MutateError(f"{where}: id '{e['id']}' listed twice")
        if e["block"] not in blocks:
            raise MutateError(f"{where}: block '{e['block']}' has no [blocks.*] table")
        if not isinstance(e["reason"], str) or len(e["reason"]) < 20:
            raise MutateError(f"{where}: give the argument why it is equivalent")
        equivalent[e["id"]] = e
    return Description(path, seed, blocks, curated, equivalent)


# ---- Reading the RTL: which characters are code ----------------------------------------------------
SKIP_LINE = re.compile(r"^\s*(`|import\b|module\b|endmodule\b|package\b|endpackage\b|parameter\b)")
ASSERT_WORDS = re.compile(r"`HYCIM_(ASSERT|COVER)|\bassert\b|\bassume\b|\bcover\b|\$(error|fatal|display|warning|info)")


def code_lines(text: str) -> list[str | None]:
    """Per line, the code with comments, strings and skipped regions blanked (same length, so
    columns stay valid), or None for a line no mutant may touch: directives and macros
    (assertions, covers), module headers up to their ');', parameter declarations."""
    out: list[str | None] = []
    in_block = False
    in_header = False
    macro_depth = 0
    for raw in text.split("\n"):
        chars = list(raw)
        i = 0
        in_str = False
        while i < len(chars):
            c = chars[i]
            nxt = chars[i + 1] if i + 1 < len(chars) else ""
            if in_block:
                if c == "*" and nxt == "/":
                    chars[i] = chars[i + 1] = " "
                    in_block = False
                    i += 2
                    continue
                chars[i] = " "
            elif in_str:
                if c == "\\":
                    chars[i] = " "
                    if i + 1 < len(chars):
                        chars[i + 1] = " "
                    i += 2
                    continue
                if c == '"':
                    in_str = False
                chars[i] = " "
            elif c == '"':
                in_str = True
                chars[i] = " "
            elif c == "/" and nxt == "/":
                for j in range(i, len(chars)):
                    chars[j] = " "
                break
            elif c == "/" and nxt == "*":
                chars[i] = chars[i + 1] = " "
                in_block = True
                i += 2
                continue
            i += 1
        code = "".join(chars)
        skip = False
        if macro_depth > 0:
            # continuation of a multi-line macro call (an assertion)
            macro_depth += code.count("(") - code.count(")")
            skip = True
        elif in_header:
            skip = True
            if re.search(r"\)\s*;", code):
                in_header = False
        elif re.match(r"^\s*module\b", code):
            skip = True
            in_header = not re.search(r"\)\s*;", code)
        elif SKIP_LINE.match(code) or ASSERT_WORDS.search(raw.split("//")[0]):
            skip = True
            if re.match(r"^\s*`\w+\s*\(", code):
                macro_depth = max(0, code.count("(") - code.count(")"))
        out.append(None if skip else code)
    return out


def bracket_mask(code: str) -> list[bool]:
    """True for the characters inside [...] (bit selects and widths: left alone)."""
    mask, depth = [], 0
    for c in code:
        if c == "[":
            depth += 1
        mask.append(depth > 0)
        if c == "]":
            depth = max(0, depth - 1)
    return mask


def paren_depth(code: str) -> list[int]:
    d, out = 0, []
    for c in code:
        if c == "(":
            d += 1
        out.append(d)
        if c == ")":
            d = max(0, d - 1)
    return out


OPERAND_END = re.compile(r"[\w)\]}'$]\s*$")


def _binary(code: str, pos: int) -> bool:
    """The operator at pos has an operand on its left (so it is binary, not unary)."""
    return bool(OPERAND_END.search(code[:pos]))


# ---- Candidate sites ---------------------------------------------------------------------------------
@dataclass
class Site:
    kind: str
    col: int  # where the replaced text starts
    old: str
    new: str
    what: str = ""


RESET_TEST = re.compile(r"\bif\s*\(\s*!\s*rst_ni\s*\)")
FOR_HEADER = re.compile(r"\bfor\s*\(")
SIZE_LOCALPARAM = re.compile(r"^\s*localparam\s+(int|integer)\b")
PARAM_CONNECTION = re.compile(r"^\s*\.\w+\s*\(\s*\d+\s*\)")


def _sites_in(code: str) -> list[Site]:
    """The mutation sites of one line. Left out as not worth a build: the reset test itself
    (negating it or dropping its ! is killed by any test), the bounds of for loops (out of
    range: lint errors), integer localparams and plain numbers bound to an instance's
    parameters (sizes: a lint error or a wider datapath that computes the same)."""
    if SIZE_LOCALPARAM.match(code):
        return []
    sites = _all_sites_in(code)
    if PARAM_CONNECTION.match(code):
        sites = [s for s in sites if not (s.kind == "constant" and s.old.isdigit())]
    if RESET_TEST.search(code):
        sites = [s for s in sites if s.kind not in ("condition", "negation")]
    if FOR_HEADER.search(code):
        sites = [s for s in sites if s.kind not in ("relational", "constant")]
    return sites


def _all_sites_in(code: str) -> list[Site]:
    sites: list[Site] = []
    mask = bracket_mask(code)
    depth = paren_depth(code)

    def free(a: int, b: int) -> bool:
        return not any(mask[a:b])

    # + and - (binary, not +: -: ++ -- += -= ->)
    for m in re.finditer(r"(?<![+\-])[+\-](?![+\-=:>])", code):
        p = m.start()
        if free(p, p + 1) and _binary(code, p):
            new = "-" if m.group() == "+" else "+"
            sites.append(Site("arith", p, m.group(), new))
    # relational: < <= > >= (<= only inside parentheses: at statement level it is assignment)
    for m in re.finditer(r"(?<![<>=!\-|])(<=|>=|<|>)(?![<>=])", code):
        p, op = m.start(), m.group()
        if not free(p, p + len(op)) or not _binary(code, p):
            continue
        if op == "<=" and depth[p] == 0:
            continue
        if op == ">" and code[p - 1:p] in ("-", "="):
            continue
        new = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}[op]
        sites.append(Site("relational", p, op, new))
    # == and != (not === !==)
    for m in re.finditer(r"(?<![=!<>])(==|!=)(?!=)", code):
        p = m.start()
        if free(p, p + 2):
            sites.append(Site("equality", p, m.group(), "!=" if m.group() == "==" else "=="))
    # && <-> ||, binary & <-> |
    for m in re.finditer(r"&&|\|\||(?<![&|])[&|](?![&|=\->])", code):
        p, op = m.start(), m.group()
        if not free(p, p + len(op)):
            continue
        if len(op) == 1 and (not _binary(code, p) or code[p - 1:p] in ("~",)):
            continue
        new = {"&&": "||", "||": "&&", "&": "|", "|": "&"}[op]
        sites.append(Site("logical", p, op, new))
    # a unary ! or ~ dropped
    for m in re.finditer(r"[!~](?![=&|^])", code):
        p = m.start()
        if free(p, p + 1) and not _binary(code, p):
            sites.append(Site("negation", p, m.group(), "", f"'{m.group()}' dropped"))
    # constants: sized literals, '0 / '1 fills, plain decimals
    for m in re.finditer(r"(?<![\w'$.])(\d+)'([sS]?)([dDhHbB])([0-9a-fA-F_]+)\b", code):
        p = m.start()
        if not free(p, m.end()):
            continue
        size, s, base, digits = int(m.group(1)), m.group(2), m.group(3).lower(), m.group(4).replace("_", "")
        radix = {"d": 10, "h": 16, "b": 2}[base]
        try:
            v = int(digits, radix)
        except ValueError:
            continue
        fmt = {"d": str, "h": lambda x: format(x, "x"), "b": lambda x: format(x, "b")}[base]
        for nv in (v + 1, v - 1):
            if 0 <= nv < (1 << size):
                sites.append(Site("constant", p, m.group(), f"{size}'{s}{m.group(3)}{fmt(nv)}"))
    for m in re.finditer(r"(?<![\w'])'([01])(?![\w'])", code):
        p = m.start()
        if free(p, m.end()):
            sites.append(Site("constant", p, m.group(), "'1" if m.group(1) == "0" else "'0"))
    for m in re.finditer(r"(?<![\w'$.`])(\d+)(?![\w'.])", code):
        p = m.start()
        if not free(p, m.end()) or code[:p].rstrip().endswith("#"):
            continue
        v = int(m.group(1))
        for nv in (v + 1, v - 1):
            if nv >= 0:
                sites.append(Site("constant", p, m.group(), str(nv)))
    # condition negation: if (...) on one line
    for m in re.finditer(r"\bif\s*\(", code):
        start = m.end() - 1
        d = 0
        for j in range(start, len(code)):
            if code[j] == "(":
                d += 1
            elif code[j] == ")":
                d -= 1
                if d == 0:
                    cond = code[start + 1:j]
                    sites.append(Site("condition", start, code[start:j + 1], f"(!({cond.strip()}))",
                                      f"if ({cond.strip()}) negated"))
                    break
    return sites


def _reset_sites(codes: list[str | None]) -> dict[int, list[Site]]:
    """Assignments inside `if (!rst_ni)` branches, each replaced by a null statement."""
    out: dict[int, list[Site]] = {}
    i = 0
    while i < len(codes):
        c = codes[i]
        m = re.search(r"\bif\s*\(\s*!\s*rst_ni\s*\)", c) if c else None
        if not m:
            i += 1
            continue
        rest = c[m.end():]
        lines = []
        if re.match(r"\s*begin\b", rest):
            depth = 0
            j = i
            while j < len(codes):
                cj = codes[j] or ""
                seg = cj[m.end():] if j == i else cj
                for w in re.finditer(r"\b(begin|end)\b", seg):
                    depth += 1 if w.group() == "begin" else -1
                    if depth == 0:
                        break
                if j != i:
                    lines.append(j)
                if depth <= 0:
                    break
                j += 1
        else:
            lines.append(i)
        for j in lines:
            cj = codes[j]
            if not cj:
                continue
            dep = paren_depth(cj)
            for a in re.finditer(r"(?<![<>=!])<=(?!=)", cj):
                p = a.start()
                if dep[p] != 0 or (j == i and p < m.end()):
                    continue
                # the lvalue: back over spaces, then identifier characters and [...] selects
                k = p
                while k > 0 and cj[k - 1] == " ":
                    k -= 1
                bd = 0
                while k > 0:
                    ch = cj[k - 1]
                    if ch == "]":
                        bd += 1
                    elif ch == "[":
                        bd -= 1
                    elif bd == 0 and not (ch.isalnum() or ch in "_."):
                        break
                    k -= 1
                end = cj.find(";", p)
                if end < 0 or k == p:
                    continue
                old = cj[k:end + 1]
                out.setdefault(j, []).append(Site("reset", k, old, ";", f"reset assignment '{old}' dropped"))
        i += 1
    return out


def mutant_id(file: str, line_text: str, occurrence: int, col: int, old: str, new: str) -> str:
    """Independent of line numbers: the file, the line's text (and which of equal lines), the
    column in the stripped line, and the replacement."""
    strip = line_text.lstrip()
    off = col - (len(line_text) - len(strip))
    key = f"{file}|{strip.rstrip()}|{occurrence}|{off}|{old}|{new}"
    return "g-" + hashlib.sha1(key.encode()).hexdigest()[:8]


def candidates(block: str, file: str, text: str) -> list[Mutant]:
    """Every generated mutant of one file, in file order."""
    lines = text.split("\n")
    codes = code_lines(text)
    reset = _reset_sites(codes)
    seen: dict[str, int] = {}
    out: list[Mutant] = []
    for n, (raw, code) in enumerate(zip(lines, codes)):
        key = raw.strip()
        occ = seen.get(key, 0)
        seen[key] = occ + 1
        if code is None:
            continue
        sites = _sites_in(code) + reset.get(n, [])
        for s in sites:
            assert raw[s.col:s.col + len(s.old)] == s.old, (raw, s)
            new_line = raw[:s.col] + s.new + raw[s.col + len(s.old):]
            if new_line == raw:
                continue
            what = s.what or f"'{s.old}' -> '{s.new}'"
            out.append(Mutant(mutant_id(file, raw, occ, s.col, s.old, s.new), block, "generated", s.kind,
                              file, n + 1, raw, new_line, what))
    return out


def choose(pool: list[Mutant], n: int, seed: int, block: str) -> list[Mutant]:
    """n mutants of the pool, deterministic in (seed, block): round robin over the kinds (in a
    shuffled order), a random unused mutant of each kind per turn, so that every kind is drawn."""
    rng = random.Random(f"{seed}:{block}")
    by_kind: dict[str, list[Mutant]] = {}
    for m in pool:
        by_kind.setdefault(m.kind, []).append(m)
    for k in by_kind:
        rng.shuffle(by_kind[k])
    kinds = sorted(by_kind)
    rng.shuffle(kinds)
    picked: list[Mutant] = []
    used_lines: set[tuple[str, int]] = set()
    while len(picked) < n and any(by_kind.values()):
        for k in kinds:
            if len(picked) >= n:
                break
            lst = by_kind[k]
            # prefer a line not mutated yet
            idx = next((i for i, m in enumerate(lst) if (m.file, m.line) not in used_lines), 0 if lst else None)
            if idx is None:
                continue
            m = lst.pop(idx)
            picked.append(m)
            used_lines.add((m.file, m.line))
    return picked


def curated_mutants(desc: Description, block: str, root: Path = RTL) -> list[Mutant]:
    out = []
    for m in desc.curated:
        if m["block"] != block:
            continue
        text = (root / m["file"]).read_text()
        lines = text.split("\n")
        hits = [i for i, line in enumerate(lines) if m["original"] in line]
        if len(hits) != 1:
            raise MutateError(f"{desc.path}: curated mutant {m['id']}: its original text is on "
                              f"{len(hits)} lines of rtl/{m['file']} (must be exactly 1): {m['original']!r}")
        raw = lines[hits[0]]
        if raw.count(m["original"]) != 1:
            raise MutateError(f"{desc.path}: curated mutant {m['id']}: original text twice on its line")
        new = raw.replace(m["original"], m["replacement"])
        out.append(Mutant(m["id"], block, "curated", "curated", m["file"], hits[0] + 1, raw, new,
                          f"'{m['original'].strip()}' -> '{m['replacement'].strip()}'", m["reason"]))
    return out


def block_mutants(desc: Description, block: str, seed: int | None = None, count: int | None = None,
                  root: Path = RTL) -> list[Mutant]:
    """The campaign of a block: its curated mutants, then the generated ones; a mutant listed in
    [[equivalent]] carries its argument. Raises MutateError when an [[equivalent]] entry of the
    block names no mutant or its text no longer matches (so the list cannot rot)."""
    b = desc.blocks[block]
    seed = desc.seed if seed is None else seed
    count = b.generated if count is None else count
    pool: list[Mutant] = []
    for f in b.files:
        pool += candidates(block, f, (root / f).read_text())
    cur = curated_mutants(desc, block, root)
    cur_keys = {(m.file, m.line, m.mutated) for m in cur}
    pool = [m for m in pool if (m.file, m.line, m.mutated) not in cur_keys]
    gen = choose(pool, count, seed, block)
    chosen = cur + gen
    all_by_id = {m.id: m for m in cur + pool}
    for eid, e in desc.equivalent.items():
        if e["block"] != block:
            continue
        m = all_by_id.get(eid)
        if m is None:
            raise MutateError(f"{desc.path}: [[equivalent]] {eid} ({block}) is not a mutant of the current RTL")
        if m.mutated.strip() != e["mutated"].strip():
            raise MutateError(f"{desc.path}: [[equivalent]] {eid}: mutated line is now {m.mutated.strip()!r}, "
                              f"curated.toml says {e['mutated'].strip()!r}")
        if m not in chosen:
            # listed equivalent under another seed or count: not part of this campaign
            continue
    for m in chosen:
        if m.id in desc.equivalent:
            m.equivalent = desc.equivalent[m.id]["reason"]
    ids = [m.id for m in chosen]
    if len(set(ids)) != len(ids):
        raise MutateError(f"{block}: two mutants share an id")
    return chosen


# ---- Scores and reports ------------------------------------------------------------------------------
def counts_of(results: list[dict]) -> dict[str, int]:
    c = {s: 0 for s in STATUSES}
    for r in results:
        c[r["status"]] += 1
    c["mutants"] = len(results)
    return c


def score_of(c: dict[str, int]) -> float | None:
    """Killed (timeouts included) over the mutants that compiled and are not equivalent."""
    den = c["killed"] + c["timeout"] + c["survived"]
    return None if den == 0 else (c["killed"] + c["timeout"]) / den


def classify(built: bool, test_rc: int | None, timed_out: bool) -> str:
    if not built:
        return "stillborn"
    if timed_out:
        return "timeout"
    return "survived" if test_rc == 0 else "killed"


def diff_text(m: dict) -> str:
    return f"-{m['original'].strip()}\n+{m['mutated'].strip()}"


def summary_md(reports: list[dict]) -> str:
    out = ["# Mutation testing summary", "",
           "score = (killed + timeout) / (killed + timeout + survived); stillborn and equivalent "
           "mutants are not counted.", "",
           "| block | tests | mutants | stillborn | killed | timeout | equivalent | survived | score |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in sorted(reports, key=lambda r: r["block"]):
        c = counts_of(r["results"])
        s = score_of(c)
        out.append(f"| {r['block']} | {', '.join(r['tests'])} | {c['mutants']} | {c['stillborn']} | "
                   f"{c['killed']} | {c['timeout']} | {c['equivalent']} | {c['survived']} | "
                   f"{'-' if s is None else f'{100 * s:.1f} %'} |")
    surv = [(r["block"], m) for r in reports for m in r["results"] if m["status"] == "survived"]
    out += ["", "## Survivors", ""]
    if not surv:
        out.append("None.")
    for b, m in surv:
        out += [f"- `{m['id']}` ({b}, {m['kind']}) rtl/{m['file']}:{m['line']}: {m['what']}", "",
                "  ```diff", *["  " + x for x in diff_text(m).split("\n")], "  ```", ""]
    eq = [(r["block"], m) for r in reports for m in r["results"] if m["status"] == "equivalent"]
    if eq:
        out += ["", "## Equivalent mutants", ""]
        for b, m in eq:
            out.append(f"- `{m['id']}` ({b}) rtl/{m['file']}:{m['line']}: {m['what']}: {m['equivalent']}")
    return "\n".join(out) + "\n"


def load_report(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def write_reports(out: Path, report: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    c = counts_of(report["results"])
    report["counts"] = c
    report["score"] = score_of(c)
    tmp = out / f".{report['block']}.json.tmp"
    tmp.write_text(json.dumps(report, indent=1) + "\n")
    tmp.replace(out / f"{report['block']}.json")
    reports = [r for p in sorted(out.glob("*.json")) if (r := load_report(p)) and "results" in r]
    (out / "summary.md").write_text(summary_md(reports))


# ---- Running a campaign ------------------------------------------------------------------------------
@contextlib.contextmanager
def build_lock(path: Path | None):
    if path is None:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"  waiting for {path} ...", flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


class Scratch:
    """The scratch tree (a copy of the work tree without build outputs) and its build."""

    def __init__(self, work: Path, jobs: int, quiet: bool):
        self.work = work
        self.tree = work / "tree"
        # tree/build, as a work tree's build/: the compile lines (relative to CCACHE_BASEDIR) are
        # those of any other checkout's default build, so ccache serves the unchanged objects.
        self.build = self.tree / "build"
        self.jobs = jobs
        self.quiet = quiet
        self.log = work / "last.log"

    EXCLUDE_TOP = {".git", "build", "reports", "waves"}

    def sync(self) -> None:
        """Copies the work tree by content: an unchanged file keeps its mtime (nothing is rebuilt),
        a changed one is written anew (new mtime: it is rebuilt); files gone are removed."""
        self.tree.mkdir(parents=True, exist_ok=True)
        want: set[Path] = set()
        for dirpath, dirnames, filenames in os.walk(ROOT):
            d = Path(dirpath)
            rel = d.relative_to(ROOT)
            if rel == Path("."):
                dirnames[:] = [x for x in dirnames if x not in self.EXCLUDE_TOP and not x.startswith("build-")]
            dirnames[:] = [x for x in dirnames if x != "__pycache__"]
            for f in filenames:
                if f.endswith((".fst", ".vcd", ".pyc")):
                    continue
                src = d / f
                r = rel / f
                want.add(r)
                dst = self.tree / r
                if src.is_symlink() or not src.is_file():
                    continue
                data = src.read_bytes()
                if dst.is_file() and not dst.is_symlink() and dst.read_bytes() == data:
                    continue
                dst.parent.mkdir(parents=True, exist_ok=True)
                dst.write_bytes(data)
                shutil.copymode(src, dst)
        for dirpath, dirnames, filenames in os.walk(self.tree):
            if Path(dirpath) == self.tree:
                dirnames[:] = [x for x in dirnames if x != "build"]
            for f in filenames:
                r = Path(dirpath).relative_to(self.tree) / f
                if r not in want:
                    (self.tree / r).unlink()

    def configure(self) -> None:
        if (self.build / "build.ninja").exists():
            return
        cmd = ["cmake", "-S", str(self.tree), "-B", str(self.build), "-G", "Ninja",
               "-DCMAKE_BUILD_TYPE=Release", "-DHYCIM_FULL=OFF", "-DHYCIM_MUTATION=OFF"]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            self.log.write_text(r.stdout + r.stderr)
            raise MutateError(f"configuring the scratch build failed (log: {self.log})")

    def build_targets(self, targets: list[str], timeout: int) -> tuple[bool, str]:
        cmd = ["cmake", "--build", str(self.build), "-j", str(self.jobs), "--target", *targets]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return False, "build timed out"
        out = r.stdout + r.stderr
        return r.returncode == 0, out

    def test_names(self, tests: list[str]) -> list[str]:
        r = subprocess.run(["ctest", "--test-dir", str(self.build), "--show-only=json-v1"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise MutateError(f"cannot list the ctest tests of {self.build}: {r.stderr.strip()}")
        names = []
        for t in json.loads(r.stdout).get("tests", []):
            props = {p["name"]: p["value"] for p in t.get("properties", [])}
            cmd = t.get("command") or [""]
            if "rtl" in props.get("LABELS", []) and Path(cmd[0]).name in tests:
                names.append(t["name"])
        return names

    def run_tests(self, names: list[str], timeout: int) -> tuple[int, bool, str, float]:
        """ctest on exactly these tests, stopping at the first failure."""
        regex = "^(" + "|".join(re.sub(r"[^A-Za-z0-9_]", ".", n) for n in names) + ")$"
        cmd = ["ctest", "--test-dir", str(self.build), "-L", "^rtl$", "-R", regex, "--stop-on-failure",
               "--timeout", str(timeout), "-j", str(self.jobs), "--output-on-failure"]
        t0 = time.monotonic()
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout * max(1, len(names)) + 60)
        except subprocess.TimeoutExpired as e:
            return 1, True, str(e.stdout or ""), time.monotonic() - t0
        out = r.stdout + r.stderr
        timed_out = r.returncode != 0 and "***Timeout" in out and "***Failed" not in out
        return r.returncode, timed_out, out, time.monotonic() - t0


def apply(tree: Path, m: Mutant) -> Path:
    path = tree / "rtl" / m.file
    lines = path.read_text().split("\n")
    if lines[m.line - 1] != m.original:
        raise MutateError(f"scratch tree rtl/{m.file}:{m.line} is not the line the mutant was made from")
    lines[m.line - 1] = m.mutated
    path.write_text("\n".join(lines))
    return path


def restore(tree: Path, m: Mutant) -> None:
    path = tree / "rtl" / m.file
    lines = path.read_text().split("\n")
    lines[m.line - 1] = m.original
    path.write_text("\n".join(lines))
    now = time.time()
    os.utime(path, (now, now))  # newer than the mutant's model: the next build redoes it


def failing_test(out: str) -> str:
    m = re.search(r"\d+ - (\S+) \((Failed|Timeout|SEGFAULT|Subprocess aborted|Exception)\)", out)
    if m:
        return f"{m.group(1)} ({m.group(2)})"
    m = re.search(r"Test\s+#\d+: (\S+) .*\*\*\*(Failed|Timeout)", out)
    return f"{m.group(1)} ({m.group(2)})" if m else ""


def first_error(out: str) -> str:
    for line in out.splitlines():
        if "%Error" in line or "error:" in line or "%Warning" in line:
            return line.strip()[:300]
    return out.strip().splitlines()[-1][:300] if out.strip() else ""


def run_block(desc: Description, block: str, args: argparse.Namespace, scratch: Scratch) -> dict:
    b = desc.blocks[block]
    mutants = block_mutants(desc, block, args.seed, args.count)
    if args.only:
        mutants = [m for m in mutants if m.id in args.only]
    out = args.out
    old = load_report(out / f"{block}.json") if args.resume else None
    prev = {r["id"]: r for r in (old or {}).get("results", [])}
    report = {"block": block, "tests": b.tests, "files": b.files, "seed": args.seed if args.seed is not None else desc.seed,
              "results": [], "baseline": {}}
    if args.only and not args.resume:
        # keep the other results of an earlier report: --only reruns a few mutants
        old = load_report(out / f"{block}.json")
        prev_all = {r["id"]: r for r in (old or {}).get("results", [])}
        keep = [r for i, r in prev_all.items() if i not in args.only]
        report["results"] = keep
        if old:
            report["baseline"] = old.get("baseline", {})
    lock = None if args.no_lock else args.lock
    targets = list(b.tests)

    # Baseline: the unmutated tree builds and passes (else nothing below means anything).
    todo = [m for m in mutants if m.id not in prev or args.only]
    todo_run = [m for m in todo if not m.equivalent or args.run_equivalent]
    names: list[str] = []
    if todo_run:
        with build_lock(lock):
            t0 = time.monotonic()
            ok, log = scratch.build_targets(targets, args.build_timeout)
            if not ok:
                scratch.log.write_text(log)
                raise MutateError(f"{block}: the unmutated tree does not build (log: {scratch.log})")
            names = scratch.test_names(b.tests)
            if not names:
                raise MutateError(f"{block}: no ctest tests (label rtl) of {', '.join(b.tests)}")
            rc, to, log, secs = scratch.run_tests(names, args.test_timeout or 600)
            if rc != 0:
                scratch.log.write_text(log)
                raise MutateError(f"{block}: the unmutated tree fails its tests (log: {scratch.log})")
            report["baseline"] = {"tests": len(names), "seconds": round(secs, 1),
                                  "build_seconds": round(time.monotonic() - t0 - secs, 1)}
        per_test = args.test_timeout or max(60, int(5 * secs) + 30)
        if not args.quiet:
            print(f"{block}: baseline passes: {len(names)} tests in {secs:.1f} s; {len(todo_run)} mutants to run "
                  f"(test timeout {per_test} s)", flush=True)
    results = {r["id"]: r for r in report["results"]}
    total = len(mutants)
    for i, m in enumerate(mutants, 1):
        if m.id in prev and not args.only:
            results[m.id] = prev[m.id]
            continue
        res = asdict(m)
        t0 = time.monotonic()
        if m.equivalent and not args.run_equivalent:
            res.update(status="equivalent", seconds=0.0, detail="listed in curated.toml")
        else:
            with build_lock(lock):
                t0 = time.monotonic()  # the time under the lock, not the wait for it
                apply(scratch.tree, m)
                try:
                    ok, log = scratch.build_targets(targets, args.build_timeout)
                    if not ok:
                        res.update(status="stillborn", detail=first_error(log))
                    else:
                        rc, to, log, _ = scratch.run_tests(names, per_test)
                        st = classify(True, rc, to)
                        res.update(status=st, detail=failing_test(log) if st != "survived" else "")
                finally:
                    restore(scratch.tree, m)
            if m.equivalent:
                if res["status"] in ("killed", "timeout"):
                    res["detail"] += " -- LISTED EQUIVALENT BUT KILLED"
                    res["equivalent_killed"] = True
                res["status"] = "equivalent" if res["status"] == "survived" else res["status"]
            res["seconds"] = round(time.monotonic() - t0, 1)
        results[m.id] = res
        report["results"] = [results[k] for k in results]
        write_reports(out, report)
        if not args.quiet:
            print(f"[{i:3d}/{total}] {block} {m.id} {m.kind:10s} rtl/{m.file}:{m.line} {m.what[:60]} -> "
                  f"{res['status'].upper()} ({res['seconds']} s){' ' + res['detail'] if res.get('detail') and res['status'] != 'equivalent' else ''}",
                  flush=True)
    # only the mutants of this campaign (and --only's kept ones), in campaign order
    order = [m.id for m in mutants]
    report["results"] = [results[k] for k in order if k in results] + \
                        [r for k, r in results.items() if k not in order and args.only]
    write_reports(out, report)
    return report


def print_list(desc: Description, blocks: list[str], seed: int | None, count: int | None) -> None:
    for block in blocks:
        ms = block_mutants(desc, block, seed, count)
        print(f"{block}: {len(ms)} mutants ({sum(m.origin == 'curated' for m in ms)} curated), files: "
              f"{', '.join(desc.blocks[block].files)}; tests: {', '.join(desc.blocks[block].tests)}")
        for m in ms:
            eq = "  [equivalent]" if m.equivalent else ""
            print(f"  {m.id:22s} {m.kind:10s} rtl/{m.file}:{m.line}: {m.what}{eq}")
            print(f"      - {m.original.strip()}\n      + {m.mutated.strip()}")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--block", action="append", default=[], help="a block of curated.toml (repeatable; default all)")
    ap.add_argument("--list", action="store_true", help="print the mutants and exit (builds nothing)")
    ap.add_argument("--check", action="store_true", help="check curated.toml against the RTL and exit")
    ap.add_argument("--only", action="append", default=[], metavar="ID", help="only this mutant (repeatable)")
    ap.add_argument("--resume", action="store_true", help="skip the mutants already in the block's report")
    ap.add_argument("--min-score", type=float, default=None, metavar="S",
                    help="exit 1 when a block's score is under S (0..1, e.g. 0.95)")
    ap.add_argument("--jobs", "-j", type=int, default=2, help="build and ctest jobs (default 2)")
    ap.add_argument("--seed", type=int, default=None, help="generator seed (default: curated.toml's)")
    ap.add_argument("--count", type=int, default=None, help="generated mutants per block (default: curated.toml's)")
    ap.add_argument("--curated", type=Path, default=DEFAULT_CURATED, help="the mutant description")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report directory (default reports/mutation)")
    ap.add_argument("--work", type=Path, default=DEFAULT_WORK, help="scratch tree and build (default build-mutate)")
    ap.add_argument("--lock", type=Path, default=DEFAULT_LOCK, help="the build lock held per mutant")
    ap.add_argument("--no-lock", action="store_true", help="take no build lock (the caller holds it)")
    ap.add_argument("--test-timeout", type=int, default=None, metavar="S",
                    help="seconds per test (default: 5 x the baseline run + 30, at least 60)")
    ap.add_argument("--build-timeout", type=int, default=1200, metavar="S", help="seconds per build (default 1200)")
    ap.add_argument("--run-equivalent", action="store_true", help="run the mutants listed equivalent too")
    ap.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    args = ap.parse_args(argv)
    try:
        if args.jobs < 1:
            raise MutateError("--jobs must be at least 1")
        if args.min_score is not None and not 0 <= args.min_score <= 1:
            raise MutateError("--min-score is a fraction in 0..1 (e.g. 0.95)")
        if args.count is not None and args.count < 0:
            raise MutateError("--count must be non-negative")
        desc = load_description(args.curated)
        blocks = args.block or list(desc.blocks)
        for b in blocks:
            if b not in desc.blocks:
                raise MutateError(f"block '{b}' has no [blocks.{b}] table in {args.curated} "
                                  f"(known: {', '.join(desc.blocks)})")
        if args.check:
            for b in desc.blocks:
                block_mutants(desc, b)
            print(f"{args.curated}: {len(desc.blocks)} blocks, {len(desc.curated)} curated mutants and "
                  f"{len(desc.equivalent)} equivalent ones match the RTL")
            return 0
        if args.list:
            print_list(desc, blocks, args.seed, args.count)
            return 0
        if args.only:
            known = {m.id for b in blocks for m in block_mutants(desc, b, args.seed, args.count)}
            bad = [i for i in args.only if i not in known]
            if bad:
                raise MutateError(f"--only {', '.join(bad)}: not a mutant of {', '.join(blocks)} (see --list)")
        args.work.mkdir(parents=True, exist_ok=True)
        # Compile lines relative to the checkouts' parent, so that ccache shares objects with them.
        os.environ.setdefault("CCACHE_BASEDIR", str(ROOT.parent))
        scratch = Scratch(args.work, args.jobs, args.quiet)
        # One campaign at a time per scratch tree (the build lock is per mutant only).
        tree_lock = os.open(args.work / ".campaign.lock", os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(tree_lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"another campaign uses {args.work}; waiting ...", flush=True)
            fcntl.flock(tree_lock, fcntl.LOCK_EX)
        scratch.sync()
        with build_lock(None if args.no_lock else args.lock):
            scratch.configure()
        status = 0
        reports = []
        for b in blocks:
            r = run_block(desc, b, args, scratch)
            reports.append(r)
            if any(x.get("equivalent_killed") for x in r["results"]):
                print(f"{b}: a mutant listed equivalent was killed: curated.toml is wrong", file=sys.stderr)
                status = 1
        print()
        print(summary_md(reports), end="")
        if args.min_score is not None:
            for r in reports:
                s = score_of(counts_of(r["results"]))
                if s is not None and s < args.min_score:
                    print(f"{r['block']}: score {100 * s:.1f} % is under --min-score {100 * args.min_score:.1f} %",
                          file=sys.stderr)
                    status = 1
        return status
    except MutateError as e:
        print(f"mutate.py: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
