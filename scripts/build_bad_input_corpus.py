"""Write the bad-input corpus in tests/corpus/: hostile or odd files a classroom will upload.

Each file is listed in tests/corpus/MANIFEST.json with what the app must do with it: "error"
(a clear InputError / st.error) or "ok" (an odd but valid input that must work). Besides broken
files, the corpus holds inputs that are cheap to send and dear to serve (issue 25): tiny files that
claim huge images, zips of many such files or of too many files, stacks of thousands of nested
layers or trillions of multiply-adds, links whose values overflow a QR code or ask for a dataset
resized past the memory limit; next to each, a valid input of the same kind at the limit. The
``costly`` ones are also measured before and after by ``bench/bench_attacks.py``. Run:

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

from cnnviz.architecture import PRESETS, to_json

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


def member(name: str, compress: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
    """A zip entry dated 2024-01-01, so rebuilding the corpus gives the same bytes."""
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.compress_type = compress
    return info


def zip_of(members: list[tuple[str, bytes]], *, symlinks: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(member(name), data)
        for name, target in (symlinks or {}).items():
            info = member(name)
            info.create_system = 3  # Unix, so the mode bits below are read
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    """A 200 kB zip with a member that inflates to 200 MB of zeros, next to six good images."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open(member("cats/bomb.png"), "w", force_zip64=True) as bomb:
            block = b"\0" * (1 << 20)
            for _ in range(200):
                bomb.write(block)
        for name, data in good_members():
            archive.writestr(member(name), data)
    return buffer.getvalue()


def lying_zip() -> bytes:
    """A zip whose central directory claims a member of 4 GB although the data is tiny."""
    data = bytearray(zip_of([("a/1.png", digit_png(1)), ("b/2.png", digit_png(2))]))
    directory = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, directory + 24, 0xFFFFFFF0)  # uncompressed size of the last member
    return bytes(data)


def good_members() -> list[tuple[str, bytes]]:
    return [(f"{label}/{index}.png", digit_png(index)) for label in ("cats", "dogs") for index in range(3)]


def webp_claiming(width: int, height: int) -> bytes:
    """A lossless WebP of ``width``×``height`` half-transparent pixels: ~1 kB that decodes to 4 bytes per pixel."""
    pixels = np.zeros((height, width, 4), np.uint8)
    pixels[:, :, 3] = 128
    return encoded(pixels, "WEBP", lossless=True, quality=100, method=6)


def palette_png_claiming(width: int, height: int) -> bytes:
    """A 1-bit palette PNG of ``width``×``height`` pixels whose colour 0 is transparent: ~3 kB, the smallest
    lossless file with alpha (Pillow cannot reduce a palette image; converted whole it takes 4 bytes per pixel)."""
    image = Image.new("P", (width, height), 0)
    image.putpalette([0, 0, 0, 255, 255, 255])
    buffer = io.BytesIO()
    image.save(buffer, "PNG", bits=1, transparency=0, optimize=True)
    return buffer.getvalue()


def strip_png(width: int) -> bytes:
    """A one-row PNG ``width`` pixels long: few pixels, so it passes the area check, but no page can draw it."""
    header = struct.pack(">IIBBBBB", width, 1, 8, 0, 0, 0, 0)
    row = zlib.compress(b"\0" + b"\x80" * width, 9)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", row) + png_chunk(b"IEND", b"")


def sixteen_bit_png(side: int) -> bytes:
    """A 16-bit grayscale PNG of ``side``×``side`` zeros (a float64 conversion would take 8 bytes per pixel)."""
    buffer = io.BytesIO()
    Image.new("I;16", (side, side)).save(buffer, "PNG")
    return buffer.getvalue()


def portrait_jpeg() -> bytes:
    """A 30×40 JPEG (rows × columns) whose EXIF says "rotate 90° clockwise": upright it is 40×30."""
    image = Image.fromarray(RNG.integers(0, 256, (30, 40, 3), dtype=np.uint8))
    exif = image.getexif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=95)
    return buffer.getvalue()


def claiming_zip(count: int, side: int) -> bytes:
    """``count`` lossless WebPs of ``side``×``side`` pixels in two class folders, next to the six good images."""
    big = webp_claiming(side, side)
    return zip_of([*good_members(), *((f"{('cats', 'dogs')[i % 2]}/big-{i}.webp", big) for i in range(count))])


def many_files_zip(count: int) -> bytes:
    """``count`` members of a few bytes each: the zip's directory alone is the cost."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for index in range(count):
            archive.writestr(member(f"{('cats', 'dogs')[index % 2]}/{index}.png", zipfile.ZIP_STORED), b"")
    return buffer.getvalue()


def stack_json(input_shape: list[int], layers: list[dict]) -> str:
    return json.dumps({"input_shape": input_shape, "layers": layers}, separators=(",", ":"))


def nested_stack(blocks: int, inner: int) -> str:
    """``blocks`` Residual blocks of ``inner`` ReLU layers each (4,100 layers in 65 kB for 100 × 40)."""
    return stack_json([8, 8, 1], [{"type": "Residual", "layers": [{"type": "ReLU"}] * inner}] * blocks)


def kernel_link(value: str, side: int = 15) -> str:
    """A kernel as a link writes it: ``side`` rows of ``side`` values joined by "_", rows by spaces."""
    return " ".join(["_".join([value] * side)] * side)


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
    "huge-header-100000x100000.png": (png_claiming(100_000, 100_000), "error", "too big"),
    "huge-header-20000x20000.png": (png_claiming(20_000, 20_000), "error", "the most allowed is 25,000,000 pixels"),
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
    # Tiny files, huge pixels (issue 25): ~1 kB each, at the pixel limit and just over it.
    "lossless-5000x5000-alpha.webp": (webp_claiming(5000, 5000), "ok", "5000x5000x1"),
    "lossless-5000x5001-alpha.webp": (webp_claiming(5000, 5001), "error", "too big: 5,000×5,001 pixels"),
    "sixteen-bit-5000x5000.png": (sixteen_bit_png(5000), "ok", "5000x5000x1"),
    "palette-5000x5000-alpha.png": (palette_png_claiming(5000, 5000), "ok", "5000x5000x1"),
    "palette-5000x5001-alpha.png": (palette_png_claiming(5000, 5001), "error", "too big: 5,000×5,001 pixels"),
    "strip-1x25000000.png": (strip_png(25_000_000), "error", "too long and thin"),
    "exif-portrait.jpg": (portrait_jpeg(), "ok", "40x30x3"),
}
#: Images the convolution page is not run on in tests/test_bad_inputs_pages.py: at the pixel limit, they are
#: about decoding's cost; the page's own cost on 25 million pixels is another subject.
AT_THE_PIXEL_LIMIT = ("lossless-5000x5000-alpha.webp", "sixteen-bit-5000x5000.png", "palette-5000x5000-alpha.png")

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
    "declared-4gb.zip": (lying_zip(), "error", "unpacked, is too big"),
    "one-class.zip": (zip_of([(f"cats/{index}.png", digit_png(index)) for index in range(4)]), "error", "at least two"),
    "only-non-images.zip": (zip_of([("cats/a.txt", b"a"), ("dogs/b.txt", b"b")]), "error", "no png"),
    "empty.zip": (zip_of([]), "error", "empty"),
    "corrupt.zip": (zip_of(good_members())[:200], "error", "zip"),
    "not-a-zip.zip": (b"just some text", "error", "zip"),
    # Tiny files, huge pixels (issue 25): 4 × 16 million pixels are decoded (in bounded memory), 40 × are
    # refused from the headers before any image is; more files than allowed are refused from the directory.
    "four-4000x4000-alpha.zip": (claiming_zip(4, 4000), "ok", "0"),
    "forty-4000x4000-alpha.zip": (claiming_zip(40, 4000), "error", "the most allowed is 100 M pixels"),
    "strip-member.zip": (zip_of([*good_members(), ("cats/strip.png", strip_png(25_000_000))]), "ok", "1"),
    "5001-files.zip": (many_files_zip(5001), "error", "5,001 files; the most allowed is 5,000 files"),
}
#: Images an "ok" zip gives (the six good ones unless said here).
ZIP_IMAGES = {"four-4000x4000-alpha.zip": 10}

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
    # Imported stacks that cost more than they weigh (issue 25).
    "4,100 nested layers in 65 kB": (nested_stack(100, 40), "4,100 layers, counting those inside blocks"),
    "brackets nested 1,000 deep": ("[" * 1000 + "]" * 1000, "nested too deeply"),
    "a number of 5,000 digits": (
        stack_json([28, 28, 1], [{"type": "Flatten"}]).replace('"Flatten"}', '"Flatten", "x": ' + "9" * 5000 + "}"),
        "number far too long",
    ),
    "462 G multiply-adds": (
        stack_json([1024, 1024, 3], [{"type": "Conv2D", "filters": 16384, "kernel_size": 3}]),
        "multiply-adds per image; the most allowed is 50 G",
    ),
    "upsampling to 3 GiB": (
        stack_json([28, 28, 1], [{"type": "UpSampling2D", "size": 1024}] * 3),
        "the stack up to here is too big: layer outputs of 3.06 GiB for one image",
    ),
    "137 G parameters": (
        stack_json([1024, 1024, 8], [{"type": "Flatten"}, {"type": "Dense", "units": 16384}]),
        "the stack up to here is too big: 137 G parameters",
    ),
}

#: Valid stacks of the same kinds, at or near the limits: they must load and summarise.
GOOD_STACKS: dict[str, str] = {
    "200 layers in 40 blocks": nested_stack(40, 4),
    "VGG-16 at 224×224 (15.5 G multiply-adds, 138 M parameters)": to_json(
        PRESETS["VGG-16 (224×224 colour)"][1], PRESETS["VGG-16 (224×224 colour)"][0]
    ),
}

#: Links that cost more than they weigh (issue 25): page, query, and a sentence the page must show.
LINKS: dict[str, dict] = {
    "a kernel whose link overflows a QR code": {
        "page": "convolution",
        "query": {"kernel": kernel_link("-13/997")},
        "shows": "more than a QR code can hold",
    },
    "NEU CNN's 200×200 input on Fashion-MNIST": {
        "page": "training",
        "query": {"network": "preset", "preset": "NEU CNN", "dataset": "fashion_mnist"},
        "shows": "Fashion-MNIST at 200×200 is too big",
    },
    "a 512×512 input on Fashion-MNIST": {
        "page": "training",
        "query": {
            "network": "stack",
            "input": "512x512x1",
            "stack": "maxpool-size.8 maxpool-size.8 flatten dense-10-a.softmax",
            "dataset": "fashion_mnist",
        },
        "shows": "Fashion-MNIST can be resized to 28, 32, 48, 64, 96, 128 or 200 pixels square, not 512×512",
    },
    "a 64×64 input on Fashion-MNIST (valid: 273 MiB)": {
        "page": "training",
        "query": {
            "network": "stack",
            "input": "64x64x1",
            "stack": "maxpool-size.4 flatten dense-10-a.softmax",
            "dataset": "fashion_mnist",
        },
        "shows": "resized to 64×64 to fit the network when the training starts",
    },
}


def main() -> None:
    for folder in ("images", "zips"):
        (CORPUS / folder).mkdir(parents=True, exist_ok=True)
    manifest: dict[str, dict] = {"images": {}, "zips": {}, "kernels": {}, "stacks": {}, "links": LINKS}
    for name, (data, expect, detail) in IMAGES.items():
        (CORPUS / "images" / name).write_bytes(data)
        limit = name in AT_THE_PIXEL_LIMIT
        manifest["images"][name] = {"expect": expect, "detail": detail, "at_the_pixel_limit": limit}
    for name, (data, expect, detail) in ZIPS.items():
        (CORPUS / "zips" / name).write_bytes(data)
        manifest["zips"][name] = {"expect": expect, "detail": detail} | (
            {"images": ZIP_IMAGES.get(name, 6)} if expect == "ok" else {}
        )
    manifest["kernels"] = {name: {"text": text, "expect": expect} for name, (text, expect) in KERNELS.items()}
    manifest["stacks"] = {
        name: {"json": text, "expect": "error", "detail": detail} for name, (text, detail) in STACKS.items()
    } | {name: {"json": text, "expect": "ok", "detail": ""} for name, text in GOOD_STACKS.items()}
    (CORPUS / "MANIFEST.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
