"""How often the pretrained MNIST model reads digits drawn the way a student draws on the canvas.

    python scripts/measure_drawings.py [--per-digit 60] [--seed 0] [--save-examples DIR]

Renders the digits 0-9 with OpenCV's Hershey fonts (plain, italic and script) as white strokes on a
black 280×280 canvas like the app's, with random stroke widths (the canvas brush: 6 to 40 px),
heights, positions and slants, prepares each with ``to_model_input(center=True)`` and predicts.
Prints the recognition rate overall and per font, stroke width and digit, and the rate without
the MNIST-style centring for comparison.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

from cnnviz.images import encode_png, to_model_input
from cnnviz.inspection import load_pretrained, predict

CANVAS = 280
FONTS = {
    "simplex": cv2.FONT_HERSHEY_SIMPLEX,
    "duplex": cv2.FONT_HERSHEY_DUPLEX,
    "complex": cv2.FONT_HERSHEY_COMPLEX,
    "triplex": cv2.FONT_HERSHEY_TRIPLEX,
    "plain": cv2.FONT_HERSHEY_PLAIN,
    "script simplex": cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
    "script complex": cv2.FONT_HERSHEY_SCRIPT_COMPLEX,
    "simplex italic": cv2.FONT_HERSHEY_SIMPLEX | cv2.FONT_ITALIC,
}
STROKES = (6, 10, 16, 24, 32, 40)


def draw_digit(digit: int, font: int, stroke: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """A uint8 (280, 280, 1) canvas with ``digit`` ``height`` px tall at a random position and slant."""
    text = str(digit)
    (_, base_height), _ = cv2.getTextSize(text, font, 1.0, 1)
    scale = height / base_height
    (text_width, text_height), baseline = cv2.getTextSize(text, font, scale, stroke)
    margin = stroke // 2 + 2
    x = int(rng.integers(margin, max(margin + 1, CANVAS - text_width - margin)))
    y = int(rng.integers(text_height + margin, max(text_height + margin + 1, CANVAS - baseline - margin)))
    canvas = np.zeros((CANVAS, CANVAS), np.uint8)
    cv2.putText(canvas, text, (x, y), font, scale, 255, stroke, cv2.LINE_AA)
    angle = float(rng.uniform(-15, 15))  # people tilt their digits
    turn = cv2.getRotationMatrix2D((CANVAS / 2, CANVAS / 2), angle, 1.0)
    return cv2.warpAffine(canvas, turn, (CANVAS, CANVAS), borderValue=0)[:, :, None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-digit", type=int, default=60, help="drawings of each digit (default 60)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save-examples", type=Path, default=None, help="write the misread drawings here")
    args = parser.parse_args()

    model = load_pretrained("mnist")
    rng = np.random.default_rng(args.seed)
    hits: dict[str, dict] = {"font": defaultdict(list), "stroke": defaultdict(list), "digit": defaultdict(list)}
    centred, plain = [], []
    for digit in range(10):
        for index in range(args.per_digit):
            font_name = list(FONTS)[rng.integers(len(FONTS))]
            stroke = int(rng.choice(STROKES))
            height = int(rng.integers(90, 230))
            canvas = draw_digit(digit, FONTS[font_name], stroke, height, rng)
            guess = int(np.argmax(predict(model, to_model_input(canvas, (28, 28, 1), center=True))))
            right = guess == digit
            centred.append(right)
            plain.append(int(np.argmax(predict(model, to_model_input(canvas, (28, 28, 1))))) == digit)
            hits["font"][font_name].append(right)
            hits["stroke"][stroke].append(right)
            hits["digit"][digit].append(right)
            if args.save_examples and not right:
                args.save_examples.mkdir(parents=True, exist_ok=True)
                name = f"{digit}-read-as-{guess}-{font_name.replace(' ', '_')}-w{stroke}-{index}.png"
                (args.save_examples / name).write_bytes(encode_png(canvas))

    print(
        f"{len(centred)} drawings; recognised with to_model_input(center=True): {np.mean(centred):.1%}; "
        f"with a plain resize instead: {np.mean(plain):.1%}"
    )
    for group, table in hits.items():
        print(f"\nby {group}:")
        for key, values in sorted(table.items()):
            print(f"  {key!s:>15}  {np.mean(values):6.1%}  (n={len(values)})")


if __name__ == "__main__":
    main()
