"""Train a layer stack on a dataset, watch it learn, stop it, score it, keep the run.

- :func:`train` ``(stack, dataset, config=TrainConfig(), on_progress=None, should_stop=None)``
  → :class:`TrainingRun` (model, history, test metrics, wall time, notes, test predictions);
- :class:`TrainConfig`: epochs, batch size, optimizer, learning rate, validation split, early
  stopping, training subset, seed, augmentation;
- :func:`to_notebook`: the run as a Jupyter notebook in plain Keras that reproduces it;
- :func:`save_run` / :func:`load_run` / :func:`run_zip`: a run as ``.keras`` + JSON (+ predictions);
- :class:`TrainingJob`, :class:`TrainingPlan`: a page's training in a background thread with stop,
  cancel and progress snapshots (no Streamlit here); in the app its trainer is the Dask
  :class:`~cnnviz.training.service.TrainingService`, whose :class:`TrainingGate` queues the server's
  trainings for a worker; the progress events and job states are typed in :mod:`.events`;
- :func:`confusion_matrix`, :func:`per_class_accuracy`, :func:`misclassified`, :func:`cell_examples`:
  NumPy scores from the test-set predictions.

TensorFlow is imported only when a model is built, trained, saved or loaded.
"""

from cnnviz.options import OPTIMIZER_TITLES, OPTIMIZERS
from cnnviz.training.adapt import adapt_output
from cnnviz.training.config import AUGMENTATION_TYPES, TrainConfig
from cnnviz.training.errors import TrainingCancelled, TrainingUnavailable
from cnnviz.training.evaluation import (
    Example,
    cell_examples,
    confusion_matrix,
    loss_and_accuracy,
    misclassified,
    per_class_accuracy,
    random_examples,
)
from cnnviz.training.events import Event, JobState, ProgressEvent
from cnnviz.training.fit import PROGRESS_EVERY, subset_indices, train, validation_indices
from cnnviz.training.gate import TrainingGate
from cnnviz.training.job import JobSnapshot, TrainingJob, TrainingPlan
from cnnviz.training.notebook import to_notebook
from cnnviz.training.run import TrainingRun, load_run, run_zip, save_run

__all__ = [
    "AUGMENTATION_TYPES",
    "Event",
    "JobState",
    "ProgressEvent",
    "OPTIMIZERS",
    "OPTIMIZER_TITLES",
    "PROGRESS_EVERY",
    "Example",
    "JobSnapshot",
    "TrainConfig",
    "TrainingCancelled",
    "TrainingGate",
    "TrainingJob",
    "TrainingPlan",
    "TrainingRun",
    "TrainingUnavailable",
    "adapt_output",
    "cell_examples",
    "confusion_matrix",
    "load_run",
    "loss_and_accuracy",
    "misclassified",
    "random_examples",
    "per_class_accuracy",
    "run_zip",
    "save_run",
    "subset_indices",
    "to_notebook",
    "train",
    "validation_indices",
]
