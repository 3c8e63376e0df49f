"""How fast the "My classes" recipes train and how well they read drawings they never saw.

    python scripts/measure_my_classes.py                               # circle vs cross, 20 each
    python scripts/measure_my_classes.py --shapes circle cross triangle square --per-class 20 --seeds 0 1 2
    python scripts/measure_my_classes.py --shapes circle cross triangle square --per-class 5 --seeds 0 1 2 \
        --recipes my_classes_tiny my_classes_transfer                  # from scratch vs reusing the digit network

The drawings are synthetic (``cnnviz.shapes``: random size, position, stroke width, tilt and wobble on
a 280×280 canvas like the app's), prepared with ``from_examples(center=True)`` exactly as the page
prepares canvas drawings. The recipe trains on ``--per-class`` drawings per class and is scored on
``--held-out`` other drawings per class. One ``RESULT {...}`` JSON line per seed, with the 1-minute
load average before and after so a figure measured on a busy machine can be recognised.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time

from cnnviz.datasets import from_examples
from cnnviz.recipes import RECIPES
from cnnviz.shapes import SHAPES, example_set
from cnnviz.training import train


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", nargs="+", default=["circle", "cross"], choices=SHAPES)
    parser.add_argument("--per-class", type=int, default=20)
    parser.add_argument("--held-out", type=int, default=100)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--recipes", nargs="+", default=["my_classes_tiny"], choices=[k for k in RECIPES if "my_" in k])
    args = parser.parse_args(argv)
    kinds = tuple(args.shapes)
    for seed in args.seeds:
        collected = from_examples(example_set(kinds, args.per_class, seed=seed), center=True, test_fraction=0)
        held_out = from_examples(example_set(kinds, args.held_out, seed=10_000 + seed), center=True, test_fraction=0)
        dataset = dataclasses.replace(collected, x_test=held_out.x_train, y_test=held_out.y_train)
        for name in args.recipes:
            _measure(name, kinds, seed, dataset, len(held_out.y_train))


def _measure(name: str, kinds: tuple[str, ...], seed: int, dataset, held_out: int) -> None:
    """Train recipe ``name`` on ``dataset`` with random start ``seed``; print its RESULT line."""
    recipe = RECIPES[name]
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    run = train(recipe.stack, dataset, dataclasses.replace(recipe.config, seed=seed))
    print(
        "RESULT "
        + json.dumps(
            {
                "recipe": name,
                "shapes": kinds,
                "seed": seed,
                "train_images": run.train_samples,
                "held_out_images": held_out,
                "held_out_accuracy": round(run.test_accuracy, 4),
                "fit_seconds": round(run.seconds, 1),
                "total_seconds": round(time.perf_counter() - started, 1),
                "load_before": round(load_before, 2),
                "load_after": round(os.getloadavg()[0], 2),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
