"""The record of one training run, and saving / reloading it (``.keras`` model + JSON + predictions).

A run is reloaded only from a directory this module wrote: the app never loads a model a user
uploads (Keras' ``safe_mode`` is not a sandbox).
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from cnnviz.training.config import TrainConfig

RUN_FORMAT = "cnn-explorer-run"
RUN_VERSION = 1
MODEL_FILE = "model.keras"
RECORD_FILE = "run.json"
PREDICTIONS_FILE = "test_predictions.npz"
EPOCHS_FILE = "epoch_weights.npz"  # the epoch scrubber's copies, arrays ``e<epoch>_<i>``
HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")
#: Field metadata: the run's plain (JSON-ready) values and its arrays, the two parts that leave the process in a
#: record (``run.json``), a worker's payload and the run store. The other fields live in this process only.
PLAIN, ARRAYS = {"part": "plain"}, {"part": "arrays"}


@dataclass(eq=False)
class TrainingRun:
    """Everything one call of :func:`cnnviz.training.train` produced.

    ``history`` is Keras-style: per-epoch lists ``loss``, ``accuracy`` and, with a validation split,
    ``val_loss`` and ``val_accuracy`` (complete epochs only). ``test_loss``/``test_accuracy`` are
    ``None`` if the test set has no images. ``seconds`` is the wall time of ``fit``.
    ``test_probabilities`` float32 ``(N, K)`` and ``test_labels`` int64 ``(N,)`` feed the confusion
    matrix and the gallery; ``test_images`` (uint8 ``(N, H, W, 1)``) is the dataset's own array,
    shared, not copied and not saved.

    A run trained in a worker process arrives with ``model=None`` and its ``weights``: the Keras
    model is rebuilt from them on the first access to ``model`` (:meth:`__getattr__`).
    ``internals`` is :mod:`cnnviz.training.internals`' recording (per-layer histograms of weights and
    gradients, dead ReLUs, update ratios per recorded epoch; None if none was made), plain data.
    ``train_data`` is the dataset it trained on (to continue it; not saved), ``reused`` says
    whether it was ``"joined"`` (an identical training was running) or ``"stored"`` (one had
    finished before), ``worker`` which Dask worker trained it. ``task_seconds`` is the wall time of the
    whole worker task (build, training, testing) added up over the runs it continues: what the
    server's time limit counts (0 for a run trained outside a worker).
    """

    model: Any
    history: dict[str, list[float]] = field(metadata=PLAIN)
    test_loss: float | None = field(metadata=PLAIN)
    test_accuracy: float | None = field(metadata=PLAIN)
    seconds: float = field(metadata=PLAIN)
    config: TrainConfig = field(metadata=PLAIN)
    stack: list[dict[str, Any]] = field(metadata=PLAIN)
    input_shape: tuple[int, int, int] = field(metadata=PLAIN)
    class_names: list[str] = field(metadata=PLAIN)
    notes: list[str] = field(default_factory=list, metadata=PLAIN)
    dataset: str = field(default="", metadata=PLAIN)
    source: str = field(default="", metadata=PLAIN)
    stopped: bool = field(default=False, metadata=PLAIN)
    train_samples: int = field(default=0, metadata=PLAIN)
    val_samples: int = field(default=0, metadata=PLAIN)
    images_per_second: float = field(default=0.0, metadata=PLAIN)
    test_probabilities: np.ndarray | None = field(default=None, repr=False, metadata=ARRAYS)
    test_labels: np.ndarray | None = field(default=None, repr=False, metadata=ARRAYS)
    test_images: np.ndarray | None = field(default=None, repr=False)
    label: str = field(default="", metadata=PLAIN)
    epoch_weights: list[list[np.ndarray]] = field(default_factory=list, repr=False, metadata=ARRAYS)
    final_epoch: int | None = field(default=None, metadata=PLAIN)
    weights_capped: bool = field(default=False, metadata=PLAIN)
    weights: list[np.ndarray] | None = field(default=None, repr=False, metadata=ARRAYS)
    task_seconds: float = field(default=0.0, metadata=PLAIN)
    internals: dict[str, Any] | None = field(default=None, repr=False, metadata=PLAIN)
    train_data: Any = field(default=None, repr=False)
    reused: str = ""
    worker: str = ""

    def __post_init__(self) -> None:
        if self.model is None and self.weights is not None:
            del self.model  # built on first use by __getattr__

    def __getattr__(self, name: str) -> Any:
        if name != "model" or "weights" not in self.__dict__:
            raise AttributeError(name)
        from cnnviz import architecture

        model = architecture.to_keras(self.stack, self.input_shape)
        model.set_weights(self.weights)
        self.model = model
        return model

    @property
    def parameters(self) -> int | None:
        """Number of weights (Keras' ``count_params()``), without building the model; None without either."""
        if self.weights is not None:
            return int(sum(np.size(w) for w in self.weights))
        return None if self.model is None else int(self.model.count_params())

    @property
    def held_bytes(self) -> int:
        """Memory this run holds beyond its dataset: its weights (twice once the model is built), each
        recorded epoch's copy and the test predictions (what a session's runs count against the server)."""
        weights = 4 * (self.parameters or 0)
        built = weights if self.__dict__.get("model") is not None else 0
        from cnnviz.session_memory import array_bytes

        return weights + built + array_bytes([self.epoch_weights, self.test_probabilities, self.test_labels])

    @property
    def epochs_done(self) -> int:
        return len(self.history.get("loss", []))

    @property
    def epochs_recorded(self) -> int:
        """The last epoch whose weights :meth:`weights_at` can give (0: only the initial weights, or none kept).

        ``epoch_weights[k]`` holds ``model.get_weights()`` after epoch k (k = 0: before training), as plain
        NumPy arrays; ``final_epoch`` is the recorded epoch the model's weights are (the best validation
        epoch when ``config.keep_best`` or early stopping restored it); ``weights_capped`` is True when a
        large network's copies reached the per-run budget and the later epochs were not kept.
        """
        return max(len(self.epoch_weights) - 1, 0)

    def weights_at(self, epoch: int) -> list[np.ndarray]:
        """The weights after ``epoch`` (0 = the initial weights), for ``model.set_weights``."""
        if not 0 <= epoch < len(self.epoch_weights):
            kept = f"epochs 0–{self.epochs_recorded}" if self.epoch_weights else "no epochs"
            raise ValueError(f"Epoch {epoch} was not recorded: this run kept the weights of {kept}")
        return self.epoch_weights[epoch]

    @property
    def best_epoch(self) -> int | None:
        """1-based epoch with the lowest validation loss (``None`` without validation)."""
        val = self.history.get("val_loss") or []
        return int(np.argmin(val)) + 1 if val else None

    def record(self) -> dict[str, Any]:
        """The run without its model and arrays, as plain JSON-ready values (``run.json``)."""
        return {
            "format": RUN_FORMAT,
            "version": RUN_VERSION,
            **plain_values(self),
            "epoch_weight_counts": [len(weights) for weights in self.epoch_weights],
        }


def expected_run_bytes(params: int, epochs: int, test_images: int, classes: int) -> int:
    """An upper bound of :attr:`TrainingRun.held_bytes` before training: weights twice, the epoch copies (capped
    per run by :data:`cnnviz.training.snapshots.BUDGET_BYTES`) and the test probabilities and labels."""
    from cnnviz.training.snapshots import BUDGET_BYTES

    weights = 4 * params
    return 2 * weights + min(BUDGET_BYTES, weights * (epochs + 1)) + test_images * (4 * classes + 8)


#: The fields of :data:`PLAIN` values and of :data:`ARRAYS`, from the dataclass itself.
PLAIN_FIELDS = tuple(f.name for f in fields(TrainingRun) if f.metadata.get("part") == PLAIN["part"])
ARRAY_FIELDS = tuple(f.name for f in fields(TrainingRun) if f.metadata.get("part") == ARRAYS["part"])


def plain_values(run: TrainingRun) -> dict[str, Any]:
    """The run's :data:`PLAIN_FIELDS` as JSON-ready values (lists for tuples, floats, the config as a dict)."""
    values = {name: getattr(run, name) for name in PLAIN_FIELDS}
    values.update(
        input_shape=list(run.input_shape),
        class_names=list(run.class_names),
        notes=list(run.notes),
        history={key: [float(v) for v in history] for key, history in run.history.items()},
        config=run.config.to_dict(),
    )
    return values


def from_plain(values: Mapping[str, Any]) -> dict[str, Any]:
    """:class:`TrainingRun` keyword arguments from :func:`plain_values` (a field an older run lacks keeps its
    default)."""
    kwargs = {name: values[name] for name in PLAIN_FIELDS if name in values}
    kwargs.update(
        input_shape=tuple(values["input_shape"]),
        history={key: list(history) for key, history in values["history"].items()},
        config=TrainConfig.from_dict(values["config"]),
        weights_capped=bool(values.get("weights_capped", False)),
    )
    return kwargs


def epoch_arrays(epoch_weights: list[list[np.ndarray]]) -> dict[str, np.ndarray]:
    """Each epoch's weights as flat ``.npz`` entries ``e<epoch>_<i>`` (read back by :func:`read_epoch_arrays`)."""
    return {
        f"e{epoch}_{i}": np.asarray(w) for epoch, weights in enumerate(epoch_weights) for i, w in enumerate(weights)
    }


def read_epoch_arrays(arrays: Any, counts: list[int]) -> list[list[np.ndarray]]:
    """The inverse of :func:`epoch_arrays`, given how many arrays each epoch has (KeyError if one is missing)."""
    return [[arrays[f"e{epoch}_{i}"] for i in range(int(count))] for epoch, count in enumerate(counts)]


def save_run(run: TrainingRun, directory: str | Path) -> Path:
    """Write ``model.keras``, ``run.json`` and ``test_predictions.npz`` into ``directory`` (created)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    run.model.save(directory / MODEL_FILE)
    (directory / RECORD_FILE).write_text(json.dumps(run.record(), indent=1) + "\n")
    if run.test_probabilities is not None:
        np.savez_compressed(
            directory / PREDICTIONS_FILE,
            probabilities=run.test_probabilities.astype(np.float32),
            labels=np.asarray(run.test_labels, dtype=np.int64),
        )
    if run.epoch_weights:
        np.savez(directory / EPOCHS_FILE, allow_pickle=False, **epoch_arrays(run.epoch_weights))
    return directory


def load_run(directory: str | Path) -> TrainingRun:
    """Reload a run written by :func:`save_run` (model, history, config, predictions, each epoch's weights;
    no images).

    Only for directories the app itself wrote: the file must carry our format marker, the model is
    loaded with Keras' ``safe_mode`` on, and arrays are read without unpickling anything.
    """
    import keras

    directory = Path(directory)
    record = json.loads((directory / RECORD_FILE).read_text())
    if record.get("format") != RUN_FORMAT:
        raise ValueError(f"{directory} does not hold a CNN Explorer run")
    model = keras.saving.load_model(directory / MODEL_FILE, safe_mode=True)
    probabilities = labels = None
    if (directory / PREDICTIONS_FILE).exists():
        with np.load(directory / PREDICTIONS_FILE, allow_pickle=False) as arrays:
            probabilities, labels = arrays["probabilities"], arrays["labels"]
    epoch_weights = []
    if (directory / EPOCHS_FILE).exists():  # runs saved before the scrubber have none
        with np.load(directory / EPOCHS_FILE, allow_pickle=False) as arrays:
            epoch_weights = read_epoch_arrays(arrays, record.get("epoch_weight_counts", []))
    return TrainingRun(
        model=model,
        **from_plain(record),
        test_probabilities=probabilities,
        test_labels=labels,
        epoch_weights=epoch_weights,
    )


def run_zip(run: TrainingRun) -> bytes:
    """The saved run as one zip (``model.keras``, ``run.json``, ``test_predictions.npz``, ``epoch_weights.npz``)
    for download."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="cnnviz-run-") as tmp:
        save_run(run, tmp)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(Path(tmp).iterdir()):
                archive.write(path, path.name)
    return buffer.getvalue()
