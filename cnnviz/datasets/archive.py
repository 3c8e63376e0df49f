"""Datasets from a user's zip of labelled images, read in memory with limits against hostile archives.

Nothing is extracted to disk: members are read one by one from the uploaded bytes. Members with
``../`` or absolute paths, links, hidden and system files, encrypted files and non-images are left
out and counted. The archive is refused with :class:`InputError` when it is empty, damaged, over the
size or member limits (declared sizes are checked first and every member's real size is bounded
while it is read, so a zip bomb never expands), or when its images fall into fewer than two classes.
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
import zlib
from collections import Counter
from dataclasses import replace
from functools import partial
from pathlib import PurePosixPath

from cnnviz.datasets.dataset import Dataset, check_image_size
from cnnviz.datasets.labelled import Labelled, Progress, is_image_name, label_and_decode
from cnnviz.errors import InputError

MB = 2**20
MAX_ZIP_BYTES = 200 * MB  # the upload itself
MAX_MEMBERS = 20_000  # entries in the archive's directory
MAX_MEMBER_BYTES = 32 * MB  # uncompressed size of one file
MAX_TOTAL_BYTES = 1024 * MB  # uncompressed size of all files together
MAX_IMAGE_PIXELS = 16_000_000  # one image, checked from its header before decoding
MAX_DATASET_BYTES = 512 * MB  # the decoded uint8 arrays
_DRIVE = re.compile(r"^[A-Za-z]:")


def load_zip(
    data: bytes,
    *,
    image_size: int | None = None,
    seed: int = 0,
    on_progress: Progress | None = None,
) -> Dataset:
    """A :class:`Dataset` from the bytes of a zip of images labelled by folder or NEU-style file name.

    Images become grayscale ``uint8`` ``(N, H, W, 1)``, resized to ``image_size`` squared or, without
    one, to the first image's size (longer side at most 256). Split 80/20 within each class with
    ``seed``. ``skipped`` counts the members left out, by reason. ``on_progress(done, total)`` follows
    the decoding. Raises :class:`InputError` for an empty, damaged, oversized or single-class zip.
    """
    image_size = check_image_size(image_size)
    found = read_zip(data, image_size, on_progress=on_progress)
    return found.to_dataset(title="Uploaded zip", where="This zip", image_size=image_size, seed=seed)


def read_zip(data: bytes, image_size: int | None, *, on_progress: Progress | None = None) -> Labelled:
    """The labelled, decoded images of a zip, before the split (see :func:`load_zip`)."""
    with open_zip(data) as archive:
        members = archive.infolist()
        accepted, skipped = screen(members)
        if not accepted:
            left_out = ", ".join(f"{count:,} {reason}" for reason, count in skipped.items())
            detail = f" (left out: {left_out})" if left_out else ""
            raise InputError(f"This zip holds no PNG, JPEG, BMP, WebP or GIF images{detail}.")
        found = label_and_decode(
            [path for _, path in accepted],
            [partial(read_member, archive, info) for info, _ in accepted],
            image_size,
            max_pixels=MAX_IMAGE_PIXELS,
            max_bytes=MAX_DATASET_BYTES,
            on_progress=on_progress,
        )
    return replace(found, skipped=dict(skipped + Counter(found.skipped)))


def open_zip(data: bytes) -> zipfile.ZipFile:
    """The uploaded bytes as an open archive whose declared sizes are within the limits, or InputError."""
    if not data:
        raise InputError("The zip file is empty.")
    if len(data) > MAX_ZIP_BYTES:
        raise InputError(f"This zip is {len(data) / MB:,.0f} MB; the limit is {MAX_ZIP_BYTES // MB} MB.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise InputError("This file is not a zip archive, or it is damaged: zip your images again.") from None
    try:
        check_declared_sizes(archive.infolist())
    except InputError:
        archive.close()
        raise
    return archive


def check_declared_sizes(members: list[zipfile.ZipInfo]) -> None:
    if not members:
        raise InputError("This zip is empty: it holds no files.")
    if len(members) > MAX_MEMBERS:
        raise InputError(f"This zip holds {len(members):,} files; the limit is {MAX_MEMBERS:,}.")
    declared = sum(info.file_size for info in members)
    if declared > MAX_TOTAL_BYTES:
        raise InputError(
            f"This zip would expand to {declared / MB:,.0f} MB; the limit is {MAX_TOTAL_BYTES // MB:,} MB. "
            "Upload fewer or smaller images."
        )


def screen(members: list[zipfile.ZipInfo]) -> tuple[list[tuple[zipfile.ZipInfo, PurePosixPath]], Counter]:
    """The members worth decoding with their paths, and a count of the others by reason."""
    accepted, skipped = [], Counter[str]()
    for info in members:
        name = info.filename.replace("\\", "/")
        parts = [part for part in name.split("/") if part]
        if info.is_dir():
            continue
        if name.startswith("/") or _DRIVE.match(name) or ".." in parts:
            skipped["unsafe path (../ or absolute)"] += 1
        elif stat.S_ISLNK(info.external_attr >> 16):
            skipped["link"] += 1
        elif any(part.startswith((".", "__MACOSX")) for part in parts):
            skipped["hidden or system file"] += 1
        elif info.flag_bits & 0x1:
            skipped["encrypted"] += 1
        elif not is_image_name(name):
            skipped["not an image"] += 1
        elif info.file_size > MAX_MEMBER_BYTES:
            skipped[f"larger than {MAX_MEMBER_BYTES // MB} MB"] += 1
        else:
            accepted.append((info, PurePosixPath(*parts)))
    return accepted, skipped


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes, never more than its declared size (a lying header raises InputError).

    A damaged member gives ``b""``, which the decoder then counts as undecodable.
    """
    try:
        with archive.open(info) as stream:
            data = stream.read(min(info.file_size, MAX_MEMBER_BYTES) + 1)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError, RuntimeError):
        return b""
    if len(data) > info.file_size:
        raise InputError(f"{info.filename} expands beyond its declared size: this zip is damaged or malicious.")
    return data
