"""AppTest runs of "My classes" on the Datasets page, and training on a small collected set from the Training page."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from cnnviz import datasets, inspection
from cnnviz.images import encode_png, to_model_input
from cnnviz.recipes import RECIPES
from cnnviz.shapes import draw_shape, example_set
from cnnviz.training import train
from cnnviz.ui.training_job import JOB_KEY, NUMBER_KEY
from tests.conftest import labelled_button, rerun_until, run_page


@pytest.fixture
def app() -> AppTest:
    app = run_page("data")
    return app.segmented_control(key="data_choice").set_value("My classes").run()


def add_class(app: AppTest, name: str) -> AppTest:
    field = next(t for t in app.text_input if t.label == "New class")
    field.set_value(name)
    return next(b for b in app.button if b.label == "Add class").click().run()


def upload(app: AppTest, images: list[np.ndarray], names: list[str] | None = None) -> AppTest:
    app.segmented_control(key="mc_source").set_value("Upload").run()
    uploader = next(u for u in app.file_uploader if u.key.startswith("mc_upload_"))
    names = names or [f"{i}.png" for i in range(len(images))]
    uploader.set_value(
        [
            (name, encode_png(image) if isinstance(image, np.ndarray) else image, "image/png")
            for name, image in zip(names, images, strict=True)
        ]
    ).run()
    return app.button(key="mc_add_uploads").click().run()


def jpeg(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "JPEG")
    return buffer.getvalue()


def collected(app: AppTest) -> dict[str, list[np.ndarray]]:
    return app.session_state["mc_examples"]


def errors(app: AppTest) -> list[str]:
    return [e.value for e in app.error]


def test_classes_and_uploaded_examples(app: AppTest) -> None:
    assert not app.exception
    add_class(app, "circle")
    add_class(app, "cross")
    assert app.segmented_control(key="mc_target").value == "cross"  # a new class is ready for examples
    add_class(app, "Circle")
    assert list(collected(app)) == ["circle", "cross"]
    assert any("already a class called 'Circle'" in e for e in errors(app))
    app.segmented_control(key="mc_target").set_value("circle").run()

    rng = np.random.default_rng(0)
    circles = [draw_shape("circle", rng) for _ in range(5)]
    upload(app, [*circles, b"not an image"], names=[*(f"c{i}.png" for i in range(5)), "broken.png"])
    assert len(collected(app)["circle"]) == 5
    assert any(e.startswith("broken.png: This file is not an image") for e in errors(app))
    assert "Every class needs at least 2 examples" in " ".join(w.value for w in app.warning)

    app.segmented_control(key="mc_target").set_value("cross").run()
    upload(app, [draw_shape("cross", rng) for _ in range(5)])
    assert [len(v) for v in collected(app).values()] == [5, 5]
    assert any("Ready: 8 training and 2 test images" in s.value for s in app.success)
    # The page's statistics below now describe the collected set.
    assert [m.value for m in app.metric][:3] == ["2", "8", "2"]

    # Thumbnails show the prepared examples: delete the third cross, then the "circle" class.
    app.button(key="mc_del_cross_2").click().run()
    assert len(collected(app)["cross"]) == 4
    app.button(key="mc_drop_cross").click().run()
    assert list(collected(app)) == ["circle"] and not app.exception
    assert "Add a second class" in " ".join(w.value for w in app.warning)


def test_each_camera_photo_is_added_at_once_and_the_camera_is_ready_again(app: AppTest) -> None:
    add_class(app, "thumbs up")
    add_class(app, "thumbs down")
    app.segmented_control(key="mc_source").set_value("Camera").run()
    photo = np.random.default_rng(1).integers(0, 256, (480, 640, 3), dtype=np.uint8)
    for taken in range(2):
        camera = next(c for c in app.get("camera_input") if c.key.startswith("mc_camera_"))
        assert camera.key == f"mc_camera_{taken}"  # a fresh camera after every photo
        camera.set_value(("photo.jpg", jpeg(photo), "image/jpeg")).run()
    kept = collected(app)["thumbs down"]
    assert len(kept) == 2 and kept[0].shape == (210, 280, 3)  # kept at most 280 pixels wide
    assert not errors(app) and not app.exception


def test_rename_and_a_closer_look_show_the_prepared_image(app: AppTest) -> None:
    app.button(key="mc_starter").click().run()
    assert [len(v) for v in collected(app).values()] == [12, 12]
    app.segmented_control(key="mc_target").set_value("circle").run()
    app.text_input(key="mc_rename_circle").set_value("ring").run()
    app.button(key="mc_rename_go_circle").click().run()
    assert list(collected(app)) == ["ring", "cross"] and not app.exception
    # The closer look shows the original, what the network sees (centred like MNIST) and the augmentation.
    images = [  # not the link's QR code, nor the dataset's charts (SVG pictures)
        img
        for img in app.get("image")
        if "Scan to open this view" not in str(img.proto) and not img.proto.imgs[0].url.startswith("data:image/svg")
    ]
    captions = [str(img.proto) for img in images]
    assert sum("What the network sees: 28×28×1" in c for c in captions) == 1
    assert sum("As taken: 280×280×1" in c for c in captions) == 1
    assert len(images) == 12 + 2  # a thumbnail per example of the class, then the closer look
    app.selectbox(key="mc_size_widget").set_value(48).run()
    assert app.session_state["mc_size"] == 48
    assert datasets.from_examples(collected(app), image_size=48, center=True).image_shape == (48, 48, 1)
    assert [m.value for m in app.metric][3] == "48 × 48 × 1"


def test_zip_round_trip_through_the_page(app: AppTest) -> None:
    app.button(key="mc_starter").click().run()
    before = {name: [image.copy() for image in images] for name, images in collected(app).items()}
    buttons = app.get("download_button")
    assert buttons and buttons[0].proto.label.startswith("Download my classes (zip")
    data = datasets.to_zip(collected(app))  # what the button serves (AppTest cannot click a download)
    fresh = run_page("data")
    fresh.segmented_control(key="data_choice").set_value("My classes").run()
    fresh.file_uploader(key="mc_zip_upload").set_value(("my-classes.zip", data, "application/zip")).run()
    after = collected(fresh)
    assert list(after) == list(before)
    for name in before:
        for original, restored in zip(before[name], after[name], strict=True):
            np.testing.assert_array_equal(restored, original)
    fresh.file_uploader(key="mc_zip_upload").set_value(("junk.zip", b"nope", "application/zip")).run()
    assert any("junk.zip: This file is not a zip" in e for e in errors(fresh))
    assert list(collected(fresh)) == list(before) and not fresh.exception


def test_training_page_trains_on_the_collected_set() -> None:
    app = run_page("training", timeout=120)
    app.session_state["mc_examples"] = example_set(("circle", "cross"), 8, seed=3)
    app.selectbox(key="tr_recipe").set_value("my_classes_tiny").run()
    assert app.selectbox(key="tr_dataset").value == "my_classes" and not app.error
    app.slider(key="tr_epochs").set_value(3).run()
    labelled_button(app, "▶ Train").click().run()
    rerun_until(app, lambda a: a.session_state[JOB_KEY].done and a.metric)
    run = app.session_state["runs"][-1]
    assert run.class_names == ["circle", "cross"] and run.dataset == "my_classes"
    assert run.input_shape == (28, 28, 1) and run.train_samples == 12 and len(run.test_labels) == 4
    assert run.model.output_shape == (None, 2) and not app.exception


def test_training_page_says_what_my_classes_lacks() -> None:
    app = run_page("training", timeout=120)
    app.selectbox(key="tr_recipe").set_value("my_classes_tiny").run()
    assert any("My classes is not ready: A dataset needs 2 to 10 classes" in e.value for e in app.error)
    assert labelled_button(app, "▶ Train").disabled


@pytest.fixture(scope="module")
def shapes_run():
    """A tiny-recipe run on 8 circles and 8 crosses (a few seconds), labelled as the Training page does."""
    recipe = RECIPES["my_classes_tiny"]
    collection = example_set(("circle", "cross"), 8, seed=3)
    run = train(recipe.stack, datasets.from_examples(collection, center=True), replace(recipe.config, epochs=3))
    run.label = "Run 1 · My classes: a tiny CNN in seconds"
    return run, collection


def test_live_try_out_explains_and_adds_a_wrong_answer_then_retrains(shapes_run) -> None:
    run, collection = shapes_run
    drawing = draw_shape("circle", np.random.default_rng(99))
    state = {
        "runs": [run],
        "mc_examples": {k: list(v) for k, v in collection.items()},
        "image": drawing,
        "image_label": "Your drawing",
        "image_source": "Draw",
        NUMBER_KEY: 1,
    }  # as if "Run 1" had come from the Training page
    app = run_page("inside", state=state, timeout=120)
    box = app.selectbox(key="inside_model")
    box.set_value(next(option for option in box.options if option.startswith("Run 1 · "))).run()
    assert not app.exception and app.toggle(key=f"inside_centre_{box.value}").value  # centred like the examples
    assert "4 · Live try-out: where it looked, and teach it" in [s.value for s in app.subheader]
    probabilities = inspection.predict(run.model, to_model_input(drawing, (28, 28, 1), center=True))
    top = int(np.argmax(probabilities))
    assert app.get("plotly_chart")  # the probability bars and the Grad-CAM map
    assert any(f"score of **{run.class_names[top]}** up" in c.value for c in app.caption)

    wrong = 1 - top
    app.selectbox(key=f"mc_live_truth_{top}").set_value(wrong).run()
    assert any(c.value.startswith("The network got this one wrong.") for c in app.caption)
    app.button(key="mc_live_retrain").click().run()
    assert len(app.session_state["mc_examples"][run.class_names[wrong]]) == 9
    rerun_until(app, lambda a: "mc_retraining" not in a.session_state)
    assert not app.exception and len(app.session_state["runs"]) == 2
    retrained = app.session_state["runs"][-1]
    assert retrained.label == "Run 2 · My classes: a tiny CNN in seconds + your examples"
    assert retrained.train_samples == 13  # 8 + 9 examples, 2 of each held out for the test
    assert app.selectbox(key="inside_model").value.startswith("Run 2 · ")  # the retrained model is selected
