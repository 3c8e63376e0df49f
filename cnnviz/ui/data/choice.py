"""The Datasets page's choice of dataset: MNIST, Fashion-MNIST, NEU (at a chosen size), your own zip, or
"My classes" (:mod:`cnnviz.ui.my_classes`, whose session keys start with ``mc_``)."""

import streamlit as st

from cnnviz import datasets
from cnnviz.errors import InputError
from cnnviz.options import DATA_CHOICES
from cnnviz.ui.cache import get_dataset
from cnnviz.ui.data.reuse import train_my_classes
from cnnviz.ui.data.upload import load_upload
from cnnviz.ui.my_classes import collected_dataset, my_classes_section

CHOICES = {label: code for code, label in DATA_CHOICES.items()}  # the label shown → the dataset's code
DEFAULT_CHOICE = DATA_CHOICES["mnist"]


def choose_dataset() -> datasets.Dataset | None:
    """The dataset menu and the chosen source's widgets; None (having said why) when there is no dataset yet."""
    choice = st.segmented_control("Dataset", list(CHOICES), default=DEFAULT_CHOICE, key="data_choice") or DEFAULT_CHOICE
    name = CHOICES[choice]
    try:
        if name == "upload":
            return load_upload()
        if name == "mine":
            my_classes_section()
            train_my_classes()
            return collected_dataset()
        if name == "neu":
            size_label = st.segmented_control(
                "Image size", list(datasets.NEU_SIZE_CHOICES), default=datasets.NEU_DEFAULT_CHOICE, key="data_neu_size"
            )
            return get_dataset("neu", datasets.NEU_SIZE_CHOICES[size_label or datasets.NEU_DEFAULT_CHOICE])
        return get_dataset(name)
    except InputError as error:
        if name != "mine":  # the section has already said what is missing
            st.error(str(error))
        return None
