"""Several web servers act as one, in real Chromium: two ``streamlit run app.py`` replicas on free loopback ports
share one throwaway PostgreSQL (``CNNVIZ_DATABASE_URL``), one ``dask scheduler`` + worker
(``CNNVIZ_DASK_SCHEDULER``) and one run store on a shared folder (``CNNVIZ_RUN_STORE``). The same training
pressed on both replicas at once runs once on the scheduler, and both students watch it finish."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from distributed import Client, get_task_stream
from playwright.sync_api import expect

from bench.bench_app import Server
from cnnviz.training.keys import KEY_PREFIX
from tests.e2e.browser import assert_no_exception, new_page, open_page, train_button, wait_idle
from tests.training_helpers import ExternalCluster

PROGRESS = '[data-testid="stProgress"]'


@pytest.fixture(scope="module")
def replicas(tmp_path_factory, postgres, data_dir) -> Iterator[tuple[list[str], Client]]:
    """(the two replicas' URLs, a client watching the scheduler), everything on loopback, removed after."""
    shared = tmp_path_factory.mktemp("shared-run-store")
    lab = ExternalCluster(1)
    observer = Client(lab.address, set_as_default=False, timeout=60)
    servers: list[Server] = []
    try:
        observer.wait_for_workers(1, timeout=240)
        database = postgres.new_database()
        for name in ("a", "b"):
            env = {
                "CNNVIZ_DATABASE_URL": database,
                "CNNVIZ_DASK_SCHEDULER": lab.address,
                "CNNVIZ_RUN_STORE": str(shared),
                "CNNVIZ_CACHE_DIR": str(tmp_path_factory.mktemp(f"replica-{name}-cache")),
            }
            servers.append(Server(env=env).__enter__())
        yield [server.url for server in servers], observer
    finally:
        for server in servers:
            server.__exit__(None, None, None)
        observer.close()
        lab.close()


def _ready_to_train(browser, url: str):
    """A student's tab on the Training page, set to one epoch of the quick digits recipe."""
    page = new_page(browser)
    open_page(page, url, "training")
    page.get_by_role("slider", name="Epochs").press("Home")  # 1 epoch: the same settings on both replicas
    wait_idle(page)
    return page


def test_the_same_training_pressed_on_two_replicas_runs_once_and_both_finish(browser, replicas) -> None:
    (url_a, url_b), observer = replicas
    pages = [_ready_to_train(browser, url) for url in (url_a, url_b)]
    try:
        with get_task_stream(observer) as stream:
            buttons = [train_button(page) for page in pages]
            for button in buttons:  # both students press Train within a moment
                button.click()
            for page in pages:
                page.wait_for_selector('[data-testid="stMetric"]', timeout=300_000)
                wait_idle(page)
        trainings = {t["key"] for t in stream.data if str(t["key"]).startswith(KEY_PREFIX)}
        assert len(trainings) == 1, trainings  # one training on the scheduler for both replicas
        for page in pages:
            expect(page.locator('[data-testid="stMetric"]').filter(has_text="Test accuracy")).to_be_visible()
            expect(page.locator(PROGRESS)).to_have_count(0)
            assert_no_exception(page)
        notices = [
            page.locator('[data-testid="stAlert"]').filter(has_text="another person had started") for page in pages
        ]
        assert sum(notice.count() for notice in notices) == 1  # the replica that joined says so
    finally:
        for page in pages:
            page.context.close()
