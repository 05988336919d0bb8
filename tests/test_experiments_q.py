"""The experiment of notebook 05 (build your own CNN), judged from the learner's own run: real
models and the History objects `mnist_cnn.train` returns (no mocks), a right run, wrong runs and
nonsense; and the claim ex01's challenge now computes (the closest pairs of averages).

Training to the real targets takes a minute; here the runs are small (a few thousand images, 1-3
epochs) and the targets are lowered with monkeypatch where a right run is needed, so the
checkers' logic is tested fast. The solved notebooks (tests/test_exercise_solutions.py) reach
the real targets.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import mnist_cnn
from mnist_cnn.exercises import CORRECT, INCORRECT, UNANSWERED, UNCHECKED, ex05
from mnist_cnn.provenance import fingerprints

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@pytest.fixture(scope="module")
def small_run():
    """The tutorial CNN trained 2 epochs on 3,000 digits (a few seconds, about 90% right)."""
    images, labels = mnist_cnn.load_sample(3_000, seed=0)
    model = mnist_cnn.build_cnn(seed=0)
    history = mnist_cnn.train(model, images, labels, epochs=2, live_plot=False, verbose=0)
    return model, history


@pytest.fixture
def easy_targets(monkeypatch):
    """Targets a small run can meet: the checker's logic, not the model, is under test."""
    monkeypatch.setattr(ex05, "TARGET_ACCURACY", 0.5)
    monkeypatch.setattr(ex05, "MAX_SECONDS", 600.0)


# ---- ex05.e1: build your own CNN ---------------------------------------------------------


def test_held_split_is_outside_the_sample_and_the_test_set():
    images, labels = ex05.held_split()
    assert images.shape == (ex05.HELD_COUNT, 28, 28) and labels.shape == (ex05.HELD_COUNT,)
    sample, _ = mnist_cnn.load_sample(10_000, seed=0)
    _, (test_images, _) = mnist_cnn.load_mnist()
    held = fingerprints(images)
    assert len(held) == ex05.HELD_COUNT  # no image twice
    assert not np.isin(held, fingerprints(sample)).any()
    assert not np.isin(held, fingerprints(test_images)).any()
    counts = np.bincount(labels, minlength=10)
    assert counts.min() > 0.08 * ex05.HELD_COUNT  # every digit, in its share
    again, _ = ex05.held_split()
    assert again is images  # cached: a second check costs nothing


def test_a_right_run_meets_every_target(small_run, easy_targets):
    model, history = small_run
    result = ex05.e1.check(model=model, history=history)
    assert result.status == CORRECT, result
    assert "every target met" in result.message
    assert f"{model.count_params():,} parameters" in result.message
    assert f"{history.seconds:.1f} s of training" in result.message


def test_the_accuracy_is_measured_on_the_held_images(small_run, monkeypatch):
    model, history = small_run
    images, labels = ex05.held_split()
    predicted, _ = mnist_cnn.predict(model, images)
    accuracy = np.mean(predicted == labels)
    monkeypatch.setattr(ex05, "MAX_SECONDS", 600.0)
    monkeypatch.setattr(ex05, "TARGET_ACCURACY", accuracy + 0.001)  # just out of reach
    result = ex05.e1.check(model=model, history=history)
    assert result.status == INCORRECT and "Not accurate enough" in result.message, result
    assert f"{accuracy:.2%}" in result.message
    # The ideas come from the run: the tutorial CNN trained with one_cycle and a 10% split.
    assert "validation_fraction=0" in result.message and "batch_norm=True" in result.message
    assert "shift=" in result.message and "a third convolution block" in result.message
    assert "schedule='one_cycle'" not in result.message
    monkeypatch.setattr(ex05, "TARGET_ACCURACY", accuracy - 0.001)  # just reached
    assert ex05.e1.check(model=model, history=history).status == CORRECT


def test_a_wrong_run_says_which_target_it_missed(small_run, easy_targets, monkeypatch):
    model, history = small_run
    monkeypatch.setattr(ex05, "MAX_PARAMETERS", 1_000)
    result = ex05.e1.check(model=model, history=history)
    assert result.status == INCORRECT and "Too many parameters" in result.message, result
    assert "largest layer, conv2, holds 3,216 of them" in result.message  # 5 x 5 x 8 x 16 + 16
    assert "slow" not in result.message and "accurate enough" not in result.message
    monkeypatch.setattr(ex05, "MAX_PARAMETERS", 10_000)
    monkeypatch.setattr(ex05, "MAX_SECONDS", history.seconds / 2)
    result = ex05.e1.check(model=model, history=history)
    assert result.status == INCORRECT and "Too slow" in result.message, result


def test_an_untrained_model_is_not_accurate_enough(easy_targets):
    images, labels = mnist_cnn.load_sample(200, seed=1)
    model = mnist_cnn.build_cnn(seed=1)
    history = mnist_cnn.train(model, images, labels, epochs=1, live_plot=False, verbose=0)
    result = ex05.e1.check(model=model, history=history)
    assert result.status == INCORRECT and "Not accurate enough" in result.message, result


def test_training_time_adds_up_over_calls(easy_targets, monkeypatch):
    """Training in several short calls does not hide the time: the model's record adds them."""
    images, labels = mnist_cnn.load_sample(500, seed=0)
    model = mnist_cnn.build_cnn(seed=0)
    first = mnist_cnn.train(model, images, labels, epochs=1, live_plot=False, verbose=0)
    second = mnist_cnn.train(model, images, labels, epochs=1, live_plot=False, verbose=0)
    total = mnist_cnn.model_record(model).seconds
    assert total == pytest.approx(first.seconds + second.seconds)
    monkeypatch.setattr(ex05, "TARGET_ACCURACY", 0.0)
    monkeypatch.setattr(ex05, "MAX_SECONDS", (total + second.seconds) / 2)  # between the two
    result = ex05.e1.check(model=model, history=second)
    assert result.status == INCORRECT and "Too slow" in result.message, result


def test_nonsense_and_runs_the_checker_cannot_read(small_run):
    model, history = small_run
    check = ex05.e1.check
    blank = check(model=..., history=...)
    assert blank.status == UNANSWERED and "`my_model = ...`" in blank.message, blank
    assert check(model=model, history=...).status == UNANSWERED
    assert check(model=model).status == UNCHECKED  # history= forgotten
    assert "history=" in check(model=model).message
    assert check(model, history=history).status == UNCHECKED  # given without its keyword
    nonsense = check(model="my model", history=history)
    assert nonsense.status == UNCHECKED and "Keras model" in nonsense.message, nonsense
    assert check(model=model, history=[0.5]).status == UNCHECKED
    # A run model.fit made: no time, no record of the images it learned from.
    fitted = mnist_cnn.build_cnn(seed=3)
    fitted.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    images, labels = mnist_cnn.load_sample(100, seed=0)
    fit_history = fitted.fit(images, labels, epochs=1, verbose=0)
    result = check(model=fitted, history=fit_history)
    assert result.status == UNCHECKED and "mnist_cnn.train" in result.message, result
    assert check(model=model, history=fit_history.history).status == UNCHECKED


def test_a_model_without_convolutions_is_not_a_cnn(easy_targets):
    from mnist_cnn import keras

    dense = keras.Sequential(
        [
            keras.Input((28, 28)),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    images, labels = mnist_cnn.load_sample(500, seed=0)
    history = mnist_cnn.train(dense, images, labels, epochs=1, live_plot=False, verbose=0)
    result = ex05.e1.check(model=dense, history=history)
    assert result.status == UNCHECKED and "convolution" in result.message, result


def test_a_model_trained_on_the_held_images_cannot_be_measured(easy_targets):
    images, labels = ex05.held_split()
    model = mnist_cnn.build_cnn(seed=0)
    history = mnist_cnn.train(
        model, images, labels, epochs=1, validation_fraction=0, live_plot=False, verbose=0
    )
    result = ex05.e1.check(model=model, history=history)
    assert result.status == UNCHECKED and "trained on 5,000" in result.message, result


def test_the_notebook_states_the_checkers_targets():
    notebook = json.loads((NOTEBOOKS / "05_inside_the_cnn.ipynb").read_text())
    text = "".join("".join(cell["source"]) for cell in notebook["cells"])
    assert f"**{ex05.TARGET_ACCURACY:.1%}**" in text
    assert f"**{ex05.MAX_PARAMETERS:,} parameters**" in text
    assert f"**{ex05.MAX_SECONDS:.0f} seconds**" in text
    assert f"{ex05.HELD_COUNT:,} MNIST" in text
    opening = "".join(notebook["cells"][0]["source"])  # "what you will learn" says the same
    assert f"at most {ex05.MAX_PARAMETERS:,} parameters" in opening
    assert f"{ex05.TARGET_ACCURACY:.1%} right" in opening


def test_the_solutions_model_fits_the_parameter_budget_its_explanation_states():
    code = ex05.e1.solution_code.split("my_history")[0]  # build the model, do not train it
    space = {"mnist_cnn": mnist_cnn, "SEED": 0}
    exec(code, space)
    parameters = space["my_model"].count_params()
    assert parameters <= ex05.MAX_PARAMETERS
    assert f"({parameters:,} parameters)" in ex05.e1.explanation


def test_the_hint_nudges_and_the_solution_is_not_in_it():
    assert "build_cnn" not in ex05.e1.hint_text and "train(" not in ex05.e1.hint_text
    assert "my_model = mnist_cnn.build_cnn" in ex05.e1.solution_code


# ---- ex01.challenge: the pairs of closest averages are computed, not typed ---------------


def test_ex01_challenge_names_the_closest_averages_of_the_learners_sample():
    from mnist_cnn.exercises import ex01

    # Digit d is drawn as a flat image of brightness level[d] (two images averaging to it), so
    # the distance of two averages is 28 * |level difference|: 1-2 closest, then 0-1, then 0-2.
    level = [0, 10, 12, 40, 70, 100, 130, 160, 190, 250]
    labels = np.repeat(np.arange(10), 2)
    images = np.stack(
        [
            np.full((28, 28), level[d] + (1 if k else -1) * (d > 0))
            for d in range(10)
            for k in (0, 1)
        ]
    ).astype(np.uint8)
    space = {"np": np}
    exec(ex01.challenge.solution_code, space)
    result = ex01.challenge.check(space["average_digit"], images=images, labels=labels)
    assert result.status == CORRECT, result
    assert (
        "the most alike on your sample are 1 and 2, then 0 and 1, then 0 and 2." in result.message
    )


def test_the_ideas_for_more_accuracy_are_the_ones_the_run_did_not_try(easy_targets, monkeypatch):
    config = mnist_cnn.CNNConfig(
        filters=(8, 16, 32), kernel_size=3, padding="same", batch_norm=True, shift=0.1
    )
    model = mnist_cnn.build_cnn(config, seed=0)
    images, labels = mnist_cnn.load_sample(500, seed=0)
    history = mnist_cnn.train(
        model,
        images,
        labels,
        epochs=1,
        schedule="constant",
        validation_fraction=0,
        live_plot=False,
        verbose=0,
    )
    monkeypatch.setattr(ex05, "TARGET_ACCURACY", 1.0)
    result = ex05.e1.check(model=model, history=history)
    assert result.status == INCORRECT, result
    assert "more epochs or a one-cycle learning rate schedule (schedule='one_cycle') may" in (
        result.message
    )
    for tried in ("validation_fraction=0", "batch_norm", "shift=", "third convolution"):
        assert tried not in result.message
