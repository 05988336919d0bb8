"""Notebook 06's experiment (ex06.e1): the learner trains the CNN without and with shift and
zoom augmentation and the checker reads drawings with both. Real Keras models trained here
(tiny: 3 epochs on 4,000 digits each) and the drawings recorded in the repository."""

from __future__ import annotations

import numpy as np
import pytest

import mnist_cnn
from mnist_cnn.exercises import CORRECT, INCORRECT, UNANSWERED, UNCHECKED, ex06


def trained(config, images, labels):
    model = mnist_cnn.build_cnn(config, seed=0)
    mnist_cnn.train(model, images, labels, epochs=3, live_plot=False, verbose=0)
    return model


@pytest.fixture(scope="module")
def runs():
    images, labels = mnist_cnn.load_sample(4_000, seed=0)
    first_model = trained(mnist_cnn.CNNConfig(), images, labels)
    new_model = trained(new_model_config(), images, labels)
    return first_model, new_model


@pytest.fixture(scope="module")
def recorded():
    drawings, meant = ex06.recorded_pad_drawings()
    return drawings[::5], meant[::5]  # 60 drawings, 6 of each digit


def new_model_config():
    return mnist_cnn.CNNConfig(shift=0.1, zoom=0.2)


def check(drawings, meant, first_model, new_model):
    return ex06.e1.check(
        drawings=drawings, meant=meant, first_model=first_model, new_model=new_model
    )


def reads_as_meant(model, drawings, meant) -> np.ndarray:
    prepared = np.stack([mnist_cnn.preprocess_drawing(drawing) for drawing in drawings])
    return mnist_cnn.predict(model, prepared)[0] == meant


def test_the_recorded_drawings_are_the_benchmarks_300():
    drawings, meant = ex06.recorded_pad_drawings()
    assert drawings.shape == (300, 28, 28) and drawings.dtype == np.uint8
    assert np.bincount(meant, minlength=10).tolist() == [30] * 10
    assert mnist_cnn.load_benchmark_results("robustness")["pad_drawings"] == len(drawings)


def test_a_right_run_is_correct_with_counts_computed_from_the_models(runs, recorded):
    first_model, new_model = runs
    drawings, meant = recorded
    kept = drawings.copy()
    result = check(drawings, meant, first_model, new_model)
    assert result.status == CORRECT, result
    first_right = reads_as_meant(first_model, drawings, meant)
    new_right = reads_as_meant(new_model, drawings, meant)
    assert f"reads {new_right.sum()} of 60 drawings as meant" in result.message
    assert f"first_model (without) {first_right.sum()}" in result.message
    if (~first_right).any():
        fixed = (new_right & ~first_right).sum()
        assert f"that fooled first_model, new_model reads {fixed} as meant" in result.message
    assert "with shift, zoom" in result.message and "moved 4 pixels off-centre" in result.message
    assert np.array_equal(drawings, kept)  # the learner's drawings are not changed


def test_the_checkers_own_test_shows_what_shifting_buys(runs, recorded):
    """Moved digits are read far better by the model trained with shifts: the numbers in the
    message are the models' own, and they differ."""
    first_model, new_model = runs
    message = check(*recorded, first_model, new_model).message
    own = message.split("off-centre: ")[1]
    first_share = int(own.split("first_model reads ")[1].split("%")[0])
    new_share = int(own.split("new_model ")[1].split("%")[0])
    assert new_share > first_share + 10, message


def test_one_drawing_of_the_learner_with_one_digit(runs, recorded):
    first_model, new_model = runs
    drawings, meant = recorded
    result = check(drawings[7], int(meant[7]), first_model, new_model)
    assert result.status == CORRECT, result
    assert "of 1 drawing as meant" in result.message


@pytest.mark.parametrize(
    ("roles", "says"),
    [
        ("swapped", "the roles are swapped"),
        ("same", "are the same model"),
        ("both plain", "new_model has no shift or zoom"),
        ("both augmented", "first_model has augmentation already"),
        ("copied weights", "exactly first_model's weights"),
        ("untrained", "new_model reads only"),
    ],
)
def test_a_wrong_run_is_not_correct_and_says_why(runs, recorded, roles, says):
    first_model, new_model = runs

    def copied():
        copy = mnist_cnn.build_cnn(mnist_cnn.CNNConfig(shift=0.1), seed=3)
        copy.set_weights(first_model.get_weights())
        return copy

    given = {
        "swapped": lambda: (new_model, first_model),
        "same": lambda: (first_model, first_model),
        "both plain": lambda: (first_model, mnist_cnn.build_cnn(mnist_cnn.CNNConfig(), seed=1)),
        "both augmented": lambda: (new_model, mnist_cnn.build_cnn(new_model_config(), seed=1)),
        "copied weights": lambda: (first_model, copied()),
        "untrained": lambda: (first_model, mnist_cnn.build_cnn(new_model_config(), seed=2)),
    }[roles]()
    result = check(*recorded, *given)
    assert result.status == INCORRECT, result
    assert says in result.message, result


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"drawings": "a seven"}, "drawings= is str"),
        ({"drawings": []}, "drawings= is list"),
        ({"meant": [7, 1]}, "meant= gives 2 digits for 60 drawings"),
        ({"meant": 7}, "meant= is one digit (7) for 60 drawings"),
        ({"meant": ["7"] * 60}, "meant="),
        ({"meant": [12] * 60}, "a whole number from 0 to 9"),
        ({"drawings": np.zeros((60, 28, 28), np.uint8)}, "drawing 0 of drawings= cannot be read"),
        ({"drawings": np.full((60, 28, 28), 300.0)}, "drawing 0 of drawings= cannot be read"),
        ({"first_model": "model"}, "first_model= cannot be used"),
        ({"new_model": np.zeros(3)}, "new_model= cannot be used"),
    ],
)
def test_nonsense_is_named_and_not_judged(runs, recorded, change, says):
    first_model, new_model = runs
    drawings, meant = recorded
    given = {"drawings": drawings, "meant": meant, "first_model": first_model}
    given["new_model"] = new_model
    result = ex06.e1.check(**{**given, **change})
    assert result.status == UNCHECKED, result
    assert says in result.message, result


def test_blank_forgotten_and_positional(runs, recorded):
    first_model, new_model = runs
    drawings, meant = recorded
    assert ex06.e1.check(drawings=..., meant=..., first_model=..., new_model=...).status == (
        UNANSWERED
    )
    blank = ex06.e1.check(drawings=drawings, meant=meant, first_model=first_model, new_model=...)
    assert blank.status == UNANSWERED and "`new_model = ...`" in blank.message
    forgotten = ex06.e1.check(drawings=drawings, first_model=first_model, new_model=new_model)
    assert forgotten.status == UNCHECKED and "keyword is missing" in forgotten.message
    assert "meant=" in forgotten.message
    assert ex06.e1.check(drawings).status == UNCHECKED


def test_the_solution_sets_every_keyword_the_call_passes():
    for name in ("first_model", "new_model", "drawings", "meant"):
        assert f"{name} =" in ex06.e1.solution_code or f"{name}, " in ex06.e1.solution_code
    assert ex06.e1.call == (
        "ex06.e1.check(drawings=drawings, meant=meant, first_model=first_model, "
        "new_model=new_model)"
    )
