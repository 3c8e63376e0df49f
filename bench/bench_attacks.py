"""What each attack of issue 25 costs the server, before and after the bounds: peak memory, CPU time, outcome.

Run: ``python bench/bench_attacks.py [--before PATH] [--only WORD] [--timeout S]``. Each attack runs in a
fresh Python process (:mod:`bench.cost`) importing ``cnnviz`` from this worktree ("after") and, with
``--before``, from another source tree such as an export of main (``git archive main | tar -x -C DIR``).
The inputs are the hostile corpus' files (``scripts/build_bad_input_corpus.py``) or built in the child.
Pages are driven with Streamlit's AppTest, so "page failed" means the student saw an error page.

An attack marked ``unsafe_before`` is not run on the old code (it would allocate more memory than the
machine can spare); the table gives the allocation it asks for, computed.
"""

from __future__ import annotations

import argparse
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.cost import Cost, cost_of

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"


@dataclass(frozen=True)
class Attack:
    name: str
    setup: str
    call: str
    unsafe_before: str = ""  # why the old code is not run, with the allocation it would ask for


def _read(folder: str, name: str) -> str:
    return f"data = open({str(CORPUS / folder / name)!r}, 'rb').read()\n"


_APP = "import os\nfrom streamlit.testing.v1 import AppTest\n"
#: How a page run ended, for the table: "page failed" when the student saw Streamlit's error page.
_PAGE_OUTCOME = (
    "_result = ('page failed: ' + str(app.exception[0].value)[:80]) if app.exception else "
    "('page shown; messages: ' + (' | '.join(e.value[:120] for e in app.error) or 'none'))\n"
)


def _zip_of_claiming_files(count: int) -> str:
    """Child code building a zip of ``count`` copies of a 1 kB lossless WebP of 4000×4000 half-transparent
    pixels (within the 16 M pixels a dataset's image may have)."""
    return (
        "import io, zipfile\n"
        "from PIL import Image\n"
        "import numpy as np\n"
        "pixels = np.zeros((4000, 4000, 4), np.uint8); pixels[:, :, 3] = 128\n"
        "one = io.BytesIO(); Image.fromarray(pixels).save(one, 'WEBP', lossless=True, method=6); del pixels\n"
        "buffer = io.BytesIO()\n"
        "with zipfile.ZipFile(buffer, 'w') as archive:\n"
        f"    for i in range({count}):\n"
        "        archive.writestr(f\"{'ab'[i % 2]}/{i}.webp\", one.getvalue())\n"
        "data = buffer.getvalue()\n"
    )


def _image(name: str, file: str) -> Attack:
    """An attack that decodes one corpus image with ``load_image``."""
    setup = "from cnnviz.images import load_image\n" + _read("images", file)
    return Attack(name, setup, "_result = load_image(data).shape")


def _zip(name: str, file: str) -> Attack:
    """An attack that reads one corpus zip with ``load_zip`` (the Datasets page's upload)."""
    setup = "from cnnviz.datasets import load_zip\n" + _read("zips", file)
    return Attack(name, setup, "_result = load_zip(data).source[:60]")


ATTACKS = [
    _image("image: 1 kB lossless WebP, 5000×5000 with alpha (valid, at the limit)", "lossless-5000x5000-alpha.webp"),
    _image("image: 49 kB 16-bit PNG, 5000×5000 (valid, at the limit)", "sixteen-bit-5000x5000.png"),
    _image("image: 3 kB palette PNG, 5000×5000 with alpha (valid, at the limit)", "palette-5000x5000-alpha.png"),
    Attack(
        "image: the same palette PNG shrunk while decoding to a 64-pixel side (as a zip member)",
        "from cnnviz.images import load_image\n" + _read("images", "palette-5000x5000-alpha.png"),
        "_result = load_image(data, min_side=64).shape",
    ),
    Attack(
        "image: 1 kB lossless WebP, 5000×5000 with alpha, shrunk while decoding to a 64-pixel side",
        "from cnnviz.images import load_image\n" + _read("images", "lossless-5000x5000-alpha.webp"),
        "_result = load_image(data, min_side=64).shape",
    ),
    _image("image: 24 kB PNG strip of 1×25,000,000 pixels", "strip-1x25000000.png"),
    _zip("zip: 1.9 kB, 4 × 4000×4000 alpha WebPs + 6 digits (valid)", "four-4000x4000-alpha.zip"),
    _zip("zip: 9 kB, 40 × 4000×4000 alpha WebPs + 6 digits", "forty-4000x4000-alpha.zip"),
    Attack(
        "zip: 7 MB, 7,000 × 1 kB WebPs claiming 4000×4000 each",
        "from cnnviz.datasets import load_zip\n" + _zip_of_claiming_files(7_000),
        "_result = load_zip(data).source[:60]",
    ),
    Attack(
        "My classes zip: 9 kB, 40 × 4000×4000 alpha WebPs + 6 digits",
        "from cnnviz.datasets import read_examples_zip\n" + _read("zips", "forty-4000x4000-alpha.zip"),
        "_result = {name: len(images) for name, images in read_examples_zip(data).items()}",
    ),
    Attack(
        "stack: 65 kB JSON of 4,100 nested layers, from_json + summarize",
        "from cnnviz.architecture import from_json, summarize\n"
        + f"text = open({str(CORPUS / 'MANIFEST.json')!r}).read()\n"
        + "import json; text = json.loads(text)['stacks']['4,100 nested layers in 65 kB']['json']\n",
        "shape, stack = from_json(text)\n_result = len(summarize(stack, shape))",
    ),
    Attack(
        "stack: the same JSON loaded on the Layer builder page (AppTest)",
        _APP
        + f"text = open({str(CORPUS / 'MANIFEST.json')!r}).read()\n"
        + "import json; text = json.loads(text)['stacks']['4,100 nested layers in 65 kB']['json']\n"
        + "app = AppTest.from_file(os.path.abspath('pages/layer_builder.py'), default_timeout=3000).run()\n"
        + "app.text_area(key='builder_paste').set_value(text).run()\n",
        "app.button(key='builder_paste_load').click().run()\n" + _PAGE_OUTCOME,
    ),
    Attack(
        "form: Training page, preset NEU CNN (200×200) + Fashion-MNIST (AppTest)",
        _APP
        + "app = AppTest.from_file(os.path.abspath('pages/training.py'), default_timeout=3000)\n"
        + "app.query_params.update({'network': 'preset', 'preset': 'NEU CNN', 'dataset': 'fashion_mnist'})\n",
        "app.run()\n" + _PAGE_OUTCOME,
    ),
    Attack(
        "form: Training page link, 512×512 input + Fashion-MNIST (AppTest)",
        _APP
        + "app = AppTest.from_file(os.path.abspath('pages/training.py'), default_timeout=3000)\n"
        + "app.query_params.update({'network': 'stack', 'input': '512x512x1', 'dataset': 'fashion_mnist',\n"
        + "    'stack': 'maxpool-size.8 maxpool-size.8 flatten dense-10-a.softmax'})\n",
        "app.run()\n" + _PAGE_OUTCOME,
        unsafe_before="asks for 70,000 × 512² bytes = 17.1 GiB (14.6 GiB for the training images)",
    ),
    Attack(
        "link: a 1.8 kB kernel whose link overflows a QR code, Convolution page (AppTest)",
        _APP
        + "kernel = ' '.join(['_'.join(['-13/997'] * 15)] * 15)\n"
        + "app = AppTest.from_file(os.path.abspath('pages/convolution.py'), default_timeout=600)\n"
        + "app.query_params.update({'kernel': kernel})\n",
        "app.run()\n" + _PAGE_OUTCOME,
    ),
    Attack(
        "sidebar: a valid 10×10,000 image, app.py (AppTest)",
        _APP
        + "import numpy as np\n"
        + "app = AppTest.from_file(os.path.abspath('app.py'), default_timeout=600)\n"
        + "app.session_state['image'] = np.zeros((10, 10_000, 1), np.uint8)\n"
        + "app.session_state['image_label'] = 'Upload: wide.png'\n",
        "app.run()\n" + _PAGE_OUTCOME,
    ),
]


def _cell(source: Path, attack: Attack, timeout: float) -> str:
    try:
        cost: Cost = cost_of(attack.call, attack.setup, source=source, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"stopped after {timeout:.0f} s | | still running"
    outcome = cost.outcome.replace("|", "/").replace("\n", " ")
    return f"{cost.peak_mb:,.0f} MB | {cost.cpu_seconds:,.1f} s | {outcome[:160]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=Path, help="a source tree with the old code (e.g. an export of main)")
    parser.add_argument("--only", default="", help="run only the attacks whose name contains this")
    parser.add_argument("--timeout", type=float, default=400, help="seconds before an attack is stopped")
    args = parser.parse_args()
    print("| attack | peak memory | CPU | outcome |\n| --- | --- | --- | --- |")
    for attack in ATTACKS:
        if args.only not in attack.name:
            continue
        if args.before:
            before = (
                f"not run | | {attack.unsafe_before}"
                if attack.unsafe_before
                else _cell(args.before.resolve(), attack, args.timeout)
            )
            print(f"| {attack.name}, **before** | {before} |", flush=True)
        print(f"| {attack.name}, **after** | {_cell(ROOT, attack, args.timeout)} |", flush=True)


if __name__ == "__main__":
    main()
