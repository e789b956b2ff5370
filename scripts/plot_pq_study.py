#!/usr/bin/python3
"""Plots the PQ non-ideality study (`hycim pq-study`) from its JSON report with matplotlib.

One panel per analog effect: the share of codes equal to the ideal chip's (mean over the chip
seeds, worst and best chip as error bars) and equal to the float nearest centroid, against the
effect's level, with the 90/95/99 % thresholds the study reports; one panel for the energy
proxy (charge per token with and without early stop) against the WTA clock resolution; and,
when the study ran whole chip files (--chip), one panel with their agreement.

    scripts/plot_pq_study.py [reports/pq_study.json] [-o reports/pq_study.png] [--dpi 100]

Needs matplotlib: Debian's python3-matplotlib, which scripts/bootstrap.sh installs for
/usr/bin/python3 (hence the first line; with another interpreter, `python3 scripts/...`).
Exit status: 0 written, 1 the report is missing or malformed, 2 bad arguments.
"""
import argparse
import json
import math
import os
import sys

# Colours of the series (matplotlib's default cycle); scripts/check_png.py looks for them.
BLUE, ORANGE, GREEN, RED, GREY = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#7f7f7f"
THRESHOLDS = (90, 95, 99)


def fail(msg):
    print(f"plot_pq_study: {msg}", file=sys.stderr)
    sys.exit(1)


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            rep = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{path}: {e}")
    if rep.get("benchmark") != "pq-study" or not isinstance(rep.get("points"), list):
        fail(f"{path}: not a pq-study report (no benchmark 'pq-study' with points)")
    return rep


def effects_of(rep):
    """(name, unit) per effect in study order; older reports without 'effects' use the names."""
    if isinstance(rep.get("effects"), list):
        return [(e["name"], e.get("unit", "")) for e in rep["effects"]]
    names = []
    for p in rep["points"]:
        if p["effect"] not in names:
            names.append(p["effect"])
    return [(n, "") for n in names]


def thresholds(ax):
    for i, t in enumerate(THRESHOLDS):
        ax.axhline(t, color=GREY, linestyle="--", linewidth=0.8,
                   label="thresholds 90, 95, 99 %" if i == 0 else None)


def agreement_panel(ax, name, unit, pts):
    lv = [p["level"] for p in pts]
    for key, colour, label, marker in (
        ("agree_ideal_pct", BLUE, "codes = ideal chip (mean; bars: worst, best chip)", "o"),
        ("agree_float_pct", ORANGE, "codes = float nearest centroid", "s"),
    ):
        mean = [p[key]["mean"] for p in pts]
        lo = [p[key]["mean"] - p[key]["min"] for p in pts]
        hi = [p[key]["max"] - p[key]["mean"] for p in pts]
        ax.errorbar(lv, mean, yerr=[lo, hi], color=colour, marker=marker, markersize=4,
                    linewidth=1.5, capsize=3, label=label)
    thresholds(ax)
    if all(v > 0 for v in lv):
        ax.set_xscale("log")
    ax.set_ylim(0, 101)
    ax.set_title(name)
    ax.set_xlabel(unit or name)
    ax.set_ylabel("agreement %")
    ax.grid(True, which="major", alpha=0.3)


def energy_panel(ax, pts):
    tf = [p["level"] for p in pts]
    ax.plot(tf, [p["charge_per_token_early_stop"] / p["level"] for p in pts], color=GREEN,
            marker="o", markersize=4, label="with early stop")
    ax.plot(tf, [p["charge_per_token_no_early_stop"] / p["level"] for p in pts], color=RED,
            marker="s", markersize=4, label="without early stop")
    ax.set_xscale("log", base=2)
    ax.set_xticks(tf, [f"{v:g}" for v in tf])
    ax.minorticks_off()
    ax.set_ylim(bottom=0)
    ax.set_title("energy proxy")
    ax.set_xlabel("ticks_full (WTA clock resolution)")
    ax.set_ylabel("charge per token / ticks_full")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")


def whole_chip_panel(ax, chips):
    names = [os.path.basename(c["file"]) for c in chips]
    x = range(len(chips))
    for off, key, colour, label in ((-0.2, "agree_ideal_pct", BLUE, "= ideal chip"),
                                    (0.2, "agree_float_pct", ORANGE, "= float NC")):
        mean = [c[key]["mean"] for c in chips]
        err = [[c[key]["mean"] - c[key]["min"] for c in chips],
               [c[key]["max"] - c[key]["mean"] for c in chips]]
        ax.bar([i + off for i in x], mean, width=0.4, yerr=err, capsize=3, color=colour,
               label=label)
    thresholds(ax)
    ax.set_xticks(list(x), names, fontsize=7)
    ax.set_ylim(0, 101)
    ax.set_title("whole chips (every effect of the file)")
    ax.set_ylabel("agreement %")
    ax.legend(fontsize=7, loc="lower right")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report", nargs="?", default="reports/pq_study.json",
                    help="JSON report of hycim pq-study (default %(default)s)")
    ap.add_argument("-o", "--output", default=None,
                    help="PNG to write (default: the report's path with .png)")
    ap.add_argument("--dpi", type=int, default=100, help="resolution (default %(default)s)")
    a = ap.parse_args()
    out = a.output or os.path.splitext(a.report)[0] + ".png"
    rep = load(a.report)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        fail(f"matplotlib is missing for {sys.executable}: install python3-matplotlib "
             "(scripts/bootstrap.sh) and run this script with /usr/bin/python3")

    try:
        effects = [(n, u) for n, u in effects_of(rep) if n != "ticks_full"]
        panels = len(effects) + 1 + (1 if rep.get("whole_chips") else 0)
        cols = math.ceil(panels / 2)
        fig, axes = plt.subplots(2, cols, figsize=(4 * cols, 8), squeeze=False)
        axes = axes.flatten()
        for ax, (name, unit) in zip(axes, effects):
            agreement_panel(ax, name, unit, [p for p in rep["points"] if p["effect"] == name])
        handles, labels = axes[0].get_legend_handles_labels()
        energy_panel(axes[len(effects)], [p for p in rep["points"] if p["effect"] == "ticks_full"])
        if rep.get("whole_chips"):
            whole_chip_panel(axes[len(effects) + 1], rep["whole_chips"])
        for ax in axes[panels:]:
            ax.set_visible(False)
        fig.suptitle(
            f"PQ encoder RTL + crossbar model: {rep['tokens_per_run']} tokens/run, "
            f"{rep['chips']} chip seed(s), ideal chip = float nearest centroid for "
            f"{rep['ideal_agree_float_pct']:.1f} %  ({rep.get('command', 'hycim pq-study')})")
        fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False)
        fig.tight_layout(rect=(0, 0.04, 1, 0.96))
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as e:
        fail(f"{a.report}: malformed report ({type(e).__name__}: {e})")
    try:
        if os.path.dirname(out):
            os.makedirs(os.path.dirname(out), exist_ok=True)
        fig.savefig(out, dpi=a.dpi)
    except OSError as e:
        fail(f"cannot write {out}: {e}")
    print(f"plot_pq_study: wrote {out}")


if __name__ == "__main__":
    main()
