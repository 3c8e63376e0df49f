"""Write the bad-input corpus in tests/corpus/: hostile or odd files a classroom will upload.

Each file is listed in tests/corpus/MANIFEST.json with what the app must do with it: "error"
(a clear InputError / st.error) or "ok" (an odd but valid input that must work). Run:

    python scripts/build_bad_input_corpus.py
"""

from __future__ import annotations

import io
import json
import stat
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "corpus"
RNG = np.random.default_rng(2024)


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_claiming(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + png_chunk(b"IEND", b"")
    )


def encoded(array: np.ndarray, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, fmt, **options)
    return buffer.getvalue()


def animated_gif() -> bytes:
    frames = [Image.fromarray(np.full((32, 32), value, np.uint8)) for value in (20, 120, 240)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


def digit_png(value: int) -> bytes:
    image = np.zeros((28, 28), np.uint8)
    image[6:22, 12 + value % 4 : 16 + value % 4] = 255
    return encoded(image, "PNG")


def zip_of(members: list[tuple[str, bytes]], *, symlinks: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3  # Unix, so the mode bits below are read
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    """A 200 kB zip with a member that inflates to 200 MB of zeros, next to six good images."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("cats/bomb.png", "w", force_zip64=True) as member:
            block = b"\0" * (1 << 20)
            for _ in range(200):
                member.write(block)
        for name, data in good_members():
            archive.writestr(name, data)
    return buffer.getvalue()


def lying_zip() -> bytes:
    """A zip whose central directory claims a member of 4 GB although the data is tiny."""
    data = bytearray(zip_of([("a/1.png", digit_png(1)), ("b/2.png", digit_png(2))]))
    directory = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, directory + 24, 0xFFFFFFF0)  # uncompressed size of the last member
    return bytes(data)


def good_members() -> list[tuple[str, bytes]]:
    return [(f"{label}/{index}.png", digit_png(index)) for label in ("cats", "dogs") for index in range(3)]


IMAGES: dict[str, tuple[bytes, str, str]] = {
    # file name: (content, expectation, what the user must be told or what must come back)
    "empty.png": (b"", "error", "empty"),
    "random-bytes.jpg": (RNG.integers(0, 256, 4096, dtype=np.uint8).tobytes(), "error", "not an image"),
    "text.png": (b"This is a text file pretending to be a picture.\n" * 20, "error", "not an image"),
    "document.pdf": (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
        "error",
        "not an image",
    ),
    "drawing.svg": (
        b"<svg xmlns='http://www.w3.org/2000/svg' width='100' height='100'><circle cx='50' cy='50' r='40'/></svg>",
        "error",
        "not an image",
    ),
    "truncated.png": (encoded(RNG.integers(0, 256, (64, 64, 3), dtype=np.uint8), "PNG")[:3000], "error", "truncated"),
    "truncated.jpg": (encoded(RNG.integers(0, 256, (64, 64, 3), dtype=np.uint8), "JPEG")[:1500], "error", "truncated"),
    "huge-header-100000x100000.png": (png_claiming(100_000, 100_000), "error", "too large"),
    "huge-header-20000x20000.png": (png_claiming(20_000, 20_000), "error", "too large"),
    "sixteen-bit.png": (encoded((np.arange(64 * 64, dtype=np.uint16).reshape(64, 64) * 16), "PNG"), "ok", "64x64x1"),
    "rgba.png": (
        encoded(
            np.dstack([RNG.integers(0, 256, (40, 50, 3), dtype=np.uint8), np.full((40, 50), 128, np.uint8)]), "PNG"
        ),
        "ok",
        "40x50x3",
    ),
    "one-pixel.png": (encoded(np.full((1, 1, 3), (200, 10, 10), np.uint8), "PNG"), "ok", "1x1x3"),
    "wide-10000x10.png": (
        encoded(np.tile(np.arange(10_000, dtype=np.uint16) % 256, (10, 1)).astype(np.uint8), "PNG"),
        "ok",
        "10x10000x1",
    ),
    "animated.gif": (animated_gif(), "ok", "32x32x1"),
}

ZIPS: dict[str, tuple[bytes, str, str]] = {
    # "ok" zips: the 6 good images load; the detail is how many members were skipped.
    "dot-dot-paths.zip": (
        zip_of([*good_members(), ("../escape/evil.png", digit_png(0)), ("cats/../../evil.png", digit_png(0))]),
        "ok",
        "2",
    ),
    "absolute-paths.zip": (zip_of([*good_members(), ("/etc/evil.png", digit_png(0))]), "ok", "1"),
    "symlink.zip": (zip_of(good_members(), symlinks={"cats/link.png": "/etc/passwd"}), "ok", "1"),
    "non-images.zip": (
        zip_of([*good_members(), ("cats/readme.txt", b"hello"), ("dogs/x.pdf", b"%PDF-1.4")]),
        "ok",
        "2",
    ),
    "zip-bomb.zip": (zip_bomb(), "ok", "1"),
    "declared-4gb.zip": (lying_zip(), "error", "limit"),
    "one-class.zip": (zip_of([(f"cats/{index}.png", digit_png(index)) for index in range(4)]), "error", "at least two"),
    "only-non-images.zip": (zip_of([("cats/a.txt", b"a"), ("dogs/b.txt", b"b")]), "error", "no png"),
    "empty.zip": (zip_of([]), "error", "empty"),
    "corrupt.zip": (zip_of(good_members())[:200], "error", "zip"),
    "not-a-zip.zip": (b"just some text", "error", "zip"),
}

KERNELS: dict[str, tuple[str, str]] = {
    "words": ("1 2 3\n4 abc 6\n7 8 9", "error"),
    "nan": ("1 nan 1\n0 0 0\n-1 -1 -1", "error"),
    "inf": ("inf 0 0\n0 1 0\n0 0 0", "error"),
    "division by zero": ("1/0 0 0\n0 1 0\n0 0 0", "error"),
    "ragged rows": ("1 2 3\n4 5\n6 7 8", "error"),
    "16x16": ("\n".join(" ".join("1" for _ in range(16)) for _ in range(16)), "error"),
    "empty": ("", "error"),
    "only spaces": ("   \n  \n", "error"),
    "overflow": ("1e400 0\n0 1", "error"),
    "fractions": ("1/9 1/9 1/9\n1/9 1/9 1/9\n1/9 1/9 1/9", "ok"),
    "commas": ("-1, 0, 1\n-2, 0, 2\n-1, 0, 1", "ok"),
}

STACKS: dict[str, tuple[str, str]] = {
    "shrinks below 1x1": (
        json.dumps(
            {
                "input_shape": [8, 8, 1],
                "layers": [
                    {"type": "Conv2D", "filters": 4, "kernel_size": 3},
                    {"type": "MaxPooling2D", "pool_size": 2},
                    {"type": "Conv2D", "filters": 4, "kernel_size": 3},
                    {"type": "Conv2D", "filters": 4, "kernel_size": 3},
                ],
            }
        ),
        "Layer 4",
    ),
    "zero filters": (
        json.dumps({"input_shape": [28, 28, 1], "layers": [{"type": "Conv2D", "filters": 0, "kernel_size": 3}]}),
        "Layer 1",
    ),
    "stride 0": (
        json.dumps(
            {
                "input_shape": [28, 28, 1],
                "layers": [
                    {"type": "Conv2D", "filters": 8, "kernel_size": 3},
                    {"type": "MaxPooling2D", "pool_size": 2, "strides": 0},
                ],
            }
        ),
        "Layer 2",
    ),
    "unknown layer type": (
        json.dumps(
            {
                "input_shape": [28, 28, 1],
                "layers": [{"type": "Conv2D", "filters": 8, "kernel_size": 3}, {"type": "Transformer"}],
            }
        ),
        "Layer 2",
    ),
    "malformed JSON": ('{"input_shape": [28, 28, 1], "layers": [{"type": "Conv2D", ', "JSON"),
    "not a stack": ('"just a string"', "must be an object"),
    "negative units": (
        json.dumps({"input_shape": [28, 28, 1], "layers": [{"type": "Flatten"}, {"type": "Dense", "units": -5}]}),
        "Layer 2",
    ),
}


def main() -> None:
    for folder in ("images", "zips"):
        (CORPUS / folder).mkdir(parents=True, exist_ok=True)
    manifest: dict[str, dict] = {"images": {}, "zips": {}, "kernels": {}, "stacks": {}}
    for name, (data, expect, detail) in IMAGES.items():
        (CORPUS / "images" / name).write_bytes(data)
        manifest["images"][name] = {"expect": expect, "detail": detail}
    for name, (data, expect, detail) in ZIPS.items():
        (CORPUS / "zips" / name).write_bytes(data)
        manifest["zips"][name] = {"expect": expect, "detail": detail}
    manifest["kernels"] = {name: {"text": text, "expect": expect} for name, (text, expect) in KERNELS.items()}
    manifest["stacks"] = {
        name: {"json": text, "expect": "error", "detail": detail} for name, (text, detail) in STACKS.items()
    }
    (CORPUS / "MANIFEST.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
