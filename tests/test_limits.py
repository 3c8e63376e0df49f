"""Issue 25: nothing one student sends can take the class down. One test (or a few) per class of attack, each
asserting the bound (peak memory and CPU time measured in a fresh process by bench/cost.py, or the refusal
and its message) and that valid input of the same kind is still accepted. Figures on main, for the record,
are in the comments (``python bench/bench_attacks.py --before <export of main>``).
"""

from __future__ import annotations

import io
import json
import time
import zipfile

import cv2
import numpy as np
import pytest
import tomllib
from cachetools import LRUCache
from PIL import Image, ImageOps

from bench.cost import cost_of
from cnnviz import datasets, images, kernels, limits, links
from cnnviz.architecture import PRESETS, StackError, from_json, summarize, to_json
from cnnviz.architecture import layers as stack_layers
from cnnviz.architecture.export import json_depth
from cnnviz.datasets import examples
from cnnviz.errors import InputError
from cnnviz.images import composite_on_white, load_image, read_header, thumbnail
from tests.conftest import ROOT, skip_without_data

CORPUS = ROOT / "tests" / "corpus"
MANIFEST = json.loads((CORPUS / "MANIFEST.json").read_text())


def corpus_setup(folder: str, name: str, imports: str) -> str:
    return f"{imports}\ndata = open({str(CORPUS / folder / name)!r}, 'rb').read()\n"


def encoded(array: np.ndarray, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, fmt, **options)
    return buffer.getvalue()


# ---------------------------------------------------------------- the limits module


def test_every_limit_has_a_plain_name_and_refuses_with_what_was_too_big_and_what_is_allowed():
    assert len(limits.ALL) >= 25
    for name, limit in limits.ALL.items():
        assert name.isupper() and limit.most > 0 and len(limit.name.split()) >= 3, name
    with pytest.raises(InputError) as refused:
        limits.IMAGE_PIXELS.check(30_000_000, "This image")
    assert str(refused.value) == (
        "This image is too big: 30,000,000 pixels; the most allowed is 25,000,000 pixels. "
        "Resize it (for example to 1000×1000) and try again."
    )
    limits.IMAGE_PIXELS.check(25_000_000, "This image")  # at the limit: allowed
    assert limits.RESIZED_DATASET_BYTES.text(2_800_000_000) == "2.61 GiB"
    assert limits.STACK_MACS.text(7.4e12) == "7.4 T multiply-adds per image"
    assert limits.IMAGE_ASPECT.message(25e6, "This image") == (
        "This image is too long and thin: 25,000,000:1; the most allowed is 1,000:1. "
        "Crop it to a less extreme shape and try again."
    )


def test_the_upload_limit_is_the_one_streamlit_applies():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 2**20 == limits.UPLOAD_BYTES.most


def test_the_modules_read_their_bounds_from_the_limits_module():
    assert limits.IMAGE_PIXELS.most == images.DEFAULT_MAX_PIXELS
    assert limits.STACK_LAYERS.most == stack_layers.MAX_LAYERS and limits.INPUT_SIDE.most == stack_layers.MAX_SIDE
    assert limits.LINK_VALUE_CHARS.most == links.MAX_VALUE_CHARS and limits.LINK_LAYERS.most == links.MAX_LINK_LAYERS
    assert limits.KERNEL_SIDE.most == kernels.MAX_KERNEL_SIDE
    assert limits.DATASET_IMAGE_PIXELS.most == examples.MAX_UPLOAD_PIXELS
    assert limits.EXAMPLES_BYTES.most == examples.MAX_KEPT_BYTES


def test_the_explanations_read_their_bounds_from_the_limits_module_under_their_old_names():
    from cnnviz.explain import adversarial, attribution, classifier, embedding, sanity, tasks, visualization

    assert limits.EXPLAIN_MACS.most == classifier.MAX_MACS and limits.EXPLAIN_SIDE.most == classifier.MAX_SIDE
    assert limits.SMOOTHGRAD_SAMPLES.most == attribution.MAX_SAMPLES and limits.IG_STEPS.most == attribution.MAX_STEPS
    assert limits.OCCLUSIONS.most == attribution.MAX_OCCLUSIONS
    assert visualization.MAX_FEATURE_STEPS == tasks.MAX_FEATURE_STEPS == limits.FEATURE_STEPS.most
    assert limits.FEATURE_CHANNELS.most == tasks.MAX_CHANNELS
    assert limits.EXPLAIN_TASK_IMAGES.most == tasks.MAX_TASK_IMAGES
    assert limits.ATTACK_IMAGES.most == adversarial.MAX_ATTACK_IMAGES
    assert limits.ATTACK_STRENGTHS.most == adversarial.MAX_EPSILONS
    assert {"pca": limits.PCA_MAP_IMAGES.most, "tsne": limits.TSNE_MAP_IMAGES.most} == embedding.MAX_EMBED_IMAGES
    assert 3 * limits.EXPLAIN_SIDE.most**2 == sanity.MAX_MAP_VALUES
    with pytest.raises(InputError, match="Integrated gradients' steps must be a whole number from 1 to 1,024"):
        classifier.check_count(limits.IG_STEPS.most + 1, limits.IG_STEPS.most, "Integrated gradients' steps")
    assert classifier.check_count(limits.IG_STEPS.most, limits.IG_STEPS.most, "steps") == limits.IG_STEPS.most


# ---------------------------------------------------------------- tiny files, huge pixels


def test_a_1kb_webp_of_25_million_transparent_pixels_decodes_in_bounded_memory_and_time():
    setup = corpus_setup("images", "lossless-5000x5000-alpha.webp", "from cnnviz.images import load_image")
    cost = cost_of("_result = load_image(data).shape", setup)
    assert cost.outcome == "ok: (5000, 5000, 1)"  # valid: at the limit, still accepted
    assert cost.peak_mb < 400  # main: 1,436 MB (float32 copies of the RGBA pixels)
    assert cost.cpu_seconds < 3  # main: 4.5 s


def test_a_3kb_palette_png_of_25_million_transparent_pixels_is_never_converted_whole():
    """Pillow cannot reduce a palette image and converts it whole to RGBA (4 bytes a pixel): main decoded
    this 3 kB file with a 216 MB peak, and at full size even when the caller needed 64 pixels a side."""
    setup = corpus_setup("images", "palette-5000x5000-alpha.png", "from cnnviz.images import load_image")
    whole = cost_of("_result = load_image(data).shape", setup)
    assert whole.outcome == "ok: (5000, 5000, 1)"  # valid: at the limit, still accepted
    assert whole.peak_mb < 130  # the decoded palette (25 MB) and the gray result (25 MB), bands besides
    small = cost_of("_result = load_image(data, min_side=64).shape", setup)
    assert small.outcome == "ok: (65, 65, 1)"  # main: (5000, 5000, 1)
    assert small.peak_mb < 90 and small.cpu_seconds < 3


def test_an_rgba_png_is_shrunk_band_by_band_without_pillows_premultiplied_copy():
    """Pillow's reduce() of RGBA first makes a premultiplied copy of every pixel (main: 192 MB for a 5000×5000
    PNG shrunk to 65×65); composited and shrunk band by band it costs the decoded pixels and little more."""
    setup = "from cnnviz.images import load_image\nimport io, numpy as np\nfrom PIL import Image\n" + (
        "pixels = np.zeros((5000, 5000, 4), np.uint8); pixels[:, :, 3] = 128\n"
        "buffer = io.BytesIO(); Image.fromarray(pixels).save(buffer, 'PNG'); data = buffer.getvalue(); del pixels\n"
    )
    cost = cost_of("_result = load_image(data, min_side=64).shape", setup)
    assert cost.outcome == "ok: (65, 65, 1)"
    assert cost.peak_mb < 150  # the RGBA pixels Pillow decodes are 95 MiB


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "RGB"])
def test_band_by_band_shrinking_gives_what_shrinking_the_composited_image_gives(mode, monkeypatch):
    """Bands of a whole number of the factor, each composited on white then box-shrunk, make exactly the image
    Pillow's reduce() makes of the whole composited picture; colour that starts in a late band is kept."""
    monkeypatch.setattr(images, "BAND_PIXELS", 7 * 101)  # many bands of a small image
    rng = np.random.default_rng(5)
    rgba = rng.integers(0, 256, (203, 101, 4), dtype=np.uint8)
    rgba[:150, :, 1] = rgba[:150, :, 2] = rgba[:150, :, 0]  # gray rows, then colour from row 150 on
    picture = Image.fromarray(rgba).convert(mode) if mode != "P" else Image.fromarray(rgba[:, :, :3]).quantize(16)
    if mode == "P":
        picture.info["transparency"] = 3
    data = encoded(np.asarray(picture), "PNG") if mode != "P" else _png(picture)
    expected_rgba = np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))
    expected = np.asarray(Image.fromarray(composite_on_white(expected_rgba)).reduce(3))
    channels = 1 if mode == "LA" else 3  # gray with alpha comes back as one channel
    got = load_image(data, min_side=30)  # a factor of 3
    assert got.shape == (68, 34, channels)  # sides rounded up, as reduce() does
    assert np.array_equal(got, expected[:, :, :channels])
    assert np.array_equal(load_image(data), composite_on_white(expected_rgba)[:, :, :channels])  # and at full size


def _png(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def test_one_pixel_row_more_is_refused_from_the_header_without_decoding():
    setup = corpus_setup("images", "lossless-5000x5001-alpha.webp", "from cnnviz.images import load_image")
    cost = cost_of("_result = load_image(data).shape", setup)
    assert cost.outcome.startswith("InputError: This image is too big: 5,000×5,001 pixels = 25,005,000 pixels;")
    assert cost.peak_mb < 20 and cost.cpu_seconds < 0.5


def test_a_16_bit_image_at_the_limit_is_scaled_band_by_band():
    setup = corpus_setup("images", "sixteen-bit-5000x5000.png", "from cnnviz.images import load_image")
    cost = cost_of("_result = load_image(data).shape", setup)
    assert cost.outcome == "ok: (5000, 5000, 1)"
    assert cost.peak_mb < 250  # main: float64 copies of every pixel
    values = np.arange(64 * 64, dtype=np.uint16).reshape(64, 64) * 16
    expected = np.round(values / 65535 * 255).astype(np.uint8)
    assert np.array_equal(load_image(encoded(values, "PNG"))[:, :, 0], expected)


def test_alpha_is_composited_on_white_in_integers_exactly_as_in_floats():
    rgba = np.random.default_rng(1).integers(0, 256, (64, 64, 4), dtype=np.uint8)
    alpha = rgba[:, :, 3:4] / 255.0
    expected = np.round(rgba[:, :, :3] * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
    assert np.array_equal(composite_on_white(rgba), expected)
    rgba[:, :, 3] = np.where(rgba[:, :, 3] < 128, 0, 255)  # WebP lossless keeps exact colours where visible
    for fmt, options in (("PNG", {}), ("WEBP", {"lossless": True, "exact": True})):
        assert np.array_equal(load_image(encoded(rgba, fmt, **options)), composite_on_white(rgba)), fmt


def test_a_jpeg_is_decoded_at_the_reduced_size_the_caller_needs():
    gradient = np.add.outer(np.arange(3000), np.arange(4000)) % 256
    photo = encoded(np.dstack([gradient, gradient // 2, 255 - gradient]).astype(np.uint8), "JPEG", quality=90)
    header = read_header(photo)
    assert (header.format, header.width, header.height) == ("JPEG", 4000, 3000)
    assert header.decoded_pixels(256) == 500 * 375 and header.decoded_pixels() == 12_000_000
    small = load_image(photo, min_side=256)
    assert small.shape == (375, 500, 3)  # decoded at 1/8, both sides still ≥ 256
    full = cv2.resize(load_image(photo), (500, 375), interpolation=cv2.INTER_AREA)
    assert np.abs(small.astype(int) - full).mean() < 3  # the same picture
    assert load_image(encoded(np.zeros((600, 900), np.uint8), "PNG"), min_side=256).shape == (300, 450, 1)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_exif_orientation_is_applied_as_pillows_exif_transpose_does(fmt):
    pixels = np.random.default_rng(2).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    for orientation in range(1, 9):
        picture = Image.fromarray(pixels)
        exif = picture.getexif()
        exif[0x0112] = orientation
        buffer = io.BytesIO()
        picture.save(buffer, fmt, exif=exif, **({"lossless": True} if fmt == "WEBP" else {"quality": 100}))
        reference = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(buffer.getvalue()))).convert("RGB"))
        assert np.array_equal(load_image(buffer.getvalue()), reference), orientation


def test_a_photo_taken_upright_comes_back_upright():
    image = load_image((CORPUS / "images" / "exif-portrait.jpg").read_bytes())
    assert image.shape == (40, 30, 3)


def test_extreme_aspect_ratios_are_refused_from_the_header_and_1000_to_1_still_loads():
    setup = corpus_setup("images", "strip-1x25000000.png", "from cnnviz.images import load_image")
    cost = cost_of("_result = load_image(data).shape", setup)
    assert "too long and thin: 25,000,000×1 pixels, a ratio of 25,000,000:1; the most allowed is 1,000:1" in (
        cost.outcome
    )
    assert cost.peak_mb < 20
    assert load_image(encoded(np.zeros((10, 10_000), np.uint8), "PNG")).shape == (10, 10_000, 1)
    with pytest.raises(InputError, match="10,001:1"):
        load_image(encoded(np.zeros((1, 10_001), np.uint8), "PNG"))


@pytest.mark.parametrize("shape", [(28, 28, 1), (10, 10_000, 1), (10_000, 10, 3), (1, 1, 3), (5000, 5000, 1)])
def test_the_sidebar_thumbnail_fits_its_box_for_every_allowed_shape(shape):
    small = thumbnail(np.zeros(shape, np.uint8), 120)
    assert 1 <= small.shape[1] <= 120 and 1 <= small.shape[0] <= 240 and small.shape[2] == shape[2]


# ---------------------------------------------------------------- zips


def test_a_zip_claiming_640_million_pixels_is_refused_from_its_headers_before_any_decoding():
    setup = corpus_setup("zips", "forty-4000x4000-alpha.zip", "from cnnviz.datasets import load_zip")
    cost = cost_of("_result = load_zip(data)", setup)
    assert cost.outcome == (
        "InputError: This zip is too big: 640 M pixels to decode in its 46 images; the most allowed is 100 M "
        "pixels. Upload fewer or smaller images (JPEG photos count at the reduced size they are decoded at)."
    )
    assert cost.peak_mb < 50 and cost.cpu_seconds < 1  # main: decodes all 40, 2.4 s and 0.9 GB each


def test_a_zip_of_four_such_images_is_decoded_in_bounded_memory():
    setup = corpus_setup("zips", "four-4000x4000-alpha.zip", "from cnnviz.datasets import load_zip")
    cost = cost_of("dataset = load_zip(data)\n_result = len(dataset.y_train) + len(dataset.y_test)", setup)
    assert cost.outcome == "ok: 10"
    assert cost.peak_mb < 500 and cost.cpu_seconds < 4  # main: 1.9 GB, 12 s


def zip_of_40(picture: bytes, suffix: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(40):
            archive.writestr(f"{('cats', 'dogs')[index % 2]}/{index}.{suffix}", picture)
    return buffer.getvalue()


def test_jpeg_photos_in_a_zip_count_at_the_size_they_are_decoded_at():
    gradient = np.add.outer(np.arange(1500), np.arange(2000)).astype(np.uint8)  # 3 M pixels: 120 M for 40
    photos = zip_of_40(encoded(gradient, "JPEG"), "jpg")
    dataset = datasets.load_zip(photos, image_size=64)  # decoded at 1/8: 250×188 each
    assert len(dataset.y_train) + len(dataset.y_test) == 40 and dataset.image_shape == (64, 64, 1)
    assert datasets.load_zip(photos).image_shape == (192, 256, 1)  # their own shape: decoded at 1/4
    with pytest.raises(InputError, match="120 M pixels to decode in its 40 images; the most allowed is 100 M"):
        datasets.load_zip(zip_of_40(encoded(gradient, "PNG"), "png"), image_size=64)  # PNGs decode whole


def test_a_zip_with_more_files_than_allowed_is_refused_from_its_directory():
    setup = corpus_setup("zips", "5001-files.zip", "from cnnviz.datasets import load_zip")
    cost = cost_of("_result = load_zip(data)", setup)
    assert cost.outcome.startswith("InputError: This zip is too big: 5,001 files; the most allowed is 5,000 files.")
    assert cost.cpu_seconds < 1


def test_a_zip_member_too_long_and_thin_is_left_out_with_its_reason():
    dataset = datasets.load_zip((CORPUS / "zips" / "strip-member.zip").read_bytes())
    assert dataset.skipped == {"larger than 16,000,000 pixels or longer and thinner than 1,000:1": 1}
    assert len(dataset.y_train) + len(dataset.y_test) == 6


def test_my_classes_uploads_share_one_pixel_budget_read_from_the_headers():
    big = (CORPUS / "images" / "lossless-5000x5000-alpha.webp").read_bytes()  # 25 M pixels each
    examples.check_upload([big] * 4 + [b"not an image"])  # 100 M: at the limit
    with pytest.raises(InputError, match="This upload of 5 files is too big: 125 M pixels to decode in its 5 images"):
        examples.check_upload([big] * 5)
    setup = corpus_setup("zips", "forty-4000x4000-alpha.zip", "from cnnviz.datasets import read_examples_zip")
    cost = cost_of("_result = read_examples_zip(data)", setup)
    assert "This zip is too big: 640 M pixels to decode in its 46 images" in cost.outcome
    assert cost.peak_mb < 50 and cost.cpu_seconds < 1
    kept = datasets.read_examples_zip((CORPUS / "zips" / "four-4000x4000-alpha.zip").read_bytes())
    assert [len(images) for images in kept.values()] == [5, 5]  # 4 big ones shrunk to 280 pixels, and 6 digits
    assert max(image.shape[0] for images in kept.values() for image in images) == 280


def test_an_upload_of_my_classes_over_the_budget_is_refused_whole_on_the_page():
    from streamlit.testing.v1 import AppTest

    skip_without_data()
    app = AppTest.from_file(str(ROOT / "pages" / "data.py"), default_timeout=120).run()
    app.segmented_control(key="data_choice").set_value("My classes").run()
    next(t for t in app.text_input if t.label == "New class").set_value("blank")
    next(b for b in app.button if b.label == "Add class").click().run()
    app.segmented_control(key="mc_source").set_value("Upload").run()
    big = (CORPUS / "images" / "lossless-5000x5000-alpha.webp").read_bytes()
    uploader = next(u for u in app.file_uploader if u.key.startswith("mc_upload_"))
    uploader.set_value([(f"{i}.webp", big, "image/webp") for i in range(5)]).run()
    started = time.process_time()
    app.button(key="mc_add_uploads").click().run()
    assert time.process_time() - started < 5  # nothing decoded (each would be 0.6 s and 200 MB)
    assert not app.exception and any("125 M pixels to decode in its 5 images" in e.value for e in app.error)
    assert not any(app.session_state["mc_examples"].values())


# ---------------------------------------------------------------- imported stacks


def test_layers_inside_blocks_count_toward_the_stack_limit():
    block = {"type": "Residual", "layers": [{"type": "ReLU"}] * 4}
    assert len(summarize([block] * 40, (8, 8, 1))) == 40  # 40 + 160 = 200 layers: at the limit
    with pytest.raises(StackError, match="240 layers, counting those inside blocks; the most allowed is 200"):
        summarize([{**block, "layers": [{"type": "ReLU"}] * 5}] * 40, (8, 8, 1))
    looped: list = []
    looped.append({"type": "Residual", "layers": looped})  # a list that holds itself: counted in bounded time
    started = time.process_time()
    with pytest.raises(StackError, match="too big"):
        summarize(looped, (8, 8, 1))
    assert time.process_time() - started < 1


def test_a_stack_files_size_and_nesting_are_checked_before_it_is_parsed():
    assert json_depth('{"a": [[1], "[[[[["], {"b": {}}}') == 3
    with pytest.raises(StackError, match="nested too deeply: 1,000 levels"):
        from_json("[" * 1000 + "]" * 1000)
    with pytest.raises(StackError, match="too big: 100,001 characters"):
        from_json(" " * 100_001)
    with pytest.raises(StackError, match="number far too long"):
        from_json('{"input_shape": [28, 28, 1], "layers": [{"type": "Dense", "units": ' + "9" * 5000 + "}]}")
    shape, stack = from_json(to_json(*reversed(PRESETS["MobileNet v1 (224×224 colour)"])))
    assert len(stack) == 86 and shape == (224, 224, 3)


def test_summarize_stops_at_the_first_layer_past_a_cost_limit():
    with pytest.raises(StackError, match="layer outputs of 3.06 GiB for one image; the most allowed is 1 GiB") as up:
        summarize([{"type": "UpSampling2D", "size": 1024}] * 150, (28, 28, 1))
    assert up.value.position == 1
    with pytest.raises(StackError, match="462 G multiply-adds per image; the most allowed is 50 G") as big:
        summarize([{"type": "Conv2D", "filters": 16384, "kernel_size": 3}], (1024, 1024, 3))
    assert big.value.position == 1
    with pytest.raises(StackError, match="Layer 2 \\(Dense\\): the stack up to here is too big: 137 G parameters"):
        summarize([{"type": "Flatten"}, {"type": "Dense", "units": 16384}], (1024, 1024, 8))
    inner = [{"type": "Conv2D", "filters": 512, "kernel_size": 3, "padding": "same"}] * 3
    with pytest.raises(StackError, match="Layer 1 \\(Residual\\), branch layer 1 \\(Conv2D\\): .* 309 G multiply"):
        summarize([{"type": "Residual", "layers": inner}], (1024, 1024, 64))
    for name, (shape, stack) in PRESETS.items():  # VGG-16: 15.5 G multiply-adds, 138 M parameters
        assert summarize(stack, shape), name


def test_a_65kb_stack_file_costs_the_layer_builder_page_nothing():
    from streamlit.testing.v1 import AppTest

    text = MANIFEST["stacks"]["4,100 nested layers in 65 kB"]["json"]
    app = AppTest.from_file(str(ROOT / "pages" / "layer_builder.py"), default_timeout=120).run()
    app.text_area(key="builder_paste").set_value(text).run()
    started = time.process_time()
    app.button(key="builder_paste_load").click().run()
    assert time.process_time() - started < 20  # main: 155 s of CPU for this click, as much again for every rerun
    assert not app.exception
    assert any("4,100 layers, counting those inside blocks" in error.value for error in app.error)
    app.text_area(key="builder_paste").set_value(MANIFEST["stacks"]["200 layers in 40 blocks"]["json"]).run()
    app.button(key="builder_paste_load").click().run()
    assert not app.exception and not app.error  # a stack at the limit loads
    assert len(app.session_state["stack"]) == 40


# ---------------------------------------------------------------- ordinary form choices


def test_resizing_past_the_memory_limit_is_refused_before_allocating():
    skip_without_data()
    cost = cost_of("_result = load('fashion_mnist', image_size=200)", "from cnnviz.datasets import load")
    assert cost.outcome.startswith(
        "InputError: Fashion-MNIST at 200×200 is too big: 70,000 images of 200×200 pixels take 2.61 GiB; "
        "the most allowed is 320 MiB."
    )
    assert cost.peak_mb < 300  # the 28×28 images only (main: 2.9 GB)
    small = datasets.load("mnist", image_size=64)  # 15,000 images (the offline copy) × 64² = 61 MB
    assert small.image_shape == (64, 64, 1)


def test_only_the_offered_sizes_are_resized_to_and_the_cost_is_known_before():
    skip_without_data()
    native = datasets.load("fashion_mnist")
    assert datasets.resize_cost(70_000, 512) == 18_350_080_000  # what the 512×512 link asked for: 17.1 GiB
    datasets.check_offered("fashion_mnist", native, 28)
    datasets.check_offered("fashion_mnist", native, 64)  # 273 MiB
    with pytest.raises(InputError, match="can be resized to 28, 32, 48, 64, 96, 128 or 200 pixels square, not 30×30"):
        datasets.check_offered("fashion_mnist", native, 30)
    with pytest.raises(InputError, match="at 96×96 is too big: 70,000 images of 96×96 pixels take 615 MiB"):
        datasets.check_offered("fashion_mnist", native, 96)
    assert datasets.OFFERED_SIZES == (28, 32, 48, 64, 96, 128, 200)


def test_the_server_keeps_datasets_up_to_a_number_of_bytes_not_a_number_of_entries(monkeypatch):
    skip_without_data()
    from cnnviz.ui import cache as resources

    mnist = datasets.load("mnist").nbytes  # 15,000 images: 11.8 MB
    shelf = LRUCache(maxsize=2 * mnist, getsizeof=lambda dataset: dataset.nbytes)
    monkeypatch.setattr(resources._load_dataset, "cache", shelf)
    first = resources.get_dataset("mnist")
    assert resources.get_dataset("mnist") is first  # loaded once
    resources.get_dataset("mnist", image_size=32)  # 1.3 × the bytes: the two no longer fit together
    assert shelf.currsize <= shelf.maxsize and len(shelf) == 1
    assert resources.get_dataset("mnist", image_size=64).image_shape == (64, 64, 1)  # too big to keep: not kept
    assert all(key[1] != 64 for key in shelf)


@pytest.fixture
def training_page():
    from streamlit.testing.v1 import AppTest

    skip_without_data()

    def opened(query: dict[str, str]) -> AppTest:
        app = AppTest.from_file(str(ROOT / "pages" / "training.py"), default_timeout=300)
        app.query_params.update(query)
        return app.run()

    return opened


def test_choosing_neu_cnn_then_fashion_mnist_resizes_nothing(training_page):
    setup = "import os\nfrom streamlit.testing.v1 import AppTest\n" + (
        "app = AppTest.from_file(os.path.abspath('pages/training.py'), default_timeout=300)\n"
        "app.query_params.update({'network': 'preset', 'preset': 'NEU CNN', 'dataset': 'fashion_mnist'})\n"
    )
    cost = cost_of("app.run()\n_result = [error.value for error in app.error]", setup)
    assert "Fashion-MNIST at 200×200 is too big: 70,000 images of 200×200 pixels take 2.61 GiB" in cost.outcome
    assert cost.peak_mb < 600  # main: the page resized 70,000 images to 200×200 (2.9 GB) before any Train
    app = training_page({"network": "preset", "preset": "NEU CNN", "dataset": "neu"})
    assert not app.exception and not app.error and not train_button(app).disabled  # NEU CNN on NEU is fine


def train_button(app):
    return next(button for button in app.button if "Train" in button.label)


def test_a_network_of_another_size_is_resized_for_only_when_training_starts(training_page):
    from cnnviz.ui import cache as resources

    query = {"network": "stack", "input": "64x64x1", "stack": "maxpool-size.4 flatten dense-10-a.softmax"}
    app = training_page({**query, "dataset": "mnist"})
    assert not app.exception and not app.error
    assert any("resized to 64×64 to fit the network when the training starts" in info.value for info in app.info)
    assert not any(key[:2] == ("mnist", 64) for key in resources._load_dataset.cache)  # nothing resized yet
    assert not train_button(app).disabled
    app = training_page({**query, "input": "512x512x1", "dataset": "fashion_mnist"})
    assert not app.exception and train_button(app).disabled
    assert any("not 512×512" in error.value for error in app.error)  # main: asked for 17.1 GiB


def test_pressing_train_resizes_the_images_and_trains_on_them(training_page):
    from cnnviz.ui.training_job import JOB_KEY
    from tests.conftest import labelled_button, rerun_until

    query = {"network": "stack", "input": "32x32x1", "stack": "maxpool-size.4 flatten dense-10-a.softmax"}
    app = training_page({**query, "dataset": "mnist"})
    # A one-epoch training on 500 images; a random start no other test trains, so it really trains here.
    for key, value in {"tr_subset": 500, "tr_epochs": 1, "tr_seed": 3232}.items():
        app.session_state[key] = value
    app.run()
    labelled_button(app, "▶ Train").click().run()
    job = app.session_state[JOB_KEY]
    rerun_until(app, lambda a: job.done and a.metric)
    try:
        assert not app.exception and not app.error
        assert app.session_state["runs"][-1].input_shape == (32, 32, 1)  # trained on the 32×32 images
    finally:
        job.cancel()


# ---------------------------------------------------------------- links


def test_a_link_too_long_for_a_qr_code_shows_the_link_and_says_why():
    from streamlit.testing.v1 import AppTest

    case = MANIFEST["links"]["a kernel whose link overflows a QR code"]
    app = AppTest.from_file(str(ROOT / "pages" / "convolution.py"), default_timeout=120)
    app.query_params.update(case["query"])
    app.run()
    assert not app.exception  # main: DataOverflowError, the page failed
    said = " ".join(caption.value for caption in app.caption)
    assert "No QR code for this view: its link is" in said and "more than a QR code can hold" in said
    assert not qr_codes(app)
    app = AppTest.from_file(str(ROOT / "pages" / "convolution.py"), default_timeout=120)
    app.query_params.update({"kernel": "sobel_x"})
    app.run()
    assert not app.exception and len(qr_codes(app)) == 1  # a short link keeps its QR code


def test_a_value_too_long_to_be_read_back_is_left_out_of_the_link_with_the_reason():
    from streamlit.testing.v1 import AppTest

    query, left_out = links.encode("convolution", {"conv_kernel_matrix": np.full((15, 15), 1 / 1009)})
    assert "kernel" not in query  # 225 × "0.0009910802775024777": the link could not be read back
    assert left_out == ["kernel: Written out, it is too big: 4,949 characters; the most allowed is 2,000 characters."]
    app = AppTest.from_file(str(ROOT / "pages" / "convolution.py"), default_timeout=120)
    app.query_params.update({"kernel": " ".join(["_".join(["1/1009"] * 15)] * 15)})  # 1,349 characters
    app.run()
    assert not app.exception and "kernel" not in app.query_params  # main: the page failed on its QR code
    assert any("Not in the link: kernel: Written out, it is too big" in caption.value for caption in app.caption)
    assert len(qr_codes(app)) == 1


def qr_codes(app) -> list:
    return [image for image in app.get("image") if "QR code" in str(image.proto)]


def test_values_echoed_in_messages_are_shortened():
    long_type = "Conv" + "x" * 50_000
    with pytest.raises(StackError) as caught:
        from_json(json.dumps({"input_shape": [28, 28, 1], "layers": [{"type": long_type}]}))
    assert len(str(caught.value)) < 400 and "…" in str(caught.value)
    with pytest.raises(InputError) as caught:
        kernels.parse_kernel("1 " + "9" * 5000 + "x")
    assert len(str(caught.value)) < 150
    _, problems = links.decode("training", {"recipe": "r" * 1999, "epochs": "9" * 1999, "network": "recipe"})
    assert len(problems) == 2 and not any("r" * 41 in problem or "9" * 41 in problem for problem in problems)


def test_a_typed_kernel_or_signal_is_refused_before_parsing_when_it_is_too_long():
    with pytest.raises(InputError, match="The kernel is too big: 20,000 characters; the most allowed is 10,000"):
        kernels.parse_kernel("1 " * 10_000)
    assert kernels.parse_kernel("1 2\n3 4").shape == (2, 2)
