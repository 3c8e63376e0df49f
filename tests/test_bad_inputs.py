"""The bad-input corpus (tests/corpus, built by scripts/build_bad_input_corpus.py) through the library.

Every hostile case must end in an InputError whose message tells the user what is wrong; every odd but
valid case must work. The same corpus goes through the pages in tests/test_bad_inputs_pages.py.
"""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from cnnviz.architecture import from_json, summarize
from cnnviz.datasets import load_zip
from cnnviz.errors import InputError
from cnnviz.images import load_image
from cnnviz.kernels import parse_kernel

CORPUS = Path(__file__).parent / "corpus"
MANIFEST = json.loads((CORPUS / "MANIFEST.json").read_text())


def cases(kind: str) -> list[tuple[str, dict]]:
    return sorted(MANIFEST[kind].items())


def ids(kind: str) -> list[str]:
    return [name for name, _ in cases(kind)]


def test_the_corpus_covers_what_issue_9_lists():
    assert len(MANIFEST["images"]) >= 14 and len(MANIFEST["zips"]) >= 10
    assert len(MANIFEST["kernels"]) >= 9 and len(MANIFEST["stacks"]) >= 6


@pytest.mark.parametrize("name, case", cases("images"), ids=ids("images"))
def test_images(name, case):
    data = (CORPUS / "images" / name).read_bytes()
    if case["expect"] == "error":
        with pytest.raises(InputError, match=case["detail"]):
            load_image(data)
    else:
        image = load_image(data)
        assert image.dtype == np.uint8
        assert "x".join(map(str, image.shape)) == case["detail"]


def test_a_huge_header_is_refused_without_allocating():
    data = (CORPUS / "images" / "huge-header-100000x100000.png").read_bytes()
    tracemalloc.start()
    with pytest.raises(InputError):
        load_image(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 5_000_000  # decoding would need 10 GB


@pytest.mark.parametrize("name, case", cases("kernels"), ids=ids("kernels"))
def test_kernels(name, case):
    if case["expect"] == "error":
        with pytest.raises(InputError) as caught:
            parse_kernel(case["text"])
        assert len(str(caught.value)) > 15  # a sentence, not a bare repr
    else:
        kernel = parse_kernel(case["text"])
        assert kernel.shape == (3, 3) and np.isfinite(kernel).all()


@pytest.mark.parametrize("name, case", cases("stacks"), ids=ids("stacks"))
def test_stacks(name, case):
    with pytest.raises(InputError, match=case["detail"]):
        input_shape, stack = from_json(case["json"])
        summarize(stack, input_shape)


@pytest.mark.parametrize("name, case", cases("zips"), ids=ids("zips"))
def test_zips(name, case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # anything written by mistake would land here
    data = (CORPUS / "zips" / name).read_bytes()
    if case["expect"] == "error":
        with pytest.raises(InputError, match=f"(?i){case['detail']}"):
            load_zip(data)
    else:
        dataset = load_zip(data)
        assert sorted(dataset.class_names) == ["cats", "dogs"]
        assert len(dataset.x_train) + len(dataset.x_test) == 6
        assert sum(dataset.skipped.values()) == int(case["detail"])
    assert not list(tmp_path.iterdir())
    assert not (tmp_path.parent / "escape").exists()
