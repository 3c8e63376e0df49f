"""The typed session state shared between pages (cnnviz/ui/state.py) keeps the keys links and pages rely on."""

from streamlit.testing.v1 import AppTest


def _script() -> None:
    import numpy as np
    import streamlit as st

    from cnnviz.ui import state

    st.write(f"before: {state.has_stack()} {state.has_image()} {state.has_runs()} {state.input_shape()}")
    state.set_stack([{"type": "Flatten"}])
    state.set_input_shape((32, 32, 3))
    state.set_image(np.zeros((4, 4, 1), dtype=np.uint8), "Your drawing")
    state.set_image_source("Draw")
    state.runs().append("a run")
    state.my_classes_examples().setdefault("cat", []).append(np.ones((2, 2, 1), dtype=np.uint8))
    state.send_to_inside({"image": np.zeros((2, 2, 1)), "label": 3, "run_index": 0, "predicted": 1, "test_index": 7})
    st.write(
        f"after: {state.stack()} {state.input_shape()} {state.image_label()} {state.image_source('Sample')} "
        f"{state.runs()} {list(state.my_classes_examples())} {state.inside_example()['label']} "
        f"{state.uploaded_dataset()} {state.uploaded_file_name()}"
    )


def test_state_round_trips_under_the_keys_other_code_reads():
    app = AppTest.from_function(_script).run()
    assert not app.exception
    assert app.markdown[0].value == "before: False False False (28, 28, 1)"
    assert app.markdown[1].value == (
        "after: [{'type': 'Flatten'}] (32, 32, 3) Your drawing Draw ['a run'] ['cat'] 3 None zip"
    )
    ss = app.session_state
    assert ss["stack"] == [{"type": "Flatten"}] and ss["input_shape"] == (32, 32, 3)
    assert ss["image"].shape == (4, 4, 1) and ss["image_label"] == "Your drawing" and ss["image_source"] == "Draw"
    assert ss["runs"] == ["a run"] and list(ss["mc_examples"]) == ["cat"] and ss["inside_example"]["test_index"] == 7
