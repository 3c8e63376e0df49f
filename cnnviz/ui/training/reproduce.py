"""The Training page's "Reproduce a course notebook": the course's four notebook trainings, one button each
(it sets the form up with the notebook's network and settings), with what the notebook printed."""

from __future__ import annotations

import streamlit as st

from cnnviz.recipes import NOTEBOOK_RECIPES
from cnnviz.ui.training.form import RECIPE, choose_recipe

COLUMNS = 2


def reproduce_section() -> None:
    """One card per notebook recipe: its title, what the notebook reported, and a button that sets it up."""
    st.markdown(
        "Each course notebook trains one network with its own settings. Pick one: the form below is set up "
        "with the notebook's network, optimizer, batch size, epochs and validation, so **▶ Train** repeats it "
        "here. When it is done, its curves are drawn over the notebook's own numbers."
    )
    columns = st.columns(COLUMNS, gap="medium")
    chosen = st.session_state.get("tr_recipe") if st.session_state.get("tr_source") == RECIPE else None
    for position, (name, recipe) in enumerate(NOTEBOOK_RECIPES.items()):
        with columns[position % COLUMNS], st.container(border=True):
            st.markdown(f"**{recipe.title.removeprefix('Reproduce the notebook: ')}**")
            st.caption(f"{recipe.config.describe()}.  \n*The notebook:* {recipe.notebook}")
            st.button(
                "Set up the form" if chosen != name else "Set up ✓",
                key=f"tr_reproduce_{name}",
                on_click=choose_recipe,
                args=(name,),
                icon=":material/replay:",
                width="stretch",
            )
