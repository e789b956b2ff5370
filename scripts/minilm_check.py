#!/usr/bin/python3
"""Independent check of the numpy MiniLM forward of scripts/minilm_export.py.

The export's batched float64 forward (the model under test, "export") is compared on the same
token ids with:
  loops   a second float64 numpy implementation written here and sharing no code with the export:
          its own safetensors reader (header parsed by hand), per-token matrix-vector products,
          per-head and per-query attention rows, per-token LayerNorm and GELU;
  hf64    Hugging Face transformers' BertModel (torch, float64), when torch and transformers
          import (scripts/bootstrap.sh --real-data-check installs them); else reported as skipped;
  hf32    the same in float32, the precision the model was published in;
  doc     the similarity matrix that sentence-transformers documents for this model on three
          sentences ("The weather is lovely today." ...), given to four decimals.
With transformers present, the word-piece ids are also compared with its pure-Python
BertTokenizer (vocabulary written from the package's tokenizer.json).

    scripts/minilm_check.py [--sequences N] [-o reports/minilm_check.json]

Prints a table; writes JSON; exit status 0 all within tolerance, 1 a difference over it (or the
model missing), 2 bad arguments.
"""
import argparse
import json
import math
import os
import struct
import sys
import tempfile
import zipfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import minilm_export as ex  # noqa: E402  (the model under test, its text and token ids)

# Tolerances: max |last hidden state difference| and 1 - embedding cosine.
TOL = {
    "loops": (1e-9, 1e-12),
    "hf64": (1e-9, 1e-12),
    "hf32": (1e-5, 1e-9),
}
DOC_SENTENCES = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
DOC_SIMILARITY = [[1.0000, 0.6660, 0.1046], [0.6660, 1.0000, 0.1411], [0.1046, 0.1411, 1.0000]]
DOC_TOL = 5e-5 + 1e-6  # four printed decimals


# ---------------------------------------------------------------------------------------------
# Second implementation (no code shared with minilm_export.py)


def read_safetensors(raw):
    """Tensors of a .safetensors byte string: u64 header size, JSON header, raw data."""
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    base = 8 + n
    dt = {"F32": "<f4", "I64": "<i8"}
    out = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        a, b = h["data_offsets"]
        out[name] = np.frombuffer(raw[base + a : base + b], dtype=dt[h["dtype"]]).reshape(h["shape"])
    return out


class LoopModel:
    def __init__(self, zip_path):
        with zipfile.ZipFile(zip_path) as z:
            t = read_safetensors(z.read("model.safetensors"))
            cfg = json.loads(z.read("config.json"))
        self.t = {k: np.array(v, dtype=np.float64) for k, v in t.items() if v.dtype == np.float32}
        self.n_layers = cfg["num_hidden_layers"]
        self.n_heads = cfg["num_attention_heads"]
        self.d = cfg["hidden_size"] // self.n_heads
        self.eps = cfg["layer_norm_eps"]

    def _norm(self, v, prefix):
        m = sum(v) / len(v)
        var = sum((e - m) * (e - m) for e in v) / len(v)
        return (v - m) * (1.0 / math.sqrt(var + self.eps)) * self.t[prefix + ".weight"] + self.t[prefix + ".bias"]

    def run(self, ids):
        t = self.t
        rows = []
        for pos, tok in enumerate(ids):
            e = (t["embeddings.word_embeddings.weight"][tok] + t["embeddings.position_embeddings.weight"][pos]
                 + t["embeddings.token_type_embeddings.weight"][0])
            rows.append(self._norm(e, "embeddings.LayerNorm"))
        n = len(ids)
        for layer in range(self.n_layers):
            p = f"encoder.layer.{layer}."

            def mv(name, v, p=p):
                return np.dot(t[p + name + ".weight"], v) + t[p + name + ".bias"]

            qs = [mv("attention.self.query", r) for r in rows]
            ks = [mv("attention.self.key", r) for r in rows]
            vs = [mv("attention.self.value", r) for r in rows]
            new_rows = []
            for i in range(n):
                ctx = np.empty(self.n_heads * self.d)
                for h in range(self.n_heads):
                    sl = slice(h * self.d, (h + 1) * self.d)
                    sc = [float(np.dot(qs[i][sl], ks[j][sl])) / math.sqrt(self.d) for j in range(n)]
                    top = max(sc)
                    w = [math.exp(s - top) for s in sc]
                    tot = math.fsum(w)
                    acc = np.zeros(self.d)
                    for j in range(n):
                        acc += (w[j] / tot) * vs[j][sl]
                    ctx[sl] = acc
                a = self._norm(rows[i] + mv("attention.output.dense", ctx), p + "attention.output.LayerNorm")
                f = mv("intermediate.dense", a)
                f = np.array([0.5 * z * (1.0 + math.erf(z / math.sqrt(2.0))) for z in f])
                new_rows.append(self._norm(a + mv("output.dense", f), p + "output.LayerNorm"))
            rows = new_rows
        return np.array(rows)


def pooled(h):
    v = np.asarray(h, dtype=np.float64).mean(axis=0)
    return v / math.sqrt(float(np.dot(v, v)))


# ---------------------------------------------------------------------------------------------
# Hugging Face transformers (optional)


def hf_models(zip_path, workdir):
    try:
        import torch
        import transformers
    except Exception as e:  # noqa: BLE001
        return None, f"torch/transformers not importable ({type(e).__name__}); scripts/bootstrap.sh --real-data-check"
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(workdir)
        tok = json.loads(z.read("tokenizer.json"))
    vocab = sorted(tok["model"]["vocab"].items(), key=lambda kv: kv[1])
    with open(os.path.join(workdir, "vocab.txt"), "w", encoding="utf-8") as f:
        for i, (w, idx) in enumerate(vocab):
            assert i == idx
            f.write(w + "\n")
    torch.set_num_threads(1)
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    m32 = transformers.BertModel.from_pretrained(workdir, local_files_only=True, add_pooling_layer=False)
    m32.eval()
    m64 = transformers.BertModel.from_pretrained(workdir, local_files_only=True, add_pooling_layer=False,
                                                 torch_dtype=torch.float64)
    m64.eval()
    slow = transformers.BertTokenizer(os.path.join(workdir, "vocab.txt"), do_lower_case=True)
    info = {"torch": torch.__version__, "transformers": transformers.__version__}

    def run(model, ids):
        with torch.no_grad():
            out = model(input_ids=torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long))
        return out.last_hidden_state[0].double().numpy()

    return {"hf64": lambda ids: run(m64, ids), "hf32": lambda ids: run(m32, ids), "tokenizer": slow,
            "info": info}, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sequences", type=int, default=6,
                    help="evaluation sequences checked: half of 128 tokens, half short (6)")
    ap.add_argument("-o", "--out", default=None, help="JSON report (default reports/minilm_check.json)")
    a = ap.parse_args()
    if a.sequences < 1:
        ex.fail("--sequences must be >= 1", 2)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_path = a.out or os.path.join(root, "reports", "minilm_check.json")

    model = ex.Model()
    n_long = (a.sequences + 1) // 2
    _, seqs = ex.build_sequences(model, 0, n_long, a.sequences - n_long)
    cases = [(f"eval{i}", s["ids"], s["text"]) for i, s in enumerate(seqs["eval"])]
    cases += [(f"doc{i}", [ex.CLS_ID] + model.ids(t) + [ex.SEP_ID], t) for i, t in enumerate(DOC_SENTENCES)]

    loops = LoopModel(model.zip_path)
    with tempfile.TemporaryDirectory() as tmp:
        hf, why = hf_models(model.zip_path, tmp)
        refs = {"loops": loops.run}
        if hf:
            refs["hf64"], refs["hf32"] = hf["hf64"], hf["hf32"]
        rows, embs, bad = [], {}, []
        tok_mismatch = None
        if hf:
            tok_mismatch = 0
            for _, ids, text in cases:
                if len(ids) == ex.SEQ_LEN:  # cut windows: compare the whole sentences they start with
                    continue
                slow_ids = hf["tokenizer"].convert_tokens_to_ids(hf["tokenizer"].tokenize(text))
                tok_mismatch += slow_ids != ids[1:-1]
        for name, ids, _ in cases:
            ref_out = ex.forward(model, ids)
            e_ref = ex.embed(ref_out)
            embs.setdefault("export", []).append(e_ref)
            row = {"sequence": name, "tokens": len(ids)}
            for rname, fn in refs.items():
                o = fn(ids)
                e = pooled(o)
                embs.setdefault(rname, []).append(e)
                row[rname] = {"max_abs_diff": float(np.abs(o - ref_out).max()), "cosine": float(np.dot(e, e_ref))}
            rows.append(row)

    summary = {}
    for rname in refs:
        md = max(r[rname]["max_abs_diff"] for r in rows)
        mc = min(r[rname]["cosine"] for r in rows)
        tol_d, tol_c = TOL[rname]
        ok = md <= tol_d and 1.0 - mc <= tol_c
        summary[rname] = {"max_abs_diff": md, "min_cosine": mc, "tol_max_abs_diff": tol_d, "tol_one_minus_cosine": tol_c,
                          "ok": ok}
        if not ok:
            bad.append(rname)
    doc = {}
    for impl, e in embs.items():
        d = np.array(e[-3:])
        sim = d @ d.T
        err = float(np.abs(sim - np.array(DOC_SIMILARITY)).max())
        doc[impl] = {"similarity": np.round(sim, 6).tolist(), "max_abs_diff_to_documented": err, "ok": err <= DOC_TOL}
        if err > DOC_TOL:
            bad.append(f"doc:{impl}")
    if tok_mismatch:
        bad.append("tokenizer")

    print(f"{'sequence':10} {'S':>4} " + " ".join(f"{r + ' max|d|':>14} {r + ' 1-cos':>14}" for r in refs))
    for r in rows:
        print(f"{r['sequence']:10} {r['tokens']:4d} "
              + " ".join(f"{r[k]['max_abs_diff']:14.3e} {1.0 - r[k]['cosine']:14.2e}" for k in refs))
    for k, s in summary.items():
        print(f"{k:6}: max |last hidden diff| {s['max_abs_diff']:.3e} (tol {s['tol_max_abs_diff']:.0e}), "
              f"1 - min cosine {1.0 - s['min_cosine']:.2e} (tol {s['tol_one_minus_cosine']:.0e})  {'ok' if s['ok'] else 'FAIL'}")
    if not hf:
        print(f"hf    : skipped: {why}")
    for impl, d in doc.items():
        s = d["similarity"]
        print(f"doc   : {impl:6} similarity {s[0][1]:.4f} {s[0][2]:.4f} {s[1][2]:.4f} "
              f"(documented 0.6660 0.1046 0.1411), max diff {d['max_abs_diff_to_documented']:.2e}  "
              f"{'ok' if d['ok'] else 'FAIL'}")
    if tok_mismatch is not None:
        print(f"tokens: {tok_mismatch} of the whole-sentence cases differ from transformers' BertTokenizer")

    report = {"package_version": model.version, "weights_sha256": model.weights_sha256,
              "references": list(refs), "hf": hf["info"] if hf else {"skipped": why}, "rows": rows,
              "summary": summary, "documented_similarity": {"sentences": DOC_SENTENCES, "values": DOC_SIMILARITY,
                                                            "tolerance": DOC_TOL, "results": doc},
              "tokenizer_mismatches": tok_mismatch, "ok": not bad}
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "w") as f:
        json.dump(report, f, indent=1)
        f.write("\n")
    print(f"minilm_check: {'ok' if not bad else 'FAIL: ' + ', '.join(bad)} -> {out_path}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
