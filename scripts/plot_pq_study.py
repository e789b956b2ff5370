#!/usr/bin/python3
"""Plots the PQ non-ideality study (`hycim pq-study`) from its JSON report(s) with matplotlib.

One panel per analog effect: the share of codes equal to the ideal chip's (mean over the chip
seeds, worst and best chip as error bars) and equal to the float nearest centroid, against the
effect's level, with the 90/95/99 % thresholds the study reports; one panel for the energy
proxy (charge per token with and without early stop) against the WTA clock resolution; and,
when the study ran whole chip files (--chip), one panel with their agreement.

Several reports (e.g. Gaussian tokens and the real Q/K of `--data`, or two crossbar mappings,
`--mapping`) share the panels, one colour pair per report; a real-data report adds each head's agreement with the ideal chip as thin
lines and a panel with each head's ideal-chip agreement with the float nearest centroid.

    scripts/plot_pq_study.py [REPORT ...] [-o reports/pq_study.png] [--dpi 100]

Needs matplotlib: Debian's python3-matplotlib, which scripts/bootstrap.sh installs for
/usr/bin/python3 (hence the first line; with another interpreter, `python3 scripts/...`).
Exit status: 0 written, 1 a report is missing or malformed, 2 bad arguments.
"""
import argparse
import json
import math
import os
import sys

# Colours of the series (matplotlib's default cycle); scripts/check_png.py looks for them.
BLUE, ORANGE, GREEN, RED, GREY = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#7f7f7f"
PURPLE, BROWN, PINK, OLIVE = "#9467bd", "#8c564b", "#e377c2", "#bcbd22"
# Per report: (= ideal chip, = float NC, charge with early stop, charge without).
PALETTE = ((BLUE, ORANGE, GREEN, RED), (PURPLE, BROWN, PINK, OLIVE))
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


def tag_of(rep):
    """A short name of a report's tokens for the legends."""
    if rep.get("tokens") == "real":
        heads = rep.get("heads", [])
        return f"real Q/K ({len(heads)} head{'s' if len(heads) != 1 else ''}, pooled)"
    return "Gaussian"


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


def agreement_panel(ax, name, unit, series):
    """series: per report (tag, points of this effect, colours, real-data report)."""
    many = len(series) > 1
    for tag, pts, colours, real in series:
        lv = [p["level"] for p in pts]
        for key, colour, label, marker in (
            ("agree_ideal_pct", colours[0], "codes = ideal chip (mean; bars: worst, best chip)", "o"),
            ("agree_float_pct", colours[1], "codes = float nearest centroid", "s"),
        ):
            mean = [p[key]["mean"] for p in pts]
            lo = [p[key]["mean"] - p[key]["min"] for p in pts]
            hi = [p[key]["max"] - p[key]["mean"] for p in pts]
            ax.errorbar(lv, mean, yerr=[lo, hi], color=colour, marker=marker, markersize=4,
                        linewidth=1.5, capsize=3, label=f"{tag}: {label}" if many else label)
        if real and pts and pts[0].get("per_head"):
            for i in range(len(pts[0]["per_head"])):
                ax.plot(lv, [p["per_head"][i]["agree_ideal_pct"]["mean"] for p in pts],
                        color=colours[0], linewidth=0.7, alpha=0.45,
                        label=f"{tag}: each head = ideal chip (thin)" if i == 0 else None)
    thresholds(ax)
    if all(p["level"] > 0 for _, pts, _, _ in series for p in pts):
        ax.set_xscale("log")
    ax.set_ylim(0, 101)
    ax.set_title(name)
    ax.set_xlabel(unit or name)
    ax.set_ylabel("agreement %")
    ax.grid(True, which="major", alpha=0.3)


def energy_panel(ax, series):
    many = len(series) > 1
    for tag, pts, colours, _ in series:
        tf = [p["level"] for p in pts]
        pre = f"{tag}: " if many else ""
        ax.plot(tf, [p["charge_per_token_early_stop"] / p["level"] for p in pts], color=colours[2],
                marker="o", markersize=4, label=pre + "with early stop")
        ax.plot(tf, [p["charge_per_token_no_early_stop"] / p["level"] for p in pts],
                color=colours[3], marker="s", markersize=4, label=pre + "without early stop")
    ax.set_xscale("log", base=2)
    ax.set_xticks(tf, [f"{v:g}" for v in tf])
    ax.minorticks_off()
    ax.set_ylim(bottom=0)
    ax.set_title("energy proxy")
    ax.set_xlabel("ticks_full (WTA clock resolution)")
    ax.set_ylabel("charge per token / ticks_full")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=6 if many else 7, loc="lower right")


def whole_chip_panel(ax, series):
    """series: per report with whole chips (tag, chips, colours)."""
    many = len(series) > 1
    names, bars = [], []
    for tag, chips, colours in series:
        for c in chips:
            names.append(os.path.basename(c["file"]) + (f"\n{tag.split(' (')[0]}" if many else ""))
            bars.append((c, colours))
    x = range(len(bars))
    for off, key, ci, label in ((-0.2, "agree_ideal_pct", 0, "= ideal chip"),
                                (0.2, "agree_float_pct", 1, "= float NC")):
        mean = [c[key]["mean"] for c, _ in bars]
        err = [[c[key]["mean"] - c[key]["min"] for c, _ in bars],
               [c[key]["max"] - c[key]["mean"] for c, _ in bars]]
        ax.bar([i + off for i in x], mean, width=0.4, yerr=err, capsize=3,
               color=[col[ci] for _, col in bars], label=label)
    thresholds(ax)
    ax.set_xticks(list(x), names, fontsize=7)
    ax.set_ylim(0, 101)
    ax.set_title("whole chips (every effect of the file)")
    ax.set_ylabel("agreement %")
    ax.legend(fontsize=7, loc="lower right")


def heads_panel(ax, reps):
    """Each head's ideal-chip agreement with the float nearest centroid (real-data reports), with
    the Gaussian reports' value as a line."""
    labels, vals, cols = [], [], []
    for tag, rep, colours in reps:
        if rep.get("tokens") == "real":
            for h in rep.get("heads", []):
                labels.append(h["label"])
                vals.append(h["ideal_agree_float_pct"])
                cols.append(colours[1])
    ax.bar(range(len(vals)), vals, color=cols, width=0.6, label="real head")
    for tag, rep, colours in reps:
        if rep.get("tokens") != "real":
            ax.axhline(rep["ideal_agree_float_pct"], color=colours[1], linewidth=1.5,
                       label=f"{tag} tokens")
    ax.set_xticks(range(len(labels)), labels, fontsize=7, rotation=45 if len(labels) > 8 else 0)
    ax.set_ylim(0, 101)
    ax.set_title("ideal chip = float NC, per head")
    ax.set_ylabel("agreement %")
    ax.legend(fontsize=7, loc="lower right")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("reports", nargs="*", default=["reports/pq_study.json"],
                    help="JSON reports of hycim pq-study, drawn in the same panels "
                         "(default reports/pq_study.json)")
    ap.add_argument("-o", "--output", default=None,
                    help="PNG to write (default: the first report's path with .png)")
    ap.add_argument("--dpi", type=int, default=100, help="resolution (default %(default)s)")
    a = ap.parse_args()
    if len(a.reports) > len(PALETTE):
        ap.error(f"at most {len(PALETTE)} reports")
    out = a.output or os.path.splitext(a.reports[0])[0] + ".png"
    reps = [(p, load(p)) for p in a.reports]
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        fail(f"matplotlib is missing for {sys.executable}: install python3-matplotlib "
             "(scripts/bootstrap.sh) and run this script with /usr/bin/python3")

    try:
        # Reports of different crossbar mappings (hycim pq-study --mapping) name theirs.
        mappings = {rep.get("mapping", "offset") for _, rep in reps}
        tagged = [(tag_of(rep) + (f", {rep.get('mapping', 'offset')}" if len(mappings) > 1 else ""),
                   rep, PALETTE[i]) for i, (_, rep) in enumerate(reps)]
        first = reps[0][1]
        effects = [(n, u) for n, u in effects_of(first) if n != "ticks_full"]
        whole = [(t, rep["whole_chips"], c) for t, rep, c in tagged if rep.get("whole_chips")]
        real = any(rep.get("tokens") == "real" for _, rep, _ in tagged)
        panels = len(effects) + 1 + (1 if whole else 0) + (1 if real else 0)
        cols = math.ceil(panels / 2)
        fig, axes = plt.subplots(2, cols, figsize=(4 * cols, 8), squeeze=False)
        axes = axes.flatten()

        def series(name):
            out = []
            for t, rep, c in tagged:
                out.append((t, [p for p in rep["points"] if p["effect"] == name], c,
                            rep.get("tokens") == "real"))
            return out

        for ax, (name, unit) in zip(axes, effects):
            agreement_panel(ax, name, unit, series(name))
        handles, labels = axes[0].get_legend_handles_labels()
        if any(pts for _, pts, _, _ in series("ticks_full")):
            energy_panel(axes[len(effects)], series("ticks_full"))
        else:  # a study of some effects only (--effect)
            axes[len(effects)].set_visible(False)
        k = len(effects) + 1
        if whole:
            whole_chip_panel(axes[k], whole)
            k += 1
        if real:
            heads_panel(axes[k], tagged)
        for ax in axes[panels:]:
            ax.set_visible(False)
        if len(tagged) == 1:
            per = ("tokens per head" if first.get("tokens") == "real" else "tokens/run")
            title = (f"PQ encoder RTL + crossbar model: {first['tokens_per_run']} {per}, "
                     f"{first['chips']} chip seed(s), ideal chip = float nearest centroid for "
                     f"{first['ideal_agree_float_pct']:.1f} %  "
                     f"({first.get('command', 'hycim pq-study')})")
        else:
            title = "PQ encoder RTL + crossbar model: " + ";  ".join(
                f"{t}: ideal chip = float NC {rep['ideal_agree_float_pct']:.1f} % "
                f"({rep.get('command', 'hycim pq-study')})" for t, rep, _ in tagged)
        fig.suptitle(title, fontsize=10 if len(tagged) > 1 else None)
        ncol = 3 if len(handles) <= 3 else 4
        fig.legend(handles, labels, loc="lower center", ncol=ncol, frameon=False,
                   fontsize=None if len(handles) <= 3 else 8)
        fig.tight_layout(rect=(0, 0.06 if len(handles) > 4 else 0.04, 1, 0.96))
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError) as e:
        fail(f"{', '.join(a.reports)}: malformed report ({type(e).__name__}: {e})")
    try:
        if os.path.dirname(out):
            os.makedirs(os.path.dirname(out), exist_ok=True)
        fig.savefig(out, dpi=a.dpi)
    except OSError as e:
        fail(f"cannot write {out}: {e}")
    print(f"plot_pq_study: wrote {out}")


if __name__ == "__main__":
    main()
