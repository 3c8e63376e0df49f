"""Datasets from a user's zip of labelled images, read in memory with limits against hostile archives.

Nothing is extracted to disk: members are read one by one from the uploaded bytes. Members with
``../`` or absolute paths, links, hidden and system files, encrypted files, non-images and images
over the size limits are left out and counted. The archive is refused with :class:`InputError` when
it is empty, damaged, over the size or member limits (declared sizes are checked first and every
member's real size is bounded while it is read, so a zip bomb never expands), when its images would
decode to more pixels than :data:`cnnviz.limits.UPLOAD_PIXELS` (read from every image's header before
any image is decoded: a 1 kB file can claim 16 million pixels), or when they fall into fewer than two
classes. The limits are in :mod:`cnnviz.limits`.
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

from cnnviz import limits
from cnnviz.datasets.dataset import Dataset, check_image_size
from cnnviz.datasets.labelled import Labelled, Progress, default_shape, is_image_name, label_and_decode
from cnnviz.errors import InputError
from cnnviz.images import ImageHeader, check_decoding_budget, read_header

HEADER_BYTES = 64 * 1024  # read from a member to find its image header (the whole member if that is not enough)
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
        accepted, min_side = within_budget(archive, accepted, image_size, skipped)
        found = label_and_decode(
            [path for _, path in accepted],
            [partial(read_member, archive, info) for info, _ in accepted],
            image_size,
            max_pixels=limits.DATASET_IMAGE_PIXELS.most,
            max_bytes=limits.DATASET_BYTES.most,
            min_side=min_side,
            on_progress=on_progress,
        )
    return replace(found, skipped=dict(skipped + Counter(found.skipped)))


Member = tuple[zipfile.ZipInfo, PurePosixPath]


def within_budget(
    archive: zipfile.ZipFile, accepted: list[Member], image_size: int | None, skipped: Counter
) -> tuple[list[Member], int]:
    """The members whose headers are images within the size limits, and the side they may be decoded at.

    Every header is read (never a pixel) and the pixels decoding will allocate are added up (a JPEG
    counts at the reduced size it is decoded at): over :data:`cnnviz.limits.UPLOAD_PIXELS` the zip
    is refused before any image is decoded. Members that are not images, or too big, go to ``skipped``.
    """
    headers: list[tuple[Member, ImageHeader]] = []
    too_big = (
        f"larger than {limits.DATASET_IMAGE_PIXELS.text(limits.DATASET_IMAGE_PIXELS.most)} "
        f"or longer and thinner than {limits.IMAGE_ASPECT.text(limits.IMAGE_ASPECT.most)}"
    )
    for member in accepted:
        try:
            header = member_header(archive, member[0])
        except InputError:
            skipped["could not be decoded"] += 1
            continue
        try:
            header.check(max_pixels=limits.DATASET_IMAGE_PIXELS.most, subject=str(member[1]))
        except InputError:
            skipped[too_big] += 1
            continue
        headers.append((member, header))
    if not headers:
        return [], 1
    first = headers[0][1]
    min_side = image_size or max(default_shape((first.height, first.width)))
    check_decoding_budget([header for _, header in headers], min_side, "This zip")
    return [member for member, _ in headers], min_side


def member_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> ImageHeader:
    """A member's image header from its first bytes (the whole member when the header is further in)."""
    try:
        with archive.open(info) as stream:
            start = stream.read(HEADER_BYTES)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError, RuntimeError):
        start = b""
    try:
        return read_header(start)
    except InputError:
        if len(start) < HEADER_BYTES:
            raise
    return read_header(read_member(archive, info))


def open_zip(data: bytes) -> zipfile.ZipFile:
    """The uploaded bytes as an open archive whose declared sizes are within the limits, or InputError."""
    if not data:
        raise InputError("The zip file is empty.")
    limits.UPLOAD_BYTES.check(len(data), "This zip")
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
    limits.ZIP_FILES.check(len(members), "This zip")
    limits.ZIP_UNPACKED_BYTES.check(sum(info.file_size for info in members), "This zip, unpacked,")


def screen(members: list[zipfile.ZipInfo]) -> tuple[list[Member], Counter]:
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
        elif not limits.ZIP_FILE_BYTES.allows(info.file_size):
            skipped[f"larger than {limits.ZIP_FILE_BYTES.text(limits.ZIP_FILE_BYTES.most)}"] += 1
        else:
            accepted.append((info, PurePosixPath(*parts)))
    return accepted, skipped


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes, never more than its declared size (a lying header raises InputError).

    A damaged member gives ``b""``, which the decoder then counts as undecodable.
    """
    try:
        with archive.open(info) as stream:
            data = stream.read(min(info.file_size, limits.ZIP_FILE_BYTES.most) + 1)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError, RuntimeError):
        return b""
    if len(data) > info.file_size:
        raise InputError(f"{info.filename} expands beyond its declared size: this zip is damaged or malicious.")
    return data
