#!/usr/bin/env python3
"""Regenerates tests/core/data/*.npy: small arrays written by NumPy itself, so the C++ .npy
reader is checked against the reference writer and not only against its own output.
Needs numpy (pip install numpy); the files are committed, so the tests do not."""
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "tests" / "golden" / "data"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    np.save(OUT / "int8_2x3.npy", np.array([[-128, -1, 0], [1, 2, 127]], dtype=np.int8))
    np.save(OUT / "int32_4.npy", np.array([-(2**31), -7, 7, 2**31 - 1], dtype=np.int32))
    np.save(OUT / "float64_2x2x2.npy", np.arange(8, dtype=np.float64).reshape(2, 2, 2) / 4 - 1)
    np.save(OUT / "uint16_scalar.npy", np.array(65535, dtype=np.uint16))
    np.save(OUT / "float32_fortran.npy", np.asfortranarray(np.ones((2, 3), dtype=np.float32)))
    np.save(OUT / "int16_bigendian.npy", np.array([1, 2], dtype=">i2"))


if __name__ == "__main__":
    main()
