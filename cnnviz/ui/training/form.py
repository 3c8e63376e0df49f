"""The Training page's set-up form: which data, which network, which settings, and what it will cost.

:func:`setup_form` draws the widgets (keys start with ``tr_``) and returns a :class:`Setup` with
the stack, the dataset and the :class:`~cnnviz.training.TrainConfig`, or the message that
explains why they do not fit together (e.g. colour network, grayscale data, a resize past the
memory limit). The form describes MNIST and Fashion-MNIST at their own 28×28 size; the images
are resized for a network only when a training starts (:meth:`Setup.training_dataset`), and only
to a size the app offers within the memory limit (:func:`cnnviz.datasets.check_offered`). Recipes and the
one-click experiments fill the form through :func:`show_config` / :func:`queue_settings`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import streamlit as st

from cnnviz import architecture
from cnnviz.datasets import NATIVE_SIZE, NEU_DEFAULT_SIZE, NEU_SIZES, TITLES, Dataset, check_offered, load_size
from cnnviz.errors import InputError
from cnnviz.options import (
    BATCH_SIZES,
    EPOCHS,
    LEARNING_RATES,
    NETWORK_SOURCES,
    PATIENCES,
    RANDOM_STARTS,
    TRAINING_IMAGES,
    VALIDATION_SPLITS,
)
from cnnviz.recipes import EXPERIMENT_BASE, RECIPES, SHIFTS
from cnnviz.text import duration_text, short
from cnnviz.training import OPTIMIZER_TITLES, OPTIMIZERS, TrainConfig, TrainingRun, adapt_output
from cnnviz.training.advice import run_name, suggested_rate
from cnnviz.training.estimate import TRAIN_MACS_PER_SECOND, epoch_seconds, observed_speed, setup_seconds
from cnnviz.ui import state
from cnnviz.ui.cache import get_dataset
from cnnviz.ui.my_classes import collected_dataset

BUILDER, RECIPE, PRESET = (NETWORK_SOURCES[code] for code in ("stack", "recipe", "preset"))
UPLOADED = "uploaded"
MINE = "my_classes"  # the classes collected on the Datasets page (cnnviz.ui.my_classes)
PENDING = "tr_pending_form"  # form values to apply before the widgets are drawn (set by experiments)
SPEED_KEY = "tr_speed"  # training MACs/s measured by this session's last run


@dataclass
class Setup:
    """What the form describes: ready to train when ``error`` is None.

    ``dataset`` is the data as loaded (classes, counts); ``resize_to`` the side its images are resized
    to when the training starts (None: trained as they are).
    """

    stack: list[dict[str, Any]]
    config: TrainConfig
    dataset: Dataset | None = None
    resize_to: int | None = None
    label: str = ""
    error: str | None = None
    macs: int = 0

    @property
    def training_images(self) -> int:
        """How many training images one epoch goes through (the chosen subset of the dataset)."""
        return self.config.train_count(len(self.dataset.y_train)) if self.dataset is not None else 0

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """The images' shape as the network gets them."""
        assert self.dataset is not None
        return (self.resize_to, self.resize_to, 1) if self.resize_to else self.dataset.image_shape

    def training_dataset(self) -> Dataset:
        """The data to train on, resized now if the network takes another size (the page calls this on Train)."""
        assert self.dataset is not None  # Train is offered only when the set-up has no error
        if self.resize_to is None:
            return self.dataset
        return get_dataset(self.dataset.name, image_size=load_size(self.dataset.name, self.resize_to))


def _nearest(value: float, options: tuple) -> Any:
    """The option closest to ``value`` (sliders accept only their own options)."""
    return min((o for o in options if o != "all"), key=lambda o: abs(o - value))


def show_config(config: TrainConfig) -> dict[str, Any]:
    """Widget values that show ``config`` in the settings form."""
    return {
        "tr_optimizer": config.optimizer,
        "tr_lr": _nearest(config.learning_rate, LEARNING_RATES),
        "tr_batch": _nearest(config.batch_size, BATCH_SIZES),
        "tr_epochs": config.epochs,
        "tr_val": config.validation_split,
        "tr_early": config.early_stopping_patience is not None,
        "tr_patience": config.early_stopping_patience or 2,
        "tr_subset": _nearest(config.max_train_samples, TRAINING_IMAGES) if config.max_train_samples else "all",
        "tr_augment": bool(config.augmentation),
        "tr_aug_spec": config.augmentation or (SHIFTS,),
        "tr_cosine": config.cosine_decay,
        "tr_seed": config.seed,
        "tr_keep_best": config.keep_best,
    }


def queue_settings(config: TrainConfig) -> None:
    """Show ``config`` in the form on the next run of the page (an experiment's settings, once it started)."""
    st.session_state[PENDING] = show_config(config)


def _as_shown(config: TrainConfig) -> TrainConfig:
    """``config`` as the form shows it (rates, batches and subsets rounded to the sliders' options)."""
    shown = show_config(config)
    return replace(
        config,
        learning_rate=shown["tr_lr"],
        batch_size=shown["tr_batch"],
        max_train_samples=None if shown["tr_subset"] == "all" else shown["tr_subset"],
    )


def _apply_recipe() -> None:
    recipe = RECIPES[st.session_state["tr_recipe"]]
    st.session_state.update(show_config(recipe.config), tr_dataset=recipe.dataset)
    if recipe.image_size:
        st.session_state["tr_neu_size"] = recipe.image_size


def _optimizer_changed() -> None:
    """A new optimizer starts from a learning rate that suits it (SGD needs a much larger one than Adam)."""
    st.session_state["tr_lr"] = _nearest(suggested_rate(st.session_state["tr_optimizer"]), LEARNING_RATES)


def _source_changed() -> None:
    if st.session_state["tr_source"] == RECIPE:
        _apply_recipe()


def _apply_preset() -> None:
    dataset = architecture.PRESET_INFO[st.session_state["tr_preset"]].dataset
    if dataset:
        st.session_state["tr_dataset"] = dataset


def _init_state() -> None:
    ss = st.session_state
    defaults = {**show_config(EXPERIMENT_BASE), "tr_neu_size": NEU_DEFAULT_SIZE, "tr_recipe": "quick_mnist"}
    for key, value in defaults.items():
        ss.setdefault(key, value)
    if PENDING in ss:
        ss.update(ss.pop(PENDING))


def setup_form() -> Setup:
    """Section 1 (data and network) and section 2 (settings, time estimate); returns the set-up."""
    _init_state()
    st.subheader("1 · Data and network")
    data_column, model_column = st.columns(2, gap="large")
    with model_column:
        stack, stack_shape, network = _network()
    with data_column:
        dataset_name, dataset_title = _dataset_choice()
    recipe = RECIPES.get(st.session_state.get("tr_recipe", ""))
    same = recipe is not None and network == recipe.title and dataset_name == recipe.dataset
    setup = Setup(stack=stack, config=EXPERIMENT_BASE)
    try:
        setup.dataset, setup.resize_to = _load(dataset_name, stack_shape)
        shape = setup.image_shape
        adapted, notes = adapt_output(stack, shape, setup.dataset.num_classes)
        totals = architecture.totals(architecture.summarize(adapted, shape))
        setup.macs = totals.macs
    except InputError as exc:
        setup.error = str(exc)
        st.error(setup.error)
    else:
        for note in notes:
            st.info(note, icon=":material/build:")
        with data_column:
            st.caption(
                f"{setup.dataset.source}  \nThe network on {shape[0]}×{shape[1]}×{shape[2]} input: "
                f"{totals.params:,} parameters, {short(totals.macs)} multiply-adds per image."
            )
    st.subheader("2 · Training settings")
    setup.config = _settings()
    # The run's name says what was changed from the settings the form started with (a recipe's own).
    setup.label = run_name(
        network if same else f"{network} on {dataset_title}",
        setup.config,
        _as_shown(recipe.config if recipe is not None and same else EXPERIMENT_BASE),
    )
    if setup.error is None:
        _estimate(setup)
    return setup


def _network() -> tuple[list[dict[str, Any]], tuple[int, int, int], str]:
    ss = st.session_state
    sources = ([BUILDER] if state.stack() else []) + [RECIPE, PRESET]
    built = repr((state.stack(), state.input_shape()))
    if state.stack() and ss.get("tr_builder_seen") != built:
        ss["tr_source"] = BUILDER  # a new or changed stack from the layer builder: train that one
    ss["tr_builder_seen"] = built
    if ss.get("tr_source") not in sources:
        ss["tr_source"] = sources[0]
        if sources[0] == RECIPE:
            _apply_recipe()
    source = st.radio("Network", sources, key="tr_source", on_change=_source_changed)
    if source == BUILDER:
        st.caption("The stack you built on the layer-builder page.")
        return list(state.stack()), state.input_shape(), "your stack"
    if source == RECIPE:
        name = st.selectbox(
            "Recipe", list(RECIPES), format_func=lambda k: RECIPES[k].title, key="tr_recipe", on_change=_apply_recipe
        )
        recipe = RECIPES[name]
        st.caption(recipe.description + (f"  \n*Measured:* {recipe.measured}" if recipe.measured else ""))
        return recipe.stack, recipe.input_shape, recipe.title
    preset = st.selectbox("Preset", list(architecture.PRESETS), key="tr_preset", on_change=_apply_preset)
    st.caption(architecture.PRESET_INFO[preset].description)
    shape, stack = architecture.PRESETS[preset]
    return stack, shape, preset


def _dataset_choice() -> tuple[str, str]:
    ss = st.session_state
    titles = dict(TITLES)
    if state.uploaded_dataset() is not None:
        titles[UPLOADED] = f"Your uploaded images ({state.uploaded_file_name()})"
    titles[MINE] = "My classes (collected on the Datasets page)"
    if ss.get("tr_dataset") not in titles:
        ss["tr_dataset"] = next(iter(titles))
    name = st.selectbox("Dataset", list(titles), key="tr_dataset", format_func=titles.__getitem__)
    if name == "neu":
        st.selectbox(
            "NEU image size (pixels)",
            NEU_SIZES,
            key="tr_neu_size",
            help="NEU images are 200×200; smaller trains much faster and still shows the defects.",
        )
    return name, ("uploaded images" if name == UPLOADED else titles[name])


def _load(name: str, stack_shape: tuple[int, int, int]) -> tuple[Dataset, int | None]:
    """The dataset and the side to resize it to when training starts (None: as it is), or
    :class:`InputError` saying what does not fit. Nothing is resized here."""
    height, width, channels = stack_shape
    if channels != 1:
        raise InputError(
            f"This network takes colour images ({height}×{width}×{channels}) but the datasets are grayscale "
            "(1 channel): set the input channels to 1 in the layer builder, or choose another network."
        )
    if name == MINE:
        if height != width:
            raise InputError(
                f"Your classes are prepared as squares but the network expects {height}×{width} images: "
                "make the input height and width equal in the layer builder."
            )
        try:
            return collected_dataset(height), None  # plain arrays: the training worker needs no session
        except InputError as error:
            raise InputError(
                f"My classes is not ready: {error} Collect examples on the Datasets page (choose “My classes”)."
            ) from None
    if name == UPLOADED:
        dataset = state.uploaded_dataset()
        assert dataset is not None  # offered by _dataset_choice only while one is loaded
        if dataset.image_shape[:2] != (height, width):
            raise InputError(
                f"Your uploaded images are {dataset.image_shape[0]}×{dataset.image_shape[1]} but the network "
                f"expects {height}×{width}: set the input size in the layer builder to match, or upload again at "
                "that size on the Datasets page."
            )
        return dataset, None
    if name == "neu":
        size = st.session_state["tr_neu_size"]
        if size != height:
            st.info(
                f"The network was drawn for {height}×{width} images; here it trains on {size}×{size} NEU "
                "images (the same layers, another input size)."
            )
        return get_dataset(name, image_size=load_size(name, size)), None  # one of NEU_SIZES: at most 72 MB
    if height != width:
        raise InputError(
            f"The network expects {height}×{width} images but the datasets' images are square: "
            "make the input height and width equal in the layer builder."
        )
    native = get_dataset(name)
    if height == native.image_shape[0]:
        return native, None
    check_offered(name, native, height)  # before anything is resized
    st.info(
        f"{TITLES[name]} images are {NATIVE_SIZE[name]}×{NATIVE_SIZE[name]}: they will be resized to "
        f"{height}×{height} to fit the network when the training starts."
    )
    return native, height


def _settings() -> TrainConfig:
    ss = st.session_state
    with st.container(border=True):
        c1, c2, c3 = st.columns(3)
        with c1:
            st.selectbox(
                "Optimizer",
                OPTIMIZERS,
                format_func=OPTIMIZER_TITLES.__getitem__,
                key="tr_optimizer",
                on_change=_optimizer_changed,
                help="Adam and RMSprop adapt each weight's step; plain SGD needs a larger learning rate.",
            )
            st.select_slider(
                "Learning rate",
                LEARNING_RATES,
                key="tr_lr",
                format_func=lambda r: f"{r:g}",
                help="The size of each weight update: too small learns slowly, too large jumps around.",
            )
            suggestion = _nearest(suggested_rate(ss["tr_optimizer"]), LEARNING_RATES)
            if ss["tr_lr"] != suggestion:
                st.caption(f"Suggested for {OPTIMIZER_TITLES[ss['tr_optimizer']]}: **{suggestion:g}**.")
            st.toggle(
                "Shrink the learning rate along a cosine",
                key="tr_cosine",
                help="Large steps first, fine steps at the end: usually a better final accuracy.",
            )
        with c2:
            st.select_slider("Batch size", BATCH_SIZES, key="tr_batch", help="Images per weight update.")
            st.slider("Epochs", EPOCHS.low, EPOCHS.high, key="tr_epochs", help="Passes over all training images.")
            st.select_slider(
                "Training images",
                TRAINING_IMAGES,
                key="tr_subset",
                format_func=lambda n: "all" if n == "all" else f"{n:,}",
                help="A quick random subset (the same share of every class) for fast class demos.",
            )
        with c3:
            st.slider(
                "Validation split",
                VALIDATION_SPLITS.low,
                VALIDATION_SPLITS.high,
                step=VALIDATION_SPLITS.step,
                key="tr_val",
                format="%.2f",
                help="Share of the training images held back to check for over-fitting (never trained on).",
            )
            st.toggle(
                "Early stopping",
                key="tr_early",
                help="Stop when the validation loss has not improved for a few epochs; keep the best weights.",
            )
            st.number_input(
                "Patience (epochs)", PATIENCES.low, PATIENCES.high, key="tr_patience", disabled=not ss["tr_early"]
            )
            st.toggle(
                "Keep the best epoch (checkpoint)",
                key="tr_keep_best",
                disabled=ss["tr_val"] == 0,
                help="As ModelCheckpoint in the course notebooks: the model ends with the weights of the epoch "
                "with the lowest validation loss, not the last epoch's.",
            )
            st.toggle(
                "Augment: random shifts while training",
                key="tr_augment",
                help="Every epoch sees each image slightly moved (some recipes also rotate, zoom or flip).",
            )
            st.number_input(
                "Random start",
                RANDOM_STARTS.low,
                RANDOM_STARTS.high,
                key="tr_seed",
                help="Which random first weights, shuffle and split: the same number and settings give the same run.",
            )
    if ss["tr_early"] and ss["tr_val"] == 0:
        st.warning("Early stopping needs a validation split above 0; it is off for now.")
    return TrainConfig(
        epochs=ss["tr_epochs"],
        batch_size=ss["tr_batch"],
        optimizer=ss["tr_optimizer"],
        learning_rate=ss["tr_lr"],
        validation_split=round(ss["tr_val"], 2),
        early_stopping_patience=int(ss["tr_patience"]) if ss["tr_early"] and ss["tr_val"] > 0 else None,
        max_train_samples=None if ss["tr_subset"] == "all" else int(ss["tr_subset"]),
        seed=int(ss["tr_seed"]),
        augmentation=ss["tr_aug_spec"] if ss["tr_augment"] else (),
        cosine_decay=ss["tr_cosine"],
        keep_best=ss["tr_keep_best"] and ss["tr_val"] > 0,
    )


def _estimate(setup: Setup) -> None:
    """The estimated time per epoch and in all, with what it is based on."""
    assert setup.dataset is not None  # estimated only when the set-up has no error, so its data loaded
    images = setup.config.train_count(len(setup.dataset.y_train))
    validation = round(images * setup.config.validation_split)
    speed = st.session_state.get(SPEED_KEY) or TRAIN_MACS_PER_SECOND
    epoch = epoch_seconds(setup.macs, images - validation, validation_images=validation, macs_per_second=speed)
    extra = setup_seconds(setup.macs, len(setup.dataset.y_test), macs_per_second=speed)
    basis = (
        "the speed your last run reached here"
        if SPEED_KEY in st.session_state
        else "this app's speed measured on a 2-core CPU"
    )
    st.markdown(
        f":material/timer: **About {duration_text(epoch)} per epoch, "
        f"{duration_text(epoch * setup.config.epochs + extra)} in all** "
        f"(with {duration_text(extra)} to build the model and score the {len(setup.dataset.y_test):,} test images): "
        f"a rough estimate, easily off by 2×, from {short(setup.macs)} multiply-adds per image × "
        f"{images - validation:,} images and {basis}. Other trainings on the server slow it down; the progress bar "
        "measures the real speed."
    )


def remember_speed(run: TrainingRun) -> None:
    """Keep the training speed a finished run reached, so the next estimate uses this machine's pace."""
    macs = architecture.totals(architecture.summarize(run.stack, run.input_shape)).macs
    speed = observed_speed(macs, run.images_per_second)
    if speed:
        st.session_state[SPEED_KEY] = speed
