"""Session state shared between pages, in one typed place.

A page reads and writes what another page made (the layer builder's stack, the session's training
runs, the current image, the example the training page hands to the Inside page, the uploaded
dataset, My classes' examples, the class the session is in) through these functions instead of raw
``st.session_state`` keys.
Page-local widget keys stay with their page. The keys themselves do not change: tests and shared
links address them by name.

What a session holds that grows with its user's actions (the uploaded dataset, My classes' examples,
the runs) is counted against the server's memory for all sessions (:mod:`cnnviz.session_memory`)
where it is stored here: a setter raises :class:`~cnnviz.session_memory.ServerMemoryFull` (an
``InputError``) instead of storing what the server cannot hold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

import numpy as np
import streamlit as st

from cnnviz.architecture import DEFAULT_INPUT_SHAPE
from cnnviz.session_memory import SessionMemory, array_bytes, server_memory_limit

if TYPE_CHECKING:
    from cnnviz.classroom import Membership
    from cnnviz.datasets import Dataset
    from cnnviz.training import TrainingRun

STACK, INPUT_SHAPE = "stack", "input_shape"
RUNS = "runs"
IMAGE, IMAGE_LABEL, IMAGE_SOURCE = "image", "image_label", "image_source"
INSIDE_EXAMPLE = "inside_example"
TAKE_HOME = "take_home_network"  # the network the Take-home page opens with: ("run", index) or ("demo", name)
UPLOADED_DATASET, UPLOADED_FILE = "uploaded_dataset", "uploaded_dataset_file"
MY_CLASSES_EXAMPLES = "mc_examples"
MEMORY_OWNER = "memory_owner"


class InsideExample(TypedDict):
    """A test image the training page's gallery sends to the Inside page, with the run it belongs to."""

    image: np.ndarray
    label: int
    run_index: int
    predicted: int
    test_index: int


# ---------------------------------------------------------------- the server's memory for sessions
class _SessionOwner:
    """Lives exactly as long as the session's state: what the session held is released with it."""


@st.cache_resource(show_spinner=False)
def server_memory() -> SessionMemory:
    """The server's one budget for what every session holds (``$CNNVIZ_SESSION_MEMORY_MB``)."""
    return SessionMemory(server_memory_limit())


def hold_memory(slot: str, nbytes: int, what: str, *, force: bool = False) -> None:
    """This session now holds ``nbytes`` in ``slot``; ServerMemoryFull (naming ``what``) if the server cannot."""
    owner = st.session_state.setdefault(MEMORY_OWNER, _SessionOwner())
    server_memory().hold(owner, slot, nbytes, what, force=force)


def hold_runs(extra: int = 0, *, what: str = "your runs", force: bool = False) -> None:
    """Count this session's runs (and ``extra`` bytes reserved for runs still training) against the server."""
    hold_memory("runs", sum(run.held_bytes for run in runs()) + extra, what, force=force)


# ---------------------------------------------------------------- the layer builder's stack
def has_stack() -> bool:
    """Whether the session has a stack yet (the layer builder makes one on its first visit)."""
    return STACK in st.session_state


def stack() -> list[dict]:
    """The layer builder's stack: a list of layer dicts in Keras' vocabulary (empty before the first visit)."""
    return st.session_state.get(STACK, [])


def set_stack(layers: Any) -> None:
    st.session_state[STACK] = layers


def input_shape() -> tuple[int, int, int]:
    """The stack's input shape ``(height, width, channels)``."""
    return tuple(st.session_state.get(INPUT_SHAPE, DEFAULT_INPUT_SHAPE))


def has_input_shape() -> bool:
    return INPUT_SHAPE in st.session_state


def set_input_shape(shape: Any) -> None:
    st.session_state[INPUT_SHAPE] = shape


# ---------------------------------------------------------------- training runs
def runs() -> list[TrainingRun]:
    """This session's finished training runs, oldest first (the list itself: appending keeps them)."""
    return st.session_state.setdefault(RUNS, [])


def has_runs() -> bool:
    return bool(st.session_state.get(RUNS))


# ---------------------------------------------------------------- the current image
def has_image() -> bool:
    return IMAGE in st.session_state


def image() -> np.ndarray:
    """The current image, uint8 ``(H, W, C)`` (call :func:`cnnviz.ui.image_input.current_image` for a default)."""
    return st.session_state[IMAGE]


def image_label() -> str | None:
    """The current image's human label ("Sample: …", "Your drawing", an upload's name)."""
    return st.session_state.get(IMAGE_LABEL)


def set_image(picture: np.ndarray, label: str) -> None:
    st.session_state[IMAGE] = picture
    st.session_state[IMAGE_LABEL] = label


def image_source(default: str) -> str:
    """Where the current image came from (Sample, Draw, Upload…), remembered across pages."""
    return st.session_state.get(IMAGE_SOURCE, default)


def set_image_source(source: str) -> None:
    st.session_state[IMAGE_SOURCE] = source


# ---------------------------------------------------------------- the example sent to Inside
def inside_example() -> InsideExample | None:
    return st.session_state.get(INSIDE_EXAMPLE)


def send_to_inside(example: InsideExample) -> None:
    """Hand a test example to the Inside page (a fresh dict each time: Inside notices a new click by identity)."""
    st.session_state[INSIDE_EXAMPLE] = example


# ---------------------------------------------------------------- the network sent to Take it home
def take_home_network() -> tuple[str, Any] | None:
    """The network another page asked the Take-home page to open with, once (it is forgotten when read)."""
    return st.session_state.pop(TAKE_HOME, None)


def send_to_take_home(network: tuple[str, Any]) -> None:
    """Open the Take-home page on ``("run", index into runs())`` or ``("demo", name)``."""
    st.session_state[TAKE_HOME] = network


# ---------------------------------------------------------------- the uploaded dataset
def uploaded_dataset() -> Dataset | None:
    """The dataset built from the last zip that loaded on the Datasets page, if any."""
    return st.session_state.get(UPLOADED_DATASET)


def uploaded_file_name(default: str = "zip") -> str:
    """The file name of the upload :func:`uploaded_dataset` was built from."""
    return st.session_state.get(UPLOADED_FILE, default)


def set_uploaded_dataset(dataset: Dataset, file_name: str) -> None:
    """Keep ``dataset`` for this session (it replaces the previous upload); ServerMemoryFull if the server cannot."""
    arrays = [dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test]
    hold_memory("uploaded dataset", array_bytes(arrays), "this dataset")
    st.session_state[UPLOADED_DATASET] = dataset
    st.session_state[UPLOADED_FILE] = file_name


# ---------------------------------------------------------------- My classes
def my_classes_examples() -> dict[str, list[np.ndarray]]:
    """This session's own classes and their kept examples, in the order the classes were made."""
    return st.session_state.setdefault(MY_CLASSES_EXAMPLES, {})


def set_my_classes_examples(examples: dict[str, list[np.ndarray]]) -> None:
    """Keep ``examples`` as this session's classes; ServerMemoryFull if the server cannot hold them."""
    hold_my_classes(examples)
    st.session_state[MY_CLASSES_EXAMPLES] = examples


def hold_my_classes(examples: dict[str, list[np.ndarray]], extra: int = 0) -> None:
    """Count My classes' ``examples`` (plus ``extra`` bytes about to be added) against the server's memory."""
    hold_memory("my classes", array_bytes([examples]) + extra, "these examples")


# ---------------------------------------------------------------- the class this session belongs to
# The keys are secrets: a student's stays in their session (and their browser's cookie, see
# cnnviz.ui.class_session), a teacher's likewise; neither is ever written into a page's link.
CLASS_STUDENT_KEY = "class_student_key"  # the Class page stores a student's key here when they join a class
CLASS_TEACHER_KEY = "class_teacher_key"  # ... and a teacher's when they start one or open their link
CLASS_MEMBERSHIP = "class_membership"  # the student's name, class title and code, for the sidebar


def class_student_key() -> str | None:
    """The student key of the class this session joined (None outside a class)."""
    return st.session_state.get(CLASS_STUDENT_KEY)


def class_teacher_key() -> str | None:
    """The teacher key of the class this session leads (None for everyone else)."""
    return st.session_state.get(CLASS_TEACHER_KEY)


def class_membership() -> Membership | None:
    """Who this session is in its class (name, class title, code), or None outside a class."""
    return st.session_state.get(CLASS_MEMBERSHIP) if class_student_key() else None


def set_class_student(membership: Membership | None) -> None:
    """Join (a membership) or leave (None) a class in this session."""
    if membership is None:
        st.session_state.pop(CLASS_STUDENT_KEY, None)
        st.session_state.pop(CLASS_MEMBERSHIP, None)
    else:
        st.session_state[CLASS_STUDENT_KEY] = membership.student_key
        st.session_state[CLASS_MEMBERSHIP] = membership


def set_class_teacher(teacher_key: str | None) -> None:
    """Lead (a teacher key) or stop leading (None) a class in this session."""
    if teacher_key is None:
        st.session_state.pop(CLASS_TEACHER_KEY, None)
    else:
        st.session_state[CLASS_TEACHER_KEY] = teacher_key
