#!/usr/bin/env python3
"""Generate every view of rtl/config/hycim.toml (the one configuration source).

  gen_config.py generate OUTDIR    write the C++ header, -G files, chparam scripts, CMake manifest
                                   and, per block with `regs`, its generated register block
                                   (OUTDIR/regs/<top>_reg_top.sv and <top>_regs.h)
  gen_config.py blocks [--tops]    print "block top config" lines (for lint and synthesis scripts)
  gen_config.py sources BLOCK [--gen DIR]
                                   print the block's source files, absolute, in compile order
                                   (a block with a `regs` description needs --gen DIR: its
                                   generated register block is written to DIR/regs/ first)
  gen_config.py gparams BLOCK CFG  print the block's -G arguments for one configuration
  gen_config.py lintmode BLOCK CFG print how lint.sh takes the block through Yosys: "synth"
                                   (coarse synthesis, ci) or "elaborate" (other configurations,
                                   and blocks with lint_yosys = "elaborate")
  gen_config.py show [CFG]         print the configurations as a table

Files are only rewritten when their content changes, so an unchanged configuration never
triggers a rebuild.
"""
from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_regs  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RTL = ROOT / "rtl"
CONFIG_FILE = RTL / "config" / "hycim.toml"
IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# What a block with a generated register block (`regs = "..."`) must list among its sources.
REGS_COMMON = ["core/apb_reg_port.sv", "core/hycim_run_ctrl.sv"]


class ConfigError(Exception):
    pass


def _is_str_list(v) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


# The keys a [blocks.<name>] table may have: a check of the value's type and its description.
BLOCK_KEYS = {
    "sources": (_is_str_list, "a list of file names under rtl/"),
    "top_module": (lambda v: isinstance(v, str), "a module name"),
    "top": (lambda v: isinstance(v, bool), "true or false"),
    "configs": (_is_str_list, "a list of configuration names"),
    "full_configs": (_is_str_list, "a list of configuration names"),
    "params": (lambda v: isinstance(v, dict), "a table of parameter = integer or key name"),
    "lint_yosys": (lambda v: isinstance(v, str), '"synth" or "elaborate"'),
    "verilator_args": (_is_str_list, "a list of strings"),
    "regs": (lambda v: isinstance(v, str) or _is_str_list(v), "a file name or a list of them"),
    "views": (lambda v: isinstance(v, dict), "a table of configuration = view file"),
    "view_check": (lambda v: isinstance(v, str), "a string of hycim arguments"),
}


def _table(v, where: str, path: Path) -> dict:
    if not isinstance(v, dict):
        raise ConfigError(f"{path}: {where} must be a table")
    return v


def _table_keys(table: dict, allowed: set[str], where: str, path: Path) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(f"{path}: {where}: unknown key(s) {', '.join(unknown)} "
                          f"(known: {', '.join(sorted(allowed))})")


def load(path: Path = CONFIG_FILE) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: {e}") from e
    return loads(text, path)


def loads(text: str, path: Path = CONFIG_FILE) -> dict:
    """The configuration from the text of a configuration file; `path` names it in messages (the
    files it lists are looked up under this repository's rtl/). Every defect raises ConfigError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: {e}") from e
    _table_keys(data, {"configs", "blocks"}, "the top level", path)
    configs = _table(data.get("configs", {}), "[configs]", path)
    blocks = _table(data.get("blocks", {}), "[blocks]", path)
    if not configs:
        raise ConfigError(f"{path}: no [configs.*] section")
    for required in ("ci", "bert"):
        if required not in configs:
            raise ConfigError(f"{path}: configuration '{required}' is required")
    keys = None
    for name, cfg in configs.items():
        if not IDENT.match(name):
            raise ConfigError(f"{path}: bad configuration name '{name}'")
        cfg = _table(cfg, f"[configs.{name}]", path)
        desc = cfg.get("description", "")
        if not isinstance(desc, str) or not desc.isprintable():
            raise ConfigError(f"{path}: [configs.{name}] description must be one line of text")
        values = {k: v for k, v in cfg.items() if k != "description"}
        for k, v in values.items():
            if not IDENT.match(k) or not k[0].isupper():
                raise ConfigError(f"{path}: [configs.{name}] key '{k}' must be UpperCamelCase")
            if not isinstance(v, int) or isinstance(v, bool) or not 0 < v < 2**31:
                raise ConfigError(f"{path}: [configs.{name}] {k} = {v!r}: sizes are positive "
                                  f"integers below 2^31")
        if keys is None:
            keys = set(values)
        elif set(values) != keys:
            diff = sorted(keys.symmetric_difference(values))
            raise ConfigError(f"{path}: [configs.{name}] keys differ from the first configuration: {diff}")
    for bname, blk in blocks.items():
        if not IDENT.match(bname):
            raise ConfigError(f"{path}: bad block name '{bname}'")
        blk = _table(blk, f"[blocks.{bname}]", path)
        _table_keys(blk, set(BLOCK_KEYS), f"[blocks.{bname}]", path)
        for k, v in blk.items():
            if not BLOCK_KEYS[k][0](v):
                raise ConfigError(f"{path}: [blocks.{bname}] {k} must be {BLOCK_KEYS[k][1]}")
        blk.setdefault("top_module", bname)
        blk.setdefault("top", False)
        blk.setdefault("configs", ["ci"])
        blk.setdefault("params", {})
        blk.setdefault("lint_yosys", "synth")
        blk.setdefault("verilator_args", [])
        if not IDENT.match(blk["top_module"]):
            raise ConfigError(f"{path}: [blocks.{bname}] top_module '{blk['top_module']}' is not a module name")
        if blk["lint_yosys"] not in ("synth", "elaborate"):
            raise ConfigError(f"{path}: [blocks.{bname}] lint_yosys must be \"synth\" or \"elaborate\"")
        if not blk.get("sources"):
            raise ConfigError(f"{path}: [blocks.{bname}] has no sources")
        for src in blk["sources"]:
            if not gen_regs.repo_file(RTL, src):
                raise ConfigError(f"{path}: [blocks.{bname}] source rtl/{src} does not exist")
        if "regs" in blk:
            # One description, or a list: a top that contains other tops (attn_top holds
            # pq_encoder and softmax instances) lists its own and theirs.
            if isinstance(blk["regs"], str):
                blk["regs"] = [blk["regs"]]
            if not isinstance(blk["regs"], list) or not blk["regs"]:
                raise ConfigError(f"{path}: [blocks.{bname}] regs must be a file name or a list of them")
            missing = [s for s in REGS_COMMON if s not in blk["sources"]]
            if missing:
                raise ConfigError(f"{path}: [blocks.{bname}] has a register description; its sources must "
                                  f"list {', '.join(missing)}")
            blk["regs_block"] = []
            for rd in blk["regs"]:
                desc = RTL / rd if isinstance(rd, str) and gen_regs.repo_file(RTL, rd) else None
                if desc is None:
                    raise ConfigError(f"{path}: [blocks.{bname}] regs = {rd!r}: no such file under rtl/")
                try:
                    regs = gen_regs.load(desc)
                except gen_regs.RegsError as e:
                    raise ConfigError(str(e)) from e
                # The described module is the top or one of its sources (softmax_unit and
                # layernorm_unit wrap sfln_unit; attn_top instantiates pq_encoder).
                if regs.name not in [Path(s).stem for s in blk["sources"]]:
                    raise ConfigError(f"{path}: [blocks.{bname}] regs: {rd} describes '{regs.name}', "
                                      f"neither the block's top '{blk['top_module']}' nor one of its sources")
                blk["regs_block"].append(regs)
        for c in blk["configs"]:
            if c not in configs:
                raise ConfigError(f"{path}: [blocks.{bname}] names unknown configuration '{c}'")
        full = blk.setdefault("full_configs", [])
        if not isinstance(full, list) or any(c not in blk["configs"] for c in full) or "ci" in full:
            raise ConfigError(f"{path}: [blocks.{bname}] full_configs must list configurations of its "
                              f"configs other than ci")
        views = blk.setdefault("views", {})
        if not isinstance(views, dict):
            raise ConfigError(f"{path}: [blocks.{bname}] views must be a table of configuration = view file")
        for c, v in views.items():
            if c not in blk["configs"]:
                raise ConfigError(f"{path}: [blocks.{bname}] views names configuration '{c}', which the block is not built in")
            if not isinstance(v, str) or not gen_regs.repo_file(ROOT, v):
                raise ConfigError(f"{path}: [blocks.{bname}] view {v!r} for '{c}' is not a file in the repository")
        run = blk.get("view_check")
        if run is not None and (not isinstance(run, str) or not views):
            raise ConfigError(f"{path}: [blocks.{bname}] view_check must be a string of hycim arguments, with views set")
        for p, v in blk["params"].items():
            if not IDENT.match(p):
                raise ConfigError(f"{path}: [blocks.{bname}] bad parameter name '{p}'")
            if isinstance(v, int) and not isinstance(v, bool) and not -2**31 <= v < 2**31:
                raise ConfigError(f"{path}: [blocks.{bname}] parameter {p} = {v} does not fit 32 bits")
            if isinstance(v, str) and v not in keys:
                raise ConfigError(f"{path}: [blocks.{bname}] parameter {p} = '{v}' is not a configuration key")
            if not isinstance(v, (int, str)) or isinstance(v, bool):
                raise ConfigError(f"{path}: [blocks.{bname}] parameter {p} must be an integer or a key name")
    return data


def block_sources(blk: dict, gen_dir: Path | None) -> list[Path]:
    """The block's sources, absolute, in compile order. A block with a register description gets
    its generated <top>_reg_top.sv (written to gen_dir/regs/ if changed) just before the source
    of the described module: the top itself, or the module a wrapper top instantiates."""
    srcs = [RTL / s for s in blk["sources"]]
    if "regs_block" not in blk:
        return srcs
    if gen_dir is None:
        raise ConfigError(f"block '{blk['top_module']}' has a generated register block: give a "
                          f"directory for it (--gen DIR)")
    for rd, regs in zip(blk["regs"], blk["regs_block"]):
        sv_path, _ = gen_regs.generate(RTL / rd, gen_dir / "regs")
        pkg_path = sv_path.parent / gen_regs.pkg_name(regs)
        at = [s.stem for s in srcs].index(regs.name)
        srcs = srcs[:at] + [pkg_path, sv_path] + srcs[at:]
    return srcs


def resolve(blk: dict, cfg: dict) -> dict[str, int]:
    return {p: (cfg[v] if isinstance(v, str) else v) for p, v in blk["params"].items()}


def write_if_changed(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_text() == text:
        return
    path.write_text(text)


def cpp_header(data: dict) -> str:
    out = [
        "// Generated by scripts/gen_config.py from rtl/config/hycim.toml. Do not edit.",
        "#pragma once",
        "",
        "#include <array>",
        "#include <string_view>",
        "#include <utility>",
        "",
        "namespace hycim::cfg {",
        "",
    ]
    names = list(data["configs"])
    for name, cfg in data["configs"].items():
        out.append(f"// {cfg.get('description', '')}")
        out.append(f"struct {name.capitalize()} {{")
        out.append(f'  static constexpr std::string_view kName = "{name}";')
        sizes = [(k, v) for k, v in cfg.items() if k != "description"]
        for k, v in sizes:
            out.append(f"  static constexpr int k{k} = {v};")
        out.append("  // Every size above as (key, value), in the order of the file.")
        out.append(f"  static constexpr std::array<std::pair<std::string_view, int>, {len(sizes)}> kSizes = {{{{")
        out.extend(f'      {{"{k}", {v}}},' for k, v in sizes)
        out.append("  }};")
        out.append("};")
        out.append("")
    out.append(f"inline constexpr std::array<std::string_view, {len(names)}> kConfigNames = {{")
    out.append("    " + ", ".join(f'"{n}"' for n in names) + "};")
    out.append("")
    out.append("// Calls f with every configuration struct, in the order of the file.")
    out.append("template <class F>")
    out.append("constexpr void for_each_config(F&& f) {")
    out.extend(f"  f({n.capitalize()}{{}});" for n in names)
    out.append("}")
    out.append("")
    out.append("}  // namespace hycim::cfg")
    return "\n".join(out) + "\n"


def cmake_manifest(data: dict, outdir: Path) -> str:
    out = ["# Generated by scripts/gen_config.py from rtl/config/hycim.toml. Do not edit."]
    out.append(f"set(HYCIM_CONFIGS {' '.join(data['configs'])})")
    out.append(f"set(HYCIM_BLOCKS {' '.join(data['blocks'])})")
    descs = ";".join(sorted({str(RTL / r) for b in data["blocks"].values() for r in b.get("regs", [])}))
    out.append(f'set(HYCIM_REGS_DESCRIPTIONS "{descs}")')
    for bname, blk in data["blocks"].items():
        srcs = ";".join(str(s) for s in block_sources(blk, outdir))
        out.append(f"set(HYCIM_BLOCK_{bname}_TOP {blk['top_module']})")
        out.append(f'set(HYCIM_BLOCK_{bname}_SOURCES "{srcs}")')
        out.append(f"set(HYCIM_BLOCK_{bname}_CONFIGS {' '.join(blk['configs'])})")
        out.append(f"set(HYCIM_BLOCK_{bname}_FULL_CONFIGS {' '.join(blk['full_configs'])})")
        out.append(f"set(HYCIM_BLOCK_{bname}_IS_TOP {1 if blk['top'] else 0})")
        out.append(f"set(HYCIM_BLOCK_{bname}_VERILATOR_ARGS {' '.join(blk['verilator_args'])})")
        for c, v in blk["views"].items():
            out.append(f'set(HYCIM_BLOCK_{bname}_VIEW_{c} "{ROOT / v}")')
        if blk.get("view_check"):
            out.append(f'set(HYCIM_BLOCK_{bname}_VIEW_CHECK "{blk["view_check"]}")')
    return "\n".join(out) + "\n"


def generate(outdir: Path) -> None:
    data = load()
    write_if_changed(outdir / "hycim_configs.h", cpp_header(data))
    write_if_changed(outdir / "hycim_blocks.cmake", cmake_manifest(data, outdir))
    for cname, cfg in data["configs"].items():
        for bname, blk in data["blocks"].items():
            params = resolve(blk, cfg)
            vc = "".join(f"-G{p}={v}\n" for p, v in params.items())
            ys = "".join(f"chparam -set {p} {v} {blk['top_module']}\n" for p, v in params.items())
            write_if_changed(outdir / cname / f"{bname}.vc", vc)
            write_if_changed(outdir / cname / f"{bname}.chparam.ys", ys)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("outdir", type=Path)
    b = sub.add_parser("blocks")
    b.add_argument("--tops", action="store_true", help="only tops (blocks with an APB port)")
    s = sub.add_parser("sources")
    s.add_argument("block")
    s.add_argument("--gen", type=Path, help="where generated sources go (blocks with `regs`)")
    gp = sub.add_parser("gparams")
    gp.add_argument("block")
    gp.add_argument("config")
    lm = sub.add_parser("lintmode")
    lm.add_argument("block")
    lm.add_argument("cfg")
    sh = sub.add_parser("show")
    sh.add_argument("config", nargs="?")
    args = ap.parse_args(argv)
    try:
        if args.cmd == "generate":
            generate(args.outdir)
            return 0
        data = load()
        if args.cmd == "blocks":
            for bname, blk in data["blocks"].items():
                if args.tops and not blk["top"]:
                    continue
                for c in blk["configs"]:
                    print(bname, blk["top_module"], c)
        elif args.cmd == "lintmode":
            if args.block not in data["blocks"]:
                raise ConfigError(f"unknown block '{args.block}'; known: {', '.join(data['blocks'])}")
            blk = data["blocks"][args.block]
            print("synth" if args.cfg == "ci" and blk["lint_yosys"] == "synth" else "elaborate")
        elif args.cmd in ("sources", "gparams"):
            if args.block not in data["blocks"]:
                raise ConfigError(f"unknown block '{args.block}'; known: {', '.join(data['blocks'])}")
            blk = data["blocks"][args.block]
            if args.cmd == "sources":
                print("\n".join(str(s) for s in block_sources(blk, args.gen)))
            else:
                if args.config not in data["configs"]:
                    raise ConfigError(f"unknown configuration '{args.config}'; known: {', '.join(data['configs'])}")
                print(" ".join(f"-G{p}={v}" for p, v in resolve(blk, data["configs"][args.config]).items()))
        elif args.cmd == "show":
            names = [args.config] if args.config else list(data["configs"])
            for n in names:
                if n not in data["configs"]:
                    raise ConfigError(f"unknown configuration '{n}'; known: {', '.join(data['configs'])}")
            keys = [k for k in data["configs"][names[0]] if k != "description"]
            w = max(len(k) for k in keys)
            print(f"{'key':<{w}}  " + "  ".join(f"{n:>8}" for n in names))
            for k in keys:
                print(f"{k:<{w}}  " + "  ".join(f"{data['configs'][n][k]:>8}" for n in names))
    except (ConfigError, gen_regs.RegsError) as e:
        print(f"gen_config: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
