#!/usr/bin/env python3
"""HyCIM regression runner: tests x configurations x seeds x stall modes, run in parallel, locally
or as a Slurm job array, with failure triage, reports and merged coverage.

The regression is described in tests/regress.toml (tiers smoke, ci, nightly); see
docs/verification/regression.md. Every run is one process with its own log; its seed comes from
the base seed and the run's name, so `--seed` reproduces the whole regression.

  regress.py --tier smoke                       run a tier on all cores
  regress.py --tier nightly --coverage          coverage build, merged coverage, thresholds
  regress.py --tier smoke --slurm               the same runs as a Slurm job array
  regress.py --tier smoke --rerun-failed        only the runs that failed last time
  regress.py --tier smoke --list                print the runs and exit

Outputs under --out (default reports/regress/<tier>): summary.txt, summary.md, summary.json,
junit.xml, index.html, runs/<run>/log.txt (and coverage/ with --coverage).
Exit status: 0 all runs passed (and coverage met its thresholds), 1 failures, 2 bad usage or a
malformed description.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import html
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DESC = ROOT / "tests" / "regress.toml"
DEFAULT_THRESHOLDS = ROOT / "tests" / "coverage_thresholds.toml"
STALLS = ("none", "random", "heavy")
MASK64 = (1 << 64) - 1


class RegressError(Exception):
    """A malformed description, a bad option or a missing build: reported and exit 2."""


# ---- Seeds: the same derivation as tb::derive_seed (tb/harness/seed.cc) ------------------------
def splitmix64(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def fnv1a(s: str) -> int:
    h = 0xCBF29CE484222325
    for b in s.encode():
        h = ((h ^ b) * 0x100000001B3) & MASK64
    return h


def derive_seed(base: int, name: str) -> int:
    return splitmix64(base ^ fnv1a(name))


# ---- The description ----------------------------------------------------------------------------
ENTRY_KEYS = {"scenario", "test", "ctest", "tiers", "seeds", "configs", "stall", "runs", "filter",
              "blocks", "timeout"}


@dataclass
class Entry:
    index: int
    line: int
    kind: str  # scenario | test | ctest
    what: str | list[str]
    tiers: list[str]
    seeds: dict[str, int]
    configs: list[str]
    stall: list[str]
    runs: dict[str, int]
    filter: str
    blocks: dict[str, str]
    timeout: int


@dataclass
class Description:
    path: Path
    tiers: dict[str, str]
    entries: list[Entry]


def _lines_of(text: str, pattern: str) -> list[int]:
    return [n for n, s in enumerate(text.splitlines(), 1) if re.match(pattern, s)]


def load_description(path: Path) -> Description:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise RegressError(f"{path}: {e}") from e
    return loads_description(text, path)


def loads_description(text: str, path: Path) -> Description:
    """Parses and checks a regression description; every defect raises RegressError naming the
    file and the line of the table it is in."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise RegressError(f"{path}: not valid TOML: {e}") from e
    unknown = sorted(set(data) - {"tiers", "entry"})
    if unknown:
        raise RegressError(f"{path}:1: unknown top-level key(s) {', '.join(unknown)} (known: entry, tiers)")
    tiers_raw = data.get("tiers")
    if not isinstance(tiers_raw, dict) or not tiers_raw:
        raise RegressError(f"{path}:1: no [tiers.<name>] tables")
    tiers: dict[str, str] = {}
    for name, t in tiers_raw.items():
        lines = _lines_of(text, rf"\s*\[\s*tiers\.{re.escape(name)}\s*\]") or [1]
        where = f"{path}:{lines[0]}: [tiers.{name}]"
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise RegressError(f"{where}: a tier name is lower case letters, digits and _")
        if not isinstance(t, dict) or set(t) - {"description"}:
            raise RegressError(f"{where}: a tier is a table with one key, description")
        d = t.get("description", "")
        if not isinstance(d, str) or not d.isprintable():
            raise RegressError(f"{where}: description must be one line of text")
        tiers[name] = d
    raw = data.get("entry", [])
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise RegressError(f"{path}:1: entries are an array of tables, [[entry]]")
    lines = _lines_of(text, r"\s*\[\[\s*entry\s*\]\]")
    entries = []
    for i, e in enumerate(raw):
        line = lines[i] if i < len(lines) else 1
        where = f"{path}:{line}: entry #{i + 1}"

        def bad(msg: str) -> RegressError:
            return RegressError(f"{where}: {msg}")

        extra = sorted(set(e) - ENTRY_KEYS)
        if extra:
            raise bad(f"unknown key(s) {', '.join(extra)} (known: {', '.join(sorted(ENTRY_KEYS))})")
        kinds = [k for k in ("scenario", "test", "ctest") if k in e]
        if len(kinds) != 1:
            raise bad("give exactly one of scenario, test or ctest")
        kind = kinds[0]
        what = e[kind]
        if kind == "ctest":
            if not isinstance(what, list) or not what or not all(
                    isinstance(x, str) and re.fullmatch(r"[A-Za-z0-9_.-]+", x) for x in what):
                raise bad("ctest is a list of ctest labels")
        elif not isinstance(what, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", what):
            raise bad(f"{kind} must be a name (letters, digits, _)")
        et = e.get("tiers")
        if not isinstance(et, list) or not et or not all(isinstance(t, str) for t in et):
            raise bad("tiers is a list of tier names")
        for t in et:
            if t not in tiers:
                raise bad(f"tier '{t}' is not a [tiers.*] table (known: {', '.join(tiers)})")

        def per_tier(key: str, default: int, hi: int) -> dict[str, int]:
            v = e.get(key, {})
            if not isinstance(v, dict):
                raise bad(f"{key} is a table tier = count, e.g. {key} = {{ nightly = 8 }}")
            out = {}
            for t, n in v.items():
                if t not in et:
                    raise bad(f"{key} names tier '{t}', which the entry is not in")
                if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= hi:
                    raise bad(f"{key}.{t} = {n!r}: expected an integer in 1..{hi}")
                out[t] = n
            return {t: out.get(t, default) for t in et}

        seeds = per_tier("seeds", 1, 100000)
        runs = per_tier("runs", 4, 1000000)
        if kind != "scenario" and "runs" in e:
            raise bad("runs is for scenario entries")
        configs = e.get("configs", ["ci"])
        if not isinstance(configs, list) or not configs or not all(
                isinstance(c, str) and re.fullmatch(r"[a-z][a-z0-9_]*", c) for c in configs):
            raise bad("configs is a list of configuration names")
        if kind == "ctest" and "configs" in e:
            raise bad("configs is not for ctest entries (ctest runs what the build holds)")
        stall = e.get("stall", ["random"])
        if not isinstance(stall, list) or not stall or not all(isinstance(s, str) and s in STALLS for s in stall):
            raise bad(f"stall is a list of {', '.join(STALLS)}")
        if kind != "scenario" and "stall" in e:
            raise bad("stall is for scenario entries (the tests choose their own back-pressure)")
        filt = e.get("filter", "")
        if not isinstance(filt, str) or not filt.isprintable() or (filt and kind != "test"):
            raise bad("filter is a gtest filter string, for test entries")
        blocks = e.get("blocks", {})
        if not isinstance(blocks, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and re.fullmatch(r"[a-z][a-z0-9_]*", v)
                for k, v in blocks.items()) or (blocks and kind != "scenario"):
            raise bad("blocks is a table tensor-name prefix = block name, for scenario entries")
        timeout = e.get("timeout", 600)
        if not isinstance(timeout, int) or isinstance(timeout, bool) or not 1 <= timeout <= 86400:
            raise bad(f"timeout = {timeout!r}: expected seconds in 1..86400")
        entries.append(Entry(i, line, kind, what, et, seeds, configs, stall, runs, filt, blocks, timeout))
    return Description(path, tiers, entries)


# ---- Runs ---------------------------------------------------------------------------------------
@dataclass
class Run:
    id: str  # unique, file-safe: the name its seed derives from
    test: str  # what the pass-rate table groups by
    kind: str
    cmd: list[str]
    env: dict[str, str]
    cwd: str
    seed: int
    timeout: int
    blocks: dict[str, str] = field(default_factory=dict)
    entry: int = 0


def _safe(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", s)


def ctest_tests(build: Path, labels: list[str]) -> list[dict]:
    """The tests of a build's ctest with one of the labels: name, command, working directory,
    environment, timeout (from ctest --show-only=json-v1)."""
    try:
        out = subprocess.run(["ctest", "--test-dir", str(build), "--show-only=json-v1"], check=True,
                             capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise RegressError(f"cannot list the ctest tests of {build}: {e}") from e
    tests = []
    for t in json.loads(out).get("tests", []):
        props = {p["name"]: p["value"] for p in t.get("properties", [])}
        if not set(props.get("LABELS", [])) & set(labels) or "command" not in t:
            continue
        env = dict(v.split("=", 1) for v in props.get("ENVIRONMENT", []) if "=" in v)
        # gtest_discover_tests names value-parameterized cases "Suite.Name/param  # GetParam() = x".
        tests.append({"name": t["name"].split("  #")[0], "command": t["command"],
                      "cwd": props.get("WORKING_DIRECTORY", str(build / "tests")),
                      "env": env, "timeout": int(float(props.get("TIMEOUT", 600)))})
    return tests


def expand(desc: Description, tier: str, base: int, build: Path, hycim: Path) -> list[Run]:
    if tier not in desc.tiers:
        raise RegressError(f"unknown tier '{tier}' (known in {desc.path.name}: {', '.join(desc.tiers)})")
    runs: list[Run] = []
    for e in desc.entries:
        if tier not in e.tiers:
            continue
        n = e.seeds[tier]
        if e.kind == "scenario":
            for cfg in e.configs:
                for st in e.stall:
                    for k in range(n):
                        rid = f"{e.what}.{cfg}.{st}.{k}"
                        seed = derive_seed(base, rid)
                        cmd = [str(hycim), "run", e.what, "--config", cfg, "--stall", st, "--seed",
                               str(seed), "--runs", str(e.runs[tier]), "--quiet"]
                        runs.append(Run(rid, f"{e.what} ({cfg})", "scenario", cmd, {}, str(ROOT), seed,
                                        e.timeout, e.blocks, e.index))
        elif e.kind == "test":
            for cfg in e.configs:
                exe = f"{e.what}" if cfg == "ci" else f"{e.what}_{cfg}"
                path = build / "tests" / exe
                for k in range(n):
                    rid = f"{exe}{'.' + _safe(e.filter) if e.filter else ''}.{k}"
                    seed = base if k == 0 else derive_seed(base, rid)
                    cmd = [str(path)] + ([f"--gtest_filter={e.filter}"] if e.filter else [])
                    runs.append(Run(rid, exe, "test", cmd, {"HYCIM_SEED": str(seed)}, str(build / "tests"),
                                    seed, e.timeout, entry=e.index))
        else:
            for t in ctest_tests(build, e.what):
                for k in range(n):
                    rid = f"{_safe(t['name'])}.{k}"
                    # Seed 0 is the base seed itself: the ci tier is the default ctest run.
                    seed = base if k == 0 else derive_seed(base, rid)
                    env = dict(t["env"], HYCIM_SEED=str(seed))
                    runs.append(Run(rid, t["name"], "ctest", t["command"], env, t["cwd"], seed,
                                    max(t["timeout"], 1), entry=e.index))
    ids = [r.id for r in runs]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise RegressError(f"{desc.path}: two entries make the same run(s) {', '.join(dup[:5])}")
    return runs


# ---- Executing one run and reading its outcome ----------------------------------------------------
NUM = re.compile(r"0x[0-9a-fA-F]+|[-+]?\d+(\.\d+)?([eE][-+]?\d+)?")


def normalize(msg: str) -> str:
    """A failure message with its numbers taken out, so that one defect seen at other cycles,
    indices or values has one signature."""
    s = NUM.sub("#", msg.strip())
    s = re.sub(r"\s+", " ", s)
    return s[:200]


GTEST_FAIL = re.compile(r"^(.*?):(\d+): Failure\s*$")


def gtest_signature(log: str) -> str | None:
    """The signature of a gtest failure: its first message line, normalized, and the assertion's
    file:line unless that is the harness's error hook (whose messages carry the meaning)."""
    lines = log.splitlines()
    for i, s in enumerate(lines):
        m = GTEST_FAIL.match(s)
        if not m:
            continue
        msg = next((x for x in lines[i + 1:i + 8] if x.strip()), "")
        where = Path(m.group(1)).name
        site = "" if where == "hycim_test.cc" else f" [{where}:{m.group(2)}]"
        if msg.startswith("Failed") and i + 2 < len(lines):
            msg = lines[i + 2]
        return normalize(msg) + site
    for s in lines:
        if "ERROR: AddressSanitizer" in s or "runtime error:" in s or "%Error" in s or "Assertion failed" in s:
            return normalize(s)
    return None


BLOCKS: list[str] | None = None


def block_of(exe: str) -> str | None:
    """The block a test executable tests: test_<block> or test_<block>_<config>."""
    global BLOCKS
    if BLOCKS is None:
        try:
            out = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_config.py"), "blocks"],
                                 capture_output=True, text=True, check=True).stdout
            BLOCKS = sorted((ln.split()[0] for ln in out.splitlines() if ln.strip()), key=len, reverse=True)
        except (OSError, subprocess.CalledProcessError):
            BLOCKS = []
    name = Path(exe).name
    if not name.startswith("test_"):
        return None
    stem = name[len("test_"):]
    return next((b for b in BLOCKS if stem == b or stem.startswith(b + "_")), None)


def exit_text(rc: int) -> str:
    if rc < 0:
        try:
            return f"killed by {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    return f"exit status {rc}"


def execute(run: Run, rundir: Path, cov: bool) -> dict:
    """Runs one run in rundir (log.txt, report.json) and returns its result; the same function
    serves the local pool and a Slurm array task, so both give identical results."""
    rundir.mkdir(parents=True, exist_ok=True)
    for old in rundir.glob("*"):
        if old.is_file():
            old.unlink()
    env = dict(os.environ, **run.env)
    env.pop("HYCIM_TRACE", None)
    if cov:
        (rundir / "cov").mkdir(exist_ok=True)
        env["HYCIM_COV_DIR"] = str(rundir / "cov")
    cmd = list(run.cmd)
    report = rundir / "report.json"
    if run.kind == "scenario":
        cmd += ["--json", str(report)]
    log = rundir / "log.txt"
    t0 = time.monotonic()
    status, rc = "pass", 0
    with log.open("w") as f:
        try:
            p = subprocess.Popen(cmd, cwd=run.cwd, env=env, stdout=f, stderr=subprocess.STDOUT,
                                 start_new_session=True)
        except OSError as e:
            f.write(f"regress: cannot start {cmd[0]}: {e}\n")
            status, rc = "error", 127
        else:
            try:
                rc = p.wait(timeout=run.timeout)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
                status, rc = "timeout", -9
    elapsed = time.monotonic() - t0
    text = log.read_text(errors="replace")
    signature = None
    beats: dict[str, int] = {}
    top = None
    repro_wave = ""
    if run.kind == "scenario" and report.is_file():
        try:
            rep = json.loads(report.read_text())
        except json.JSONDecodeError:
            rep = None
        if rep:
            top = rep.get("top")
            beats[top] = beats.get(top, 0) + int(rep.get("elements", 0))
            for t in rep.get("tensors", []):
                blk = next((b for pre, b in run.blocks.items() if t["name"].startswith(pre)), top)
                beats[blk] = beats.get(blk, 0) + int(t.get("compared", 0))
            if not rep.get("passed", False) and rep.get("errors"):
                signature = normalize(rep["errors"][0])
            repro_wave = rep.get("reproduce_waveform", "")
            # The scenario report names the program `hycim`; use the binary this run used, as
            # the reproduce line does, so both lines work without hycim on PATH.
            if repro_wave.startswith("hycim "):
                repro_wave = shlex.join(run.cmd[:1]) + repro_wave[len("hycim"):]
    if status == "pass" and rc != 0:
        status = "fail"
    if status == "timeout":
        signature = f"timeout after {run.timeout} s"
    elif status == "error":
        signature = "could not start"
    elif status == "fail":
        signature = signature or (gtest_signature(text) if run.kind != "scenario" else None) or exit_text(rc)
    if run.kind != "scenario":
        # The gtest main's count of scoreboard elements, for the block the executable tests
        # (tests/<path>/test_<block>[_<config>]).
        m = re.search(r"^\[ compared \] (\d+) elements", text, re.M)
        blk = block_of(run.cmd[0])
        if m and blk and int(m.group(1)):
            beats[blk] = int(m.group(1))
    if not repro_wave:
        m = re.search(r"^\[ WAVEFORM  \] (.*)$", text, re.M)
        repro_wave = m.group(1) if m else ""
    env_words = [f"{k}={v}" for k, v in run.env.items() if k == "HYCIM_SEED"]
    repro = shlex.join(env_words + run.cmd) if env_words else shlex.join(run.cmd)
    if not repro_wave:
        if run.kind == "scenario":
            repro_wave = shlex.join(run.cmd + ["--trace", f"waves/{run.id}.fst"])
        else:
            repro_wave = shlex.join(env_words + ["HYCIM_TRACE=1"] + run.cmd)
    res = {"id": run.id, "test": run.test, "kind": run.kind, "seed": run.seed, "status": status,
           "exit": rc, "signature": signature, "seconds": round(elapsed, 3), "beats": beats,
           "top": top, "reproduce": repro, "reproduce_waveform": repro_wave, "cwd": run.cwd,
           "log": str(log)}
    (rundir / "result.json").write_text(json.dumps(res, indent=1))
    return res


# ---- Local pool with a progress line --------------------------------------------------------------
class Progress:
    def __init__(self, total: int, quiet: bool):
        self.total, self.done, self.failed = total, 0, 0
        self.t0 = time.monotonic()
        self.quiet = quiet
        self.tty = sys.stdout.isatty()
        self.last = 0.0
        self.lock = threading.Lock()

    def update(self, res: dict | None = None, force: bool = False) -> None:
        with self.lock:
            if res is not None:
                self.done += 1
                self.failed += res["status"] != "pass"
                if res["status"] != "pass" and not self.quiet:
                    self._clear()
                    print(f"regress: {res['status'].upper():7} {res['id']}: {res['signature']}", flush=True)
            now = time.monotonic()
            if self.quiet or not (force or self.tty or now - self.last >= 10 or self.done == self.total):
                return
            self.last = now
            el = now - self.t0
            eta = el / self.done * (self.total - self.done) if self.done else 0
            line = (f"regress: [{self.done:>{len(str(self.total))}}/{self.total}] {self.failed} failed, "
                    f"{el:6.0f} s elapsed, about {eta:.0f} s to go")
            print(("\r" + line) if self.tty else line, end="" if self.tty else "\n", flush=True)

    def _clear(self) -> None:
        if self.tty:
            print("\r" + " " * 78 + "\r", end="")

    def finish(self) -> None:
        if self.tty and not self.quiet:
            print()


def run_local(runs: list[Run], out: Path, jobs: int, cov: bool, quiet: bool) -> list[dict]:
    prog = Progress(len(runs), quiet)
    results: dict[str, dict] = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futs = {pool.submit(execute, r, out / "runs" / r.id, cov): r for r in runs}
        for f in concurrent.futures.as_completed(futs):
            res = f.result()
            results[res["id"]] = res
            prog.update(res)
    prog.finish()
    return [results[r.id] for r in runs]


# ---- Slurm: the same runs as a job array ---------------------------------------------------------
def run_slurm(runs: list[Run], out: Path, cov: bool, args: argparse.Namespace) -> list[dict]:
    for tool in ("sbatch", "squeue"):
        if shutil.which(tool) is None:
            raise RegressError(f"--slurm: {tool} not found (install Slurm's client tools, or run "
                               f"scripts/slurm_local.sh start for a one-machine cluster)")
    sdir = out / "slurm"
    sdir.mkdir(parents=True, exist_ok=True)
    chunk = max(1, args.slurm_chunk or -(-len(runs) // 1000))
    tasks = [runs[i:i + chunk] for i in range(0, len(runs), chunk)]
    manifest = sdir / "manifest.json"
    manifest.write_text(json.dumps({"cov": cov, "out": str(out),
                                    "tasks": [[asdict(r) for r in t] for t in tasks]}))
    script = sdir / "job.sh"
    script.write_text("#!/bin/sh\n# One array task of a HyCIM regression (scripts/regress.py --slurm).\n"
                      f"exec {shlex.quote(sys.executable)} {shlex.quote(str(Path(__file__).resolve()))} "
                      f"--exec-manifest {shlex.quote(str(manifest))} --task \"$SLURM_ARRAY_TASK_ID\"\n")
    script.chmod(0o755)
    for r in runs:  # a stale result must not be collected as this run's
        (out / "runs" / r.id / "result.json").unlink(missing_ok=True)
    cmd = ["sbatch", "--parsable", "--job-name", "hycim-regress", f"--array=0-{len(tasks) - 1}",
           "--output", str(sdir / "task_%a.out"), "--cpus-per-task", "1"]
    for opt, val in (("--partition", args.partition), ("--account", args.account), ("--time", args.time_limit)):
        if val:
            cmd += [opt, val]
    cmd.append(str(script))
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RegressError(f"sbatch failed: {p.stderr.strip() or p.stdout.strip()}")
    job = p.stdout.strip().split(";")[0]
    args.slurm_tasks = len(tasks)
    print(f"regress: submitted Slurm job array {job}: {len(tasks)} tasks of up to {chunk} runs", flush=True)
    prog = Progress(len(runs), args.quiet)
    seen: set[str] = set()
    while True:
        q = subprocess.run(["squeue", "-h", "-j", job, "-o", "%i"], capture_output=True, text=True)
        for r in runs:
            if r.id not in seen and (out / "runs" / r.id / "result.json").is_file():
                seen.add(r.id)
                prog.update(json.loads((out / "runs" / r.id / "result.json").read_text()))
        if q.returncode == 0 and not q.stdout.strip():
            break
        time.sleep(1)
    prog.finish()
    results = []
    for r in runs:
        f = out / "runs" / r.id / "result.json"
        if f.is_file():
            results.append(json.loads(f.read_text()))
        else:
            results.append({"id": r.id, "test": r.test, "kind": r.kind, "seed": r.seed, "status": "error",
                            "exit": None, "signature": "the Slurm task wrote no result", "seconds": 0,
                            "beats": {}, "top": None, "reproduce": shlex.join(r.cmd),
                            "reproduce_waveform": "", "cwd": r.cwd, "log": str(sdir)})
    return results


def exec_manifest(manifest: Path, task: int) -> int:
    m = json.loads(manifest.read_text())
    out = Path(m["out"])
    for rd in m["tasks"][task]:
        r = Run(**rd)
        execute(r, out / "runs" / r.id, m["cov"])
    return 0


# ---- Triage, reports -------------------------------------------------------------------------------
def flaky_check(results: list[dict], runs: dict[str, Run], out: Path, cov: bool, limit: int) -> None:
    """Runs each failing run once more: the same signature again marks it deterministic."""
    for res in [r for r in results if r["status"] != "pass"][:limit]:
        again = execute(runs[res["id"]], out / "runs" / res["id"] / "rerun", cov)
        if again["status"] == "pass":
            res["determinism"] = "flaky (passed when run again)"
        elif again["signature"] == res["signature"]:
            res["determinism"] = "deterministic"
        else:
            res["determinism"] = f"flaky (failed again as: {again['signature']})"


def summarize(results: list[dict], meta: dict) -> dict:
    tests: dict[str, dict] = {}
    for r in results:
        t = tests.setdefault(r["test"], {"runs": 0, "passed": 0, "seconds": 0.0})
        t["runs"] += 1
        t["passed"] += r["status"] == "pass"
        t["seconds"] += r["seconds"]
    groups: dict[str, dict] = {}
    for r in results:
        if r["status"] == "pass":
            continue
        g = groups.setdefault(r["signature"], {"signature": r["signature"], "count": 0, "tests": [],
                                               "runs": [], "first": r})
        g["count"] += 1
        g["runs"].append(r["id"])
        if r["test"] not in g["tests"]:
            g["tests"].append(r["test"])
    beats: dict[str, int] = {}
    for r in results:
        for b, n in r.get("beats", {}).items():
            beats[b] = beats.get(b, 0) + n
    passed = sum(r["status"] == "pass" for r in results)
    return dict(meta, runs=len(results), passed=passed, failed=len(results) - passed,
                pass_rate=passed / len(results) if results else 1.0, tests=tests,
                failures=sorted(groups.values(), key=lambda g: -g["count"]), beats=beats, results=results)


def text_report(s: dict) -> str:
    o = [f"HyCIM regression: tier {s['tier']} ({s['mode']}), base seed {s['base_seed']}, "
         f"{s['runs']} runs on {s['jobs']} {s['workers']}, {s['wall_seconds']:.1f} s wall",
         f"  passed {s['passed']} / {s['runs']} ({100 * s['pass_rate']:.2f} %)", ""]
    w = max([len(t) for t in s["tests"]] + [4])
    o.append(f"  {'test':<{w}}  runs  passed   rate   run s")
    for t, v in sorted(s["tests"].items()):
        o.append(f"  {t:<{w}}  {v['runs']:>4}  {v['passed']:>6}  {100 * v['passed'] / v['runs']:5.1f}%  {v['seconds']:6.1f}")
    if s["beats"]:
        o += ["", "  stream elements per block (scenarios: input elements driven + output elements compared;",
              "  tests: elements their scoreboards compared):"]
        for b, n in sorted(s["beats"].items()):
            o.append(f"    {b:<16} {n:>12,}")
    if s["failures"]:
        o += ["", f"  failures: {s['failed']} runs in {len(s['failures'])} signature(s)"]
        for g in s["failures"]:
            f = g["first"]
            o.append(f"  [{g['count']} run(s), {', '.join(g['tests'][:4])}{' ...' if len(g['tests']) > 4 else ''}]")
            o.append(f"    signature  {g['signature']}")
            if f.get("determinism"):
                o.append(f"    rerun      {f['determinism']}")
            o.append(f"    reproduce  (cd {f['cwd']} && {f['reproduce']})")
            o.append(f"    waveform   (cd {f['cwd']} && {f['reproduce_waveform']})")
            o.append(f"    log        {f['log']}")
    if s.get("coverage"):
        o += ["", coverage_text(s["coverage"])]
    return "\n".join(o) + "\n"


def coverage_text(c: dict) -> str:
    o = ["  merged coverage per module (line / toggle / branch, % of points hit):"]
    for m, v in sorted(c["modules"].items()):
        cells = []
        for k in ("line", "toggle", "branch"):
            x = v.get(k)
            cells.append(f"{x:6.1f}" if x is not None else "     -")
        flag = "  BELOW: " + ", ".join(v["below"]) if v.get("below") else ""
        o.append(f"    {m:<24} {'  '.join(cells)}{flag}")
    o.append(f"  HTML: {c['html']}")
    return "\n".join(o)


def md_report(s: dict) -> str:
    o = [f"# Regression: tier `{s['tier']}`", "",
         f"Base seed {s['base_seed']}, {s['mode']}, {s['runs']} runs, {s['jobs']} {s['workers']}, "
         f"{s['wall_seconds']:.1f} s wall. **{s['passed']} / {s['runs']} passed "
         f"({100 * s['pass_rate']:.2f} %).**", "", "| test | runs | passed | rate |", "|---|---:|---:|---:|"]
    for t, v in sorted(s["tests"].items()):
        o.append(f"| `{t}` | {v['runs']} | {v['passed']} | {100 * v['passed'] / v['runs']:.1f} % |")
    if s["beats"]:
        o += ["", "| block | stream elements |", "|---|---:|"]
        o += [f"| `{b}` | {n:,} |" for b, n in sorted(s["beats"].items())]
    if s["failures"]:
        o += ["", "## Failures by signature", ""]
        for g in s["failures"]:
            f = g["first"]
            o += [f"### {g['count']} run(s): `{g['signature']}`", "",
                  f"Tests: {', '.join('`' + t + '`' for t in g['tests'])}. "
                  f"{f.get('determinism', '')}", "", "```sh", f"cd {f['cwd']}", f["reproduce"],
                  f["reproduce_waveform"], "```", ""]
    return "\n".join(o) + "\n"


def junit_report(s: dict) -> str:
    suites = ET.Element("testsuites", name=f"hycim-regress-{s['tier']}", tests=str(s["runs"]),
                        failures=str(s["failed"]), time=f"{s['wall_seconds']:.3f}")
    by_test: dict[str, list[dict]] = {}
    for r in s["results"]:
        by_test.setdefault(r["test"], []).append(r)
    for t, rs in sorted(by_test.items()):
        su = ET.SubElement(suites, "testsuite", name=t, tests=str(len(rs)),
                           failures=str(sum(r["status"] != "pass" for r in rs)),
                           time=f"{sum(r['seconds'] for r in rs):.3f}")
        for r in rs:
            tc = ET.SubElement(su, "testcase", classname=t, name=r["id"], time=f"{r['seconds']:.3f}")
            ET.SubElement(tc, "system-out").text = f"seed {r['seed']}\nreproduce: {r['reproduce']}\n"
            if r["status"] != "pass":
                fe = ET.SubElement(tc, "failure", type=r["status"], message=r["signature"] or "")
                fe.text = f"reproduce: (cd {r['cwd']} && {r['reproduce']})\nlog: {r['log']}\n"
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def html_report(s: dict) -> str:
    e = html.escape
    rows = "".join(
        f"<tr class='{'ok' if v['passed'] == v['runs'] else 'bad'}'><td>{e(t)}</td><td>{v['runs']}</td>"
        f"<td>{v['passed']}</td><td>{100 * v['passed'] / v['runs']:.1f} %</td></tr>"
        for t, v in sorted(s["tests"].items()))
    fails = "".join(
        f"<h3>{g['count']} run(s): <code>{e(g['signature'])}</code></h3><p>{e(', '.join(g['tests']))}. "
        f"{e(g['first'].get('determinism', ''))}</p><pre>cd {e(g['first']['cwd'])}\n{e(g['first']['reproduce'])}\n"
        f"{e(g['first']['reproduce_waveform'])}</pre><p>log: <a href='{e(os.path.relpath(g['first']['log'], s['out']))}'>"
        f"{e(g['first']['log'])}</a></p>" for g in s["failures"])
    beats = "".join(f"<tr><td>{e(b)}</td><td>{n:,}</td></tr>" for b, n in sorted(s["beats"].items()))
    cov = f"<h2>Coverage</h2><pre>{e(coverage_text(s['coverage']))}</pre>" if s.get("coverage") else ""
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>HyCIM regression {e(s['tier'])}</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 8px;text-align:right}} td:first-child{{text-align:left}}
tr.bad td{{background:#fdd}} pre{{background:#f4f4f4;padding:6px}}</style></head><body>
<h1>Regression: tier {e(s['tier'])}</h1>
<p>Base seed {s['base_seed']}, {e(s['mode'])}, {s['runs']} runs on {s['jobs']} {e(s['workers'])}, {s['wall_seconds']:.1f} s wall.
<b>{s['passed']} / {s['runs']} passed ({100 * s['pass_rate']:.2f} %)</b>.</p>
<h2>Pass rate per test</h2><table><tr><th>test</th><th>runs</th><th>passed</th><th>rate</th></tr>{rows}</table>
{'<h2>Stream elements per block</h2><table><tr><th>block</th><th>elements</th></tr>' + beats + '</table>' if beats else ''}
<h2>Failures by signature</h2>{fails or '<p>none</p>'}{cov}
</body></html>
"""


# ---- Coverage ---------------------------------------------------------------------------------------
def merge_coverage(out: Path, results: list[dict], thresholds_file: Path) -> dict:
    dats = sorted(p for r in results for p in (out / "runs" / r["id"] / "cov").glob("*.dat"))
    if not dats:
        raise RegressError("--coverage: no run wrote coverage data (is the build the coverage preset?)")
    cdir = out / "coverage"
    if cdir.exists():
        shutil.rmtree(cdir)
    cdir.mkdir(parents=True)
    merged = cdir / "merged.dat"
    lst = cdir / "inputs.txt"
    lst.write_text("\n".join(map(str, dats)) + "\n")
    # verilator_coverage merges in batches so that a nightly's thousands of files fit a command line.
    acc = None
    for i in range(0, len(dats), 200):
        part = [str(acc)] if acc else []
        dst = cdir / f"part{i // 200 % 2}.dat"
        subprocess.run(["verilator_coverage", "--write", str(dst)] + part + [str(d) for d in dats[i:i + 200]],
                       check=True, capture_output=True)
        acc = dst
    shutil.move(str(acc), merged)
    for p in cdir.glob("part*.dat"):
        p.unlink()
    subprocess.run(["verilator_coverage", "--write-info", str(cdir / "coverage.info"), str(merged)],
                   check=True, capture_output=True)
    html_dir = cdir / "html"
    subprocess.run(["genhtml", "--quiet", "--branch-coverage", "--output-directory", str(html_dir),
                    "--title", "HyCIM regression coverage", str(cdir / "coverage.info")],
                   check=True, capture_output=True)
    subprocess.run([sys.executable, str(ROOT / "scripts" / "cov_report.py"), str(merged), "--json",
                    str(cdir / "summary.json"), "--root", str(ROOT)], check=True, capture_output=True)
    summary = json.loads((cdir / "summary.json").read_text())
    th = load_thresholds(thresholds_file)
    modules = {}
    for m, v in module_table(summary).items():
        limits = dict(th.get("default", {}), **th.get("modules", {}).get(m, {}))
        below = [f"{k} {v[k]:.1f} < {lim}" for k, lim in limits.items() if v.get(k) is not None and v[k] < lim]
        modules[m] = dict(v, below=below)
    return {"modules": modules, "html": str(html_dir / "index.html"), "files": len(dats),
            "thresholds": str(thresholds_file)}


def module_table(summary: dict) -> dict[str, dict]:
    """cov_report.py's JSON -> {module: {line, toggle, branch}} in percent (None: no points). A
    module in several files (none today) keeps its first."""
    out = {}
    for row in summary.get("modules", []):
        out.setdefault(row["module"], {k: row[k]["percent"] for k in ("line", "toggle", "branch")})
    return out


def load_thresholds(path: Path) -> dict:
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise RegressError(f"{path}: {e}") from e
    for k, v in [("default", data.get("default", {}))] + list(data.get("modules", {}).items()):
        if not isinstance(v, dict) or not all(
                kk in ("line", "toggle", "branch") and isinstance(x, (int, float)) and 0 <= x <= 100
                for kk, x in v.items()):
            raise RegressError(f"{path}: [{k}] holds line / toggle / branch percentages in 0..100")
    return data


# ---- Main -------------------------------------------------------------------------------------------
def build_tree(preset: str, quiet: bool) -> None:
    print(f"regress: building preset {preset} (cmake --preset {preset} && cmake --build --preset {preset})",
          flush=True)
    for cmd in (["cmake", "--preset", preset], ["cmake", "--build", "--preset", preset]):
        p = subprocess.run(cmd, cwd=ROOT, capture_output=quiet)
        if p.returncode != 0:
            raise RegressError(f"{' '.join(cmd)} failed")


def parse_seed(s: str) -> int:
    try:
        v = int(s, 16) if s.lower().startswith("0x") else int(s, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{s}' is not a decimal or 0x-hex integer") from None
    if not 0 <= v <= MASK64 or s.strip() != s or s[:1] in "+-" or (s[:1] == "0" and len(s) > 1 and s[1] not in "xX"):
        raise argparse.ArgumentTypeError(f"'{s}': a seed is 0..2^64-1, decimal (no leading 0) or 0x hex")
    return v


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tier", default="smoke", help="the tier to run (default smoke)")
    ap.add_argument("--desc", type=Path, default=DEFAULT_DESC, help="the regression description")
    ap.add_argument("--seed", type=parse_seed, default=1, help="base seed (default 1)")
    ap.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, help="parallel runs (default: all cores)")
    ap.add_argument("--out", type=Path, help="output directory (default reports/regress/<tier>)")
    ap.add_argument("--build", type=Path, help="build directory (default build, or build-coverage)")
    ap.add_argument("--no-build", action="store_true", help="do not run cmake first")
    ap.add_argument("--coverage", action="store_true", help="coverage build, merged report, thresholds")
    ap.add_argument("--thresholds", type=Path, default=DEFAULT_THRESHOLDS, help="coverage thresholds")
    ap.add_argument("--rerun-failed", action="store_true", help="only the runs that failed in --out last time")
    ap.add_argument("--flaky-check", type=int, default=20, metavar="N",
                    help="run up to N failing runs again to tell deterministic from flaky (default 20)")
    ap.add_argument("--only", action="append", default=[], metavar="RUN", help="only this run id (repeatable)")
    ap.add_argument("--list", action="store_true", help="print the runs and exit")
    ap.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    sl = ap.add_argument_group("Slurm")
    sl.add_argument("--slurm", action="store_true", help="submit the runs as a Slurm job array (sbatch)")
    sl.add_argument("--partition", help="sbatch --partition")
    sl.add_argument("--account", help="sbatch --account")
    sl.add_argument("--time-limit", help="sbatch --time per array task (e.g. 00:30:00)")
    sl.add_argument("--slurm-chunk", type=int, default=0, metavar="K", help="runs per array task")
    ap.add_argument("--exec-manifest", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--task", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.exec_manifest is not None:
        return exec_manifest(args.exec_manifest, args.task)
    if args.jobs < 1:
        ap.error("--jobs must be at least 1")
    try:
        desc = load_description(args.desc)
        if args.tier not in desc.tiers:
            raise RegressError(f"unknown tier '{args.tier}' (known in {args.desc}: {', '.join(desc.tiers)})")
        preset = "coverage" if args.coverage else "default"
        build = (args.build or ROOT / ("build-coverage" if args.coverage else "build")).resolve()
        out = (args.out or ROOT / "reports" / "regress" / (args.tier + ("-coverage" if args.coverage else ""))).resolve()
        if not args.no_build and not args.list:
            build_tree(preset, args.quiet)
        hycim = build / "hycim"
        runs = expand(desc, args.tier, args.seed, build, hycim)
        prev = None
        if args.rerun_failed:
            f = out / "summary.json"
            if not f.is_file():
                raise RegressError(f"--rerun-failed: no earlier summary in {out}")
            prev = json.loads(f.read_text())
            if prev.get("base_seed") != args.seed:
                raise RegressError(f"--rerun-failed: the last run used base seed {prev.get('base_seed')}; "
                                   f"give --seed {prev.get('base_seed')}")
            failed = {r["id"] for r in prev["results"] if r["status"] != "pass"}
            runs = [r for r in runs if r.id in failed]
            out = out.with_name(out.name + "-rerun")
        if args.only:
            unknown = sorted(set(args.only) - {r.id for r in runs})
            if unknown:
                raise RegressError(f"--only: no run {', '.join(unknown)} in tier {args.tier} (see --list)")
            runs = [r for r in runs if r.id in args.only]
        if args.list:
            for r in runs:
                print(f"{r.id}\t{shlex.join([k + '=' + v for k, v in r.env.items()] + r.cmd)}")
            return 0
        if not runs:
            raise RegressError(f"tier {args.tier}: no runs" + (" failed last time" if prev else ""))
        missing = sorted({r.cmd[0] for r in runs if not Path(r.cmd[0]).is_file() and shutil.which(r.cmd[0]) is None})
        if missing:
            raise RegressError(f"not built: {', '.join(missing)} (drop --no-build, or build {build})")
        out.mkdir(parents=True, exist_ok=True)
        for name in ("summary.txt", "summary.md", "summary.json", "junit.xml", "index.html"):
            with (out / name).open("a"):
                pass  # writable before anything runs
        print(f"regress: tier {args.tier}: {len(runs)} runs, base seed {args.seed}, "
              f"{'Slurm' if args.slurm else f'{args.jobs} jobs'}, logs under {out / 'runs'}", flush=True)
        t0 = time.monotonic()
        if args.slurm:
            results = run_slurm(runs, out, args.coverage, args)
        else:
            results = run_local(runs, out, args.jobs, args.coverage, args.quiet)
        wall = time.monotonic() - t0
        if args.flaky_check > 0:
            flaky_check(results, {r.id: r for r in runs}, out, args.coverage, args.flaky_check)
        meta = {"tier": args.tier, "base_seed": args.seed, "mode": "Slurm job array" if args.slurm else "local",
                "jobs": getattr(args, "slurm_tasks", 0) if args.slurm else args.jobs,
                "workers": "array tasks" if args.slurm else "jobs", "wall_seconds": wall, "out": str(out),
                "description": str(args.desc)}
        s = summarize(results, meta)
        cov_fail = False
        if args.coverage:
            s["coverage"] = merge_coverage(out, results, args.thresholds)
            cov_fail = any(v["below"] for v in s["coverage"]["modules"].values())
        txt = text_report(s)
        (out / "summary.txt").write_text(txt)
        (out / "summary.md").write_text(md_report(s))
        (out / "summary.json").write_text(json.dumps(s, indent=1))
        (out / "junit.xml").write_text(junit_report(s))
        (out / "index.html").write_text(html_report(s))
        print(txt, end="")
        print(f"regress: reports in {out} (summary.txt, summary.md, junit.xml, index.html, summary.json)")
        if cov_fail:
            print("regress: coverage below its threshold (above, BELOW)", file=sys.stderr)
        return 1 if s["failed"] or cov_fail else 0
    except RegressError as e:
        print(f"regress: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nregress: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
