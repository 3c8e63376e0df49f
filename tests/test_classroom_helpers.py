"""cnnviz.classroom's pure helpers: Pareto front, budgets, groups, names, codes, questions, run summaries."""

from __future__ import annotations

import itertools
import random

import pytest

from cnnviz.classroom import Budget, ClassroomError, effective_budget, experiment_groups, pareto_front, run_summary
from cnnviz.classroom.groups import deal, smallest_group
from cnnviz.classroom.keys import key_kind, new_key, read_code, show_code
from cnnviz.classroom.names import clean_text, name_key
from cnnviz.classroom.questions import kernel_question, output_size_question, parameter_question
from cnnviz.classroom.summaries import checked_summary


# ---------------------------------------------------------------------- Pareto front
def _dominated(i: int, points) -> bool:
    params, accuracy = points[i]
    return any(
        p <= params and a >= accuracy and (p < params or a > accuracy)
        for j, (p, a) in enumerate(points)
        if j != i and a is not None
    )


def test_pareto_front_of_a_small_class():
    points = [(1000, 0.80), (5000, 0.90), (3000, 0.79), (5000, 0.85), (900, 0.70), (20000, 0.90), (20000, None)]
    assert pareto_front(points) == [4, 0, 1]


def test_pareto_front_keeps_ties_and_drops_bigger_equals():
    assert pareto_front([(10, 0.5), (10, 0.5), (20, 0.5), (5, 0.4)]) == [3, 0, 1]
    assert pareto_front([]) == [] and pareto_front([(5, None)]) == []


def test_pareto_front_matches_its_definition_on_random_classes():
    rng = random.Random(7)
    for _ in range(200):
        points = [
            (rng.choice([100, 500, 1000, 5000, 20000]), rng.choice([None, 0.5, 0.7, 0.8, 0.9, 0.95]))
            for _ in range(rng.randint(0, 25))
        ]
        expected = {i for i, (_, a) in enumerate(points) if a is not None and not _dominated(i, points)}
        front = pareto_front(points)
        assert set(front) == expected and len(front) == len(expected)
        assert [points[i][0] for i in front] == sorted(points[i][0] for i in front)


# ---------------------------------------------------------------------- budgets
def test_the_class_budget_only_tightens_the_server_budget():
    server = Budget(max_epoch_images=300_000, max_seconds=120.0, max_queued=None)
    looser = Budget(max_epoch_images=1_000_000, max_seconds=600.0, max_queued=6)
    assert effective_budget(server, looser) == Budget(300_000, 120.0, 6)
    tighter = Budget(max_epoch_images=50_000, max_seconds=30.0, max_queued=2)
    assert effective_budget(server, tighter) == tighter
    assert effective_budget(server, Budget()) == server
    assert effective_budget(Budget(), tighter) == tighter and effective_budget(Budget(), Budget()) == Budget()
    for a, b in itertools.product([None, 1, 5], repeat=2):
        combined = effective_budget(Budget(max_queued=a), Budget(max_queued=b)).max_queued
        assert combined == (min(x for x in (a, b) if x is not None) if (a, b) != (None, None) else None)


# ---------------------------------------------------------------------- groups
@pytest.mark.parametrize(("students", "groups"), [(0, 2), (1, 3), (7, 2), (30, 6), (31, 4)])
def test_dealing_is_balanced_and_deterministic(students, groups):
    dealt = deal(students, groups)
    sizes = [dealt.count(g) for g in range(groups)]
    assert max(sizes) - min(sizes) <= 1 and sum(sizes) == students
    assert dealt == deal(students, groups)


def test_late_joiners_keep_groups_balanced():
    sizes = [3, 2, 2]
    for _ in range(30):
        sizes[smallest_group(sizes)] += 1
        assert max(sizes) - min(sizes) <= 1
    assert smallest_group([2, 1, 1]) == 1


def test_course_experiments_give_one_group_per_variant():
    stack = [
        {"type": "Conv2D", "filters": 8, "kernel_size": 3, "activation": "relu"},
        {"type": "MaxPooling2D", "pool_size": 2},
        {"type": "Flatten"},
        {"type": "Dense", "units": 10, "activation": "softmax"},
    ]
    assert experiment_groups("optimizers", stack) == ["SGD lr 0.01", "RMSprop lr 0.001", "Adam lr 0.001"]
    assert experiment_groups("pooling", stack) == ["max pooling", "average pooling"]
    assert experiment_groups("curves", stack) == ["A", "B"]


# ---------------------------------------------------------------------- names, codes, keys
def test_names_are_normalised_and_compared_without_case():
    assert clean_text("  Zoë   Martin ", "name", 40) == "Zoë Martin"
    assert clean_text("Ｚｏｅ", "name", 40) == "Zoe"  # full-width letters
    assert name_key(clean_text("STRASSE", "name", 40)) == name_key(clean_text("straße", "name", 40))
    with pytest.raises(ClassroomError, match="Type a name"):
        clean_text(" \u3000 ", "name", 40)


def test_codes_read_back_as_typed_and_keys_are_recognised():
    assert read_code(" k7qm-4xtr ") == "K7QM4XTR" and show_code("K7QM4XTR") == "K7QM-4XTR"
    for bad in ("K7QM4XT", "K7QM4XTRR", "K0QM4XTR", "K7QM4XT!", None, "x" * 1000):
        assert read_code(bad) is None
    teacher, student = new_key("t"), new_key("s")
    assert (key_kind(teacher.key), key_kind(student.key)) == ("t", "s")
    assert key_kind("t_short_x") is None and key_kind(42) is None


# ---------------------------------------------------------------------- questions (answers as Keras computes them)
@pytest.mark.parametrize(
    ("n", "kernel", "stride", "padding"),
    [(28, 3, 1, "valid"), (28, 5, 2, "same"), (32, 3, 2, "valid"), (7, 3, 3, "same")],
)
def test_output_size_questions_agree_with_keras(n, kernel, stride, padding):
    keras = pytest.importorskip("keras")
    question = output_size_question(n, kernel, stride, padding)
    layer = keras.layers.Conv2D(1, kernel, strides=stride, padding=padding)
    assert question.answer == layer.compute_output_shape((1, n, n, 1))[1]
    assert f"{n}×{n}" in question.text and f"stride {stride}" in question.text and question.choices is None
    assert question.explanation.endswith(f"= {question.answer}") and question.latex


def test_parameter_questions_agree_with_keras():
    pytest.importorskip("keras")
    from cnnviz.architecture import to_keras

    stack = [
        {"type": "Conv2D", "filters": 32, "kernel_size": 3, "activation": "relu"},
        {"type": "BatchNormalization"},
        {"type": "Conv2D", "filters": 16, "kernel_size": 5, "use_bias": False},
        {"type": "MaxPooling2D", "pool_size": 2},
        {"type": "Flatten"},
        {"type": "Dense", "units": 10, "activation": "softmax"},
    ]
    model = to_keras(stack, (32, 32, 3))
    computing = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    for position, layer in enumerate(computing, start=1):
        question = parameter_question(stack, (32, 32, 3), position)
        assert question.answer == layer.count_params(), (position, question)
        assert f"layer {position}" in question.text
        assert str(question.answer) in question.explanation.replace(",", "")


def test_kernel_questions_offer_the_right_kernel_among_others():
    question = kernel_question("sobel_x", choices=4, seed=3)
    assert question.answer == "Sobel x (vertical edges)" and question.explanation.startswith(question.answer)
    assert question.answer in question.choices and len(set(question.choices)) == 4
    assert kernel_question("sobel_x", choices=4, seed=3) == question  # the same seed, the same question
    orders = {kernel_question("sobel_x", seed=seed).choices.index(question.answer) for seed in range(20)}
    assert len(orders) > 1  # the right answer is not always in the same place


# ---------------------------------------------------------------------- run summaries
def test_a_training_run_summary_holds_what_the_dashboard_shows():
    from cnnviz.architecture import summarize, totals
    from cnnviz.training import TrainConfig, TrainingRun

    stack = [
        {"type": "Conv2D", "filters": 8, "kernel_size": 3, "activation": "relu"},
        {"type": "MaxPooling2D", "pool_size": 2},
        {"type": "Flatten"},
        {"type": "Dense", "units": 10, "activation": "softmax"},
    ]
    run = TrainingRun(
        model=None,
        history={"loss": [1.2, 0.5], "accuracy": [0.6, 0.85], "val_loss": [1.0, float("nan")]},
        test_loss=0.4,
        test_accuracy=0.88,
        seconds=12.3,
        config=TrainConfig(epochs=2),
        stack=stack,
        input_shape=(28, 28, 1),
        class_names=[str(i) for i in range(10)],
        dataset="MNIST digits",
        label="Run 3 · " + "x" * 300,
    )
    summary = run_summary(run, key="cnnviz-train-abc")
    sums = totals(summarize(stack, (28, 28, 1)))
    assert (summary["params"], summary["macs"], summary["layers"]) == (sums.params, sums.macs, 4)
    assert summary["architecture"].startswith("conv-8") and summary["dataset"] == "MNIST digits"
    assert summary["settings"]["epochs"] == 2 and summary["key"] == "cnnviz-train-abc"
    assert summary["history"]["val_loss"] == [1.0, None] and len(summary["label"]) == 200
    assert checked_summary(summary) == summary
