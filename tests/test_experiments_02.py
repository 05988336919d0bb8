"""Notebook 02's checked experiment (`ex02.e1`) and its other new checkers, on real Keras
models trained here for a few seconds: a right run, wrong runs and nonsense."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import mnist_cnn
from mnist_cnn.exercises import CORRECT, INCORRECT, UNANSWERED, UNCHECKED, ex02


def dense_only(units: int = 32, name: str = "dense_only"):
    from mnist_cnn import keras

    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            layers.Rescaling(1 / 255),
            layers.Flatten(),
            layers.Dense(units, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ],
        name=name,
    )


def fit(model, images, labels, epochs: int = 2):
    return mnist_cnn.train(
        model,
        images,
        labels,
        epochs=epochs,
        learning_rate=0.003,
        seed=0,
        live_plot=False,
        verbose=0,
    )


@pytest.fixture(scope="module")
def data():
    return mnist_cnn.load_sample(3_000, seed=0)


@pytest.fixture(scope="module")
def run(data):
    """The experiment done right: a dense-only model and the CNN, 2 epochs each (a few s)."""
    from mnist_cnn import keras

    keras.utils.set_random_seed(0)
    dense_model, cnn_model = dense_only(), mnist_cnn.build_cnn(seed=0)
    return {
        "dense_model": dense_model,
        "dense_history": fit(dense_model, *data),
        "cnn_model": cnn_model,
        "cnn_history": fit(cnn_model, *data),
    }


def check(run, **changed):
    return ex02.e1.check(**{**run, **changed})


def percent(value: float) -> str:
    return f"{value:.1%}"


def test_a_right_run_is_read_with_its_own_numbers(run):
    weights = [model.get_weights() for model in (run["dense_model"], run["cnn_model"])]
    curves = [dict(run[name].history) for name in ("dense_history", "cnn_history")]
    result = check(run)
    assert result.status == CORRECT, repr(result)
    message = result.message
    # Parameters and validation accuracy come from the learner's objects...
    for model in (run["dense_model"], run["cnn_model"]):
        assert f"{model.count_params():,} parameters" in message or (
            f"CNN {model.count_params():,}" in message
        ), message
    for name in ("dense_history", "cnn_history"):
        assert percent(run[name].history["val_accuracy"][-1]) in message
        assert f"after {len(run[name].history['val_accuracy'])} epochs" in message
    # ...and the accuracies on held digits, as written and moved, are measured on them.
    images, labels = ex02._held_digits(run["dense_model"], run["cnn_model"])
    count = len(labels)
    measured = []
    for model in (run["dense_model"], run["cnn_model"]):
        classes, _ = mnist_cnn.predict(model, images)
        measured.append(((classes[:count] == labels).mean(), (classes[count:] == labels).mean()))
    (dense_written, dense_moved), (cnn_written, cnn_moved) = measured
    assert f"dense {percent(dense_written)}, CNN {percent(cnn_written)}" in message
    assert f"dense {percent(dense_moved)}, CNN {percent(cnn_moved)}" in message
    assert f"On {count:,} MNIST digits neither was trained on" in message
    kept = (dense_moved / dense_written, cnn_moved / cnn_written)
    assert f"the dense model keeps {kept[0]:.0%}" in message
    better = "The CNN copes better with moved digits" in message
    assert better == (kept[1] > kept[0] + 0.02), message
    # The check changes nothing it was given, and a second one says the same.
    for model, before in zip((run["dense_model"], run["cnn_model"]), weights, strict=True):
        for now, then in zip(model.get_weights(), before, strict=True):
            np.testing.assert_array_equal(now, then)
    assert curves == [dict(run[name].history) for name in ("dense_history", "cnn_history")]
    assert check(run).message == message


def test_held_digits_are_unseen_and_moved(run, data):
    from mnist_cnn.provenance import fingerprints, record_of

    images, labels = ex02._held_digits(run["dense_model"], run["cnn_model"])
    count = len(labels)
    assert count == ex02.HELD_DIGITS and len(images) == 2 * count
    written, moved = images[:count], images[count:]
    held = fingerprints(written)
    for model in (run["dense_model"], run["cnn_model"]):
        assert not np.isin(held, record_of(model).seen).any()
    sample, _ = mnist_cnn.load_sample(10_000, seed=0)
    assert not np.isin(held, fingerprints(sample)).any()
    (_, _), (test_images, _) = mnist_cnn.load_mnist()
    assert not np.isin(held, fingerprints(test_images)).any()
    # Each digit moved SHIFT pixels one way: equal to np.roll of the digit in one of 4
    # directions wherever no ink wrapped around; most digits lose no ink at all.
    shift = ex02.SHIFT
    for image, shifted in zip(written[:50], moved[:50], strict=True):
        rolls = [np.roll(image, step, axis) for axis in (0, 1) for step in (shift, -shift)]
        assert any((roll == shifted).sum() >= 28 * 28 - 28 * shift for roll in rolls)
    assert (moved.reshape(count, -1).sum(1) == written.reshape(count, -1).sum(1)).mean() > 0.85
    assert not (moved == written).all(axis=(1, 2)).any()


WRONG_RUNS = {
    "swapped models": (
        lambda run: {"dense_model": run["cnn_model"], "cnn_model": run["dense_model"]},
        "the models are swapped",
    ),
    "swapped histories": (
        lambda run: {"dense_history": run["cnn_history"], "cnn_history": run["dense_history"]},
        "the histories are swapped",
    ),
    "the same model twice": (
        lambda run: {"dense_model": run["cnn_model"]},
        "dense_model= and cnn_model= are the same model",
    ),
    "the same history twice": (
        lambda run: {"cnn_history": run["dense_history"]},
        "are the same History",
    ),
    "a CNN as the dense model": (
        lambda run: {"dense_model": mnist_cnn.build_cnn(seed=3)},
        "dense_model= has a convolution layer",
    ),
    "a dense model as the CNN": (
        lambda run: {"cnn_model": dense_only(name="another")},
        "cnn_model= has no convolution layer",
    ),
    "the model rebuilt after training": (
        lambda run: {"cnn_model": mnist_cnn.build_cnn(seed=0)},
        "cnn_history= is the History of another model",
    ),
    "an untrained model with a plain history": (
        lambda run: {
            "cnn_model": mnist_cnn.build_cnn(seed=1),
            "cnn_history": dict(run["cnn_history"].history),
        },
        "cnn_model= reads only",
    ),
    "a history of more epochs than the model had": (
        lambda run: {"dense_history": {"val_accuracy": [0.9] * 5}},
        "dense_history= holds 5 epochs, but dense_model= was trained for only 2",
    ),
    "a history that does not match the model": (
        lambda run: {"cnn_history": {"val_accuracy": [0.15]}},
        "cnn_history= ends at a validation accuracy of 15.0%",
    ),
}


@pytest.mark.parametrize("case", sorted(WRONG_RUNS))
def test_a_wrong_run_is_refused_naming_the_keyword(run, case):
    change, words = WRONG_RUNS[case]
    result = check(run, **change(run))
    assert result.status == INCORRECT, repr(result)
    assert words in result.message, result.message


def test_a_model_never_built_is_refused(run):
    from mnist_cnn import keras

    unbuilt = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10)])
    result = check(run, dense_model=unbuilt)
    assert result.status in (INCORRECT, UNCHECKED) and "dense_model=" in result.message, result


NONSENSE = {
    "text as a model": ({"cnn_model": "cnn"}, UNCHECKED, "cnn_model= cannot be used"),
    "None as a model": ({"dense_model": None}, UNCHECKED, "dense_model= cannot be used"),
    "a number as a history": ({"cnn_history": 3}, UNCHECKED, "cnn_history= is a int"),
    "a history without validation": (
        {"dense_history": {"loss": [0.5, 0.4]}},
        UNCHECKED,
        "dense_history= has no 'val_accuracy'",
    ),
    "a history of no epochs": (
        {"dense_history": {"val_accuracy": []}},
        UNCHECKED,
        "dense_history= holds no epochs",
    ),
    "text in a history": (
        {"cnn_history": {"val_accuracy": ["high"]}},
        UNCHECKED,
        "cnn_history= holds values that are not numbers",
    ),
    "a blank answer": ({"cnn_history": ...}, UNANSWERED, "`cnn_history = ...`"),
}


@pytest.mark.parametrize("case", sorted(NONSENSE))
def test_nonsense_is_named(run, case):
    changed, status, words = NONSENSE[case]
    result = check(run, **changed)
    assert result.status == status, repr(result)
    assert words in result.message, result.message


def test_a_model_of_other_inputs_is_named(run):
    from mnist_cnn import keras

    colour = keras.Sequential(
        [keras.Input(shape=(32, 32, 3)), keras.layers.Flatten(), keras.layers.Dense(10)]
    )
    result = check(run, dense_model=colour)
    assert result.status == UNCHECKED and "dense_model= cannot be used" in result.message


def test_blank_missing_and_positional(run):
    blank = ex02.e1.check(dense_model=..., dense_history=..., cnn_model=..., cnn_history=...)
    assert blank.status == UNANSWERED
    missing = ex02.e1.check(dense_model=run["dense_model"], dense_history=run["dense_history"])
    assert missing.status == UNCHECKED
    assert "cnn_model=" in missing.message and "cnn_history=" in missing.message
    assert "not your answer that is wrong" in missing.message
    misspelt = check({k: v for k, v in run.items() if k != "cnn_model"}, cnn_modle=run["cnn_model"])
    assert misspelt.status == UNCHECKED and "did you mean cnn_model=?" in misspelt.message
    positional = ex02.e1.check(run["dense_model"])
    assert positional.status == UNCHECKED and "keywords only" in positional.message


def test_the_solution_is_correct_in_a_notebook_namespace(data):
    """The solution code, run as the notebook runs it (its variables), says Correct."""
    from mnist_cnn import keras

    images, labels = data
    (fit_images, fit_labels), (held_out_images, held_out_labels) = mnist_cnn.train_test_split(
        images, labels, train_fraction=0.9, seed=0
    )
    names = {
        "mnist_cnn": mnist_cnn,
        "keras": keras,
        "layers": keras.layers,
        "SEED": 0,
        "fit_images": fit_images,
        "fit_labels": fit_labels,
        "held_out_images": held_out_images,
        "held_out_labels": held_out_labels,
    }
    exec(ex02.q5.solution_code, names)
    exec(ex02.e1.solution_code, names)
    result = ex02.e1.check(**{name: names[name] for name in ex02.e1.keywords})
    assert result.status == CORRECT, repr(result)
    assert re.search(r"your dense model has 5,575 parameters and your CNN 5,994", result.message)
    assert "with about as many parameters" in result.message


def notebook_cells() -> dict[str, str]:
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "notebooks" / "02_build_the_cnn.ipynb"
    return {cell["id"]: "".join(cell["source"]) for cell in json.loads(path.read_text())["cells"]}


def test_the_untrained_models_probabilities_are_what_the_prose_says():
    """Notebook 02 builds its untrained CNN seeded: its ten probabilities for the first
    image scatter around 1/10, none near 1, the same at every run."""
    import matplotlib

    matplotlib.use("Agg")
    cells = notebook_cells()
    assert "keras.utils.set_random_seed(SEED)" in cells["cell-32"]
    assert "axhline(1 / 10" in cells["cell-41"]
    readings = []
    for _ in range(2):
        names: dict = {}
        exec(cells["cell-02"], names)
        exec(cells["cell-32"], names)
        probabilities = names["model"].predict(names["images"][:1], verbose=0)[0]
        readings.append(probabilities)
    np.testing.assert_allclose(readings[0], readings[1], atol=1e-6)  # seeded
    assert abs(readings[0].mean() - 0.1) < 1e-6 and readings[0].max() < 0.5, readings[0]


def run_cells(*ids: str) -> dict:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells, names = notebook_cells(), {}
    for cell_id in ("cell-02", "cell-04", *ids):
        exec(cells[cell_id], names)
    plt.close("all")
    return names


def test_keras_convolution_is_cross_correlation_as_the_notebook_says():
    names = run_cells("cross-correlation")
    np.testing.assert_allclose(names["keras_map"], names["feature_map"], atol=1e-5)
    assert np.abs(names["keras_map"] - names["flipped_map"]).max() > 1
    np.testing.assert_allclose(names["flipped_map"], -names["feature_map"], atol=1e-5)


def test_learning_a_filter_by_gradient_descent_recovers_it():
    import time

    start = time.perf_counter()
    names = run_cells("learn-a-filter")
    assert time.perf_counter() - start < 10
    losses, learned = names["losses"], names["learned"]
    assert len(losses) <= 100 and losses[-1] < losses[0] / 100
    assert all(later <= earlier for earlier, later in zip(losses, losses[1:], strict=False))
    assert np.abs(learned - names["vertical_edge"]).max() < 0.5
    assert np.sign(learned[:, 0]).tolist() == [-1, -1, -1] and (learned[:, 2] > 0).all()


def test_the_notebooks_output_size_is_the_checkers():
    names: dict = {}
    exec(notebook_cells()["output-size-check"].split("\n\n\nfor")[0], names)
    for n, kernel, padding, stride in [(28, 3, 0, 1), (28, 3, 1, 2), (27, 5, 2, 3), (10, 2, 0, 2)]:
        assert names["output_size"](n, kernel, padding, stride) == ex02.output_size(
            n, kernel, padding, stride
        )


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(4, 40),
    kernel=st.integers(1, 7),
    padding=st.integers(0, 3),
    stride=st.integers(1, 4),
)
def test_the_output_size_formula_is_what_keras_computes(n, kernel, padding, stride):
    """(n + 2p - k) // s + 1 against Keras: ZeroPadding2D(p), then a 'valid' Conv2D."""
    from mnist_cnn import keras

    assume(n + 2 * padding >= kernel)
    shape = keras.layers.ZeroPadding2D(padding).compute_output_shape((None, n, n, 1))
    shape = keras.layers.Conv2D(1, kernel, strides=stride).compute_output_shape(shape)
    assert shape[1] == ex02.output_size(n, kernel, padding, stride)


def test_models_that_saw_every_held_digit_cannot_be_checked(run):
    """A model whose record says it was trained on all of MNIST's training images leaves
    the checker no unseen digits: it says so instead of judging on seen ones."""
    from mnist_cnn import keras
    from mnist_cnn.provenance import note_training

    (all_images, _), _ = mnist_cnn.load_mnist()
    copy = keras.models.clone_model(run["dense_model"])
    copy.set_weights(run["dense_model"].get_weights())
    note_training(copy, all_images, validated_on=0, seed=0, epochs=2, stopped=None)
    result = check(run, dense_model=copy, dense_history=dict(run["dense_history"].history))
    assert result.status == UNCHECKED, repr(result)
    assert "trained on nearly every MNIST training image" in result.message
