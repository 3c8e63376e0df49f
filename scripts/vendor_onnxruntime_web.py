"""Copy the phone's ONNX runtime (onnxruntime-web, pinned in package.json) into static/ort/, where the app serves it.

Streamlit Community Cloud does not run npm, so the two files a browser needs are committed: the
WebAssembly-only ES-module build (``ort.wasm.bundle.min.mjs``, its loader included) and the single
SIMD WebAssembly binary it loads. No CDN: the app serves them itself at ``/app/static/ort/``
(``server.enableStaticServing``), so a phone on a classroom LAN without internet can run a model.
``static/ort/VERSION.json`` records the version, licence, sizes and SHA-256 of each file;
tests/test_phone_runtime.py checks the copy against it and against node_modules.

    npm ci                                         # installs the pinned version into node_modules/
    python -m scripts.vendor_onnxruntime_web       # refreshes static/ort/ after changing the pin
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "onnxruntime-web"
DIST = ROOT / "node_modules" / PACKAGE / "dist"
TARGET = ROOT / "static" / "ort"
MANIFEST = TARGET / "VERSION.json"
#: The smallest build that runs an ONNX model in a browser: WebAssembly only (no WebGPU/WebGL), one thread.
FILES = ("ort.wasm.bundle.min.mjs", "ort-wasm-simd-threaded.wasm")


def pinned_version() -> str:
    """The exact version package.json pins (``npm install --save-exact``)."""
    return json.loads((ROOT / "package.json").read_text())["dependencies"][PACKAGE]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def vendor() -> dict:
    """Copy :data:`FILES` from node_modules to static/ort/ and write the manifest; return it."""
    installed = json.loads((DIST.parent / "package.json").read_text())
    if installed["version"] != pinned_version():
        found = f"node_modules has {PACKAGE} {installed['version']}"
        raise SystemExit(f"{found}, package.json pins {pinned_version()}: run npm ci")
    TARGET.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copyfile(DIST / name, TARGET / name)
    manifest = {
        "package": PACKAGE,
        "version": installed["version"],
        "license": installed["license"],
        "copyright": "Copyright (c) Microsoft Corporation",
        "files": {name: {"bytes": (TARGET / name).stat().st_size, "sha256": sha256(TARGET / name)} for name in FILES},
    }
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


if __name__ == "__main__":
    written = vendor()
    total = sum(item["bytes"] for item in written["files"].values())
    print(f"{PACKAGE} {written['version']} → {TARGET.relative_to(ROOT)}: {total / 1e6:.2f} MB")
