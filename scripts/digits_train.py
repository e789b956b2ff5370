#!/usr/bin/python3
"""Trains the small real network of the ERA-BS study: an MLP on scikit-learn's handwritten digits.

The data set (1,797 8x8 images, pixel values 0..16) ships inside scikit-learn (Debian's
python3-sklearn, installed by scripts/bootstrap.sh); nothing is downloaded. The network is
64 -> 64 -> 64 -> 10 with ReLU, trained in float64 numpy with Adam on the softmax cross-entropy,
from a fixed seed, on a fixed stratified 70/30 split. docs/bitsparse/networks.md describes it.

    scripts/digits_train.py [-o DIR]          train and write the network (default build/erabs/digits)
    scripts/digits_train.py --check-fixture   exit 1 when tests/bitsparse/data/digits is stale
    scripts/digits_train.py -o tests/bitsparse/data/digits   regenerate the checked-in fixture

Written files: w{1,2,3}.npy (K x N float32: y = W^T x + b, the ERA-BS compiler's layout),
b{1,2,3}.npy (float32), x_test.npy (uint8 pixels 0..16; the network reads pixel / 16),
y_test.npy (int32 labels), manifest.json (sizes, seeds, float test accuracy).
Exit status: 0 written (or the fixture is current), 1 stale fixture or scikit-learn missing,
2 bad arguments.
"""
import argparse
import json
import os
import sys

import numpy as np

SIZES = (64, 64, 64, 10)
SEED = 7
EPOCHS = 300
BATCH = 64
LR = 2e-3
FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "bitsparse",
                       "data", "digits")


def load_split():
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError:
        print("digits_train: scikit-learn is missing (scripts/bootstrap.sh installs "
              "python3-sklearn)", file=sys.stderr)
        sys.exit(1)
    d = load_digits()
    xtr, xte, ytr, yte = train_test_split(d.data.astype(np.uint8), d.target.astype(np.int32),
                                          test_size=0.3, random_state=SEED, stratify=d.target)
    return xtr, xte, ytr, yte


def forward(params, x):
    acts = [x]
    for i, (w, b) in enumerate(params):
        z = acts[-1] @ w + b
        acts.append(np.maximum(z, 0.0) if i + 1 < len(params) else z)
    return acts


def train(xtr, ytr):
    rng = np.random.default_rng(SEED)
    params = []
    for k, n in zip(SIZES[:-1], SIZES[1:]):
        params.append([rng.normal(0.0, np.sqrt(2.0 / k), (k, n)), np.zeros(n)])
    m = [[np.zeros_like(p) for p in layer] for layer in params]
    v = [[np.zeros_like(p) for p in layer] for layer in params]
    x = xtr / 16.0
    t = 0
    for _ in range(EPOCHS):
        order = rng.permutation(len(x))
        for s in range(0, len(x), BATCH):
            idx = order[s:s + BATCH]
            acts = forward(params, x[idx])
            logits = acts[-1]
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            g = p
            g[np.arange(len(idx)), ytr[idx]] -= 1.0
            g /= len(idx)
            t += 1
            for i in range(len(params) - 1, -1, -1):
                gw = acts[i].T @ g
                gb = g.sum(axis=0)
                if i > 0:
                    g = (g @ params[i][0].T) * (acts[i] > 0)
                for j, gr in enumerate((gw, gb)):
                    m[i][j] = 0.9 * m[i][j] + 0.1 * gr
                    v[i][j] = 0.999 * v[i][j] + 0.001 * gr * gr
                    mh = m[i][j] / (1 - 0.9 ** t)
                    vh = v[i][j] / (1 - 0.999 ** t)
                    params[i][j] -= LR * mh / (np.sqrt(vh) + 1e-8)
    return params


def accuracy(params, x, y):
    return float((forward(params, x / 16.0)[-1].argmax(axis=1) == y).mean())


def write(out, params, xte, yte, acc):
    os.makedirs(out, exist_ok=True)
    for i, (w, b) in enumerate(params, start=1):
        np.save(os.path.join(out, f"w{i}.npy"), w.astype(np.float32))
        np.save(os.path.join(out, f"b{i}.npy"), b.astype(np.float32))
    np.save(os.path.join(out, "x_test.npy"), xte.astype(np.uint8))
    np.save(os.path.join(out, "y_test.npy"), yte.astype(np.int32))
    # The float accuracy of the float32 weights as written (the reference the study compares to).
    p32 = [(np.load(os.path.join(out, f"w{i}.npy")).astype(np.float64),
            np.load(os.path.join(out, f"b{i}.npy")).astype(np.float64))
           for i in range(1, len(params) + 1)]
    manifest = {
        "network": "mlp " + "-".join(str(s) for s in SIZES) + ", ReLU, input pixel / 16",
        "data": "sklearn.datasets.load_digits, stratified 70/30 split, random_state %d" % SEED,
        "train_seed": SEED, "epochs": EPOCHS, "batch": BATCH, "lr": LR,
        "test_images": int(len(yte)),
        "float_test_accuracy": accuracy(p32, xte, yte),
        "float64_train_accuracy_before_export": acc,
    }
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return manifest


def same_arrays(a, b):
    """The .npy files of a and b: integers equal, floats within 1e-4 (a BLAS of another machine
    may round the training's matrix products differently in the last bits)."""
    names = sorted(n for n in os.listdir(a) if n.endswith(".npy"))
    if names != sorted(n for n in os.listdir(b) if n.endswith(".npy")):
        return False
    for n in names:
        x, y = np.load(os.path.join(a, n)), np.load(os.path.join(b, n))
        if x.shape != y.shape or x.dtype != y.dtype:
            return False
        if x.dtype.kind == "f" and not np.allclose(x, y, rtol=0, atol=1e-4):
            return False
        if x.dtype.kind != "f" and not np.array_equal(x, y):
            return False
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--out", default="build/erabs/digits")
    ap.add_argument("--check-fixture", action="store_true")
    a = ap.parse_args()
    xtr, xte, ytr, yte = load_split()
    params = train(xtr, ytr)
    if a.check_fixture:
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            write(tmp, params, xte, yte, accuracy(params, xtr, ytr))
            if not same_arrays(tmp, FIXTURE):
                print(f"digits_train: {FIXTURE} is stale: rerun scripts/digits_train.py "
                      f"-o {FIXTURE}", file=sys.stderr)
                return 1
        print("digits_train: the fixture is current")
        return 0
    m = write(a.out, params, xte, yte, accuracy(params, xtr, ytr))
    print(f"digits_train: wrote {a.out}: {m['network']}, float test accuracy "
          f"{100 * m['float_test_accuracy']:.2f} % on {m['test_images']} images")
    return 0


if __name__ == "__main__":
    sys.exit(main())
