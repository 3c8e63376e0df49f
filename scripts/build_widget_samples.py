"""Build the bundled sample images offered by the image-input widget (cnnviz/sample_images/*.png).

Dataset samples come from the offline data directory ($CNNVIZ_DATA_DIR, laid out as README.md's
"Offline use" describes); the three "photos" are generated here, so they are ours to redistribute. Run once:

    CNNVIZ_DATA_DIR=../shared/datasets python scripts/build_widget_samples.py
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import cv2
import numpy as np

OUT = Path(__file__).resolve().parents[1] / "cnnviz" / "sample_images"
FASHION_NAMES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]


def idx_images(path: Path) -> np.ndarray:
    data = gzip.decompress(path.read_bytes())
    count, rows, cols = (int.from_bytes(data[i : i + 4], "big") for i in (4, 8, 12))
    return np.frombuffer(data, np.uint8, offset=16).reshape(count, rows, cols)


def idx_labels(path: Path) -> np.ndarray:
    return np.frombuffer(gzip.decompress(path.read_bytes()), np.uint8, offset=8)


def save(name: str, image: np.ndarray) -> None:
    bgr = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    cv2.imwrite(str(OUT / f"{name}.png"), bgr, [cv2.IMWRITE_PNG_COMPRESSION, 9])


def dataset_samples(data_dir: Path) -> None:
    mnist = idx_images(data_dir / "mnist" / "t10k-images-idx3-ubyte.gz")
    mnist_labels = idx_labels(data_dir / "mnist" / "t10k-labels-idx1-ubyte.gz")
    for digit in (7, 2, 0, 3):
        save(f"mnist-digit-{digit}", mnist[int(np.flatnonzero(mnist_labels == digit)[0])])
    fashion = idx_images(data_dir / "fashion-mnist" / "t10k-images-idx3-ubyte.gz")
    fashion_labels = idx_labels(data_dir / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz")
    for label in (9, 1, 2):
        index = int(np.flatnonzero(fashion_labels == label)[0])
        save(f"fashion-{FASHION_NAMES[label]}", fashion[index])
    for defect in ("crazing", "scratches", "patches"):
        gray = cv2.imread(str(data_dir / "neu" / f"{defect}_1.jpg"), cv2.IMREAD_GRAYSCALE)
        save(f"neu-{defect}", gray)


def sunset(height: int = 240, width: int = 360) -> np.ndarray:
    """A sky gradient, a sun and two hills: smooth areas and soft edges."""
    rows = np.linspace(0.0, 1.0, height)[:, None, None]
    sky = (1 - rows) * np.array([40, 70, 160]) + rows * np.array([250, 160, 90])
    image = np.broadcast_to(sky, (height, width, 3)).copy()
    cv2.circle(image, (250, 150), 38, (255, 220, 120), -1, cv2.LINE_AA)
    x = np.arange(width)
    for base, amplitude, period, colour in ((170, 25, 210, (60, 110, 60)), (200, 18, 140, (30, 80, 40))):
        ridge = (base + amplitude * np.sin(x / period * 2 * np.pi)).astype(int)
        for column, top in enumerate(ridge):
            image[top:, column] = colour
    return cv2.GaussianBlur(image.astype(np.uint8), (3, 3), 0)


def shapes(height: int = 240, width: int = 320) -> np.ndarray:
    """Flat coloured shapes with hard edges: what edge detectors love."""
    image = np.full((height, width, 3), 235, np.uint8)
    cv2.rectangle(image, (20, 30), (120, 130), (200, 40, 40), -1)
    cv2.circle(image, (210, 80), 55, (40, 120, 200), -1, cv2.LINE_AA)
    triangle = np.array([[60, 220], [150, 150], [240, 220]], np.int32)
    cv2.fillPoly(image, [triangle], (11, 102, 35), cv2.LINE_AA)
    cv2.line(image, (260, 160), (310, 230), (30, 30, 30), 4, cv2.LINE_AA)
    return image


def stripes_and_checks(size: int = 256) -> np.ndarray:
    """Vertical stripes, horizontal stripes and a checkerboard: orientation at a glance."""
    image = np.zeros((size, size, 3), np.uint8)
    half = size // 2
    columns = (np.arange(half) // 8) % 2 * 255
    image[:half, :half] = columns[None, :, None]
    image[:half, half:] = columns[:, None, None]
    checks = (np.arange(half)[:, None] // 16 + np.arange(size)[None, :] // 16) % 2 * 255
    image[half:, :] = checks[:, :, None]
    image[half:, :, 0] = np.maximum(image[half:, :, 0], 90)
    return image


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    dataset_samples(Path(os.environ.get("CNNVIZ_DATA_DIR", "../shared/datasets")))
    save("photo-sunset", sunset())
    save("photo-shapes", shapes())
    save("photo-stripes", stripes_and_checks())


if __name__ == "__main__":
    main()
