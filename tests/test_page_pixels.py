"""AppTest runs of the home and Pixels pages, including good and bad uploads through the image widget."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from cnnviz.ui.pixels import OPEN_KEYS
from tests.conftest import run_page


def png_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def pixels() -> AppTest:
    return run_page("pixels")


def test_app_opens_on_the_home_page_with_every_step():
    app = run_page("app")
    assert not app.exception
    assert "CNN Explorer" in app.title[0].value
    app.switch_page("pages/pixels.py").run()
    assert not app.exception
    assert app.title[0].value.startswith("Pixels")


def test_pixels_page_starts_with_a_sample_and_shows_its_shape(pixels):
    assert not pixels.exception
    assert pixels.session_state["image"].shape == (28, 28, 1)
    assert any("28 × 28 × 1" in metric.value for metric in pixels.metric)


def test_choosing_a_colour_sample_shows_three_channels(pixels):
    pixels.selectbox(key="pixels_sample").set_value("Photo: coloured shapes (generated)").run()
    assert not pixels.exception
    assert pixels.session_state["image"].shape == (240, 320, 3)
    assert pixels.radio(key="pixels_channel").options == ["red", "green", "blue"]


def test_a_good_upload_replaces_the_image(pixels):
    pixels.segmented_control(key="pixels_source").set_value("Upload").run()
    colour = np.zeros((30, 40, 3), np.uint8)
    colour[:, :, 2] = 255
    pixels.file_uploader(key="pixels_upload").set_value(("blue.png", png_bytes(colour), "image/png")).run()
    assert not pixels.exception
    assert not pixels.error
    assert pixels.session_state["image"].shape == (30, 40, 3)
    assert pixels.session_state["image_label"] == "Upload: blue.png"


@pytest.mark.parametrize(
    "data, message",
    [
        (b"not an image at all", "not an image"),
        (b"", "empty"),
        (png_bytes(np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8))[:2000], "truncated"),
    ],
    ids=["text", "empty", "truncated-png"],
)
def test_a_bad_upload_shows_an_error_and_keeps_the_page_working(pixels, data, message):
    pixels.segmented_control(key="pixels_source").set_value("Upload").run()
    pixels.file_uploader(key="pixels_upload").set_value(("broken.png", data, "image/png")).run()
    assert not pixels.exception
    assert any(message in error.value for error in pixels.error)
    assert pixels.session_state["image"].shape == (28, 28, 1)  # the previous image is kept
    pixels.number_input(key="pixels_row").set_value(3).run()
    assert not pixels.exception


def test_colour_picker_shows_rgb_of_forest_green(pixels):
    assert any("G **102**" in block.value for block in pixels.markdown)


def test_block_reader_and_inspector_recentre_on_a_new_image_size(pixels):
    """Coordinates chosen on the 28×28 sample must not stay in the corner of a 280×280 drawing."""
    pixels.number_input(key="pixels_top").set_value(0).run()
    pixels.number_input(key="pixels_row").set_value(2).run()
    drawing = np.zeros((280, 280, 1), np.uint8)
    drawing[100:180, 130:150] = 255
    pixels.session_state["image"], pixels.session_state["image_label"] = drawing, "Your drawing"
    pixels.run()
    assert not pixels.exception
    assert pixels.number_input(key="pixels_top").value == 140 - 8
    assert pixels.number_input(key="pixels_left").value == 140 - 8
    assert (pixels.number_input(key="pixels_row").value, pixels.number_input(key="pixels_col").value) == (140, 140)
    pixels.number_input(key="pixels_row").set_value(5).run()  # the same image keeps the reader's choice
    assert pixels.number_input(key="pixels_row").value == 5


def test_resizing_a_non_square_image_says_it_stretches(pixels):
    pixels.session_state[OPEN_KEYS["resizing"]] = True  # drawn on demand
    pixels.run()
    assert any("numbers become" in block.value for block in pixels.markdown)  # the section is there
    assert not any("stretches" in info.value for info in pixels.info)  # the 28×28 sample is square
    pixels.selectbox(key="pixels_sample").set_value("Photo: coloured shapes (generated)").run()
    assert any("240×320, not square" in info.value and "stretches" in info.value for info in pixels.info)


def test_large_images_say_every_2nd_pixel(pixels):
    pixels.session_state["image"] = np.zeros((300, 300, 1), np.uint8)
    pixels.run()
    titles = [chart.proto.spec for chart in pixels.get("plotly_chart")]
    assert any("every 2nd pixel shown" in spec for spec in titles) and not any("2th" in spec for spec in titles)


def test_an_empty_canvas_names_the_image_in_use(pixels):
    """The Inside page's canvas starts empty although the image in use is a drawing made on Pixels."""
    pixels.session_state["image"] = np.zeros((280, 280, 1), np.uint8)
    pixels.session_state["image_label"], pixels.session_state["image_drawn_on"] = "Your drawing", "inside_canvas_0"
    pixels.segmented_control(key="pixels_source").set_value("Draw").run()
    assert not pixels.exception
    assert any("The image in use is **Your drawing** (made earlier" in info.value for info in pixels.info)


def test_resizing_and_normalisation_are_drawn_once_opened(pixels):
    """Below the first screen, drawn on demand: closed they send nothing; opened, their numbers follow the image."""
    assert not any("numbers become" in block.value for block in pixels.markdown)
    assert not pixels.get("plotly_chart")  # the 28×28 sample's numbers are tables
    for key in OPEN_KEYS.values():
        pixels.session_state[key] = True
    pixels.run()
    assert not pixels.exception
    assert any("784 numbers become **196**" in block.value for block in pixels.markdown)  # 28×28 → 14×14
    assert any("Range here: 0.000 – 1.000" in block.value for block in pixels.markdown)
    assert len(pixels.get("plotly_chart")) == 2  # the two histograms


def numbers_in(table: str) -> list[int]:
    """The values written in a matrix table's cells, in reading order (not its row and column numbers)."""
    return [int(text) for text in re.findall(r"<td [^>]*>([^<]*)</td>", table)]


def header_numbers(table: str, scope: str) -> list[int]:
    return [int(text) for text in re.findall(rf'<th scope="{scope}"[^>]*>(\d+)</th>', table)]


def test_a_small_image_is_written_out_as_a_table_of_its_values(pixels):
    """Every value of the 28×28 sample in a table with its row and column numbers (no Plotly to load), and the
    block reader's 16×16 block with the image's own row and column numbers."""
    image = pixels.session_state["image"]
    whole, block = (element.proto.body for element in pixels.get("html"))
    assert numbers_in(whole) == image[:, :, 0].ravel().tolist()
    assert header_numbers(whole, "col") == header_numbers(whole, "row") == list(range(28))
    pixels.number_input(key="pixels_top").set_value(3).run()
    pixels.number_input(key="pixels_left").set_value(5).run()
    block = pixels.get("html")[1].proto.body
    assert "Rows 3–18, columns 5–20" in block
    assert numbers_in(block) == image[3:19, 5:21, 0].ravel().tolist()
    assert header_numbers(block, "row") == list(range(3, 19)) and header_numbers(block, "col") == list(range(5, 21))


def test_a_photo_keeps_its_heat_map_to_hover_and_zoom(pixels):
    """Too many values to write out: the whole image is a Plotly heat map of the chosen channel."""
    pixels.selectbox(key="pixels_sample").set_value("Photo: coloured shapes (generated)").run()
    titles = [chart.proto.spec for chart in pixels.get("plotly_chart")]
    assert sum("Whole image" in spec for spec in titles) == 1
    assert any("Zoom in with the mouse" in caption.value for caption in pixels.caption)


def test_the_sidebar_thumbnail_is_drawn_before_the_page_and_follows_a_new_image():
    """app.py draws the image's thumbnail before the page runs (the first screen does not wait for the page)
    and again after it when the page changed the image: the sidebar never shows the previous picture."""
    app = run_page("app")
    app.switch_page("pages/pixels.py").run()
    sidebar_captions = lambda: [image.proto.imgs[0].caption for image in app.sidebar.get("image")]  # noqa: E731
    assert sidebar_captions() == [app.session_state["image_label"]]
    app.selectbox(key="pixels_sample").set_value("Photo: coloured shapes (generated)").run()
    assert not app.exception
    assert sidebar_captions() == ["Sample: Photo: coloured shapes (generated)"]
    app.session_state["image_label"] = "Upload: renamed.png"  # a change the page did not make
    app.run()
    assert sidebar_captions() == ["Upload: renamed.png"]


def test_the_image_widget_draws_a_new_image_in_the_sidebar_at_once():
    """A session's first page with an image sets the default sample: the image widget redraws the thumbnail
    there and then (with the first screen), and app.py's check after the page finds it current."""

    def page() -> None:
        import streamlit as st

        from cnnviz.ui.image_input import image_input
        from cnnviz.ui.sidebar_image import sidebar_thumbnail

        shown = sidebar_thumbnail(st.sidebar.empty())
        st.session_state["drawn_before"] = shown.label
        image_input("x")
        st.session_state["current_after"] = shown.still_current()
        st.stop()  # nothing after the page: the thumbnail must already be there

    app = AppTest.from_function(page)
    app.run()
    assert not app.exception
    assert app.session_state["drawn_before"] is None  # a new session had no image before the page
    assert [image.proto.imgs[0].caption for image in app.sidebar.get("image")] == ["Sample: MNIST digit 7"]
    assert app.session_state["current_after"]


def test_every_picture_of_pixels_is_sent_losslessly():
    """Streamlit's output_format "auto" sends an RGB array as a JPEG, which blurs the pixel edges these pictures
    are about: every image of the Pixels page and the sidebar goes out as a PNG (a colour photo, every section open)."""
    app = run_page("app")
    app.switch_page("pages/pixels.py").run()
    app.selectbox(key="pixels_sample").set_value("Photo: coloured shapes (generated)").run()
    for key in OPEN_KEYS.values():
        app.session_state[key] = True
    app.run()
    assert not app.exception
    urls = [picture.url for image in app.get("image") for picture in image.proto.imgs]
    assert len(urls) >= 6  # the image, colour and grayscale, original/resized/restored, the sidebar's thumbnail
    assert [url for url in urls if not url.endswith(".png")] == []
