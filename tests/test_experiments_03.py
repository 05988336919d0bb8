"""Notebook 03's experiment, ex03.e1 ("make the validation loss stop rising by epoch 15"),
judged on real runs: the learner's own History and model from `mnist_cnn.train`, against the
overfitting run the checker trains itself."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import mnist_cnn
from mnist_cnn.exercises import CORRECT, INCORRECT, UNANSWERED, UNCHECKED, ex03

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "03_train_the_cnn.ipynb"


def run(config=None, *, callbacks=(), **overrides):
    """A run of the experiment as the notebook makes it: the first 1,000 training images,
    validated on the notebook's validation images, with the overfitting run's settings."""
    (fit_images, fit_labels), validation = ex03.notebook_split(0)
    model = mnist_cnn.build_cnn(config, seed=0)
    settings = {**ex03.BASELINE_SETTINGS, **overrides}
    history = mnist_cnn.train(
        model,
        fit_images[: ex03.SMALL_PART],
        fit_labels[: ex03.SMALL_PART],
        validation_data=validation,
        callbacks=callbacks,
        live_plot=False,
        verbose=0,
        **settings,
    )
    return model, history


@pytest.fixture(scope="module")
def short_run():
    return run(epochs=1)


def test_left_blank_it_trains_nothing():
    ex03._baseline_cache.clear()
    for given in ({"history": ..., "model": ...}, {"history": ..., "model": 1}):
        result = ex03.e1.check(**given)
        assert result.status == UNANSWERED, result
        assert "`history = ...`" in result.message
    assert not ex03._baseline_cache  # no baseline was trained


def test_nonsense_is_named(short_run):
    model, history = short_run
    cases = [
        ({"history": [0.3, 0.2], "model": model}, UNCHECKED, "pass the History"),
        ({"history": {"loss": [0.3]}, "model": model}, UNCHECKED, "no 'val_loss'"),
        ({"history": history, "model": "my model"}, UNCHECKED, "model="),
        ({"history": history}, UNCHECKED, "model="),
        ({"history": history, "model": model, "epochs": 15}, UNCHECKED, "does not take"),
        ({"history": history, "model": model}, INCORRECT, "asked for 1 epochs"),
    ]
    interrupted = mnist_cnn.keras.callbacks.History()
    interrupted.history, interrupted.params = history.history, {"epochs": ex03.EPOCHS_TO_BEAT}
    interrupted.stopped = "Stop button"  # as mnist_cnn.train sets it
    cases.append(({"history": interrupted, "model": model}, INCORRECT, "ended early (Stop button)"))
    for given, status, words in cases:
        result = ex03.e1.check(**given)
        assert result.status == status and words in result.message, (given.keys(), result)
    assert ex03.e1.check(history).status == UNCHECKED  # given without its keyword


def test_the_notebook_runs_the_baseline_the_checker_trains():
    """The overfitting run of the notebook (live chart, early stopping) is the checker's
    baseline: same images, same settings."""
    cells = ["".join(cell["source"]) for cell in json.loads(NOTEBOOK.read_text())["cells"]]
    runs = [cell for cell in cells if "few_images, few_labels, RECIPE, validation_data" in cell]
    assert len(runs) >= 2, "the overfitting run and its early-stopping replay"
    settings = ", ".join(f"{key}={value!r}" for key, value in ex03.BASELINE_SETTINGS.items())
    for cell in runs:
        assert settings.replace("'", '"') in cell, cell
    assert f"fit_images[:{ex03.SMALL_PART:_}]" in "".join(cells)
    assert ex03.e1.call in "".join(cells)
    setup = next(cell for cell in cells if "SAMPLE_SIZE = " in cell)
    assert re.search(r"SAMPLE_SIZE = 10_000\b", setup) and "TRAIN_FRACTION = 0.8" in setup


@pytest.mark.slow
def test_right_and_wrong_runs():
    """About 30 s: the baseline and five 15-epoch runs on 1,000 images."""
    ex03._baseline_cache.clear()
    baseline = ex03.baseline_run()
    assert len(baseline["val_loss"]) == ex03.EPOCHS_TO_BEAT
    assert ex03.trend(baseline["val_loss"]) > ex03._RISING, "the baseline must overfit"
    assert np.argmin(baseline["val_loss"]) < ex03.EPOCHS_TO_BEAT // 2
    assert ex03.baseline_run() is baseline  # cached: a second check trains nothing

    shifted = run(mnist_cnn.CNNConfig(shift=0.15))
    result = ex03.e1.check(history=shifted[1], model=shifted[0])
    assert result.status == CORRECT, result
    assert "no longer rises" in result.message and "Overfitting run:" in result.message
    assert f"{min(baseline['val_loss']):.3f}" in result.message  # the numbers of both runs

    keras = mnist_cnn.keras
    stopping = keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)
    stopped = run(callbacks=[stopping])
    result = ex03.e1.check(history=stopped[1], model=stopped[0])
    assert result.status == CORRECT and "went back to the weights of epoch" in result.message

    unchanged = run()  # the overfitting run itself: nothing changed
    result = ex03.e1.check(history=unchanged[1], model=unchanged[0])
    assert result.status == INCORRECT and "still rises" in result.message, result

    careless = run(callbacks=[keras.callbacks.EarlyStopping(patience=3)])
    result = ex03.e1.check(history=careless[1], model=careless[0])
    assert result.status == INCORRECT and "restore_best_weights=True" in result.message, result

    crawling = run(learning_rate=1e-5)
    result = ex03.e1.check(history=crawling[1], model=crawling[0])
    assert result.status == INCORRECT and "not learned enough" in result.message, result

    # A model that did not make this history (a fresh one) is not judged.
    result = ex03.e1.check(history=shifted[1], model=mnist_cnn.build_cnn(seed=3))
    assert result.status == UNCHECKED and "the model that made this history" in result.message


def test_the_step_checker_leaves_the_learners_model_alone():
    """ex03.step steps copies: the model passed keeps its weights, whatever the step does."""
    keras, tf = mnist_cnn.keras, mnist_cnn._tensorflow.tf
    images, labels = mnist_cnn.load_sample(100, seed=0)
    loss_function = keras.losses.SparseCategoricalCrossentropy()
    namespace = {"tf": tf, "keras": keras, "loss_function": loss_function}
    exec(ex03.step.solution_code, namespace)
    model = mnist_cnn.build_cnn(seed=0)
    before = [weights.copy() for weights in model.get_weights()]
    for _ in range(2):  # and a second check says the same
        result = ex03.step.check(
            namespace["train_step"], model=model, images=images[:32], labels=labels[:32]
        )
        assert result.status == CORRECT, result
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))
