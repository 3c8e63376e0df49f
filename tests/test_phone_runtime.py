"""The phone's runtime as committed: the vendored onnxruntime-web is the pinned npm version, byte for byte,
the app serves it, and the manifest the phone page reads says what the ONNX export takes and gives.

The browser proof that the page runs the model is tests/e2e/test_phone_runtime.py.
"""

from __future__ import annotations

import json
import re

import pytest

from cnnviz import deploy
from cnnviz.architecture.export import to_keras
from cnnviz.errors import InputError
from scripts.vendor_onnxruntime_web import DIST, FILES, MANIFEST, TARGET, pinned_version, sha256
from tests import prerequisites
from tests.conftest import ROOT, unavailable

#: The smallest WebAssembly build of onnxruntime-web 1.30 is 14.3 MB (3.7 MB gzipped on the wire).
MAX_RUNTIME_BYTES = 16_000_000


def test_the_vendored_runtime_is_the_pinned_version_as_recorded():
    manifest = json.loads(MANIFEST.read_text())
    assert manifest["version"] == pinned_version() == "1.30.0"
    assert manifest["license"] == "MIT"
    assert sorted(manifest["files"]) == sorted(FILES)
    assert sorted(path.name for path in TARGET.iterdir()) == sorted([*FILES, MANIFEST.name])
    for name, facts in manifest["files"].items():
        assert (TARGET / name).stat().st_size == facts["bytes"]
        assert sha256(TARGET / name) == facts["sha256"], f"{name} differs from VERSION.json: re-run the vendor script"
    assert sum(facts["bytes"] for facts in manifest["files"].values()) < MAX_RUNTIME_BYTES


def test_the_vendored_files_equal_the_npm_package():
    missing = prerequisites.onnxruntime_web_missing()
    if missing:
        unavailable(missing)
    installed = json.loads((DIST.parent / "package.json").read_text())
    assert installed["version"] == pinned_version()
    for name in FILES:
        assert sha256(DIST / name) == sha256(TARGET / name), f"{name}: run python -m scripts.vendor_onnxruntime_web"


def test_the_app_serves_the_static_folder_and_the_page_loads_only_vendored_code():
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    server = config.split("[server]", 1)[1].split("\n[", 1)[0]
    assert re.search(r"^enableStaticServing = true$", server, re.MULTILINE)
    page = ROOT / "static" / "phone"
    assert 'from "../ort/ort.wasm.bundle.min.mjs"' in (page / "phone.js").read_text()
    for code in (page / "phone.js", page / "index.html"):
        assert not re.search(r"https?://", code.read_text()), f"{code.name} names another site"


def test_the_phone_manifest_says_what_the_onnx_file_takes_and_gives():
    model = to_keras([{"type": "Flatten"}, {"type": "Dense", "units": 2, "activation": "softmax"}], (4, 5, 3))
    manifest = json.loads(deploy.phone_manifest(model, ["cat", "dog"], "pets-1.onnx", title="Pets"))
    assert manifest == {
        "model": "pets-1.onnx",
        "input_name": deploy.INPUT_NAME,
        "output_name": deploy.OUTPUT_NAME,
        "input_shape": [4, 5, 3],
        "class_names": ["cat", "dog"],
        "title": "Pets",
        "probabilities": True,
    }


@pytest.mark.parametrize(
    ("file_name", "title", "names", "words"),
    [
        ("../secret.onnx", "", ["a", "b"], "file name"),
        ("https://example.org/x.onnx", "", ["a", "b"], "file name"),
        ("model.keras", "", ["a", "b"], "file name"),
        ("model.onnx", "two\nlines", ["a", "b"], "title"),
        ("model.onnx", "", ["a"], "2 outputs but 1 class names"),
    ],
)
def test_a_bad_manifest_request_gets_a_plain_message(file_name, title, names, words):
    model = to_keras([{"type": "Flatten"}, {"type": "Dense", "units": 2}], (4, 4, 1))
    with pytest.raises(InputError, match=words):
        deploy.phone_manifest(model, names, file_name, title=title)
