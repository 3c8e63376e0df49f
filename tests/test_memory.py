"""The glibc memory tuning that keeps the server's RSS flat over many trainings."""

from __future__ import annotations

import platform

import pytest

from cnnviz import memory

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not GLIBC, reason="malloc arenas are a glibc feature")
def test_on_glibc_the_arena_cap_is_set_and_freed_memory_can_be_trimmed():
    assert memory.limit_malloc_arenas() is True
    blocks = [bytearray(4096) for _ in range(20_000)]  # ~80 MB in small blocks, then freed
    del blocks
    assert memory.release_free_memory() is True


def test_without_glibc_both_do_nothing(monkeypatch):
    memory._libc.cache_clear()
    memory.limit_malloc_arenas.cache_clear()
    monkeypatch.setattr(memory.ctypes, "CDLL", lambda name: (_ for _ in ()).throw(OSError(name)))
    try:
        assert memory.limit_malloc_arenas() is False
        assert memory.release_free_memory() is False
    finally:
        memory._libc.cache_clear()
        memory.limit_malloc_arenas.cache_clear()
