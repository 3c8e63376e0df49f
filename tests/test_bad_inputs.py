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

from cnnviz import links
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


def test_the_corpus_covers_what_issue_25_lists():
    """Tiny files claiming huge images, zips of many of them or of too many files, nested and exploding stacks,
    links that overflow a QR code or ask for a dataset resized past the memory limit; each next to a valid twin."""
    names = " ".join(name for kind in ("images", "zips", "stacks", "links") for name in MANIFEST[kind])
    for attack in ("5000x5001-alpha.webp", "strip-1x25000000", "forty-4000x4000", "5001-files", "nested layers"):
        assert attack in names
    for attack in ("multiply-adds", "parameters", "upsampling", "QR code", "NEU CNN", "512×512"):
        assert attack in names
    assert {case["expect"] for case in MANIFEST["stacks"].values()} == {"ok", "error"}
    assert any(case["expect"] == "ok" and case["at_the_pixel_limit"] for case in MANIFEST["images"].values())


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
    if case["expect"] == "ok":
        input_shape, stack = from_json(case["json"])
        assert summarize(stack, input_shape)
        return
    with pytest.raises(InputError, match=case["detail"]):
        input_shape, stack = from_json(case["json"])
        summarize(stack, input_shape)


@pytest.mark.parametrize("name, case", cases("links"), ids=ids("links"))
def test_costly_links_decode_to_values_within_the_limits(name, case):
    """The links of issue 25 are well formed: the library applies them, and the page must then bound the work
    (tests/test_bad_inputs_pages.py). Every value read back re-encodes and re-reads to itself."""
    values, problems = links.decode(case["page"], case["query"])
    assert not problems and values
    schema = {key: codec for key, codec in links.SCHEMAS[case["page"]].values()}
    for key, value in values.items():
        again = schema[key].read(schema[key].write(value))
        assert np.array_equal(again, value) if isinstance(value, np.ndarray) else again == value


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
        assert len(dataset.x_train) + len(dataset.x_test) == case["images"]
        assert sum(dataset.skipped.values()) == int(case["detail"])
    assert not list(tmp_path.iterdir())
    assert not (tmp_path.parent / "escape").exists()
