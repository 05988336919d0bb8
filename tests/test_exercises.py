"""Every exercise checker against its own solution (must pass), against typical wrong answers
(must be caught, with the right explanation) and against a blank `...` (not answered yet)."""

from __future__ import annotations

import json
import math
import types
from pathlib import Path

import numpy as np
import pytest

import mnist_cnn
from mnist_cnn.exercises import (
    CORRECT,
    INCORRECT,
    UNANSWERED,
    Exercise,
    ex01,
    ex02,
    ex03,
    ex04,
    ex05,
    ex06,
)

MODULES = {1: ex01, 2: ex02, 3: ex03, 4: ex04, 5: ex05, 6: ex06}
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@pytest.fixture(scope="module")
def sample():
    return mnist_cnn.load_sample(1_000, seed=0)


@pytest.fixture(scope="module")
def keras_names():
    from mnist_cnn._tensorflow import keras, tf

    return {"keras": keras, "layers": keras.layers, "tf": tf}


@pytest.fixture(scope="module")
def model():
    return mnist_cnn.build_cnn(seed=0)  # untrained is enough: the checkers compute the truth


def run_solution(exercise: Exercise, namespace: dict):
    """Execute the solution the reader would see, and return the value it assigns."""
    namespace = {"np": np, "math": math, **namespace}
    exec(exercise.solution_code, namespace)
    return namespace[exercise.answer_name]


def assert_result(result, status: str, words: str = "") -> None:
    assert result.status == status, repr(result)
    assert words.lower() in result.message.lower(), repr(result)


def all_exercises():
    for number, module in MODULES.items():
        for name, value in vars(module).items():
            if isinstance(value, Exercise):
                yield number, name, value


def test_unanswered_is_reported_without_failing():
    for _, _, exercise in all_exercises():
        result = exercise.check(...)
        assert_result(result, UNANSWERED, exercise.answer_name)
        assert not result
        assert repr(result).startswith("Not answered yet")


def test_hint_and_solution_print(capsys):
    for _, _, exercise in all_exercises():
        exercise.hint()
        exercise.solution()
        printed = capsys.readouterr().out
        assert exercise.hint_text in printed
        assert exercise.solution_code.splitlines()[0].strip() in printed


# ---- notebook 01 ---------------------------------------------------------------------------


def test_ex01(sample):
    images, labels = sample
    names = {"labels": labels, "images": images}
    assert_result(ex01.q1.check(run_solution(ex01.q1, names)), CORRECT)
    assert_result(ex01.q1.check(784), INCORRECT, "one image")
    assert_result(ex01.q1.check(60_000 * 28), INCORRECT, "one side")
    assert_result(ex01.q1.check(70_000 * 784), INCORRECT, "test images")
    assert_result(ex01.q1.check("47040000"), INCORRECT, "without quotes")

    q2 = ex01.q3
    assert_result(q2.check(run_solution(q2, names), labels=labels), CORRECT)
    assert_result(q2.check(labels == 5, labels=labels), INCORRECT, ".sum()")
    assert_result(q2.check(len(labels), labels=labels), INCORRECT, "all images")
    threes = int((labels == 3).sum())
    if threes != int((labels == 5).sum()):
        assert_result(q2.check(threes, labels=labels), INCORRECT, "3s")

    assert_result(ex01.q4.check(run_solution(ex01.q4, names)), CORRECT)
    assert_result(ex01.q4.check(8_000), INCORRECT, "training part")
    assert_result(ex01.q4.check(0.2), INCORRECT, "share")

    q4 = ex01.q2
    first = int(np.flatnonzero(labels == 7)[0])
    second = int(np.flatnonzero(labels == 7)[1])
    not_seven = int(np.flatnonzero(labels != 7)[0])
    assert_result(q4.check(run_solution(q4, names), labels=labels), CORRECT)
    assert_result(q4.check(second, labels=labels), INCORRECT, "not the first")
    assert_result(q4.check(not_seven, labels=labels), INCORRECT, f"is a {labels[not_seven]}")
    assert_result(q4.check(np.flatnonzero(labels == 7), labels=labels), INCORRECT, "[0]")
    assert_result(q4.check(len(labels), labels=labels), INCORRECT, "not an index")
    assert first < second

    challenge = ex01.challenge
    average_digit = run_solution(challenge, names)
    assert_result(challenge.check(average_digit, images=images, labels=labels), CORRECT)
    assert_result(
        challenge.check(lambda imgs, labs, d: imgs.mean(axis=0), images=images, labels=labels),
        INCORRECT,
        "all images",
    )
    assert_result(
        challenge.check(lambda imgs, labs, d: imgs[labs == d].mean(), images=images, labels=labels),
        INCORRECT,
        "shape ()",
    )
    assert_result(challenge.check(np.zeros((28, 28)), images=images, labels=labels), INCORRECT)


# ---- notebook 02 ---------------------------------------------------------------------------


def test_ex02_filter_shapes_and_parameters(keras_names):
    q1 = ex02.q1
    vertical = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)
    diagonal = run_solution(q1, {})
    assert_result(q1.check(diagonal), CORRECT, "diagonal edge")
    assert_result(q1.check(diagonal.T[::-1]), CORRECT)  # the other diagonal also counts
    assert_result(q1.check(vertical), INCORRECT, "vertical edge")
    assert_result(q1.check(vertical.T), INCORRECT, "horizontal edge")
    assert_result(q1.check(np.eye(3)), INCORRECT, "add up to 3")
    assert_result(q1.check(np.ones((5, 5))), INCORRECT, "shape (5, 5)")
    assert_result(q1.check([1, 0, -1]), INCORRECT, "shape (3,)")
    assert_result(q1.check(np.zeros((3, 3))), INCORRECT, "all zeros")

    q2 = ex02.q4
    truth = run_solution(q2, {})
    layer = keras_names["keras"].Sequential(
        [keras_names["keras"].Input((26, 26, 8)), keras_names["layers"].Conv2D(16, 3)]
    )
    assert truth == layer.count_params()  # the solution agrees with Keras
    assert_result(q2.check(truth), CORRECT)
    assert_result(q2.check(1_152), INCORRECT, "biases")
    assert_result(q2.check(160), INCORRECT, "all 8 input channels")
    assert_result(q2.check(73), INCORRECT, "one filter")

    q3 = ex02.q2
    truth = run_solution(q3, {})
    keras, layers = keras_names["keras"], keras_names["layers"]
    probe = keras.Sequential(
        [keras.Input((28, 28, 1)), layers.Conv2D(16, 3), layers.MaxPooling2D(2)]
    )
    assert tuple(truth) == tuple(probe.output_shape[1:])
    assert_result(q3.check(truth), CORRECT)
    assert_result(q3.check((26, 26, 16)), INCORRECT, "pooling then halves")
    assert_result(q3.check((14, 14, 16)), INCORRECT, "trims")
    assert_result(q3.check((13, 13, 1)), INCORRECT, "one per filter")
    assert_result(q3.check((13, 13)), INCORRECT, "three axes")
    assert_result(q3.check((12, 12, 16)), INCORRECT, "5x5")

    q5 = ex02.q3
    assert_result(q5.check(run_solution(q5, {})), CORRECT)
    assert_result(q5.check((16, 16)), CORRECT)
    assert_result(q5.check(10), INCORRECT, "2 pixels")
    assert_result(q5.check(14), INCORRECT, "last 2x2 pooling")
    assert_result(q5.check(28), INCORRECT, "dense layer")


def test_ex02_receptive_field_is_what_keras_computes(keras_names):
    """One value of pool2 changes only when a pixel inside its 16x16 window changes."""
    model = mnist_cnn.build_cnn(seed=0)
    probe = keras_names["keras"].Model(model.inputs[0], model.get_layer("pool2").output)
    image = np.random.default_rng(0).integers(0, 256, (28, 28)).astype(np.float32)
    base = np.asarray(probe(image[None]))[0, 0, 0]
    reached = np.zeros((28, 28), dtype=bool)
    for row in range(20):
        for column in range(20):
            changed = image.copy()
            changed[row, column] = 255 - changed[row, column]
            reached[row, column] = not np.allclose(np.asarray(probe(changed[None]))[0, 0, 0], base)
    rows, columns = np.nonzero(reached)
    assert rows.max() + 1 <= run_solution(ex02.q3, {})
    assert columns.max() + 1 <= run_solution(ex02.q3, {})


def test_ex02_dense_model(keras_names):
    q4 = ex02.q5
    keras, layers = keras_names["keras"], keras_names["layers"]
    dense_model = run_solution(q4, keras_names)
    assert_result(q4.check(dense_model), CORRECT, "5,575 parameters")

    def build(*stack, inputs=(28, 28)):
        return keras.Sequential([keras.Input(shape=inputs), *stack])

    too_big = build(
        layers.Rescaling(1 / 255),
        layers.Flatten(),
        layers.Dense(32, "relu"),
        layers.Dense(10, "softmax"),
    )
    assert_result(q4.check(too_big), INCORRECT, "25,450 parameters")
    no_hidden = build(layers.Rescaling(1 / 255), layers.Flatten(), layers.Dense(10, "softmax"))
    assert_result(q4.check(no_hidden), INCORRECT, "hidden layer")
    no_flatten = build(layers.Rescaling(1 / 255), layers.Dense(10, "softmax"))
    assert_result(q4.check(no_flatten), INCORRECT, "Flatten")
    no_softmax = build(
        layers.Rescaling(1 / 255), layers.Flatten(), layers.Dense(7, "relu"), layers.Dense(10)
    )
    assert_result(q4.check(no_softmax), INCORRECT, "softmax")
    with_conv = build(
        layers.Reshape((28, 28, 1)),
        layers.Conv2D(4, 3),
        layers.Flatten(),
        layers.Dense(10, "softmax"),
    )
    assert_result(q4.check(with_conv), INCORRECT, "convolution")
    no_input = keras.Sequential([layers.Flatten(), layers.Dense(10, "softmax")])
    assert_result(q4.check(no_input), INCORRECT, "keras.Input")
    assert_result(q4.check(mnist_cnn.CNNConfig()), INCORRECT, "keras.Sequential")
    no_rescaling = build(layers.Flatten(), layers.Dense(7, "relu"), layers.Dense(10, "softmax"))
    assert_result(q4.check(no_rescaling), INCORRECT, "Rescaling")


# ---- notebook 03 ---------------------------------------------------------------------------


def test_ex03(keras_names):
    q1 = ex03.q3
    assert_result(q1.check(run_solution(q1, {})), CORRECT, "-1.4")
    assert_result(q1.check("Diverge "), CORRECT)
    assert_result(q1.check("bounce"), INCORRECT, "close in")
    assert_result(q1.check("crawl"), INCORRECT, "24 times")
    assert_result(q1.check("settle"), INCORRECT, "0.95")
    assert_result(q1.check("explode"), INCORRECT, "choose one of")
    assert_result(q1.check(1.2), INCORRECT, "one of the words")
    # The claim in the solution is true: gradient descent at 1.2 moves away from w = 2.
    w = -2.0
    for _ in range(3):
        before = abs(w - 2)
        w -= 1.2 * 2 * (w - 2)
        assert abs(w - 2) == pytest.approx(1.4 * before)

    q2 = ex03.q1
    names = {"fit_images": np.zeros((7_200, 28, 28), np.uint8), "BATCH_SIZE": 64}
    context = {"training_images": 7_200, "batch_size": 64}
    assert_result(q2.check(run_solution(q2, names), **context), CORRECT, "remaining 32")
    assert_result(q2.check(112, **context), INCORRECT, "round up")
    assert_result(q2.check(112.5, **context), INCORRECT, "whole batch")
    assert_result(q2.check(113 * 15, **context), INCORRECT, "all 15 epochs")
    assert_result(q2.check(125, **context), INCORRECT, "validation images")

    q3 = ex03.q2
    assert_result(q3.check(run_solution(q3, {})), CORRECT, "2.30")
    assert_result(q3.check(0.1), INCORRECT, "minus its logarithm")
    assert_result(q3.check(-2.302585), INCORRECT, "sign")
    assert_result(q3.check(1.0), INCORRECT, "base-10")
    assert_result(q3.check(5), INCORRECT, "same probability")

    q4 = ex03.q4
    history = types.SimpleNamespace(
        history={
            "loss": [0.5, 0.2, 0.1, 0.05, 0.02],
            "val_loss": [0.4, 0.2, 0.15, 0.18, 0.25],
            "accuracy": [0.9, 0.95, 0.97, 0.98, 0.99],
            "val_accuracy": [0.9, 0.94, 0.95, 0.96, 0.955],
        }
    )
    assert run_solution(q4, {"history": history}) == 3
    assert_result(
        q4.check(run_solution(q4, {"history": history}), history=history), CORRECT, "risen to 0.250"
    )
    assert_result(q4.check(2, history=history), INCORRECT, "Add 1")
    assert_result(q4.check(5, history=history), INCORRECT, "training")
    assert_result(q4.check(4, history=history), INCORRECT, "accuracy")
    assert_result(q4.check(1, history=history), INCORRECT, "lower in another epoch")
    assert_result(q4.check(9, history=history), INCORRECT, "outside")
    assert_result(q4.check(3, history={"loss": [1.0]}), INCORRECT, "history=history")
    still_falling = {"loss": [0.3, 0.2], "val_loss": [0.3, 0.25]}
    assert_result(q4.check(2, history=still_falling), CORRECT, "still falling")

    challenge = ex03.challenge
    keras = keras_names["keras"]
    assert_result(challenge.check(run_solution(challenge, keras_names)), CORRECT)
    stopping = keras.callbacks.EarlyStopping
    assert_result(
        challenge.check(stopping(monitor="val_loss", patience=2, restore_best_weights=True)),
        INCORRECT,
        "val_accuracy",
    )
    assert_result(
        challenge.check(stopping(monitor="accuracy", patience=2, restore_best_weights=True)),
        INCORRECT,
        "keeps rising",
    )
    assert_result(
        challenge.check(stopping(monitor="val_accuracy", patience=5, restore_best_weights=True)),
        INCORRECT,
        "patience is 5",
    )
    assert_result(
        challenge.check(stopping(monitor="val_accuracy", patience=2)),
        INCORRECT,
        "restore_best_weights",
    )
    assert_result(
        challenge.check(
            stopping(monitor="val_accuracy", patience=2, mode="min", restore_best_weights=True)
        ),
        INCORRECT,
        "mode",
    )
    assert_result(challenge.check("EarlyStopping"), INCORRECT, "keras.callbacks.EarlyStopping")


# ---- notebook 04 ---------------------------------------------------------------------------


@pytest.fixture
def matrix():
    rng = np.random.default_rng(1)
    matrix = np.diag(rng.integers(150, 220, 10))
    matrix[4, 9] = 9  # the most frequent mistake: actual 4 read as 9
    matrix[9, 4] = 3
    matrix[5, 3] = 5
    matrix[3, 5] = 2
    matrix[7, 5] = 4
    return matrix


def test_ex04(matrix):
    names = {"matrix": matrix}
    q1 = ex04.q4
    assert_result(q1.check(run_solution(q1, names), matrix=matrix), CORRECT)
    assert_result(q1.check(100 * matrix[5, 5] / matrix[5].sum(), matrix=matrix), CORRECT)
    precision = matrix[5, 5] / matrix[:, 5].sum()
    assert_result(q1.check(precision, matrix=matrix), INCORRECT, "precision")
    accuracy = np.trace(matrix) / matrix.sum()
    assert_result(q1.check(accuracy, matrix=matrix), INCORRECT, "all digits")
    assert_result(q1.check(matrix[5, 5], matrix=matrix), INCORRECT, "count")
    assert_result(q1.check(1 - matrix[5, 5] / matrix[5].sum(), matrix=matrix), INCORRECT, "missed")

    q2 = ex04.q3
    pair = run_solution(q2, names)
    assert tuple(int(v) for v in pair) == mnist_cnn.most_confused(matrix, top=1)[0][:2]
    assert_result(q2.check(pair, matrix=matrix), CORRECT, "9 actual 4s")
    assert_result(q2.check((9, 4), matrix=matrix), INCORRECT, "other way round")
    assert_result(q2.check((5, 5), matrix=matrix), INCORRECT, "diagonal")
    assert_result(q2.check((5, 3), matrix=matrix), INCORRECT, "holds 9")
    assert_result(q2.check(4, matrix=matrix), INCORRECT, "(actual, predicted)")

    q3 = ex04.q2
    test_labels = np.repeat(np.arange(10), [20, 26, 20, 20, 20, 18, 20, 20, 20, 16])
    names = {"test_labels": test_labels}
    assert_result(q3.check(run_solution(q3, names), test_labels=test_labels), CORRECT, "13.0%")
    assert_result(q3.check(0.1, test_labels=test_labels), INCORRECT, "equally common")
    assert_result(q3.check(26, test_labels=test_labels), INCORRECT, "how many 1s")
    assert_result(q3.check(0, test_labels=test_labels), INCORRECT, "really is a 1")

    q4 = ex04.q1
    assert_result(q4.check(run_solution(q4, {})), CORRECT)
    assert_result(q4.check("test"), INCORRECT, "too optimistic")
    assert_result(q4.check("training"), INCORRECT, "keeps falling")

    challenge = ex04.challenge
    labels = np.array([0, 1, 2, 3, 4])
    predicted = np.array([0, 7, 2, 5, 4])
    probabilities = np.full((5, 10), 0.01)
    probabilities[1, 7], probabilities[3, 5] = 0.6, 0.95
    context = {"test_labels": labels, "predicted_labels": predicted, "probabilities": probabilities}
    assert run_solution(challenge, context) == 3
    assert_result(challenge.check(3, **context), CORRECT, "95.0%")
    assert_result(challenge.check(1, **context), INCORRECT, "more confident")
    assert_result(challenge.check(0, **context), INCORRECT, "read correctly")
    assert_result(challenge.check(99, **context), INCORRECT, "not an index")
    assert int(mnist_cnn.mistakes(labels, predicted, probabilities)[0]) == 3


# ---- notebook 05 ---------------------------------------------------------------------------


def test_ex05(model, sample, keras_names):
    images, labels = sample
    image = images[np.flatnonzero(labels == 5)[0]]
    assert_result(ex05.q1.check(run_solution(ex05.q1, {})), CORRECT)
    assert model.get_layer("conv2").get_weights()[0][..., 0].size == run_solution(ex05.q1, {})
    assert_result(ex05.q1.check(25), INCORRECT, "one 5x5 slice")
    assert_result(ex05.q1.check(201), INCORRECT, "bias")
    assert_result(ex05.q1.check(3_216), INCORRECT, "whole layer")

    assert_result(ex05.q2.check(run_solution(ex05.q2, {})), CORRECT, "weight sharing")
    assert_result(ex05.q2.check("same"), INCORRECT, "where")
    assert_result(ex05.q2.check("different"), INCORRECT, "same at every position")

    q3 = ex05.q3
    output_layer = model.layers[-1]
    names = {
        **keras_names,
        "image": image,
        "features": keras_names["keras"].Model(model.inputs[0], model.layers[-2].output),
        "output_layer": output_layer,
    }
    gradient = run_solution(q3, names)
    context = {"model": model, "image": image}
    assert_result(q3.check(gradient, **context), CORRECT, "red")
    assert_result(q3.check(np.abs(gradient), **context), INCORRECT, "sign")
    assert_result(q3.check(gradient[None, :, :, None], **context), CORRECT)  # squeezed
    assert_result(q3.check(gradient[:27], **context), INCORRECT, "(28, 28)")
    other = 7
    from mnist_cnn.inside import logit_gradient

    assert_result(
        q3.check(logit_gradient(model, image, other), **context), INCORRECT, f"logit of {other}"
    )
    tf = keras_names["tf"]
    pixels = tf.Variable(image[None].astype("float32"))
    with tf.GradientTape() as tape:
        probability = model(pixels)[0, 3]
    of_probability = tape.gradient(probability, pixels)[0].numpy()
    assert_result(q3.check(of_probability, **context), INCORRECT, "softmax probability")

    challenge = ex05.challenge
    occlusion_map = run_solution(challenge, {})
    assert_result(challenge.check(occlusion_map, **context), CORRECT, "costs the most")
    assert_result(challenge.check(lambda m, i: -occlusion_map(m, i), **context), INCORRECT, "sign")
    assert_result(challenge.check(lambda m, i: np.zeros((28, 28)), **context), INCORRECT, "(7, 7)")
    assert_result(challenge.check(occlusion_map(model, image), **context), INCORRECT, "function")


def test_saliency_map_uses_the_logit(model, sample):
    from mnist_cnn.inside import logit_gradient, saliency_map

    images, _ = sample
    digit, saliency = saliency_map(model, images[0])
    gradient = np.abs(logit_gradient(model, images[0], digit))
    assert saliency.shape == (28, 28) and saliency.max() == pytest.approx(1)
    assert np.allclose(saliency, gradient / gradient.max())
    with pytest.raises(ValueError, match="from 0 to 9"):
        logit_gradient(model, images[0], 10)


# ---- notebook 06 ---------------------------------------------------------------------------


def test_ex06(model):
    drawing = np.full((40, 40), 255, dtype=np.uint8)
    drawing[5:30, 10:14] = 0
    drawing[5:9, 10:30] = 40
    names = {"drawing": drawing}
    q1 = ex06.q1
    white_on_black = run_solution(q1, names)
    assert_result(q1.check(white_on_black, drawing=drawing), CORRECT)
    assert_result(q1.check(1 - drawing / 255, drawing=drawing), CORRECT, "floats")
    assert_result(q1.check(drawing, drawing=drawing), INCORRECT, "unchanged")
    assert_result(q1.check(-drawing, drawing=drawing), INCORRECT, "wraps around")
    assert_result(q1.check(256 - drawing.astype(int), drawing=drawing), INCORRECT, "256")

    q2 = ex06.q2
    names["white_on_black"] = white_on_black
    cropped = run_solution(q2, names)
    assert cropped.shape == (25, 20)
    assert_result(q2.check(cropped, image=white_on_black), CORRECT, "25 rows x 20 columns")
    assert_result(
        q2.check(white_on_black[5:29, 10:29], image=white_on_black), INCORRECT, "max() + 1"
    )
    assert_result(q2.check(white_on_black, image=white_on_black), INCORRECT, "whole image")
    assert_result(q2.check(cropped.T, image=white_on_black), INCORRECT, "swapped")

    q3 = ex06.q3
    prepared = mnist_cnn.preprocess_drawing(drawing)
    centre = run_solution(q3, {"prepared": prepared})
    assert_result(q3.check(centre, image=prepared), CORRECT)
    assert_result(q3.check(centre[::-1], image=prepared), INCORRECT, "swapped")
    rows, columns = np.nonzero(prepared)
    box = ((rows.min() + rows.max()) / 2, (columns.min() + columns.max()) / 2)
    assert_result(q3.check(box, image=prepared), INCORRECT, "bounding box")
    assert_result(q3.check(7, image=prepared), INCORRECT, "(row, column)")

    challenge = ex06.challenge
    stroke = np.zeros((28, 28), dtype=np.uint8)
    stroke[4:24, 13:16] = 255
    reader = types.SimpleNamespace(pad=types.SimpleNamespace(image=stroke))
    my_drawing = run_solution(challenge, {"reader": reader})
    read_as, _ = mnist_cnn.predict_digit(model, mnist_cnn.preprocess_drawing(my_drawing))
    other = (read_as + 1) % 10
    assert_result(challenge.check(my_drawing, model=model, meant=other), CORRECT, "you meant")
    assert_result(challenge.check(my_drawing, model=model, meant=read_as), INCORRECT, "correctly")
    assert_result(challenge.check(np.zeros((28, 28)), model=model, meant=1), INCORRECT, "empty")
    assert_result(challenge.check(my_drawing, model=model, meant=12), INCORRECT, "0 to 9")


# ---- the notebooks use them ----------------------------------------------------------------


def notebook_cells(number: int) -> list[dict]:
    (path,) = NOTEBOOKS.glob(f"{number:02d}_*.ipynb")
    return json.loads(path.read_text())["cells"]


@pytest.mark.parametrize("number", sorted(MODULES))
def test_every_notebook_has_tagged_exercises_that_call_every_checker(number):
    cells = notebook_cells(number)
    tagged = [c for c in cells if "exercise" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) >= 3, f"notebook {number:02d} has {len(tagged)} exercise cells"
    source = "\n".join("".join(cell["source"]) for cell in tagged)
    for _, _, exercise in all_exercises():
        if exercise.name.startswith(f"ex{number:02d}."):
            assert f"{exercise.name}.check(" in source, f"{exercise.name} is never checked"
            assert f"{exercise.answer_name} = ..." in source, (
                f"{exercise.name}: the notebook should leave `{exercise.answer_name} = ...` blank"
            )


def test_every_exercise_is_tested_here():
    text = Path(__file__).read_text()
    for number, name, _ in all_exercises():
        assert f"ex{number:02d}.{name}" in text or f"= ex{number:02d}.{name}" in text, name
