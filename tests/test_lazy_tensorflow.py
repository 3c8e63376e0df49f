"""TensorFlow (~600 MB, 3–4 s to import) is loaded only by the pages that train or inspect a network.

One student session goes through app.py's navigation over every light page, changing a control on
each, in a fresh interpreter: the test process itself imports TensorFlow for other tests, so
``sys.modules`` is only meaningful in a child process.
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

LIGHT_PAGES = ("pages/home.py", "pages/pixels.py", "pages/convolution.py", "pages/layer_builder.py", "pages/data.py")

SESSION = f"""
import sys
import cnnviz.ops, cnnviz.architecture, cnnviz.images, cnnviz.kernels, cnnviz.deploy
assert not {{'tensorflow', 'keras'}} & set(sys.modules), 'importing the library loaded TensorFlow'

from streamlit.testing.v1 import AppTest

app = AppTest.from_file('app.py', default_timeout=60).run()
visited = []
for path in {LIGHT_PAGES!r}:
    app.switch_page(path).run()
    assert not app.exception, (path, app.exception)
    if path == 'pages/convolution.py':
        app.number_input(key='conv_stride').set_value(2).run()
        assert not app.exception, app.exception
    visited.append(app.title[0].value)
    leaked = {{'tensorflow', 'keras'}} & set(sys.modules)
    assert not leaked, f'{{path}} imported {{leaked}}'
print(visited)
"""


def test_the_light_pages_never_import_tensorflow():
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", SESSION], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr[-3000:]
    titles = result.stdout
    for word in ("CNN Explorer", "Pixels", "Convolution", "Layer", "Dataset"):
        assert word.lower() in titles.lower(), titles
