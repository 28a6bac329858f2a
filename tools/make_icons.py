"""Draw the app icons in static/icons/ (run once; the files are committed).

Two linked rings, white on the header's dark blue: coordination. Pure Python (zlib,
struct) so no image library is needed: a PNG per size, and favicon.ico holding the
32 px PNG (ICO files may embed PNG images).
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "static" / "icons"
BLUE = (0x0B, 0x3D, 0x62)  # the header's .bg-primary-dark
WHITE = (0xFF, 0xFF, 0xFF)


def pixel(x: float, y: float) -> tuple[int, int, int, int]:
    """Colour at (x, y) in a 1 x 1 square: rounded background, two rings."""
    corner = 0.18
    dx = max(corner - x, 0, x - (1 - corner))
    dy = max(corner - y, 0, y - (1 - corner))
    if math.hypot(dx, dy) > corner:
        return (0, 0, 0, 0)
    for cx in (0.38, 0.62):
        if abs(math.hypot(x - cx, y - 0.5) - 0.2) < 0.055:
            return (*WHITE, 255)
    return (*BLUE, 255)


def png(size: int) -> bytes:
    samples = 4  # 4 x 4 supersampling smooths the edges
    rows = []
    for j in range(size):
        row = bytearray([0])
        for i in range(size):
            acc = [0, 0, 0, 0]
            for sj in range(samples):
                for si in range(samples):
                    colour = pixel(
                        (i + (si + 0.5) / samples) / size, (j + (sj + 0.5) / samples) / size
                    )
                    for k in range(4):
                        acc[k] += colour[k]
            row += bytes(round(a / samples**2) for a in acc)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


def ico(image: bytes, size: int) -> bytes:
    directory = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(image), 6 + 16)
    return directory + entry + image


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size, name in (
        (32, "icon-32.png"),
        (180, "apple-touch-icon.png"),
        (192, "icon-192.png"),
        (512, "icon-512.png"),
    ):
        (OUT / name).write_bytes(png(size))
    (OUT / "favicon.ico").write_bytes(ico(png(32), 32))


if __name__ == "__main__":
    main()
