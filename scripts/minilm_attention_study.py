#!/usr/bin/python3
"""HyCIM sparse attention in every layer of all-MiniLM-L6-v2: accuracy on the golden path.

The numpy forward of scripts/minilm_export.py runs on the evaluation sequences with every layer's
attention replaced by the HyCIM sparse head's golden model (bit-exact with attn_top), computed by
`hycim attention-golden` one layer at a time for all sequences and heads: relevance (table or
match mode) on PQ codes from the ideal crossbar or from the analog crossbar model of a chip file,
top-k, exact INT8 QK, integer softmax, AV. Measured per setting: the attention-output error of
every head of every layer against dense float attention on the same inputs (relative Frobenius,
mean row cosine), the kept-key recall against the exact-score top-k, and the sentence-embedding
cosine against the dense float model. Method and results: docs/attention/accuracy.md.

The sequences' forwards run in lockstep (one thread each, a barrier per layer) so that each layer
is one call of the C++ tool; the forward itself is minilm_export.forward, unchanged.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from fractions import Fraction

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import minilm_export as ex  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Realistic analog chips (docs/attention/accuracy.md explains the values): programming sigma is
# the swept knob; read noise, stuck cells, comparator offset and the off-state conductance are
# fixed (docs/attention/accuracy.md, "Chips").
CHIP_COMMON = {"g_off": 0.38, "read_sigma": 0.002, "stuck_on_rate": 1e-4, "stuck_off_rate": 1e-4,
               "comp_offset_sigma": 0.002}


def chip_toml(path, sigma, seed, mapping=None):
    with open(path, "w") as f:
        for k, v in CHIP_COMMON.items():
            f.write(f"{k} = {v}\n")
        f.write(f"prog_sigma = {sigma}\nchip_seed = {seed}\nrun_seed = {seed + 7}\n")
        if mapping:
            f.write(f'mapping = "{mapping}"\n')


def pad(arrs, s_max):
    """List of (H, S_i, d) -> (N, H, s_max, d), zero padded."""
    h, d = arrs[0].shape[0], arrs[0].shape[2]
    out = np.zeros((len(arrs), h, s_max, d), dtype=arrs[0].dtype)
    for i, a in enumerate(arrs):
        out[i, :, : a.shape[1]] = a
    return out


class HycimAttention:
    """attention(q, k, v, layer) for N lockstepped forwards: the barrier action writes the layer's
    inputs, runs the C++ tool and scatters its outputs."""

    def __init__(self, tool, work, n, scales, calib, setting, log):
        self.tool, self.work, self.n, self.scales, self.calib = tool, work, n, scales, calib
        self.setting, self.log = setting, log
        self.slots = [None] * n
        self.out = [None] * n
        self.layer = None
        self.stats = []
        self.error = None
        self.barrier = threading.Barrier(n, action=self._run_layer)
        self.done = threading.Barrier(n)

    def _run_layer(self):
        try:
            layer = self.layer
            d = os.path.join(self.work, f"layer{layer}")
            os.makedirs(d, exist_ok=True)
            sq, sk, sv = (self.scales[k][layer] for k in ex.KINDS)
            lens = [s[0].shape[1] for s in self.slots]
            s_max = max(lens)
            for j, (kind, sc) in enumerate(zip(ex.KINDS, (sq, sk, sv))):
                f = pad([s[j] for s in self.slots], s_max)
                np.save(os.path.join(d, f"{kind}_f32.npy"), f.astype(np.float32))
                np.save(os.path.join(d, f"{kind}_i8.npy"), ex.int8(f, sc[None, :, None, None]))
            np.save(os.path.join(d, "scales_f64.npy"), np.stack([sq, sk, sv]).astype(np.float64))
            np.save(os.path.join(d, "len_i64.npy"), np.array(lens, dtype=np.int64))
            for kind in ("q", "k"):
                np.save(os.path.join(d, f"calib_{kind}_i8.npy"), self.calib[kind][layer])
            st = self.setting
            cmd = [self.tool, "attention-golden", "--in", d, "--out", d, "--density", str(st["density"]),
                   "--layer", str(layer), "--quiet"]
            if st["mode"] == "match":
                cmd.append("--match")
            if st.get("chip"):
                cmd += ["--chip", st["chip"]]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
            with open(os.path.join(d, "stats.json")) as f:
                self.stats.append(json.load(f))
            out = np.load(os.path.join(d, "out_f64.npy"))
            for i, L in enumerate(lens):
                self.out[i] = out[i, :, :L]
        except Exception as e:  # surfaced by the caller after the barrier
            self.error = e
            self.out = [None] * self.n

    def attention_for(self, i):
        def attn(q, k, v, layer):
            self.slots[i] = (q, k, v)
            self.layer = layer
            self.barrier.wait()
            o = self.out[i]
            self.done.wait()
            if o is None:
                raise RuntimeError("layer failed")
            return o
        return attn


def run_setting(model, tool, evals, scales, calib, setting, work, dense_emb, log):
    n = len(evals)
    h = HycimAttention(tool, work, n, scales, calib, setting, log)
    emb = [None] * n
    errs = [None] * n

    def worker(i):
        try:
            emb[i] = ex.embed(ex.forward(model, evals[i]["ids"], attention=h.attention_for(i)))
        except Exception as e:
            errs[i] = e

    th = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in th:
        t.start()
    for t in th:
        t.join()
    if h.error is not None:
        raise h.error
    if any(e is not None for e in errs):
        raise next(e for e in errs if e is not None)
    cos = [float(np.dot(emb[i], dense_emb[i])) for i in range(n)]
    layers = [{"layer": s["layer"], "rel_fro": s["rel_fro"], "mean_cos": s["mean_cos"], "recall": s["recall"],
               "kept_density": s["kept_density"],
               "heads": [{k: hh[k] for k in ("head", "rel_fro", "mean_cos", "recall")} for hh in s["heads"]]}
              for s in h.stats]
    return {"emb_cos_mean": float(np.mean(cos)), "emb_cos_min": float(np.min(cos)), "emb_cos": cos,
            "attn_rel_fro_mean": float(np.mean([x["rel_fro"] for x in layers])),
            "attn_cos_mean": float(np.mean([x["mean_cos"] for x in layers])),
            "recall_mean": float(np.mean([x["recall"] for x in layers])), "layers": layers}


def table(results):
    lines = ["| chip | mode | density | kept | recall | attn rel. Frobenius | attn row cosine | "
             "embedding cosine (mean / min) |", "|---|---|---|---|---|---|---|---|"]
    for r in results:
        kept = np.mean([x["kept_density"] for x in r["layers"]])
        lines.append(f"| {r['chip_name']} | {r['mode']} | {r['density']} | {kept:.3f} | {r['recall_mean']:.3f} | "
                     f"{r['attn_rel_fro_mean']:.4f} | {r['attn_cos_mean']:.4f} | "
                     f"{r['emb_cos_mean']:.4f} / {r['emb_cos_min']:.4f} |")
    lines.append("")
    lines.append("Per layer (recall / embedding-path attention rel. Frobenius), layers 0..5:")
    lines.append("")
    for r in results:
        per = " ".join(f"{x['recall']:.2f}/{x['rel_fro']:.3f}" for x in r["layers"])
        lines.append(f"- {r['chip_name']} {r['mode']} {r['density']}: {per}")
    return "\n".join(lines) + "\n"


def plot(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(1, 3, figsize=(16, 5))
    ideal = [r for r in results if r["chip_name"] == "ideal" and r["density_f"] < 1]
    for mode, col in (("table", "#1f77b4"), ("match", "#ff7f0e")):
        rs = sorted([r for r in ideal if r["mode"] == mode], key=lambda r: r["density_f"])
        if not rs:
            continue
        x = [r["density_f"] for r in rs]
        ax[0].plot(x, [r["attn_rel_fro_mean"] for r in rs], "o-", color=col, label=mode)
        ax[1].plot(x, [r["emb_cos_mean"] for r in rs], "o-", color=col, label=f"{mode}: embedding cosine")
        ax[1].plot(x, [r["recall_mean"] for r in rs], "s--", color=col, label=f"{mode}: kept-key recall")
    ax[0].set(xlabel="density", ylabel="attention output rel. Frobenius error", title="ideal chip: error vs density")
    ax[1].set(xlabel="density", ylabel="cosine / recall", title="ideal chip: embedding cosine, recall")
    ax[1].axhline(0.99, color="#7f7f7f", lw=0.8, ls=":")
    chips = [r for r in results if r["mode"] == "table" and r["density_f"] < 1]
    for dens, col in zip(sorted({r["density_f"] for r in chips}), ("#2ca02c", "#d62728", "#9467bd")):
        rs = sorted([r for r in chips if r["density_f"] == dens], key=lambda r: r["sigma"])
        x = [100 * r["sigma"] for r in rs]
        ax[2].plot(x, [r["emb_cos_mean"] for r in rs], "o-", color=col, label=f"density {rs[0]['density']}: embedding")
        ax[2].plot(x, [r["recall_mean"] for r in rs], "s--", color=col, label=f"density {rs[0]['density']}: recall")
    ax[2].set(xlabel="programming sigma (%), 0 = ideal chip", ylabel="cosine / recall", title="table mode vs chip")
    for a in ax:
        a.grid(alpha=0.3)
        a.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hycim", default=os.path.join(ROOT, "build", "hycim"), help="the hycim binary")
    ap.add_argument("--density", nargs="*", default=["1/8", "1/4", "1/3"],
                    help="densities of the ideal-chip runs (none: chip runs only)")
    ap.add_argument("--mode", nargs="+", default=["table", "match"], choices=["table", "match"])
    ap.add_argument("--sigma", type=float, nargs="*", default=[0.01, 0.02, 0.05],
                    help="programming sigmas of the chip runs (table mode)")
    ap.add_argument("--chip-density", nargs="*", default=["1/4", "1/3"], help="densities of the chip runs")
    ap.add_argument("--mapping", default=None,
                    help="crossbar mapping of the chip runs (sim/README.md: offset, differential, offset_cal, "
                         "differential_cal; default: the model's default)")
    ap.add_argument("--long", type=int, default=8, help="evaluation sequences of 128 tokens")
    ap.add_argument("--short", type=int, default=8, help="short evaluation sentences")
    ap.add_argument("--calib", type=int, default=12, help="calibration sequences (scales, codebooks)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 2 short sentences, density 1 and 1/4, no chips; checks the report")
    ap.add_argument("-o", "--out", default=os.path.join(ROOT, "reports", "minilm_attention.json"))
    ap.add_argument("--plot", default=None, help="PNG (default: next to the JSON)")
    a = ap.parse_args()
    if a.quick:
        a.long, a.short, a.calib = 0, 2, 2
        a.density, a.mode, a.sigma, a.chip_density = ["1", "1/4"], ["table"], [], []
    if not os.access(a.hycim, os.X_OK):
        ex.fail(f"{a.hycim}: not an executable (build first: cmake --build --preset default)", 2)
    t0 = time.time()
    model = ex.Model()
    _, seqs = ex.build_sequences(model, a.calib, a.long, a.short)
    evals = seqs["eval"]
    print(f"minilm_attention_study: {len(evals)} evaluation sequences, {len(seqs['calib'])} calibration", flush=True)
    res = {"calib": []}
    for s in seqs["calib"]:
        rec = []
        ex.forward(model, s["ids"], record=rec)
        res["calib"].append({"rec": rec})
    scales = ex.calibration_scales(res)
    calib = {kind: [np.concatenate([ex.int8(r["rec"][layer][kind], scales[kind][layer][:, None, None])
                                    for r in res["calib"]], axis=1) for layer in range(ex.LAYERS)]
             for kind in ("q", "k")}
    dense_emb = [ex.embed(ex.forward(model, s["ids"])) for s in evals]
    print(f"  dense forward done ({time.time() - t0:.0f} s)", flush=True)

    settings = []
    for mode in a.mode:
        for dens in a.density:
            settings.append({"mode": mode, "density": dens, "sigma": 0.0, "chip": None})
    for dens in a.chip_density:
        for sg in a.sigma:
            settings.append({"mode": "table", "density": dens, "sigma": sg, "chip": "x"})
    results = []
    with tempfile.TemporaryDirectory(prefix="hycim_attn_") as work:
        for i, st in enumerate(settings):
            if st["chip"]:
                st["chip"] = os.path.join(work, f"chip_{st['sigma']}.toml")
                chip_toml(st["chip"], st["sigma"], 1, a.mapping)
            dens_f = float(Fraction(st["density"]))
            st_run = dict(st, density=dens_f)
            t1 = time.time()
            r = run_setting(model, a.hycim, evals, scales, calib, st_run, os.path.join(work, f"s{i}"),
                            dense_emb, print)
            name = "ideal" if not st["chip"] else f"sigma {100 * st['sigma']:g}%"
            if st["chip"] and a.mapping:
                name += f" {a.mapping}"
            r.update({"mode": st["mode"], "density": st["density"], "density_f": dens_f, "sigma": st["sigma"],
                      "chip_name": name,
                      "chip_params": dict(CHIP_COMMON, prog_sigma=st["sigma"],
                                          **({"mapping": a.mapping} if a.mapping else {}))
                      if st["chip"] else None})
            results.append(r)
            print(f"  [{i + 1}/{len(settings)}] {name:10} {st['mode']:5} density {st['density']:>4}: "
                  f"recall {r['recall_mean']:.3f} attn rel.err {r['attn_rel_fro_mean']:.4f} "
                  f"attn cos {r['attn_cos_mean']:.4f} emb cos {r['emb_cos_mean']:.4f} "
                  f"(min {r['emb_cos_min']:.4f}) [{time.time() - t1:.0f} s]", flush=True)
    # the ideal-chip settings carry sigma 0 in the chip plot
    report = {"package_version": model.version, "hycim": a.hycim, "build": {"dim": 32, "subspaces": 4, "centroids": 16},
              "sequences": [{"tokens": len(s["ids"]), "doc": s["doc"]} for s in evals],
              "calibration_sequences": len(seqs["calib"]), "chip_common": CHIP_COMMON, "results": results,
              "seconds": time.time() - t0}
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(report, f, indent=1)
        f.write("\n")
    md = os.path.splitext(a.out)[0] + ".md"
    with open(md, "w") as f:
        f.write(table(results))
    print(table(results))
    if not a.quick:
        plot(results, a.plot or os.path.splitext(a.out)[0] + ".png")
    print(f"minilm_attention_study: -> {a.out}, {md} ({time.time() - t0:.0f} s)")
    if a.quick:
        need = {"mode", "density", "recall_mean", "attn_rel_fro_mean", "attn_cos_mean", "emb_cos_mean", "layers"}
        for r in results:
            missing = need - set(r)
            if missing or len(r["layers"]) != ex.LAYERS:
                ex.fail(f"quick check: result lacks {sorted(missing)} or has {len(r['layers'])} layers")
        full = [r for r in results if r["density_f"] == 1.0]
        if not full or full[0]["emb_cos_min"] <= 0.999:
            ex.fail(f"quick check: density 1 embedding cosine {full[0]['emb_cos_min'] if full else None} <= 0.999")
        if full[0]["recall_mean"] != 1.0:
            ex.fail(f"quick check: density 1 recall {full[0]['recall_mean']} != 1")
        print("minilm_attention_study: quick checks passed")


if __name__ == "__main__":
    main()
