#!/usr/bin/env python3
"""Atheris (libFuzzer for Python) targets for the two description readers written in Python:

  config  scripts/gen_config.py loads(): the configuration, rtl/config/hycim.toml
  regs    scripts/gen_regs.py loads():   a register description, rtl/**/<top>.regs.toml, and on
          success every view generated from it (SV package and register block, C++ map, doc table)
  regress scripts/regress.py loads_description(): the regression description tests/regress.toml,
          and on success the expansion of every tier into runs

Contract: any text either loads or raises the reader's own error (ConfigError, RegsError,
RegressError) with a
message; any other exception (KeyError, TypeError, a recursion error, ...) is a finding, which
libFuzzer reports with the input that caused it. Bytes that are not UTF-8 are decoded with
replacement characters: load() refuses them before loads() sees them.

  fuzz_descriptions.py config|regs [libFuzzer flags] [corpus dirs or files]
"""
import sys
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

with atheris.instrument_imports():
    import gen_config
    import gen_regs
    import regress


def fuzz_config(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    try:
        cfg = gen_config.loads(text, Path("fuzz.toml"))
    except gen_config.ConfigError:
        return
    gen_config.cpp_header(cfg)


def fuzz_regs(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    try:
        blk = gen_regs.loads(text, Path("fuzz.regs.toml"))
        gen_regs.pkg(blk)
        gen_regs.sv(blk)
        gen_regs.cpp(blk)
        gen_regs.doc_table(blk)
    except gen_regs.RegsError:
        return


def fuzz_regress(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    try:
        desc = regress.loads_description(text, Path("fuzz.toml"))
        # No ctest entries: listing a build's tests is not the parser's business.
        desc.entries = [e for e in desc.entries if e.kind != "ctest"]
        for tier in desc.tiers:
            regress.expand(desc, tier, 1, Path("/nonexistent/build"), Path("/nonexistent/hycim"))
    except regress.RegressError:
        return


TARGETS = {"config": fuzz_config, "regs": fuzz_regs, "regress": fuzz_regress}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: {Path(sys.argv[0]).name} {'|'.join(TARGETS)} [libFuzzer flags] [corpus ...]")
    target = TARGETS[sys.argv[1]]
    argv = [sys.argv[0]] + sys.argv[2:]
    atheris.Setup(argv, target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
