"""The class as one room in real Chromium (issue 24): a teacher starts a class, three students join in
their own browsers, one trains the quick digits recipe, the teacher sees and opens the run, sends a view
that a student follows (then follow mode takes another student there by itself); names show as typed,
a reload is the same student, and the teacher's key reaches neither a student's page nor the server's
log. Then two `streamlit run` servers on one database: a student joining on server B appears on the
teacher's dashboard on server A within the refresh.

Each test starts its own server(s) on a fresh class database and cache (hermetic; the training's
workers start with the server)."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import assert_no_exception, new_page, train_button, wait_for_whole_page, wait_idle
from tests.e2e.conftest import start_streamlit

STUDENTS = ("Ada", "Bo", "<b>Cy</b> **x** :red[hi]")
METRIC = '[data-testid="stMetric"]'
TRAINING_TIMEOUT_MS = 300_000


def _metric(page, label: str):
    return page.locator(METRIC).filter(has=page.get_by_text(label, exact=True)).locator('[data-testid="stMetricValue"]')


def _cookie(page, name: str) -> str:
    return next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == name)


def _start_class(browser, url: str, title: str = "8B · how CNNs see"):
    teacher = new_page(browser)
    teacher.goto(f"{url}/class")
    wait_idle(teacher)
    teacher.locator("summary", has_text="For teachers: start a class").click()
    teacher.get_by_role("textbox", name="Class title").fill(title)
    teacher.get_by_role("button", name="Start a class").click()
    wait_idle(teacher)
    code = teacher.locator(".class-code").inner_text().replace("-", "")
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{8}", code)
    return teacher, code


def _join(browser, url: str, code: str, name: str):
    student = new_page(browser)
    student.goto(f"{url}/class?class={code}")
    wait_idle(student)
    student.get_by_role("textbox", name="Your name in the class").fill(name)
    student.get_by_role("button", name="Join").click()
    wait_idle(student)
    return student


@pytest.fixture
def server(tmp_path):
    """A server of its own: a fresh class database and cache; Streamlit's log as a deployment keeps it."""
    env = {"CNNVIZ_DATABASE_URL": f"sqlite:///{tmp_path / 'classroom.sqlite3'}", "CNNVIZ_CACHE_DIR": str(tmp_path)}
    log = tmp_path / "streamlit.log"
    with start_streamlit(log, env) as url:
        yield url, log


def test_a_teacher_leads_three_students_one_trains_the_teacher_sees_it_and_the_class_follows(browser, server, tmp_path):
    url, log = server
    teacher, code = _start_class(browser, url)
    teacher_key = _cookie(teacher, "cnnviz_teacher")
    assert "teacher=" not in teacher.url
    students = [_join(browser, url, code, name) for name in STUDENTS]
    for student, name in zip(students, STUDENTS, strict=True):
        sidebar = student.locator('[data-testid="stSidebarUserContent"]')
        expect(sidebar).to_contain_text(f"You are {name}")  # the typed text, not markup
    expect(students[2].locator('[data-testid="stSidebarUserContent"] b')).to_have_count(0)
    expect(_metric(teacher, "Students")).to_have_text("3", timeout=10_000)
    bo = students[1]
    bo.goto(f"{url}/training")  # the training workers start in the background meanwhile
    wait_idle(bo)

    # A reload (and a reopened join link) is the same student: the browser kept the key.
    ada = students[0]
    ada.goto(f"{url}/class?class={code}")
    wait_idle(ada)
    expect(ada.get_by_text("Welcome back: this browser is already in this class.")).to_be_visible()

    # A quick check from the dashboard: Ada answers it in place, the dashboard counts it.
    teacher.get_by_role("tab", name="Quick checks").click()
    wait_idle(teacher)
    expect(teacher.get_by_text("Answer: 13")).to_be_visible()  # 28×28 image, 3×3 kernel, stride 2
    teacher.get_by_role("button", name="Ask the class").click()
    wait_idle(teacher)
    expect(ada.get_by_text("Quick check from your teacher:")).to_be_visible(timeout=10_000)
    ada.get_by_role("textbox", name="Your answer (a number)").fill("13")
    ada.get_by_role("button", name="Answer").click()
    expect(ada.get_by_text("Right!")).to_be_visible(timeout=10_000)
    expect(teacher.get_by_text("1 of 3 answered · 100% correct")).to_be_visible(timeout=10_000)
    expect(ada.get_by_text("Quick check from your teacher:")).to_have_count(0, timeout=10_000)
    teacher.get_by_role("tab", name="Live class").click()
    wait_idle(teacher)

    # Bo trains the quick digits recipe; the run appears on the dashboard, and opens there.
    train_button(bo).click()
    expect(_metric(teacher, "Training now")).to_have_text("1", timeout=60_000)  # the roster follows
    bo.wait_for_selector(METRIC, timeout=TRAINING_TIMEOUT_MS)
    expect(_metric(teacher, "Runs finished")).to_have_text("1", timeout=10_000)
    expect(_metric(teacher, "Training now")).to_have_text("0", timeout=10_000)
    runs = teacher.locator('[data-testid="stDataFrame"]').nth(1)
    runs.scroll_into_view_if_needed()
    box = runs.bounding_box()
    teacher.mouse.click(box["x"] + 12, box["y"] + 52)  # the first row's selection box
    dialog = teacher.get_by_role("dialog")
    expect(dialog.get_by_text("Bo · Quick demo", exact=False)).to_be_visible()
    expect(dialog.locator(METRIC).first).to_contain_text("Test accuracy")
    expect(dialog.locator('[data-testid="stPlotlyChart"]')).to_have_count(1)
    dialog.get_by_role("radio", name="Confusion matrix").click()
    expect(dialog.locator('[data-testid="stPlotlyChart"] .heatmaplayer')).to_have_count(1)
    time.sleep(2 * 1.5)  # two dashboard refreshes: the opened run stays open
    expect(dialog).to_be_visible()
    _screenshots(teacher, tmp_path, "run")
    dialog.get_by_role("button", name="Close").click()
    _screenshots(teacher, tmp_path, "live")
    teacher.get_by_role("tab", name="Results").click()
    wait_idle(teacher)
    expect(teacher.locator('[data-testid="stPlotlyChart"]')).to_have_count(1)
    _screenshots(teacher, tmp_path, "results")
    teacher.get_by_role("tab", name="Live class").click()
    wait_idle(teacher)

    # The teacher sends the Convolution page with stride 3: Ada opens it with one click.
    ada.goto(f"{url}/")
    wait_idle(ada)
    teacher.goto(f"{url}/convolution?stride=3")
    wait_for_whole_page(teacher)
    teacher.get_by_role("button", name="Send this view to the class").click()
    wait_idle(teacher)
    expect(ada.get_by_text("Your teacher sent you a view:")).to_be_visible(timeout=10_000)
    ada.get_by_role("button", name="Open it").click()
    ada.wait_for_url(re.compile(r"/convolution\?.*stride=3"))
    wait_idle(ada, rerun=False)
    expect(ada.get_by_role("spinbutton", name="Stride (step between windows)")).to_have_value("3")
    expect(bo.get_by_text("Your teacher sent you a view:")).to_be_visible(timeout=10_000)
    bo.get_by_role("button", name="Not now").click()  # Bo stays where he is
    expect(bo.get_by_text("Your teacher sent you a view:")).to_have_count(0, timeout=10_000)
    assert "/training" in bo.url

    # Follow mode: the next view takes Cy there without a click.
    cy = students[2]
    teacher.goto(f"{url}/class")
    wait_idle(teacher)
    teacher.get_by_role("tab", name="Lead the lesson").click()
    wait_idle(teacher)
    teacher.get_by_text("Follow mode: take students there at once").click()
    wait_idle(teacher)
    teacher.locator('[data-testid="stSidebarNav"]').get_by_text("1 · Pixels", exact=True).click()  # same session
    wait_idle(teacher)
    teacher.get_by_role("button", name="Send this view to the class").click()
    wait_idle(teacher)
    cy.wait_for_url(re.compile(r"/pixels"), timeout=15_000)
    for page in (teacher, *students):
        assert_no_exception(page)

    # The teacher's key is on no student's page and in no line of the server's log.
    for student in students:
        assert teacher_key not in student.content()
        assert teacher_key not in " ".join(c["value"] for c in student.context.cookies())
    assert teacher_key not in log.read_text()
    assert teacher_key.split("_", 2)[2] not in log.read_text()


def _screenshots(teacher, folder, name: str) -> None:
    """The dashboard at projector and phone widths (kept with the test's files, to look at)."""
    teacher.screenshot(path=str(folder / f"dashboard-{name}-1400.png"))
    teacher.set_viewport_size({"width": 390, "height": 844})
    time.sleep(0.5)  # the layout settles
    teacher.screenshot(path=str(folder / f"dashboard-{name}-390.png"), full_page=True)
    teacher.set_viewport_size({"width": 1400, "height": 1000})


def test_two_servers_on_one_database_act_as_one_class(browser, database, tmp_path):
    env = {"CNNVIZ_DATABASE_URL": database, "CNNVIZ_CACHE_DIR": str(tmp_path)}
    with (
        start_streamlit(tmp_path / "a.log", env) as server_a,
        start_streamlit(tmp_path / "b.log", env) as server_b,
    ):
        teacher, code = _start_class(browser, server_a)
        expect(_metric(teacher, "Students")).to_have_text("0")
        joined = time.monotonic()
        student = _join(browser, server_b, code, "Ada")
        expect(_metric(teacher, "Students")).to_have_text("1", timeout=10_000)
        seen = time.monotonic() - joined
        student.goto(f"{server_b}/learning")
        wait_idle(student)
        teacher.goto(f"{server_a}/layer_builder")
        wait_for_whole_page(teacher)
        teacher.get_by_role("button", name="Send this view to the class").click()
        wait_idle(teacher)
        expect(student.get_by_text("Your teacher sent you a view:")).to_be_visible(timeout=10_000)
        student.get_by_role("button", name="Open it").click()
        student.wait_for_url(re.compile(r"/layer_builder"))
        print(f"student on B seen by the teacher on A {seen:.1f} s after pressing Join")
