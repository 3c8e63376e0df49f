"""The fast paths behind :func:`cnnviz.ops.conv2d`: OpenCV for photo filters, im2col products for layers.

:mod:`cnnviz.ops` checks the arguments and works out the sliding :class:`~cnnviz.conv_geometry.Geometry`
(pads, strides, dilation, output size); this module only computes, as fast as NumPy and OpenCV
allow on a small shared machine (``bench/bench_conv.py`` times it against ``cv2.filter2D`` and
``tf.nn.conv2d``). Inputs are float32 or float64 ``(H, W, C)`` arrays.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

import cv2
import numpy as np
from numpy.lib.stride_tricks import as_strided
from threadpoolctl import ThreadpoolController

from cnnviz.conv_geometry import Geometry, Pair

# Bytes of im2col columns built at once by the layer convolution: small enough to stay in cache.
_BLOCK_BYTES = 256 * 1024
# Bytes of channel-first input rows a thread prepares at once for its blocks (see layer()).
_CHUNK_BYTES = 512 * 1024
# Multiply-accumulates below which threads cost more than they save.
_PARALLEL_MACS = 4_000_000

# ---------------------------------------------------------------------------------------------
# Photo filters: one 2-D kernel on every channel
# ---------------------------------------------------------------------------------------------


def _pad(x: np.ndarray, pads: tuple[Pair, Pair], rows: int, cols: int) -> np.ndarray:
    """Zero-pad ``x`` by ``pads``, then keep the first ``rows`` × ``cols`` (what the windows reach)."""
    (top, bottom), (left, right) = pads
    if top or bottom or left or right:
        x = cv2.copyMakeBorder(x, top, bottom, left, right, cv2.BORDER_CONSTANT, value=0).reshape(
            x.shape[0] + top + bottom, x.shape[1] + left + right, *x.shape[2:]
        )
    return x[:rows, :cols]


def filter_channels(x: np.ndarray, k: np.ndarray, geo: Geometry) -> np.ndarray:
    """Cross-correlate every channel with the 2-D kernel ``k`` (already spread by the dilation).

    Either one ``filter2D`` at full resolution, keeping every stride-th cell (its zero border does
    the padding when the padding fits inside the kernel's anchor), or, when the thrown-away work
    would cost more than splitting the input (:func:`_split_pays`), the polyphase sum
    ``out = Σ_{p,q} valid(x[p::sh, q::sw] ⋆ k[p::sh, q::sw])`` that computes only the kept cells.
    """
    kh, kw = k.shape
    (top, _), (left, _) = geo.pads
    (oh, ow), (sh, sw) = geo.out, geo.stride
    height, width = x.shape[:2]
    split = _split_pays(k, geo.stride)
    if not split and top < kh and left < kw and (oh - 1) * sh < height and (ow - 1) * sw < width:
        full = cv2.filter2D(x, -1, k, anchor=(left, top), borderType=cv2.BORDER_CONSTANT)
        return np.ascontiguousarray(full[: (oh - 1) * sh + 1 : sh, : (ow - 1) * sw + 1 : sw]).reshape(
            oh, ow, *x.shape[2:]
        )
    xp = _pad(x, geo.pads, (oh - 1) * sh + kh, (ow - 1) * sw + kw)
    if not split:
        full = cv2.filter2D(xp, -1, k, anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
        return np.ascontiguousarray(full[::sh, ::sw][:oh, :ow]).reshape(oh, ow, *x.shape[2:])
    planar = xp.reshape(*xp.shape[:2], -1).transpose(2, 0, 1)  # (C, rows, cols)
    result = np.zeros((planar.shape[0], oh, ow), x.dtype)
    for p in range(min(sh, kh)):
        for q in range(min(sw, kw)):
            part = np.ascontiguousarray(k[p::sh, q::sw])
            if not part.any():
                continue
            phase = np.ascontiguousarray(planar[:, p::sh, q::sw][:, : oh + part.shape[0] - 1, : ow + part.shape[1] - 1])
            channels, rows, cols = phase.shape
            # The channels stacked as one tall image: rows that mix two channels fall outside [:oh].
            filtered = cv2.filter2D(
                phase.reshape(channels * rows, cols), -1, part, anchor=(0, 0), borderType=cv2.BORDER_CONSTANT
            )
            result += filtered.reshape(channels, rows, cols)[:, :oh, :ow]
    return np.ascontiguousarray(result.transpose(1, 2, 0)).reshape(oh, ow, *x.shape[2:])


# Cost of splitting an image into stride phases, in kernel taps per pixel of a filter2D call
# (copies to and from channel-first order). Measured on 512×512 RGB: splitting wins from about
# 7×7 at stride 2 on (bench/bench_conv.py times the 3×3 and 7×7 stride-2 cases).
_SPLIT_COST_TAPS = 35


def _split_pays(k: np.ndarray, stride: Pair) -> bool:
    """Whether the polyphase split beats filtering at full resolution and keeping 1/(sh·sw) of it.

    Full resolution wastes ``taps·(1 - 1/(sh·sw))`` multiply-adds per pixel; OpenCV switches to a
    DFT (cost independent of the kernel) from 11×11 on, which caps the waste.
    """
    taps = min(k.size, 11 * 11)
    return taps * (1 - 1 / (stride[0] * stride[1])) > _SPLIT_COST_TAPS


# ---------------------------------------------------------------------------------------------
# Layers: (kh, kw, C, F) kernels by im2col and matrix products on a few threads
# ---------------------------------------------------------------------------------------------


# Threads that share one layer convolution: the caller and the pool's workers.
_THREADS = max(1, min(4, os.cpu_count() or 1))


@cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=max(1, _THREADS - 1), thread_name_prefix="cnnviz-conv")


_blas_lock = threading.Lock()
_blas_users = 0  # layer convolutions running now
_blas_limiter = None  # their shared threadpoolctl limit while _blas_users > 0


@contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """Keep NumPy's BLAS on one thread while our own block threads run (shared by concurrent callers).

    OpenBLAS's own threads busy-wait between calls; next to our worker threads on a busy machine
    that turned 6 ms convolutions into 300 ms ones. The first caller sets the limit, the last
    one restores it.
    """
    global _blas_users, _blas_limiter
    with _blas_lock:
        if _blas_users == 0:
            _blas_limiter = _blas_controller().limit(limits=1, user_api="blas")
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0:
                _blas_limiter.restore_original_limits()
                _blas_limiter = None


@cache
def _blas_controller() -> ThreadpoolController:
    return ThreadpoolController()


def layer(x: np.ndarray, k: np.ndarray, geo: Geometry) -> np.ndarray:
    """A convolution layer ``(H, W, C) ⋆ (kh, kw, C, F) -> (H', W', F)`` by im2col and matrix products.

    The output rows are shared out as one band per thread, the caller's and the pool's (NumPy releases
    the GIL; BLAS itself stays on one thread). A thread works through its band a chunk of rows at a
    time: it copies the input rows the chunk reaches, channel-first with their padding zeros and their
    columns split by stride phase (:func:`_fill_rows`), into a buffer that stays in cache
    (``_CHUNK_BYTES``), so every later copy reads contiguous runs and few rows are copied twice. Then it
    makes the chunk's output a few rows at a time (``_BLOCK_BYTES``): one strided copy per phase
    (:class:`_ColumnGroup`) turns the chunk into the block's im2col columns (tap, channel) × position,
    their rows spaced so they do not share cache sets (:func:`_spread`), and one ``(rows·W', K) @ (K, F)``
    product writes the block's output in place. Only the kept output
    positions are computed, whatever the stride and dilation.
    """
    kh, kw, channels, filters = k.shape
    (sh, sw), (dh, dw) = geo.stride, geo.dilation
    (oh, ow), (top, left) = geo.out, (geo.pads[0][0], geo.pads[1][0])
    taps = kh * kw * channels
    weights = np.ascontiguousarray(k.reshape(taps, filters))  # (K, F), K = (a, b, c)
    out = np.empty((oh * ow, filters), x.dtype)
    rows_per_block = max(1, _BLOCK_BYTES // (taps * ow * x.itemsize))
    reach = dh * (kh - 1) + 1
    groups = _column_groups(kw, dw, sw)
    width = ow + max(group.reach for group in groups)  # columns of one phase the windows reach
    phases = sorted({group.phase for group in groups})
    row_bytes = channels * sw * width * x.itemsize  # one input row in the chunk buffer
    blocks_per_chunk = max(1, (_CHUNK_BYTES // row_bytes - reach) // (sh * rows_per_block))
    rows_per_chunk = rows_per_block * blocks_per_chunk

    def run(first: int, last: int) -> None:
        # chunk[c, i, q, j] is padded input row r·sh + i (r: the chunk's first output row), padded
        # column q + j·sw. Zeros first: the padding columns are never written afterwards.
        most = min(rows_per_chunk, last - first)
        chunk = np.zeros((channels, (most - 1) * sh + reach, sw, width), x.dtype)
        cs, rs, _, es = chunk.strides
        sources = [
            (
                group.taps,
                as_strided(
                    chunk[:, :, group.phase, group.offset :],
                    (kh, group.count, channels, most, ow),
                    (dh * rs, group.offset_step * es, cs, sh * rs, es),
                    writeable=False,
                ),
            )
            for group in groups
        ]
        # One im2col row per (tap, channel), its positions contiguous; the rows are spaced apart so that
        # they start in different cache sets (see _spread).
        buffer = np.empty((taps, _spread(min(rows_per_block, most) * ow, x.itemsize)), x.dtype)
        for start in range(first, last, rows_per_chunk):
            count = min(rows_per_chunk, last - start)
            for phase in phases:
                _fill_rows(chunk[:, : (count - 1) * sh + reach, phase], x, start * sh - top, phase - left, sw)
            for r in range(start, start + count, rows_per_block):
                n = min(rows_per_block, start + count - r)
                cols = buffer[:, : n * ow]
                taps_view = cols.reshape(kh, kw, channels, n, ow)  # a view: only the tap axis is spread
                for kept, source in sources:
                    np.copyto(taps_view[:, kept], source[:, :, :, r - start : r - start + n])
                # (rows·W', K) @ (K, F): the transposed columns go to BLAS as they are, without a copy.
                np.matmul(cols.T, weights, out=out[r * ow : (r + n) * ow])

    bands = _bands(oh, rows_per_block, parallel=oh * ow * taps * filters >= _PARALLEL_MACS)
    with _single_threaded_blas():
        if len(bands) == 1:
            run(0, oh)
        else:
            # The calling thread takes the first band itself rather than wait idle.
            futures = [_pool().submit(run, first, last) for first, last in bands[1:]]
            run(*bands[0])
            for future in futures:
                future.result()
    return out.reshape(oh, ow, filters)


def _spread(count: int, itemsize: int) -> int:
    """A row length of at least ``count`` items whose bytes are an odd number of 64-byte cache lines.

    Rows ``k·length`` apart then start in different sets of a CPU cache (64 sets of 64-byte lines, as
    on x86-64 L1 caches) instead of all in the same few: the matrix product reads its 27+ im2col rows
    side by side, and rows a power of two apart (4 rows of 512 positions: 8 KiB) evicted each other,
    which made the product 25-35 % slower.
    """
    lines = -(-count * itemsize // 64)
    return (lines + 1 - lines % 2) * 64 // itemsize


def _bands(rows: int, rows_per_block: int, *, parallel: bool) -> list[tuple[int, int]]:
    """Output rows ``0 … rows`` as ``(first, last)`` bands of whole blocks: one per thread (pool and caller)."""
    blocks = -(-rows // rows_per_block)
    count = min(blocks, _THREADS) if parallel else 1
    starts = [min(rows, rows_per_block * round(blocks * t / count)) for t in range(count + 1)]
    return list(pairwise(starts))


@dataclass(frozen=True)
class _ColumnGroup:
    """The kernel columns that read one stride phase of the padded input.

    Kernel column ``b`` reads padded column ``j·sw + b·dw`` for output column ``j``: phase
    ``(b·dw) mod sw``, cell ``j + (b·dw) div sw`` of that phase. The kernel columns of one phase
    are ``taps`` (every ``sw / gcd(dw, sw)``-th); their cells start at ``offset`` and step by
    ``offset_step``, so one strided view holds them all.
    """

    phase: int
    taps: slice
    count: int
    offset: int
    offset_step: int

    @property
    def reach(self) -> int:
        """Phase cells beyond the output's that the group's last kernel column reads."""
        return self.offset + self.offset_step * (self.count - 1)


def _column_groups(kernel: int, dilation: int, stride: int) -> list[_ColumnGroup]:
    """The kernel columns grouped by the stride phase they read (one group when the stride is 1)."""
    common = math.gcd(dilation, stride)
    tap_step, offset_step = stride // common, dilation // common
    groups = []
    for first in range(min(tap_step, kernel)):
        offset, phase = divmod(first * dilation, stride)
        groups.append(
            _ColumnGroup(phase, slice(first, None, tap_step), len(range(first, kernel, tap_step)), offset, offset_step)
        )
    return groups


def _fill_rows(rows: np.ndarray, x: np.ndarray, start: int, column: int, step: int) -> np.ndarray:
    """Write input rows ``start, start + 1, …`` of ``x`` (H, W, C) into ``rows`` (C, n, width), channel-first.

    ``rows[c, i, j]`` is ``x[start + i, column + step·j, c]``. Rows above or below the image
    (``start`` may be negative) become zeros; columns outside it are never written, so a buffer
    that starts as zeros keeps its padding.
    """
    height, count = x.shape[0], rows.shape[1]
    first, last = min(max(-start, 0), count), max(min(height - start, count), 0)
    inside = _inside(column, step, x.shape[1], rows.shape[2])
    rows[:, :first] = 0
    rows[:, max(last, first) :] = 0
    if first < last and inside:
        picked = x[start + first : start + last, column + step * inside.start : column + step * inside[-1] + 1 : step]
        rows[:, first:last, inside.start : inside.stop] = picked.transpose(2, 0, 1)
    return rows


def _inside(start: int, step: int, length: int, count: int) -> range:
    """The ``j`` in ``0 … count-1`` with ``0 ≤ start + step·j < length`` (empty when there are none)."""
    first = min(max(-(start // step), 0), count)
    return range(first, max(min(-((start - length) // step), count), first))
