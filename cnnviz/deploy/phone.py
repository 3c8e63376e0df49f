"""What the phone page (``static/phone/index.html``) needs to run an ONNX export: its manifest.

The page is static, served by the app itself (``server.enableStaticServing``: ``./static/`` at
``/app/static/``), and runs the network in the browser with the vendored onnxruntime-web
(``static/ort/``). It is opened as ``/app/static/phone/index.html?model=<manifest address>``;
the manifest names the ``.onnx`` file beside it, the input's name and shape, the output's name
and the class names, which the page only ever shows as text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from cnnviz.deploy.bundle import class_names_for, ends_in_softmax
from cnnviz.deploy.export import INPUT_NAME, OUTPUT_NAME
from cnnviz.errors import InputError
from cnnviz.inspection import input_shape

_FILE_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}\.onnx")
MAX_TITLE = 100


def phone_manifest(
    model: Any, class_names: Sequence[str], model_file: str, *, title: str = "", centre: bool = False
) -> str:
    """The JSON manifest of ``model_file`` (an ONNX export of ``model`` in the same folder) for the phone page.

    ``centre``: the page prepares drawings and photos like the MNIST digits (as the app does for a network
    trained on MNIST or on centred "My classes" drawings), see ``centredInput`` in ``static/phone/phone.js``.
    """
    if not isinstance(model_file, str) or not _FILE_NAME.fullmatch(model_file):
        raise InputError("The model's file name must be letters, digits, '-' or '_' ending in .onnx.")
    if not isinstance(title, str) or len(title) > MAX_TITLE or not title.isprintable():
        raise InputError(f"The page's title must be one line of at most {MAX_TITLE} characters.")
    manifest = {
        "model": model_file,
        "input_name": INPUT_NAME,
        "output_name": OUTPUT_NAME,
        "input_shape": list(input_shape(model)),
        "class_names": class_names_for(model, class_names),
        "title": title.strip(),
        "probabilities": ends_in_softmax(model),
        "centre": bool(centre),
    }
    return json.dumps(manifest, indent=2)
