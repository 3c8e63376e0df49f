"""Train the named recipes of ``cnnviz.recipes`` and print the test accuracy and time each reaches.

    CNNVIZ_DATA_DIR=../shared/datasets python scripts/measure_recipes.py            # all recipes
    CNNVIZ_DATA_DIR=../shared/datasets python scripts/measure_recipes.py neu_64 --seeds 0 1
    ... --epochs 3                                                                 # quick trial
    ... mnist_5k_augmented --train-samples 1000 2000 4000                          # a learning curve
    ... --ann-vs-cnn mnist                 # "Dense network or CNN?": the four runs of cnnviz.recipes.ann_vs_cnn

One line per epoch while training, then one JSON line per run (``RESULT {...}``) with the recipe,
seed, test accuracy, training seconds, images/s and the 1-minute load average before and after, so
a slow figure measured while other programs shared the CPU can be recognised as such.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time

from cnnviz import datasets
from cnnviz.recipes import EXPERIMENT_BASE, RECIPES, ann_vs_cnn
from cnnviz.training import train


def _print_epoch(event: dict) -> None:
    if event["event"] == "epoch":
        val = f" val_acc {event['val_accuracy']:.4f}" if "val_accuracy" in event else ""
        print(
            f"  epoch {event['epoch']}/{event['epochs']} loss {event['loss']:.4f} acc {event['accuracy']:.4f}{val}"
            f" · {event['images_per_second']:.0f} img/s · {event['elapsed_seconds']:.0f} s",
            flush=True,
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    loadable = sorted(name for name, recipe in RECIPES.items() if recipe.dataset in datasets.NAMES)
    parser.add_argument(
        "names",
        nargs="*",
        default=loadable,
        help="recipe names (default: all but My classes, see scripts/measure_my_classes.py)",
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--epochs", type=int, default=None, help="override the recipe's epochs")
    parser.add_argument(
        "--train-samples",
        nargs="+",
        type=int,
        default=[None],
        help="train on at most this many images (one run per value): a learning curve",
    )
    parser.add_argument("--ann-vs-cnn", metavar="DATASET", help="measure the four ANN-vs-CNN runs on this dataset")
    args = parser.parse_args(argv)
    if args.ann_vs_cnn:
        dataset = datasets.load(args.ann_vs_cnn)
        for seed in args.seeds:
            for variant in ann_vs_cnn(dataclasses.replace(EXPERIMENT_BASE, seed=seed)):
                _measure(variant.label, variant.stack, dataset, variant.config)
        return
    for name in args.names:
        recipe = RECIPES[name]
        dataset = datasets.load(recipe.dataset, image_size=recipe.image_size)
        for seed, samples in ((seed, samples) for seed in args.seeds for samples in args.train_samples):
            config = dataclasses.replace(
                recipe.config,
                seed=seed,
                epochs=args.epochs or recipe.config.epochs,
                max_train_samples=samples or recipe.config.max_train_samples,
            )
            _measure(name, recipe.stack, dataset, config)


def _measure(name: str, stack: list, dataset: datasets.Dataset, config) -> None:
    """Train once and print the RESULT line (with the per-epoch history and the load before and after)."""
    load_before = os.getloadavg()[0]
    print(f"{name} seed {config.seed}: {dataset.source}", flush=True)
    started = time.perf_counter()
    run = train(stack, dataset, config, on_progress=_print_epoch)
    total = time.perf_counter() - started
    result = {
        "recipe": name,
        "seed": config.seed,
        "epochs": run.epochs_done,
        "best_epoch": run.best_epoch,
        "test_accuracy": run.test_accuracy,
        "test_loss": run.test_loss,
        "parameters": run.parameters,
        "fit_seconds": round(run.seconds, 1),
        "total_seconds": round(total, 1),
        "images_per_second": round(run.images_per_second),
        "train_samples": run.train_samples,
        "val_samples": run.val_samples,
        "history": {key: [round(v, 4) for v in values] for key, values in run.history.items()},
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "cpus": os.cpu_count(),
    }
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
