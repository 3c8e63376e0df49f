"""The bad-input corpus through the pages, one session per kind of input, one case after another.

Each bad case must show a clear st.error and no traceback, each odd-but-valid case must work, and
the same session must keep working for the next case: that is what "leaves the app working" means.
"""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from cnnviz.ui.convolution import OPEN_KEYS
from tests.conftest import ROOT, page_path, run_page

CORPUS = Path(__file__).parent / "corpus"
MANIFEST = json.loads((CORPUS / "MANIFEST.json").read_text())
MIME = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp", "zip": "application/zip"}


def page(name: str) -> AppTest:
    return run_page(name, timeout=120)


def upload(app: AppTest, key: str, folder: str, name: str) -> None:
    """Upload a corpus file; a PDF or SVG goes in renamed to .png, as a browser only offers allowed types."""
    data = (CORPUS / folder / name).read_bytes()
    if name.endswith((".pdf", ".svg")):
        name += ".png"
    app.file_uploader(key=key).set_value((name, data, MIME[name.rsplit(".", 1)[1]])).run()


def errors(app: AppTest) -> str:
    return " | ".join(error.value for error in app.error)


def test_every_corpus_image_through_the_pixels_page():
    app = page("pixels")
    app.segmented_control(key="pixels_source").set_value("Upload").run()
    for name, case in sorted(MANIFEST["images"].items()):
        upload(app, "pixels_upload", "images", name)
        assert not app.exception, name
        if case["expect"] == "error":
            assert case["detail"] in errors(app), (name, errors(app))
        else:
            assert not app.error, (name, errors(app))
            assert "x".join(map(str, app.session_state["image"].shape)) == case["detail"], name
        app.number_input(key="pixels_row").set_value(0).run()  # the page still answers
        assert not app.exception, name


def test_every_corpus_kernel_through_the_convolution_page():
    app = page("convolution")
    app.segmented_control(key="conv_kernel_mode").set_value("Text").run()
    for name, case in sorted(MANIFEST["kernels"].items()):
        app.text_area[0].set_value(case["text"]).run()
        assert not app.exception, name
        kernel_errors = [error.value for error in app.error if error.value.startswith("Kernel")]
        if case["expect"] == "error":
            assert kernel_errors, name
        else:
            assert not kernel_errors, (name, kernel_errors)
        app.number_input(key="conv_stride").set_value(2).run()
        assert not app.exception, name
        app.number_input(key="conv_stride").set_value(1).run()


def test_every_corpus_stack_through_the_layer_builder_import():
    app = page("layer_builder")
    for name, case in sorted(MANIFEST["stacks"].items()):
        app.text_area(key="builder_paste").set_value(case["json"]).run()
        app.button(key="builder_paste_load").click().run()
        assert not app.exception, name
        shown = errors(app) + " | ".join(warning.value for warning in app.warning)
        assert case["detail"] in shown, (name, shown)


def test_every_corpus_zip_through_the_datasets_page():
    app = page("data")
    app.segmented_control(key="data_choice").set_value("Your own zip").run()
    for name, case in sorted(MANIFEST["zips"].items()):
        upload(app, "data_upload", "zips", name)
        assert not app.exception, name
        if case["expect"] == "error":
            assert app.error, name
        else:
            assert not app.error, (name, errors(app))
            assert app.session_state["uploaded_dataset"].class_names == ["cats", "dogs"], name


def test_odd_but_valid_images_work_on_the_convolution_page():
    from cnnviz.images import load_image

    app = run_page("convolution", state=dict.fromkeys(OPEN_KEYS.values(), True), timeout=120)  # every section
    for name, case in sorted(MANIFEST["images"].items()):
        if case["expect"] != "ok" or case["at_the_pixel_limit"]:
            continue
        app.session_state["image"] = load_image((CORPUS / "images" / name).read_bytes())
        app.session_state["image_label"] = f"Upload: {name}"
        app.run()
        assert not app.exception, name
        if name == "one-pixel.png":  # a 3×3 kernel does not fit: the page must say why
            assert any("larger" in error.value or "smaller" in error.value for error in app.error), errors(app)


def test_every_odd_but_valid_image_draws_in_the_apps_sidebar():
    """app.py's sidebar shows the session's image on every page: any shape an upload may have must draw there
    (on main, a 10×10,000 image made Streamlit resize it to 120×0 and every page failed)."""
    from cnnviz.images import load_image

    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for name, case in sorted(MANIFEST["images"].items()):
        if case["expect"] != "ok":
            continue
        app.session_state["image"] = load_image((CORPUS / "images" / name).read_bytes())
        app.session_state["image_label"] = f"Upload: {name}"
        app.run()
        assert not app.exception, name
        assert any(name in str(image.proto) for image in app.get("image")), name


def test_every_corpus_link_opens_its_page_which_bounds_the_work_and_says_why():
    for name, case in sorted(MANIFEST["links"].items()):
        app = AppTest.from_file(page_path(case["page"]), default_timeout=120)
        app.query_params.update(case["query"])
        app.run()
        assert not app.exception, name
        kinds = ("error", "info", "caption", "warning")
        said = " | ".join(element.value for kind in kinds for element in app.get(kind))
        assert case["shows"] in said, (name, said)
