"""The load test's websocket client drives a real `streamlit run app.py` like a browser session does."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.bench_app import Server
from bench.st_client import Session, SessionError

FEATURE_MAP = re.compile(r"Feature map size: (\d+) × (\d+) × (\d+)")


@pytest.fixture(scope="module")
def port():
    with Server() as server:
        yield server.port


def run_in_thread(scenario):
    """Run a coroutine function to completion in a thread of its own.

    The browser tests' sync Playwright keeps an event loop running in this thread, where
    ``asyncio.run`` would refuse to start.
    """
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(asyncio.run, scenario()).result()


def feature_map_size(texts: list[str]) -> tuple[int, int]:
    for text in texts:
        if found := FEATURE_MAP.search(text):
            return int(found[1]), int(found[2])
    raise AssertionError(f"no feature map size among {texts[:10]}")


def test_one_session_opens_two_pages_and_changes_the_stride(port):
    async def scenario():
        async with Session(port, timeout=60) as session:
            builder = await session.open("layer_builder")
            conv = await session.open("convolution")
            stride = conv.widget("Stride", "number_input")
            changed = await session.set(stride, 2)
            return session, builder, conv, changed

    session, builder, conv, changed = run_in_thread(scenario)
    assert {"", "convolution", "layer_builder"} <= set(session.pages)  # app.py's navigation reached us
    for run in (builder, conv, changed):
        assert run.exceptions == []
        assert run.seconds > 0
    assert builder.has_widget("New layer", "selectbox")  # (a layer's own fields are drawn once it is opened)
    assert not builder.has_widget("Stride (step between windows)")  # each run lists its own page's widgets
    # The rerun carried the new widget value: with 'valid' padding, an m-wide map at stride 1
    # becomes floor((m - 1) / 2) + 1 wide at stride 2.
    rows, cols = feature_map_size(conv.texts)
    assert feature_map_size(changed.texts) == ((rows - 1) // 2 + 1, (cols - 1) // 2 + 1)
    # The stride lives in a fragment: like the browser, the client reran only that fragment.
    assert conv.widget("Stride", "number_input").fragment_id and changed.has_widget("Dilation", "number_input")
    assert any("Colour images" in text for text in conv.texts)
    assert not any("Colour images" in text for text in changed.texts)


def test_a_missing_widget_is_a_clear_error(port):
    async def scenario():
        async with Session(port, timeout=60) as session:
            return await session.open("")

    home = run_in_thread(scenario)
    with pytest.raises(SessionError, match="no number_input labelled 'Stride'"):
        home.widget("Stride", "number_input")
