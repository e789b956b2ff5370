#!/usr/bin/python3
"""Sparse top-k attention inside every layer of all-MiniLM-L6-v2: sentence-embedding cosine
against the dense model, on the evaluation sequences of scripts/minilm_export.py.

In every layer and head, each query keeps its top ceil(rho * S) keys and the softmax runs over
those alone (the others get probability 0); everything else is the float64 numpy forward of the
export. Key selection:
  exact  by the exact score q.k (the upper bound of any approximate selection);
  pq     by a product-quantisation relevance: Q and K each encoded per subspace with k-means
         codebooks trained on the calibration sequences (float, k-means++ from a fixed seed),
         relevance = sum over subspaces of c_Q . c_K of the two codes; the kept keys then use
         their exact scores. A float reference only: the C++ golden path models the INT8 chain.
Also reported: self-retrieval (is each sparse embedding nearest, among the dense embeddings of all
evaluation sequences, to its own?) and the dense attention probability mass that the exact top-k keys hold (per layer).

    scripts/minilm_sparse_study.py [--rho 1/8 1/4 1/3] [--select exact pq] [--long N] [--short N]
                                   [--groups 8] [--centroids 16] [--dense-layers L ...]
                                   [-o reports/minilm_sparse.json]

Exit status: 0 written, 1 model missing, 2 bad arguments.
"""
import argparse
import json
import math
import os
import sys
from fractions import Fraction

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import minilm_export as ex  # noqa: E402

SEED = 12


def keep_count(rho, s):
    """ceil(rho * S) for a rational rho, at least 1."""
    return max(1, -(-s * rho.numerator // rho.denominator))


def softmax_rows(s):
    s = s - s.max(axis=-1, keepdims=True)
    p = np.exp(s)
    return p / p.sum(axis=-1, keepdims=True)


def sparse_attention(rho, relevance=None, dense_layers=()):
    """attention(q, k, v, layer) keeping the top ceil(rho S) keys per query; the ranking uses
    relevance(q, k, layer) when given, else the exact scores. Ties: the lower key index. Layers
    in dense_layers stay dense."""

    def attn(q, k, v, layer):
        if layer in dense_layers:
            return ex.dense_attention(q, k, v, layer)
        s = np.einsum("hid,hjd->hij", q, k) / math.sqrt(ex.HEAD_DIM)
        n = s.shape[-1]
        keep = keep_count(rho, n)
        rank = s if relevance is None else relevance(q, k, layer)
        idx = np.argsort(-rank, axis=-1, kind="stable")[..., :keep]
        masked = np.full_like(s, -np.inf)
        np.put_along_axis(masked, idx, np.take_along_axis(s, idx, axis=-1), axis=-1)
        return np.einsum("hij,hjd->hid", softmax_rows(masked), v)

    return attn


def kmeans(x, c, rng, iters=25):
    """Lloyd's k-means with k-means++ initialisation; x (N, d) -> centroids (c, d)."""
    cent = [x[rng.integers(len(x))]]
    d2 = ((x - cent[0]) ** 2).sum(axis=1)
    for _ in range(1, c):
        tot = d2.sum()
        i = int(rng.choice(len(x), p=d2 / tot)) if tot > 0 else int(rng.integers(len(x)))
        cent.append(x[i])
        d2 = np.minimum(d2, ((x - x[i]) ** 2).sum(axis=1))
    cent = np.array(cent)
    for _ in range(iters):
        a = ((x[:, None, :] - cent[None]) ** 2).sum(axis=2).argmin(axis=1)
        for j in range(c):
            m = a == j
            if m.any():
                cent[j] = x[m].mean(axis=0)
    return cent


class PqRelevance:
    """Per (layer, head) Q and K codebooks of `groups` subspaces x `centroids` centroids."""

    def __init__(self, calib_records, groups, centroids):
        if ex.HEAD_DIM % groups:
            ex.fail(f"--groups must divide {ex.HEAD_DIM}", 2)
        self.g, self.dsub = groups, ex.HEAD_DIM // groups
        rng = np.random.default_rng(SEED)
        self.books = {}
        for layer in range(ex.LAYERS):
            for kind in ("q", "k"):
                rows = np.concatenate([rec[layer][kind] for rec in calib_records], axis=1)  # (H, N, D)
                self.books[layer, kind] = np.array([[
                    kmeans(rows[h][:, m * self.dsub:(m + 1) * self.dsub], centroids, rng)
                    for m in range(groups)] for h in range(ex.HEADS)])  # (H, G, C, dsub)

    def _encode(self, x, book):
        """x (H, S, D) -> reconstruction from the nearest centroid of each subspace (H, S, D)."""
        h, s, _ = x.shape
        xs = x.reshape(h, s, self.g, 1, self.dsub)
        code = ((xs - book[:, None]) ** 2).sum(axis=-1).argmin(axis=-1)  # (H, S, G)
        rec = np.take_along_axis(book[:, None], code[..., None, None], axis=3)[..., 0, :]
        return rec.reshape(h, s, ex.HEAD_DIM)

    def __call__(self, q, k, layer):
        qh = self._encode(q, self.books[layer, "q"])
        kh = self._encode(k, self.books[layer, "k"])
        return np.einsum("hid,hjd->hij", qh, kh)


def topk_mass(records, rho):
    """Mean share of the dense softmax mass held by the exact top-k keys, per layer."""
    out = np.zeros(ex.LAYERS)
    for rec in records:
        for layer, r in enumerate(rec):
            p = softmax_rows(np.einsum("hid,hjd->hij", r["q"], r["k"]) / math.sqrt(ex.HEAD_DIM))
            keep = keep_count(rho, p.shape[-1])
            out[layer] += np.sort(p, axis=-1)[..., -keep:].sum(axis=-1).mean()
    return out / len(records)


def parse_rho(text):
    try:
        r = Fraction(text)
    except (ValueError, ZeroDivisionError):
        ex.fail(f"bad --rho {text}", 2)
    if not 0 < r <= 1:
        ex.fail(f"--rho {text} is not in (0, 1]", 2)
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rho", nargs="+", default=["1/8", "1/4", "1/3"], help="kept key fractions")
    ap.add_argument("--select", nargs="+", default=["exact", "pq"], choices=["exact", "pq"])
    ap.add_argument("--long", type=int, default=16, help="evaluation sequences of 128 tokens (16)")
    ap.add_argument("--short", type=int, default=8, help="short evaluation sentences (8)")
    ap.add_argument("--calib", type=int, default=32, help="calibration sequences for the PQ codebooks (32)")
    ap.add_argument("--groups", type=int, default=8, help="PQ subspaces per head (8: 4 dimensions each)")
    ap.add_argument("--centroids", type=int, default=16, help="PQ centroids per subspace (16)")
    ap.add_argument("--dense-layers", type=int, nargs="*", default=[],
                    help="layers that keep dense attention (default none: sparse in every layer)")
    ap.add_argument("-o", "--out", default=None, help="JSON report (default reports/minilm_sparse.json)")
    a = ap.parse_args()
    rhos = [parse_rho(t) for t in a.rho]
    if any(not 0 <= x < ex.LAYERS for x in a.dense_layers):
        ex.fail(f"--dense-layers must be in 0..{ex.LAYERS - 1}", 2)
    if a.long < 0 or a.short < 0 or a.long + a.short == 0 or a.calib < 1 or a.centroids < 1:
        ex.fail("bad sequence or codebook counts", 2)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_path = a.out or os.path.join(root, "reports", "minilm_sparse.json")

    model = ex.Model()
    _, seqs = ex.build_sequences(model, a.calib if "pq" in a.select else 0, a.long, a.short)
    evals = seqs["eval"]
    dense, records = [], []
    for s in evals:
        rec = []
        dense.append(ex.embed(ex.forward(model, s["ids"], record=rec)))
        records.append(rec)
    pq = None
    if "pq" in a.select:
        calib = []
        for s in seqs["calib"]:
            rec = []
            ex.forward(model, s["ids"], record=rec)
            calib.append(rec)
        pq = PqRelevance(calib, a.groups, a.centroids)

    groups = {"long (S=128)": [i for i, s in enumerate(evals) if len(s["ids"]) == ex.SEQ_LEN],
              "short": [i for i, s in enumerate(evals) if len(s["ids"]) != ex.SEQ_LEN]}
    results = []
    print(f"{'select':6} {'rho':>5} {'set':13} {'n':>3} {'keep':>9} {'mean cos':>10} {'min cos':>10}")
    for sel in a.select:
        for rho in rhos:
            attn = sparse_attention(rho, pq if sel == "pq" else None, tuple(a.dense_layers))
            sparse = np.array([ex.embed(ex.forward(model, s["ids"], attention=attn)) for s in evals])
            dmat = np.array(dense)
            cos = [float(np.dot(sparse[i], dmat[i])) for i in range(len(evals))]
            # self-retrieval: the sparse embedding's nearest dense embedding is its own sequence's
            hits = int((np.argmax(sparse @ dmat.T, axis=1) == np.arange(len(evals))).sum())
            entry = {"select": sel, "rho": str(rho), "cosines": cos, "self_retrieval": hits / len(evals),
                     "sets": {}}
            for gname, idx in groups.items():
                if not idx:
                    continue
                c = [cos[i] for i in idx]
                keeps = sorted({keep_count(rho, len(evals[i]["ids"])) for i in idx})
                entry["sets"][gname] = {"n": len(c), "mean": float(np.mean(c)), "min": float(np.min(c)),
                                        "keep": keeps}
                keep_txt = str(keeps[0]) if len(keeps) == 1 else f"{keeps[0]}-{keeps[-1]}"
                print(f"{sel:6} {str(rho):>5} {gname:13} {len(c):3d} {keep_txt:>9} {np.mean(c):10.6f} "
                      f"{np.min(c):10.6f}")
            print(f"{sel:6} {str(rho):>5} {'all':13} {len(evals):3d} {'':>9} self-retrieval top-1 {hits}/{len(evals)}")
            results.append(entry)
    long_idx = groups["long (S=128)"]
    mass = {}
    if long_idx:
        print("dense softmax mass in the exact top-k keys (long sequences), layers 0..5:")
        for rho in rhos:
            m = topk_mass([records[i] for i in long_idx], rho)
            mass[str(rho)] = m.tolist()
            print(f"  rho {str(rho):>5}: " + " ".join(f"{x:.3f}" for x in m))
    report = {"package_version": model.version, "forward_dtype": "float64", "dense_layers": a.dense_layers,
              "sequences": [{"name": f"eval{i}", "tokens": len(s["ids"]), "doc": s["doc"]} for i, s in enumerate(evals)],
              "pq": {"groups": a.groups, "centroids": a.centroids, "calibration_sequences": len(seqs["calib"]),
                     "seed": SEED} if pq else None,
              "results": results, "dense_topk_mass_per_layer": mass}
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "w") as f:
        json.dump(report, f, indent=1)
        f.write("\n")
    print(f"minilm_sparse_study: -> {out_path}")


if __name__ == "__main__":
    main()
