"""How fast the "My classes" recipe trains and how well it reads drawings it never saw.

    python scripts/measure_my_classes.py                               # circle vs cross, 20 each
    python scripts/measure_my_classes.py --shapes circle cross triangle square --per-class 20 --seeds 0 1 2

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
    args = parser.parse_args(argv)
    recipe = RECIPES["my_classes_tiny"]
    kinds = tuple(args.shapes)
    for seed in args.seeds:
        collected = from_examples(example_set(kinds, args.per_class, seed=seed), center=True, test_fraction=0)
        held_out = from_examples(example_set(kinds, args.held_out, seed=10_000 + seed), center=True, test_fraction=0)
        dataset = dataclasses.replace(collected, x_test=held_out.x_train, y_test=held_out.y_train)
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        run = train(recipe.stack, dataset, dataclasses.replace(recipe.config, seed=seed))
        print(
            "RESULT "
            + json.dumps(
                {
                    "shapes": kinds,
                    "seed": seed,
                    "train_images": run.train_samples,
                    "held_out_images": len(held_out.y_train),
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
