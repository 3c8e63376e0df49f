"""The home page's first visitor (issue 27): the server's first script run imports every module it uses,
so what the home page does not need must not be imported on the way to its title.

Measured on the 2-core machine: the class database (SQLAlchemy, ~0.4 s), pandas (through the kernel
editor, ~0.25 s) and the training package (~0.1 s) made the first visitor wait 3 s for the first content.
They load when a page uses them: a class cookie (tests/e2e/test_class_room.py), a kernel in a link
(tests/test_links.py), a training. In a fresh interpreter, since the test process itself has imported them
for other tests.
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

#: Imported by the pages that use them, never by the home page's first run.
NOT_FOR_HOME = ("sqlalchemy", "cnnviz.classroom", "pandas", "cnnviz.ui.kernel_editor", "cnnviz.training")

FIRST_RUN = f"""
import sys
from streamlit.testing.v1 import AppTest

app = AppTest.from_file('app.py', default_timeout=60).run()
assert not app.exception, app.exception
assert app.title[0].value == 'CNN Explorer', app.title
loaded = [name for name in {NOT_FOR_HOME!r} if name in sys.modules]
assert not loaded, f'the home page imported {{loaded}}'
print('ok')
"""


def test_the_home_pages_first_run_imports_only_what_it_uses():
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", FIRST_RUN], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
