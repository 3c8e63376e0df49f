"""Keep a long-running server's memory flat across trainings (glibc only; elsewhere these do nothing).

TensorFlow allocates from many threads and glibc gives threads their own malloc arenas (up to
eight per core); memory freed inside an arena is seldom handed back to the system, so the
server's resident memory crept up by ~20 MB with every training even after the run was thrown
away. Two arenas, a full garbage collection and an explicit trim after each training bring that
down to ~8-9 MB per ``model.fit``: what is left is a known TensorFlow/Keras leak of repeated
``fit`` calls (keras-team/keras#20552, tensorflow/tensorflow#80753) that ``clear_session`` does
not cure either; that is why trainings run in Dask worker processes that restart themselves
(:mod:`cnnviz.training.worker`). ``bench/bench_dask.py --in-a-row N`` measures the server's RSS
over N trainings in a row.
"""

from __future__ import annotations

import ctypes
import functools
import gc

M_ARENA_MAX = -8  # mallopt parameter from glibc's malloc.h


@functools.cache
def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:  # not glibc (macOS, Windows, musl): nothing to tune
        return None


@functools.cache
def limit_malloc_arenas(count: int = 2) -> bool:
    """Cap glibc's malloc arenas for threads created from now on; True when the cap was set."""
    libc = _libc()
    return bool(libc and libc.mallopt(M_ARENA_MAX, count) == 1)


def release_free_memory() -> bool:
    """Collect Python's unreachable cycles (a trained Keras model leaves many; the server does not run a
    full collection after every script run, see ``runner.postScriptGC``), then hand what Python and
    TensorFlow have freed back to the system. True when memory was returned."""
    gc.collect()
    libc = _libc()
    return bool(libc and libc.malloc_trim(0) == 1)
