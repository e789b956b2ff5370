#!/usr/bin/python3
"""Checks a PNG plot written by HyCIM's report scripts (scripts/plot_pq_study.py).

The file itself, with Python's zlib only: signature, every chunk's CRC, chunk order, an 8-bit
RGB or RGBA header, and an IDAT stream that inflates (zlib checks its Adler-32) to exactly one
filter byte plus one row of pixels per line, each filter byte a valid PNG filter type (0-4).
What it shows, decoded by Pillow (a dependency of Debian's python3-matplotlib): the size, at
least N distinct colours, and every colour named by --color present in at least --min-pixels
pixels, so that each plotted series was drawn.

    scripts/check_png.py FILE [--size WxH] [--min-colors N] [--color '#1f77b4' ...] [--min-pixels K]
"""
import argparse
import struct
import sys
import zlib


def fail(msg):
    print(f"check_png: {msg}", file=sys.stderr)
    sys.exit(1)


def check_structure(data):
    """Returns (width, height, channels) after the checks that need only zlib."""
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
    if not kinds or kinds[0] != b"IHDR" or kinds[-1] != b"IEND" or b"IDAT" not in kinds:
        fail(f"chunk order {kinds}")
    w, h, depth, ctype, comp, filt, inter = struct.unpack(">IIBBBBB", chunks[0][1])
    channels = {2: 3, 6: 4}.get(ctype)
    if depth != 8 or channels is None or (comp, filt, inter) != (0, 0, 0):
        fail(f"expected 8-bit RGB or RGBA, not interlaced; got depth {depth} colour type {ctype}")
    try:
        raw = zlib.decompress(b"".join(b for k, b in chunks if k == b"IDAT"))
    except zlib.error as e:
        fail(f"IDAT does not inflate: {e}")
    stride = 1 + w * channels
    if len(raw) != h * stride:
        fail(f"{len(raw)} inflated bytes, expected {h * stride}")
    bad = [y for y in range(h) if raw[y * stride] > 4]
    if bad:
        fail(f"row {bad[0]}: filter type {raw[bad[0] * stride]} (PNG has 0-4)")
    return w, h, channels


def hex_rgb(s):
    s = s.lstrip("#")
    if len(s) != 6:
        raise argparse.ArgumentTypeError(f"colour '{s}' is not #rrggbb")
    return tuple(int(s[i:i + 2], 16) for i in (0, 2, 4))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("png")
    ap.add_argument("--size", help="expected WxH")
    ap.add_argument("--min-colors", type=int, default=2, help="distinct colours, at least")
    ap.add_argument("--color", type=hex_rgb, action="append", default=[],
                    help="#rrggbb that must appear (repeatable)")
    ap.add_argument("--min-pixels", type=int, default=20,
                    help="pixels each --color must cover, at least (default %(default)s)")
    a = ap.parse_args()
    try:
        data = open(a.png, "rb").read()
    except OSError as e:
        fail(str(e))
    w, h, _ = check_structure(data)
    if a.size and f"{w}x{h}" != a.size:
        fail(f"size {w}x{h}, expected {a.size}")
    try:
        from PIL import Image
    except ImportError:
        fail(f"Pillow is missing for {sys.executable} (Debian python3-pil, which "
             "python3-matplotlib pulls in)")
    img = Image.open(a.png).convert("RGB")
    counts = {rgb: n for n, rgb in img.getcolors(maxcolors=w * h)}
    if len(counts) < a.min_colors:
        fail(f"{len(counts)} colours, expected at least {a.min_colors}")
    for rgb in a.color:
        if counts.get(rgb, 0) < a.min_pixels:
            fail("colour #{:02x}{:02x}{:02x} in {} pixels, expected at least {}".format(
                *rgb, counts.get(rgb, 0), a.min_pixels))
    print(f"check_png: {a.png}: {w}x{h}, {len(counts)} colours, {len(data)} bytes, ok")


if __name__ == "__main__":
    main()
