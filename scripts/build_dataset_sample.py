"""Build the small offline dataset sample shipped in ``cnnviz/data/samples`` from the full data folder.

    python scripts/build_dataset_sample.py [--data-dir ../shared/datasets]

Writes ``mnist.npz`` and ``fashion_mnist.npz`` (Keras' layout: x_train, y_train, x_test, y_test;
a class-balanced training subset and the first test images, so the official test order is kept),
``neu-64.zip`` (every NEU image, grayscale, shrunk to 64×64 with area averaging, JPEG quality 90,
under its NEU-DET file name) and ``cnnviz/data/SAMPLES.md`` (contents, sizes, attribution, licences).
"""

from __future__ import annotations

import argparse
import io
import os
import zipfile
from pathlib import Path

import cv2
import numpy as np

from cnnviz.datasets import digits, neu
from cnnviz.datasets.api import DATA_DIR_ENV, SAMPLE_DIR, SAMPLE_FILES
from cnnviz.datasets.dataset import resize_gray
from cnnviz.datasets.labelled import decode_gray
from cnnviz.images import DEFAULT_MAX_PIXELS

ROOT = Path(__file__).resolve().parent.parent

TRAIN_PER_CLASS = {"mnist": 400, "fashion_mnist": 300}
TEST_IMAGES = 1000
NEU_SIDE = 64
JPEG_QUALITY = 90
SEED = 0

LICENCES = """\
## Attribution and licences

- **MNIST**: Yann LeCun, Corinna Cortes and Christopher J. C. Burges, derived from NIST's databases;
  licensed CC BY-SA 3.0 (<https://creativecommons.org/licenses/by-sa/3.0/>). The images here are a
  subset, stored unchanged.
- **Fashion-MNIST**: Zalando SE (Han Xiao, Kashif Rasul, Roland Vollgraf), MIT licence
  (<https://github.com/zalandoresearch/fashion-mnist/blob/master/LICENSE>). A subset, unchanged.
- **NEU surface defect database**: K. Song and Y. Yan, Northeastern University (China), "A noise robust
  method based on completed local binary patterns for hot-rolled steel strip surface defects",
  Applied Surface Science 285 (2013). Distributed for research and teaching; the images here are
  shrunk to 64×64 and re-encoded. Cite the paper when you publish results obtained with them.
"""


def balanced_subset(labels: np.ndarray, per_class: int, seed: int) -> np.ndarray:
    """Sorted indices of ``per_class`` random images of every class."""
    rng = np.random.default_rng(seed)
    picks = [rng.choice(np.flatnonzero(labels == k), per_class, replace=False) for k in np.unique(labels)]
    return np.sort(np.concatenate(picks))


def build_digits(spec: digits.Spec, data_dir: Path) -> str:
    found, looked = digits.find(spec, data_dir)
    if found is None:
        raise SystemExit(f"{spec.title} not found in {looked}")
    arrays = digits.read(found)
    train = balanced_subset(arrays["y_train"], TRAIN_PER_CLASS[spec.name], SEED)
    target = SAMPLE_DIR / SAMPLE_FILES[spec.name]
    np.savez_compressed(
        target,
        x_train=arrays["x_train"][train],
        y_train=arrays["y_train"][train],
        x_test=arrays["x_test"][:TEST_IMAGES],
        y_test=arrays["y_test"][:TEST_IMAGES],
    )
    return (
        f"| `{target.name}` | {spec.title}: {len(train):,} training images ({TRAIN_PER_CLASS[spec.name]} per class, "
        f"drawn with seed {SEED} from {found.folder.name}/) and the first {TEST_IMAGES:,} official test images, 28×28 "
        f"| {target.stat().st_size / 2**20:.1f} MB |"
    )


def build_neu(data_dir: Path) -> str:
    folder = neu.candidate_folders(data_dir)[0]
    files = neu.image_files(folder)
    if not files:
        raise SystemExit(f"No NEU images in {folder}")
    target = SAMPLE_DIR / SAMPLE_FILES["neu"]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
        for path in files:
            small = resize_gray(decode_gray(path.read_bytes(), DEFAULT_MAX_PIXELS), (NEU_SIDE, NEU_SIDE))
            ok, jpeg = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
            assert ok
            info = zipfile.ZipInfo(f"{path.stem}.jpg", date_time=(1980, 1, 1, 0, 0, 0))
            archive.writestr(info, jpeg.tobytes())
    return (
        f"| `{target.name}` | NEU surface defects: all {len(files):,} images of {folder.name}/ under their NEU-DET "
        f"names, grayscale, shrunk to {NEU_SIDE}×{NEU_SIDE} (area averaging), JPEG quality {JPEG_QUALITY}; "
        f"split 80/20 by class when loaded | {target.stat().st_size / 2**20:.1f} MB |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--data-dir", type=Path, default=os.environ.get(DATA_DIR_ENV) or ROOT.parent / "shared" / "datasets"
    )
    data_dir = parser.parse_args().data_dir.resolve()
    SAMPLE_DIR.mkdir(parents=True, exist_ok=True)
    rows = [build_digits(digits.MNIST, data_dir), build_digits(digits.FASHION_MNIST, data_dir), build_neu(data_dir)]
    notes = io.StringIO()
    notes.write(
        "# The offline dataset sample\n\n"
        "`cnnviz.datasets.load` falls back to these files when no data folder is named and the download "
        "is impossible (and uses them for NEU whenever no data folder is named), so a fresh install with no "
        "internet can still train on all three datasets. `Dataset.is_sample` is then True and `Dataset.source` "
        "says how to get the full data.\n\n"
        "Built by `python scripts/build_dataset_sample.py` from the full data folder (`$CNNVIZ_DATA_DIR`); "
        "do not edit these files by hand.\n\n"
        "| file | content | size |\n| --- | --- | --- |\n"
    )
    notes.write("\n".join(rows) + "\n\n" + LICENCES)
    (SAMPLE_DIR.parent / "SAMPLES.md").write_text(notes.getvalue())
    print("\n".join(rows))


if __name__ == "__main__":
    main()
