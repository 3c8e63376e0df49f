"""The Class page's plain parts (issue 24): names shown as text, the dashboard's tables and figures, the
groups' trainings, the quick checks made from a page's state, and a training job telling its class at once."""

from __future__ import annotations

import html
import re
import threading

import numpy as np
import pytest
from markdown_it import MarkdownIt

from cnnviz import ops
from cnnviz.architecture import summarize
from cnnviz.classroom import ClassRun, RosterEntry, experiment_groups, pareto_front
from cnnviz.kernels import PRESETS
from cnnviz.plots import answer_counts, class_results, group_curves
from cnnviz.recipes import EXPERIMENT_BASE, EXPERIMENTS, RECIPES
from cnnviz.text import literal_markdown
from cnnviz.training import TrainingJob, TrainingPlan
from cnnviz.ui.class_questions import layer_questions, preset_of
from cnnviz.ui.class_room.groups import EXPERIMENT_RECIPE, group_labels, group_plan, variant_labels
from cnnviz.ui.class_room.tables import page_title, roster_rows, run_rows, seen_text, shown_name, trainings_now
from tests.conftest import skip_without_data

HOSTILE = [
    "**Bo** <b>bold</b> [a link](http://example.com) ![x](http://example.com/t.png)",
    ":red[Red] :material/home: $x^2$ `code` # heading",
    "&lt;b&gt; &amp; \\*star\\* _under_ ~~gone~~ | pipe | 1. list",
    "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "Zoë 😀 Ünïcode — ok",
]


# ---------------------------------------------------------------------- names shown as text
@pytest.mark.parametrize("name", HOSTILE)
def test_a_typed_name_renders_as_exactly_its_own_text_in_markdown(name):
    rendered = MarkdownIt("commonmark").render(literal_markdown(name))
    assert rendered.startswith("<p>") and rendered.endswith("</p>\n")
    body = rendered[3:-5]
    assert "<" not in body.replace("&lt;", ""), rendered  # no tag, link, image or emphasis was made
    assert html.unescape(body) == name


def test_streamlit_directives_are_escaped_too():
    escaped = literal_markdown(":red[hi] :material/home: $x$")
    assert re.search(r"(?<!\\)[:$\[\]]", escaped) is None  # every colon, dollar and bracket escaped
    assert escaped.replace("\\", "") == ":red[hi] :material/home: $x$"


# ---------------------------------------------------------------------- the dashboard's tables
def _entry(number, name, page="training", last_seen=100.0, running=0, queued=0, runs=0, group=None):
    return RosterEntry(number * 10, number, name, group, page, last_seen, running, queued, runs)


def _run(number, name, label, params, accuracy, run_id, history=None, group=None, recorded=90.0):
    summary = {
        "label": label,
        "params": params,
        "test_accuracy": accuracy,
        "seconds": 31.25,
        "macs": 2_000_000,
        "layers": 7,
        "dataset": "mnist",
        "settings": {"optimizer": "sgd", "learning_rate": 0.01, "epochs": 3, "batch_size": 64},
        "history": {"loss": [0.5, 0.3], "val_accuracy": [0.8, 0.9]} if history is None else history,
    }
    return ClassRun(run_id, number * 10, number, name, group, label, params, accuracy, 31.25, recorded, summary)


def test_roster_rows_say_who_is_where_and_hide_names_as_student_numbers():
    roster = [_entry(1, "Anna", "convolution", 99.0, runs=2), _entry(2, "Bob", "", 20.0, running=1, queued=2)]
    rows = roster_rows(roster, now=100.0, hide=False, groups=False)
    assert rows[0] == {
        "#": 1,
        "student": "Anna",
        "page": "2 · Convolution",
        "last seen": "now",
        "training": 0,
        "queued": 0,
        "runs": 2,
    }
    assert rows[1]["page"] == "—" and rows[1]["last seen"] == "away (1 min 20 s)"
    # An away student's last report is stale (the tab is gone, its training ends with it): not counted.
    assert rows[1]["training"] == 0 and rows[1]["queued"] == 0
    assert roster_rows(roster, now=21.0, hide=False, groups=False)[1]["training"] == 1
    assert trainings_now(roster, now=100.0) == (0, 0)
    assert trainings_now(roster, now=79.9) == (1, 2)  # Bob seen 59.9 s ago: still here
    hidden = roster_rows(roster, now=100.0, hide=True, groups=True)
    assert [row["student"] for row in hidden] == ["Student 1", "Student 2"] and hidden[0]["group"] == "—"
    assert "Anna" not in str(hidden) and "Bob" not in str(hidden)


def test_seen_text_and_page_titles():
    assert [seen_text(s) for s in (0, 4.9, 5, 59, 60, 125)] == [
        "now",
        "now",
        "5 s ago",
        "59 s ago",
        "away (1 min 00 s)",
        "away (2 min 05 s)",
    ]
    assert page_title("training") == "6 · Training" and page_title("class") == "Class"
    assert page_title("home") == "Home" and page_title("gone_page") == "gone_page"
    assert shown_name(7, "Anna", True) == "Student 7" and shown_name(7, "Anna", False) == "Anna"


def test_run_rows_are_newest_first_with_network_data_settings_score_and_time():
    runs = [_run(1, "Anna", "Run 1", 18_496, 0.91, 1), _run(2, "Bob", "Run 1", 5_000, None, 2, history={})]
    rows = run_rows(runs, now=100.0, hide=False)
    assert [row["student"] for row in rows] == ["Bob", "Anna"]
    anna = rows[1]
    assert anna["parameters"] == 18_496 and anna["MACs"] == 2_000_000 and anna["layers"] == 7
    assert anna["dataset"] == "MNIST digits" and anna["optimizer"] == "SGD" and anna["learning rate"] == 0.01
    assert anna["epochs"] == 2  # the epochs it trained (its curves), not the ones asked for
    assert anna["batch"] == 64 and anna["test accuracy"] == 0.91 and anna["training time (s)"] == 31.2
    assert anna["finished"] == "10 s ago"
    assert rows[0]["epochs"] == 3 and rows[0]["test accuracy"] is None  # no curve: the settings' epochs
    assert [row["student"] for row in run_rows(runs, now=100.0, hide=True)] == ["Student 2", "Student 1"]


# ---------------------------------------------------------------------- the dashboard's figures
def test_the_class_picture_draws_every_tested_run_and_stars_exactly_the_pareto_front():
    runs = [
        {"params": 1_000, "test_accuracy": 0.80, "who": "A", "label": "r"},
        {"params": 5_000, "test_accuracy": 0.95, "who": "B", "label": "r"},
        {"params": 9_000, "test_accuracy": 0.90, "who": "C", "label": "r"},  # beaten by a smaller one
        {"params": 20_000, "test_accuracy": None, "who": "D", "label": "r"},  # not tested: not drawn
        {"params": 50_000, "test_accuracy": 0.97, "who": "<b>E</b>", "label": "r"},
    ]
    front = pareto_front([(r["params"], r["test_accuracy"]) for r in runs])
    assert front == [0, 1, 4]
    figure = class_results(runs, front)
    dots, stars = figure.data
    assert list(dots.x) == [9_000] and list(stars.x) == [1_000, 5_000, 50_000]
    assert list(stars.y) == [0.80, 0.95, 0.97]
    assert figure.layout.xaxis.type == "log" and figure.layout.yaxis.range == (0.75, 1.01)  # never past 100 %
    assert "&lt;b&gt;E&lt;/b&gt;" in stars.hovertext[2] and "<b>E" not in stars.hovertext[2]


def test_group_curves_draw_each_run_in_its_groups_colour_and_each_groups_mean():
    series = [
        {"group": "SGD", "who": "A", "history": {"val_accuracy": [0.5, 0.7, 0.8]}},
        {"group": "SGD", "who": "B", "history": {"val_accuracy": [0.7, 0.9]}},
        {"group": "Adam", "who": "C", "history": {"val_accuracy": [0.9, 0.95, None]}},
    ]
    figure = group_curves(series, ["SGD", "Adam"])
    names = [trace.name for trace in figure.data]
    assert names[2] == "SGD: mean of 2 runs" and names[4] == "Adam: mean of 1 run"
    sgd_mean, adam_mean = figure.data[2], figure.data[4]
    assert np.allclose(list(sgd_mean.y), [0.6, 0.8, 0.8])  # epoch 3: only the run that reached it
    assert list(adam_mean.y)[:2] == [0.9, 0.95] and list(adam_mean.y)[2] is None
    assert figure.data[0].line.color == sgd_mean.line.color != adam_mean.line.color
    assert figure.layout.yaxis.title.text == "validation accuracy"
    training_only = group_curves([{"group": "A", "who": "x", "history": {"accuracy": [0.5]}}], ["A", "B"])
    assert training_only.layout.yaxis.title.text == "training accuracy" and len(training_only.data) == 2


def test_answer_counts_highlight_the_correct_answer_only_when_asked():
    counts = {"Sobel x": 3, "<i>Blur</i>": 1, "Sharpen": 0}
    hidden, shown = answer_counts(counts, None), answer_counts(counts, "Sobel x")
    assert list(shown.data[0].x) == [3, 1, 0] and list(shown.data[0].y)[1] == "&lt;i&gt;Blur&lt;/i&gt;"
    assert len(set(hidden.data[0].marker.color)) == 1
    assert shown.data[0].marker.color[0] != shown.data[0].marker.color[1] == shown.data[0].marker.color[2]


# ---------------------------------------------------------------------- the class's experiment
@pytest.mark.parametrize("experiment", list(EXPERIMENTS))
def test_each_group_trains_its_own_variant_of_the_quick_recipe(experiment):
    skip_without_data()
    labels = group_labels(experiment)
    stack = list(RECIPES[EXPERIMENT_RECIPE].stack)
    assert labels == experiment_groups(experiment, stack)
    variants = EXPERIMENTS[experiment].variants(stack, EXPERIMENT_BASE)
    plans = [group_plan(experiment, label, index) for index, label in enumerate(labels)]
    assert all(plan.label in variant_labels(experiment) for plan in plans)
    if len(variants) > 1:  # one variant per group, exactly the experiment's
        assert [plan.label for plan in plans] == [variant.label for variant in variants]
        assert [plan.config for plan in plans] == [variant.config for variant in variants]
        assert [plan.stack for plan in plans] == [variant.stack for variant in variants]
    else:  # the same run, each group from its own random start
        assert [plan.config.seed for plan in plans] == [variants[0].config.seed, variants[0].config.seed + 1]
    assert plans[0].dataset.name == RECIPES[EXPERIMENT_RECIPE].dataset


def test_an_unknown_experiment_has_no_runs_to_overlay():
    assert variant_labels("from-a-newer-version") == set()


# ---------------------------------------------------------------------- quick checks from a page's state
def test_layer_questions_ask_about_every_layer_with_parameters_with_keras_counts():
    stack = list(RECIPES["quick_mnist"].stack)
    questions = layer_questions(stack, (28, 28, 1))
    summaries = summarize(stack, (28, 28, 1))
    with_params = [s for s in summaries if s.params]
    assert [q.answer for q in questions] == [s.params for s in with_params]
    assert all(re.search(r"layer \d+", q.text) for q in questions)
    assert layer_questions([{"type": "Conv2D", "filters": 4, "kernel_size": 99}], (28, 28, 1)) == []


def test_a_kernel_is_recognised_as_its_preset_only_when_equal():
    key, preset = next(iter(PRESETS.items()))
    assert preset_of(preset.matrix.copy()) == key
    assert preset_of(preset.matrix + 1) is None and preset_of(None) is None
    assert preset_of(np.zeros((2, 2))) in (None, *PRESETS)


def test_the_output_size_question_agrees_with_the_convolution_it_describes():
    from cnnviz.classroom.questions import output_size_question

    image = np.random.default_rng(0).random((28, 28))
    for kernel, stride, padding, dilation in ((3, 3, "valid", 1), (5, 2, "same", 1), (3, 2, 2, 2)):
        question = output_size_question(28, kernel, stride, padding, dilation)
        out = ops.conv2d(image, np.ones((kernel, kernel)), stride=stride, padding=padding, dilation=dilation)
        assert question.answer == out.shape[0]


# ---------------------------------------------------------------------- the training job tells the class at once
def _fake_train(stack, dataset, config, on_progress, should_stop, **extra):
    from cnnviz.training import TrainConfig, TrainingRun

    return TrainingRun(None, {"loss": [0.5]}, 0.4, 0.9, 1.0, TrainConfig(), stack, (28, 28, 1), ["0", "1"])


def test_a_job_calls_on_run_for_each_finished_run_in_order_and_a_failing_record_keeps_the_run(caplog):
    seen: list[tuple[str, str]] = []
    recorded = threading.Event()

    def on_run(plan, run):
        seen.append((plan.label, run.label))
        if len(seen) == 2:
            recorded.set()
            raise RuntimeError("the class's database is gone")

    plans = [TrainingPlan([{"type": "Flatten"}], None, label=label) for label in ("a", "b", "c")]
    job = TrainingJob(plans, train_fn=_fake_train, on_run=on_run).start()
    assert job.join(30) and recorded.is_set()
    snapshot = job.snapshot()
    assert snapshot.state == "finished" and [run.label for run in snapshot.runs] == ["a", "b", "c"]
    assert seen == [("a", "a"), ("b", "b"), ("c", "c")]
    assert "Recording a finished run failed" in caplog.text
