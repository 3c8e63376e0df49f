"""TensorFlow (~600 MB, 3–12 s to import) is loaded only by the pages that train or inspect a network.

One student session goes through app.py's navigation over every light page, changing controls on
the pages whose controls run real computations, in a fresh interpreter: the test process itself
imports TensorFlow for other tests, so ``sys.modules`` is only meaningful in a child process.
Every page of the navigation is light unless it is listed in ``NETWORK_PAGES``, so a page added
later is checked without anyone remembering to add it here.
"""

from __future__ import annotations

import os
import subprocess
import sys

from cnnviz.ui.navigation import STEPS
from tests.conftest import ROOT

#: The pages that build, train or inspect a Keras network: the only ones allowed to import TensorFlow.
NETWORK_PAGES = frozenset({"pages/training.py", "pages/inside.py"})
LIGHT_PAGES = ("pages/home.py", *(step.path for step in STEPS if step.path not in NETWORK_PAGES))
#: Controls changed on a page after it opened: (widget kind, key, new value).
CHANGES = {
    "pages/convolution.py": [("number_input", "conv_stride", 2)],
    "pages/learning.py": [("select_slider", "learn_bp_rate", 0.2), ("select_slider", "learn_opt_rate", 0.3)],
}

SESSION = f"""
import sys
import cnnviz.ops, cnnviz.architecture, cnnviz.images, cnnviz.kernels, cnnviz.deploy, cnnviz.learning
assert not {{'tensorflow', 'keras'}} & set(sys.modules), 'importing the library loaded TensorFlow'

from streamlit.testing.v1 import AppTest

app = AppTest.from_file('app.py', default_timeout=60).run()
visited = []
for path in {LIGHT_PAGES!r}:
    app.switch_page(path).run()
    assert not app.exception, (path, app.exception)
    for kind, key, value in {CHANGES!r}.get(path, []):
        getattr(app, kind)(key=key).set_value(value).run()
        assert not app.exception, (path, key, app.exception)
    visited.append(app.title[0].value)
    leaked = {{'tensorflow', 'keras'}} & set(sys.modules)
    assert not leaked, f'{{path}} imported {{leaked}}'
print(visited)
"""


def test_the_light_pages_never_import_tensorflow():
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", SESSION], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    titles = result.stdout.lower()
    for word in ("CNN Explorer", "Pixels", "Convolution", "Layer", "Dataset", "How a network learns"):
        assert word.lower() in titles, titles


def test_every_light_page_is_in_the_session():
    """The list really covers the navigation: home, every step but the network pages, the learning page."""
    assert "pages/learning.py" in LIGHT_PAGES and "pages/home.py" in LIGHT_PAGES
    assert {step.path for step in STEPS} == set(LIGHT_PAGES[1:]) | NETWORK_PAGES
