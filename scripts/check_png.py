#!/usr/bin/env python3
"""Checks a PNG written by the HyCIM report writers with an independent decoder (Python's zlib).

Verifies the signature, every chunk's CRC, the IHDR fields, that the IDAT stream inflates (zlib
checks its Adler-32 against the inflated bytes), that every row has a valid filter type and the
expected length, and, after undoing the filters, that palette indices stay inside the palette.

    scripts/check_png.py FILE [--size WxH] [--min-colors N]
"""
import argparse
import struct
import sys
import zlib


def fail(msg):
    print(f"check_png: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("png")
    ap.add_argument("--size", help="expected WxH")
    ap.add_argument("--min-colors", type=int, default=2, help="distinct indices used, at least")
    a = ap.parse_args()
    try:
        data = open(a.png, "rb").read()
    except OSError as e:
        fail(str(e))
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("bad signature")
    pos, chunks = 8, []
    while pos < len(data):
        if pos + 12 > len(data):
            fail(f"truncated chunk at byte {pos}")
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        if zlib.crc32(kind + body) != crc:
            fail(f"CRC mismatch in chunk {kind!r}")
        chunks.append((kind, body))
        pos += 12 + n
    kinds = [k for k, _ in chunks]
    if kinds[0] != b"IHDR" or kinds[-1] != b"IEND" or b"IDAT" not in kinds:
        fail(f"chunk order {kinds}")
    w, h, depth, ctype, comp, filt, inter = struct.unpack(">IIBBBBB", chunks[0][1])
    if (depth, ctype, comp, filt, inter) != (8, 3, 0, 0, 0):
        fail(f"expected 8-bit indexed, got depth {depth} type {ctype}")
    if a.size and f"{w}x{h}" != a.size:
        fail(f"size {w}x{h}, expected {a.size}")
    plte = b"".join(b for k, b in chunks if k == b"PLTE")
    if len(plte) % 3 or not plte:
        fail("bad PLTE")
    try:
        raw = zlib.decompress(b"".join(b for k, b in chunks if k == b"IDAT"))
    except zlib.error as e:
        fail(f"IDAT does not inflate: {e}")
    if len(raw) != h * (w + 1):
        fail(f"{len(raw)} inflated bytes, expected {h * (w + 1)}")
    prev, used = bytearray(w), set()
    for y in range(h):
        f, row = raw[y * (w + 1)], bytearray(raw[y * (w + 1) + 1:(y + 1) * (w + 1)])
        if f == 2:
            row = bytearray((row[x] + prev[x]) & 0xFF for x in range(w))
        elif f != 0:
            fail(f"row {y}: filter {f} (the writer uses 0 or 2)")
        used.update(row)
        prev = row
    if max(used) >= len(plte) // 3:
        fail(f"index {max(used)} beyond the {len(plte) // 3}-colour palette")
    if len(used) < a.min_colors:
        fail(f"{len(used)} colours used, expected at least {a.min_colors}")
    print(f"check_png: {a.png}: {w}x{h}, {len(used)} colours, {len(data)} bytes, ok")


if __name__ == "__main__":
    main()
