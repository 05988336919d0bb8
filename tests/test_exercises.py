"""Every exercise checker against a table of answers: its own solution and right answers in
other forms (must pass), wrong answers (must be caught, with the right explanation), answers
of the wrong type (the text "49", bytes, True), and calls with a keyword missing, misspelt or
unusable (named as such, the answer not judged).

A table that cannot catch a checker gone wrong proves nothing, so `test_tables_catch_a_broken_
checker` replaces each checker by one that accepts everything, then by one that refuses
everything, and requires its table to fail both times.
"""

from __future__ import annotations

import json
import math
import re
import types
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

import mnist_cnn
from mnist_cnn.config import PRESETS
from mnist_cnn.exercises import (
    CORRECT,
    INCORRECT,
    UNANSWERED,
    UNCHECKED,
    Exercise,
    Keyword,
    Wrong,
    as_number,
    as_whole_number,
    as_whole_numbers,
    ex01,
    ex02,
    ex03,
    ex04,
    ex05,
    ex06,
    given_history,
    isclose,
    whole_number,
)

MODULES = {1: ex01, 2: ex02, 3: ex03, 4: ex04, 5: ex05, 6: ex06}
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
DROP = object()  # a keyword value meaning "leave this keyword out"
STATUSES = (CORRECT, INCORRECT, UNCHECKED)


def all_exercises():
    """Every exercise but the experiments (judged from a training run: see
    tests/test_experiments_*.py)."""
    for number, module in MODULES.items():
        for name, value in vars(module).items():
            if isinstance(value, Exercise) and value.kind != "experiment":
                yield number, name, value


EXERCISES = {exercise.name: exercise for _, _, exercise in all_exercises()}
#: The checkers judged by a table here: every exercise, and the experiments whose table is
#: cheap enough to build here (the others are in tests/test_experiments_NN.py).
TABLED = {**EXERCISES, "ex06.e1": ex06.e1}


@dataclass
class Case:
    """One answer, the keywords it is checked with, and the verdict expected."""

    answer: object
    status: str
    words: str = ""  # must appear in the message (case ignored)
    given: dict = field(default_factory=dict)  # keywords changed from the table's usual ones


def right(answer, words: str = "", **given) -> Case:
    return Case(answer, CORRECT, words, given)


def wrong(answer, words: str = "", **given) -> Case:
    return Case(answer, INCORRECT, words, given)


def unchecked(answer, words: str = "", **given) -> Case:
    return Case(answer, UNCHECKED, words, given)


def run_solution(exercise: Exercise, namespace: dict):
    """Execute the solution the reader would see, and return the value it assigns."""
    namespace = {"np": np, "math": math, **namespace}
    exec(exercise.solution_code, namespace)
    return namespace[exercise.answer_name]


def mismatches(exercise: Exercise, usual: dict, cases: list[Case]) -> list[str]:
    """The cases whose verdict is not the expected one, described."""
    found = []
    for number, case in enumerate(cases):
        given = {**usual, **case.given}
        given = {key: value for key, value in given.items() if value is not DROP}
        result = exercise.check(case.answer, **given)
        if result.status != case.status or case.words.lower() not in result.message.lower():
            shown = repr(case.answer)
            shown = shown if len(shown) < 60 else shown[:57] + "..."
            found.append(
                f"case {number} ({shown}, keywords {sorted(case.given)}): expected "
                f"{case.status} with {case.words!r}, got {result!r}"
            )
    return found


# ---- what the checkers are given: real data, real models, real runs -----------------------


@pytest.fixture(scope="module")
def sample():
    return mnist_cnn.load_sample(1_000, seed=0)


@pytest.fixture(scope="module")
def keras_names():
    from mnist_cnn._tensorflow import keras, tf

    return {"keras": keras, "layers": keras.layers, "tf": tf}


@pytest.fixture(scope="module")
def model():
    return mnist_cnn.build_cnn(seed=0)  # untrained is enough where the checker computes the truth


@pytest.fixture(scope="module")
def trained():
    """A CNN trained for 2 epochs on 3,000 digits (about 3 s; ~90% right) and its History."""
    images, labels = mnist_cnn.load_sample(3_000, seed=0)
    trained_model = mnist_cnn.build_cnn(seed=0)
    history = mnist_cnn.train(trained_model, images, labels, epochs=2, live_plot=False, verbose=0)
    return trained_model, history


def ex01_tables(sample):
    images, labels = sample
    names = {"labels": labels, "images": images}
    first, second = np.flatnonzero(labels == 7)[:2]
    not_seven = int(np.flatnonzero(labels != 7)[0])
    fives, threes = int((labels == 5).sum()), int((labels == 3).sum())
    assert fives != threes  # else the "3s" case below cannot tell them apart
    average_digit = run_solution(ex01.challenge, names)

    def only_zeros(imgs, labs, digit):
        return imgs[labs == 0].mean(axis=0)

    def spoils_its_arguments(imgs, labs, digit):
        result = imgs[labs == digit].mean(axis=0)
        imgs[:] = 0
        return result

    return {
        "ex01.q1": (
            {},
            [
                right(run_solution(ex01.q1, {}), "47 MB"),
                right(47_040_000.0),
                right(np.int64(47_040_000)),
                right(np.array(47_040_000)),
                right(4.704e7),
                wrong(784, "one image"),
                wrong(60_000 * 28, "one side"),
                wrong(70_000 * 784, "test images"),
                wrong(47.04, "millions"),
                wrong(47_040_000.5, "not a whole number"),
                wrong("47040000", "text"),
                wrong(b"47040000", "bytes"),
                wrong(True, "truth value"),
                wrong([47_040_000], "list"),
                wrong(None, "None"),
                wrong(math.nan, "not a finite number"),
                wrong(60_000, "multiply"),
            ],
        ),
        "ex01.q2": (
            {"labels": labels},
            [
                right(run_solution(ex01.q2, names), "first 7"),
                right(float(first)),
                right(np.int64(first)),
                right(np.flatnonzero(labels == 7)[:1]),  # an array of one index
                wrong(int(second), "not the first"),
                wrong(not_seven, f"is a {labels[not_seven]}"),
                wrong(np.flatnonzero(labels == 7), "one number"),
                wrong(len(labels), "not an index"),
                wrong(first + 0.5, "not a whole number"),
                wrong(str(first), "text"),
                unchecked(first, "labels=", labels=DROP),
                unchecked(first, "labels=", labels=labels.astype(str)),
            ],
        ),
        "ex01.q3": (
            {"labels": labels},
            [
                right(run_solution(ex01.q3, names), "fives"),
                right((labels == 5).sum()),
                right(float(fives)),
                right(np.count_nonzero(labels == 5)),
                wrong(labels == 5, ".sum()"),
                wrong(len(labels), "all images"),
                wrong(threes, "3s"),
                wrong(5, "the digit"),
                wrong(fives + 0.5, "not a whole number"),
                wrong(str(fives), "text"),
                wrong(str(fives).encode(), "bytes"),
                unchecked(fives, "labels=", labels=DROP),
                unchecked(fives, "labels=", labels=np.zeros((3, 3))),
            ],
        ),
        "ex01.q4": (
            {},
            [
                right(run_solution(ex01.q4, {}), "2,000"),
                right(10_000 * (1 - 0.8), "2,000"),  # 1999.9999999999995
                right(2_000.0),
                right(np.float32(2_000)),
                wrong(int(10_000 * (1 - 0.8)), "round()"),  # int() truncates to 1,999
                wrong(8_000, "training part"),
                wrong(0.2, "share"),
                wrong(20, "share"),
                wrong(2_000.5, "not a whole number"),
                wrong("2000", "text"),
                wrong(b"2000", "bytes"),
                wrong(3_000, "not it"),
            ],
        ),
        "ex01.challenge": (
            {"images": images, "labels": labels},
            [
                right(average_digit, "plot the ten averages"),
                right(lambda imgs, labs, digit: np.mean(imgs[labs == digit], axis=0)),
                right(lambda imgs, labs, digit: imgs[labs == digit].mean(axis=0).tolist()),
                right(spoils_its_arguments),  # the checker gives it copies
                wrong(lambda imgs, labs, digit: imgs.mean(axis=0), "all images"),
                wrong(lambda imgs, labs, digit: imgs[labs == digit].mean(), "shape ()"),
                wrong(only_zeros, "differs"),
                wrong(np.zeros((28, 28)), "should be a function"),
                wrong(lambda imgs, labs, digit: "average", "text"),
                unchecked(average_digit, "images=", images=DROP),
                unchecked(average_digit, "labels", labels=labels[:10]),
            ],
        ),
    }


def ex02_tables(keras_names):
    keras, layers = keras_names["keras"], keras_names["layers"]
    vertical = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)
    diagonal = run_solution(ex02.q1, {})

    def build(*stack, inputs=(28, 28)):
        return keras.Sequential([keras.Input(shape=inputs), *stack])

    def dense_model(*hidden_and_output, rescaling=None):
        return build(rescaling or layers.Rescaling(1 / 255), layers.Flatten(), *hidden_and_output)

    inputs = keras.Input(shape=(28, 28))
    hidden = layers.Dense(7, activation="relu")(layers.Flatten()(layers.Rescaling(1 / 255)(inputs)))
    functional = keras.Model(inputs, layers.Dense(10, activation="softmax")(hidden))
    probe = keras.Sequential(
        [keras.Input((28, 28, 1)), layers.Conv2D(16, 3), layers.MaxPooling2D(2)]
    )
    keras_widths = tuple(
        layers.Conv2D(1, kernel, strides=stride, padding=padding).compute_output_shape(
            (None, 28, 28, 1)
        )[1]
        for kernel, stride, padding in ((5, 1, "valid"), (5, 1, "same"), (3, 2, "same"))
    )

    return {
        "ex02.q1": (
            {},
            [
                right(diagonal, "diagonal edge"),
                right(diagonal.T[::-1]),  # the other diagonal
                right(10 * diagonal),
                right(diagonal.astype(int).tolist()),  # a list of lists of ints
                right([[1, 1, 0], [1, 0, -1], [0, -1, -1]]),
                right([[0, 1, 0], [1, 0, -1], [0, -1, 0]]),  # vertical + horizontal edge
                wrong(vertical, "vertical edge"),
                # Two pixels a diagonal apart also straddle every vertical or horizontal edge.
                wrong([[0, 0, 0], [0, 1, 0], [0, 0, -1]], "as strongly"),
                wrong(vertical.T, "horizontal edge"),
                wrong(np.eye(3), "add up to 3"),
                wrong(np.ones((5, 5)), "shape (5, 5)"),
                wrong([1, 0, -1], "shape (3,)"),
                wrong(np.zeros((3, 3)), "all zeros"),
                wrong([[0, 1, 0], [1, -4, 1], [0, 1, 0]], "laplacian"),  # isotropic Laplacian
                wrong([[1, 1, 1], [1, -8, 1], [1, 1, 1]], "every direction"),
                wrong([[1, 0, 1], [0, -4, 0], [1, 0, 1]], "vertical edge"),
                wrong([[1, -1, 1], [-1, 0, -1], [1, -1, 1]], "as strongly"),  # checkerboard
                wrong([[1, -1, 0], [-1, 1, 0], [0, 0, 0]], "checkerboard"),  # 2x2 checkerboard
                wrong([[2, -1, -1], [-1, 2, -1], [-1, -1, 2]], "line detector"),
                wrong([[1, 0, -1], [0, 0, 0], [-1, 0, 1]], "one sign"),  # a saddle
                wrong([["0", "1", "2"], ["-1", "0", "1"], ["-2", "-1", "0"]], "text"),
                wrong(diagonal > 0, "true/false"),
                wrong([[0, 1, np.nan], [-1, 0, 1], [-2, -1, 0]], "nan"),
                wrong("diagonal", "text"),
                wrong([[0, 1], [0, 1, 2]], "grid of numbers"),
            ],
        ),
        "ex02.q2": (
            {},
            [
                right(run_solution(ex02.q2, {}), "halves it"),
                right(probe.output_shape[1:]),
                right([13, 13, 16]),
                right(np.array([13, 13, 16])),
                right((13.0, 13.0, 16.0)),
                wrong((13.9, 13.2, 16.7), "not a whole number"),
                wrong((26, 26, 16), "pooling then halves"),
                wrong((14, 14, 16), "trims"),
                wrong((13, 13, 1), "one per filter"),
                wrong((13, 13), "three axes"),
                wrong((12, 12, 16), "5x5"),
                wrong((None, 13, 13, 16), "batch axis"),
                wrong((1, 13, 13, 16), "batch axis"),
                wrong("13, 13, 16", "text"),
                wrong(13, "tuple"),
                wrong((13, 13, "16"), "text"),
            ],
        ),
        "ex02.q2b": (
            {},
            [
                right(run_solution(ex02.q2b, {}), "rounding"),
                right(keras_widths),  # what Keras itself gives for the three layers
                right([24.0, 28.0, 14.0]),
                right(np.array([24, 28, 14])),
                wrong((24, 28, 14.5), "round the division down"),
                wrong((24, 28, 15), "rounded the division up"),
                wrong((24, 28, 13), "one short"),
                wrong((23, 28, 14), "(a) is one short"),
                wrong((24, 24, 14), "forgets the padding"),
                wrong((24, 26, 14), "both sides"),
                wrong((24, 28, 27), "round down, add 1"),
                wrong((24, 28, 13.9), "not a whole number"),
                wrong((24, 28), "3 widths"),
                wrong(("24", 28, 14), "text"),
                wrong("(24, 28, 14)", "text"),
                wrong((True, 28, 14), "truth value"),
                wrong(24, "tuple"),
            ],
        ),
        "ex02.q3": (
            {},
            [
                right(run_solution(ex02.q3, {}), "16 after pool2"),
                right(16.0),
                right((16, 16)),
                right([16, 16]),
                right(np.array([16, 16])),
                wrong(10, "2 pixels"),
                wrong(9, "doubles the step"),
                wrong(14, "last 2x2 pooling"),
                wrong(28, "dense layer"),
                wrong((16, 14), "square"),
                wrong(16.5, "not a whole number"),
                wrong("16", "text"),
                wrong(b"16", "bytes"),
            ],
        ),
        "ex02.q4": (
            {},
            [
                right(run_solution(ex02.q4, {}), "1,168"),
                right(1_168.0),
                right(np.int64(1_168)),
                wrong(1_152, "biases"),
                wrong(160, "all 8 input channels"),
                wrong(144, "all 8 input channels"),
                wrong(73, "one filter"),
                wrong(16 * 3 * 3 * 26 * 26, "weight sharing"),
                wrong(1_168.5, "not a whole number"),
                wrong("1168", "text"),
                wrong(1_000, "not it"),
            ],
        ),
        "ex02.q5": (
            {},
            [
                right(run_solution(ex02.q5, keras_names), "the most that fit: 5,575 parameters"),
                right(dense_model(layers.Dense(7, "relu"), layers.Dense(10), layers.Softmax())),
                right(
                    dense_model(
                        layers.Dense(7),
                        layers.ReLU(),
                        layers.Dense(10),
                        layers.Activation("softmax"),
                    )
                ),
                right(functional),
                right(
                    dense_model(
                        layers.Dense(7, "relu"),
                        layers.Dropout(0.2),
                        layers.Dense(10, "softmax"),
                        rescaling=layers.Rescaling(1 / 127.5, offset=-1),
                    )
                ),
                wrong(dense_model(layers.Dense(32, "relu"), layers.Dense(10, "softmax")), "25,450"),
                wrong(dense_model(layers.Dense(10, "softmax")), "hidden layer"),
                wrong(
                    build(
                        layers.Rescaling(1 / 255),
                        layers.Dense(7, "relu"),  # Dense before Flatten: row by row
                        layers.Flatten(),
                        layers.Dense(10, "softmax"),
                    ),
                    "Flatten() before the first Dense",
                ),
                wrong(build(layers.Rescaling(1 / 255), layers.Dense(10, "softmax")), "Flatten"),
                wrong(dense_model(layers.Dense(7, "relu"), layers.Dense(10)), "softmax"),
                wrong(
                    build(
                        layers.Reshape((28, 28, 1)),
                        layers.Conv2D(4, 3),
                        layers.Flatten(),
                        layers.Dense(10, "softmax"),
                    ),
                    "convolution",
                ),
                wrong(keras.Sequential([layers.Flatten(), layers.Dense(10, "softmax")]), "Input"),
                wrong(mnist_cnn.CNNConfig(), "keras.Sequential"),
                wrong(
                    build(layers.Flatten(), layers.Dense(7, "relu"), layers.Dense(10, "softmax")),
                    "Rescaling",
                ),
                wrong(
                    dense_model(
                        layers.Dense(7, "relu"),
                        layers.Dense(10, "softmax"),
                        rescaling=layers.Rescaling(255),
                    ),
                    "0 to 65,025",
                ),
                wrong(
                    dense_model(
                        layers.Dense(6, "relu"),
                        layers.Dense(1, "relu"),
                        layers.Dense(10, "softmax"),
                    ),
                    "2 hidden dense layers",
                ),
                wrong(dense_model(layers.Dense(7), layers.Dense(10, "softmax")), "no activation"),
                wrong(dense_model(layers.Dense(7, "tanh"), layers.Dense(10, "softmax")), "ReLU"),
                wrong(
                    dense_model(layers.Dense(3, "relu"), layers.Dense(10, "softmax")),
                    "4 hidden units",
                ),
                wrong(
                    dense_model(layers.Dense(8, "relu"), layers.Dense(10, "softmax")),
                    "6,370 parameters",
                ),
                wrong(
                    build(
                        layers.Flatten(),
                        layers.Rescaling(1 / 255),
                        layers.Dense(7, "relu"),
                        layers.Dense(10, "softmax"),
                        inputs=(28, 28, 1),
                    ),
                    "keras.Input(shape=(28, 28))",
                ),
            ],
        ),
    }


def ex03_tables(keras_names, trained):
    keras = keras_names["keras"]
    fit = {"training_images": 7_200, "batch_size": 64}
    overfits = keras.callbacks.History()
    overfits.history = {
        "loss": [0.5, 0.2, 0.1, 0.05, 0.02],
        "val_loss": [0.4, 0.2, 0.15, 0.18, 0.25],
        "accuracy": [0.9, 0.95, 0.97, 0.98, 0.99],
        "val_accuracy": [0.9, 0.94, 0.95, 0.96, 0.955],
    }
    tied = {"loss": [0.5, 0.3, 0.2, 0.1], "val_loss": [0.4, 0.2, 0.2, 0.3]}
    _, run = trained  # a real History from mnist_cnn.train: the learner's own object
    run_best = int(np.argmin(run.history["val_loss"])) + 1
    stopping = keras.callbacks.EarlyStopping
    EPOCHS = PRESETS["tutorial"].training.epochs  # noqa: N806  (the recipe ex03.q1 reads)
    return {
        "ex03.q1": (
            fit,
            [
                right(
                    run_solution(ex03.q1, {"fit_images": np.zeros((7_200, 1)), "BATCH_SIZE": 64}),
                    "remaining 32",
                ),
                right(113.0),
                right(np.int64(113)),
                right(-(-7_200 // 64)),
                right(1, "remaining 10", training_images=10, batch_size=64),
                wrong(112, "round up"),
                wrong(112.5, "whole batch"),
                wrong(113 * EPOCHS, f"all {EPOCHS} epochs"),
                wrong(125, "validation images"),
                wrong(113.4, "not a whole number"),
                wrong("113", "text"),
                unchecked(113, "batch_size=", batch_size=DROP),
                unchecked(113, "batch_size=", batch_size="64"),
                unchecked(113, "training_images=", training_images=0),
            ],
        ),
        "ex03.q2": (
            {},
            [
                right(run_solution(ex03.q2, {}), "2.30"),
                right(np.log(10)),
                right(math.log(10)),
                right(2.3),
                right(np.float32(2.302585)),
                wrong(0.1, "minus its logarithm"),
                wrong(-2.302585, "sign"),
                wrong(1.0, "base-10"),
                wrong(0.9, "wrong digits"),
                wrong(5, "same probability"),
                wrong("2.3", "text"),
            ],
        ),
        "ex03.q3": (
            {},
            [
                right(run_solution(ex03.q3, {}), "-1.4"),
                right("Diverge "),
                right("DIVERGE"),
                wrong("bounce", "close in"),
                wrong("crawl", "24 times"),
                wrong("settle", "0.9,"),
                wrong("explode", "choose one of"),
                wrong(1.2, "one of the words"),
                wrong(b"diverge", "one of the words"),
            ],
        ),
        "ex03.q4": (
            {"history": overfits},
            [
                right(run_solution(ex03.q4, {"history": overfits}), "risen to 0.250"),
                right(3.0),
                right(np.int64(3)),
                right(3, history=overfits.history),  # the dict itself
                right(2, "tied with epoch 3", history=tied),
                right(3, "tied with epoch 2", history=tied),
                right(2, "still falling", history={"loss": [0.3, 0.2], "val_loss": [0.3, 0.25]}),
                right(run_best, "epoch", history=run),
                wrong(2, "Add 1"),
                wrong(5, "training"),
                wrong(4, "accuracy"),
                wrong(1, "lower in another epoch"),
                wrong(9, "outside"),
                wrong(3.5, "not an epoch"),
                wrong("3", "text"),
                unchecked(3, "history=", history=DROP),
                unchecked(3, "no 'val_loss'", history={"loss": [1.0]}),
                unchecked(3, "History", history=[0.4, 0.2, 0.15]),
                unchecked(3, "no epochs", history={"val_loss": []}),
            ],
        ),
        "ex03.step": ex03_step_table(keras_names),
        "ex03.challenge": (
            {},
            [
                right(run_solution(ex03.challenge, keras_names), "callbacks=[early_stopping]"),
                right(
                    stopping(
                        monitor="val_accuracy", patience=2, restore_best_weights=True, mode="max"
                    )
                ),
                right(stopping("val_accuracy", min_delta=0, patience=2, restore_best_weights=True)),
                wrong(
                    stopping(monitor="val_loss", patience=2, restore_best_weights=True),
                    "val_accuracy",
                ),
                wrong(
                    stopping(monitor="accuracy", patience=2, restore_best_weights=True),
                    "keeps rising",
                ),
                wrong(
                    stopping(monitor="val_accuracy", patience=5, restore_best_weights=True),
                    "patience is 5",
                ),
                wrong(stopping(monitor="val_accuracy", patience=2), "restore_best_weights"),
                wrong(
                    stopping(
                        monitor="val_accuracy", patience=2, mode="min", restore_best_weights=True
                    ),
                    "mode",
                ),
                wrong("EarlyStopping", "keras.callbacks.EarlyStopping"),
            ],
        ),
    }


def ex03_step_table(keras_names):
    """ex03.step: the learner's own train_step functions, run by the checker on real CNNs."""
    keras, tf = keras_names["keras"], keras_names["tf"]
    images, labels = mnist_cnn.load_sample(200, seed=0)
    loss_function = keras.losses.SparseCategoricalCrossentropy()
    solution = run_solution(ex03.step, {**keras_names, "loss_function": loss_function})
    outside = mnist_cnn.build_cnn(seed=1)  # a model from outside the function

    def step_with(loss_of, model_of=lambda model: model, apply=True, optimizer_of=None):
        def train_step(model, optimizer, images, labels):
            stepped = model_of(model)
            with tf.GradientTape() as tape:
                loss = loss_of(labels, stepped(images, training=True))
            gradients = tape.gradient(loss, stepped.trainable_variables)
            if apply:
                (optimizer_of or optimizer).apply_gradients(
                    zip(gradients, stepped.trainable_variables, strict=True)
                )
            return loss

        return train_step

    def with_predict(model, optimizer, images, labels):
        with tf.GradientTape() as tape:
            loss = loss_function(labels, model.predict(images, verbose=0))
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))

    mean_by_hand = step_with(
        lambda y, p: keras.ops.mean(keras.losses.sparse_categorical_crossentropy(y, p))
    )
    summed = step_with(
        lambda y, p: keras.ops.sum(keras.losses.sparse_categorical_crossentropy(y, p))
    )
    logits = step_with(
        lambda y, p: tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, p))
    )
    squared = step_with(lambda y, p: keras.ops.mean((keras.ops.one_hot(y, 10) - p) ** 2))
    one_hot = step_with(keras.losses.CategoricalCrossentropy())
    uphill = step_with(lambda y, p: -loss_function(y, p))
    usual = {"model": mnist_cnn.build_cnn(seed=0), "images": images[:64], "labels": labels[:64]}
    augmented = mnist_cnn.PRESETS["tutorial"].model  # unseeded below: random draws differ
    return (
        usual,
        [
            right(solution, "lowered the loss"),
            right(mean_by_hand, "as one step of model.fit"),
            right(solution, "batch of 10", images=images[:10], labels=labels[:10]),
            right(solution, "5,994 weights", model=mnist_cnn.build_cnn(seed=2)),
            right(solution, "lowered", model=mnist_cnn.build_cnn(augmented)),  # random layers
            wrong(step_with(loss_function, apply=False), "apply_gradients"),
            wrong(step_with(loss_function, model_of=lambda model: outside), "another model"),
            wrong(
                step_with(loss_function, optimizer_of=keras.optimizers.SGD(0.01)),
                "use the optimizer passed",
            ),
            wrong(summed, "sum"),
            wrong(logits, "as logits"),
            wrong(squared, "another loss"),
            wrong(one_hot, "SparseCategoricalCrossentropy"),
            wrong(uphill, "uphill"),
            wrong(with_predict, "model.predict"),
            wrong(lambda model, images: None, "four arguments"),
            wrong(3, "define a function"),
            wrong("train_step", "define a function"),
            unchecked(solution, "images=", images=images),
            unchecked(solution, "model=", model="cnn"),
            unchecked(solution, "labels=", labels=DROP),
        ],
    )


def confusion():
    rng = np.random.default_rng(1)
    matrix = np.diag(rng.integers(150, 220, 10))
    matrix[4, 9] = 9  # the most frequent mistake: actual 4 read as 9
    matrix[9, 4] = 3
    matrix[5, 3] = 5
    matrix[3, 5] = 2
    matrix[7, 5] = 4
    return matrix


def ex04_tables():
    matrix = confusion()
    recall = matrix[5, 5] / matrix[5].sum()
    precision = matrix[5, 5] / matrix[:, 5].sum()
    assert abs(recall - precision) > 1e-3  # else the precision case cannot be told apart
    tie = matrix.copy()
    tie[5, 3] = 9  # now actual 4 read as 9 and actual 5 read as 3 are equally frequent
    test_labels = np.repeat(np.arange(10), [20, 26, 20, 20, 20, 18, 20, 20, 20, 16])
    labels = np.array([0, 1, 2, 3, 4, 5])
    predicted = np.array([0, 7, 2, 5, 4, 3])
    probabilities = np.full((6, 10), 0.01)
    probabilities[1, 7], probabilities[3, 5], probabilities[5, 3] = 0.6, 0.95, 0.95
    mistakes = {
        "test_labels": labels,
        "predicted_labels": predicted,
        "probabilities": probabilities,
    }
    return {
        "ex04.q1": (
            {},
            [
                right(run_solution(ex04.q1, {}), "honest measure"),
                right(" Validation"),
                wrong("test", "too optimistic"),
                wrong("training", "keeps falling"),
                wrong("val", "choose one of"),
                wrong(2, "one of the words"),
            ],
        ),
        "ex04.q2": (
            {"test_labels": test_labels},
            [
                right(run_solution(ex04.q2, {"test_labels": test_labels}), "13.0%"),
                right(13.0),  # a percentage
                right(round(26 / 200, 3)),
                right(np.float32(0.13)),
                wrong(0.1, "equally common"),
                wrong(10, "equally common"),
                wrong(26, "how many 1s"),
                wrong(0, "really is a 1"),
                wrong(0.5, "labelled 1"),
                wrong("0.13", "text"),
                unchecked(0.13, "test_labels=", test_labels=DROP),
                unchecked(0.13, "test_labels=", test_labels=np.array(["1", "2"])),
            ],
        ),
        "ex04.q3": (
            {"matrix": matrix},
            [
                right(run_solution(ex04.q3, {"matrix": matrix}), "9 actual 4s"),
                right((4, 9)),
                right([4, 9]),
                right(np.array([4, 9])),
                right((4.0, 9.0)),
                right((5, 3), "9 actual 5s", matrix=tie),  # a tie: either pair is right
                right((4, 9), "9 actual 4s", matrix=tie),
                wrong((9, 4), "other way round"),
                wrong((5, 5), "diagonal"),
                wrong((5, 3), "holds 9"),
                wrong(4, "tuple"),
                wrong((4.5, 9), "not a whole number"),
                wrong("4, 9", "text"),
                wrong((4, 9, 1), "3 numbers"),
                wrong((10, 3), "not a pair of digits"),
                unchecked((4, 9), "matrix=", matrix=DROP),
                unchecked((4, 9), "matrix=", matrix=matrix[:3]),
            ],
        ),
        "ex04.q4": (
            {"matrix": matrix},
            [
                right(run_solution(ex04.q4, {"matrix": matrix}), "the diagonal cell over its row"),
                right(100 * recall, "percentage"),
                right(round(recall, 3)),
                right(np.float32(recall)),
                wrong(precision, "precision"),
                wrong(np.trace(matrix) / matrix.sum(), "all digits"),
                wrong(matrix[5, 5], "count"),
                wrong(matrix[5].sum(), "count"),
                wrong(1 - recall, "missed"),
                wrong(round(recall, 1), "not it"),
                wrong(str(recall), "text"),
                unchecked(recall, "matrix=", matrix=DROP),
                unchecked(recall, "matrix=", matrix=-matrix),
            ],
        ),
        "ex04.challenge": (
            mistakes,
            [
                right(run_solution(ex04.challenge, mistakes), "95.0%"),
                right(5, "95.0%"),  # as sure as #3: either is right
                right(3.0),
                right(np.int64(3)),
                wrong(1, "more confident"),
                wrong(0, "read correctly"),
                wrong(99, "not an index"),
                wrong(3.5, "not a whole number"),
                wrong("3", "text"),
                unchecked(3, "predicted_labels=", predicted_labels=DROP),
                unchecked(3, "probabilities", probabilities=probabilities[:2]),
            ],
        ),
    }


def ex05_tables(model, sample, keras_names):
    from mnist_cnn.inside import logit_gradient

    tf = keras_names["tf"]
    images, labels = sample
    image = images[np.flatnonzero(labels == 5)[0]]
    features = keras_names["keras"].Model(model.inputs[0], model.layers[-2].output)
    names = {**keras_names, "image": image, "features": features, "output_layer": model.layers[-1]}
    gradient = run_solution(ex05.q3, names)
    # The saliency cell two cells before the exercise: the gradient of the first choice.
    probabilities = np.asarray(model(image[None].astype("float32")))[0]
    order = np.argsort(probabilities)[::-1]
    saliency_gradient = logit_gradient(model, image, int(order[0]))
    third = logit_gradient(model, image, int(order[2]))
    pixels = tf.Variable(image[None].astype("float32"))
    with tf.GradientTape() as tape:
        probability = model(pixels)[0, int(order[1])]
    of_probability = tape.gradient(probability, pixels)[0].numpy()
    occlusion_map = run_solution(ex05.challenge, {})
    hard_coded = occlusion_map(model, image)

    def covers_in_place(model, image):
        probabilities = model(image[None].astype("float32")).numpy()[0]
        digit = probabilities.argmax()
        drops = np.zeros((7, 7))
        for row in range(7):
            for column in range(7):
                saved = image[4 * row : 4 * row + 4, 4 * column : 4 * column + 4].copy()
                image[4 * row : 4 * row + 4, 4 * column : 4 * column + 4] = 0  # no copy
                after = model(image[None].astype("float32")).numpy()[0, digit]
                drops[row, column] = probabilities[digit] - after
                image[4 * row : 4 * row + 4, 4 * column : 4 * column + 4] = saved + 1
        return drops

    def batched(model, image):
        covered = np.repeat(image[None], 49, axis=0)
        for k in range(49):
            row, column = divmod(k, 7)
            covered[k, 4 * row : 4 * row + 4, 4 * column : 4 * column + 4] = 0
        before = model(image[None].astype("float32")).numpy()[0]
        after = model(covered.astype("float32")).numpy()[:, before.argmax()]
        return (before.max() - after).reshape(7, 7).tolist()

    usual = {"model": model, "image": image}
    wide = mnist_cnn.build_cnn(mnist_cnn.CNNConfig(filters=(16, 32)), seed=0)
    keras = keras_names["keras"]
    dense = keras.Sequential(
        [keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, "softmax")]
    )
    return {
        "ex05.q1": (
            {"model": model},
            [
                right(run_solution(ex05.q1, {"model": model}), "200"),
                right(200.0),
                right(model.get_layer("conv2").get_weights()[0][..., 0].size),
                wrong(25, "one 5x5 slice"),
                wrong(201, "bias"),
                wrong(3_216, "whole layer"),
                wrong(400, "16 is the number of filters"),
                wrong(200.5, "not a whole number"),
                wrong("200", "text"),
                # The tutorial preset's width (notebook 03 saves it): conv2 reads 16 maps.
                right(run_solution(ex05.q1, {"model": wide}), "16 feature maps", model=wide),
                wrong(800, "32 is the number of filters", model=wide),
                wrong(200, "12 x 12 x 16", model=wide),
                wrong(12_832, "whole layer", model=wide),
                unchecked(200, "no convolution named conv2", model=dense),
            ],
        ),
        "ex05.q2": (
            {},
            [
                right(run_solution(ex05.q2, {}), "weight sharing"),
                right("Shift"),
                wrong("same", "where"),
                wrong("different", "same at every position"),
                wrong(3, "one of the words"),
                wrong(b"shift", "one of the words"),
            ],
        ),
        "ex05.q3": (
            usual,
            [
                right(gradient, f"second choice for this {order[0]} is {order[1]}"),
                right(gradient[None, :, :, None]),  # squeezed
                right(tf.constant(gradient)),
                right(gradient.astype(np.float32).tolist()),
                wrong(saliency_gradient, "first* choice"),  # the saliency cell's `gradient`
                wrong(-gradient, "sign is flipped"),
                wrong(-3 * gradient, "sign is flipped"),
                wrong(255 * gradient, "scaled by 255"),
                wrong(gradient / 255, "scaled by 255"),
                wrong(gradient / np.abs(gradient).max(), "divide it by its largest value"),
                wrong(np.abs(gradient), "np.abs"),
                wrong(third, "choice number 3"),
                wrong(of_probability, "softmax probability"),
                wrong(gradient[:27], "(28, 28)"),
                wrong("gradient", "text"),
                unchecked(gradient, "image=", image=DROP),
                unchecked(gradient, "model=", model="model"),
                unchecked(gradient, "image=", image=image[:20]),
            ],
        ),
        "ex05.challenge": (
            usual,
            [
                right(occlusion_map, "costs the most"),
                right(batched),
                wrong(lambda m, i: -occlusion_map(m, i), "sign"),
                wrong(lambda m, i: np.zeros((28, 28)), "(7, 7)"),
                wrong(hard_coded, "function"),
                wrong(lambda m, i: hard_coded, "moved 2 pixels"),  # ignores its image
                wrong(covers_in_place, "changed the image"),
                unchecked(occlusion_map, "model=", model=DROP),
            ],
        ),
    }


def ex06_tables(model, trained):
    trained_model, _ = trained
    drawing = np.full((40, 40), 255, dtype=np.uint8)
    drawing[5:30, 10:14] = 0
    drawing[5:9, 10:30] = 40
    white_on_black = run_solution(ex06.q1, {"drawing": drawing})
    as_floats = 1 - drawing / 255  # exercise 1 answered with floats 0-1: also right
    cropped = run_solution(ex06.q2, {"white_on_black": white_on_black})
    assert cropped.shape == (25, 20)
    cropped_floats = run_solution(ex06.q2, {"white_on_black": as_floats})
    prepared = mnist_cnn.preprocess_drawing(drawing)
    centre = run_solution(ex06.q3, {"prepared": prepared})
    rows, columns = np.nonzero(prepared)
    box = ((rows.min() + rows.max()) / 2, (columns.min() + columns.max()) / 2)

    stroke = np.zeros((28, 28), dtype=np.uint8)
    stroke[4:24, 13:16] = 255
    reader = types.SimpleNamespace(pad=types.SimpleNamespace(image=stroke))
    my_drawing = run_solution(ex06.challenge, {"reader": reader})
    read_as, _ = mnist_cnn.predict_digit(trained_model, mnist_cnn.preprocess_drawing(my_drawing))
    other = (read_as + 1) % 10
    untrained_reads, _ = mnist_cnn.predict_digit(model, mnist_cnn.preprocess_drawing(my_drawing))
    tiny = np.zeros((100, 100), dtype=np.uint8)
    tiny[50:53, 50] = 255
    fooled = {"model": trained_model, "meant": other}
    # ex06.e1: trained_model (no augmentation) against the same CNN trained with shift and zoom.
    images, labels = mnist_cnn.load_sample(3_000, seed=0)
    shift_zoom = mnist_cnn.CNNConfig(shift=0.1, zoom=0.2)
    augmented = mnist_cnn.build_cnn(shift_zoom, seed=0)
    mnist_cnn.train(augmented, images, labels, epochs=2, live_plot=False, verbose=0)
    untrained = mnist_cnn.build_cnn(shift_zoom, seed=1)
    drawings, meant = ex06.recorded_pad_drawings()
    drawings, meant = drawings[::10], meant[::10]  # 30 drawings, 3 of each digit
    retrained = {
        "drawings": drawings,
        "meant": meant,
        "first_model": trained_model,
        "new_model": augmented,
    }
    return {
        "ex06.q1": (
            {"drawing": drawing},
            [
                right(white_on_black, "as in MNIST"),
                right(as_floats, "floats 0-1"),
                right(255.0 - drawing),
                right(~drawing),  # bitwise not of uint8 bytes: 255 - v
                right((255 - drawing).tolist()),
                wrong(drawing, "unchanged"),
                wrong(-drawing, "wraps around"),
                wrong(256 - drawing.astype(int), "256"),
                wrong(255.4 - drawing, "not whole numbers"),
                wrong((255 - drawing).T[:, ::-1], "255 minus"),
                wrong(white_on_black[:20], "keeps the shape"),
                wrong(white_on_black > 0, "true/false"),
                unchecked(white_on_black, "drawing=", drawing=DROP),
            ],
        ),
        "ex06.q2": (
            {"white_on_black": white_on_black},
            [
                right(cropped, "25 rows x 20 columns"),
                right(cropped_floats, "25 rows x 20 columns", white_on_black=as_floats),
                right(cropped.astype(float)),
                wrong(white_on_black[5:29, 10:29], "max() + 1"),
                wrong(white_on_black, "whole image"),
                wrong(cropped.T, "swapped"),
                wrong(drawing[5:30, 10:30], "right size but not the right pixels"),
                wrong(cropped, "not the right pixels", white_on_black=as_floats),
                wrong("cropped", "text"),
                Case(cropped, UNCHECKED, "answer exercise 1 first", {"white_on_black": ...}),
                unchecked(cropped, "exercise 1", white_on_black=drawing),  # exercise 1 wrong
                unchecked(cropped, "white_on_black=", white_on_black=DROP),
            ],
        ),
        "ex06.q3": (
            {"image": prepared},
            [
                right(centre, "from the middle"),
                right(list(centre)),
                right(np.array(centre)),
                right(tuple(round(value, 2) for value in centre)),
                wrong(centre[::-1], "swapped"),
                wrong(box, "bounding box"),
                wrong((13.5, 13.5), "middle of the image"),
                wrong(7, "tuple"),
                wrong("13.5, 13.5", "text"),
                wrong((1, 2, 3), "3 numbers"),
                wrong((centre[0] + 0.5, centre[1]), "not it"),
                unchecked(centre, "image=", image=DROP),
            ],
        ),
        "ex06.challenge": (
            fooled,
            [
                right(my_drawing, f"the model read {read_as}"),
                right(my_drawing, f"you meant {other}", meant=float(other)),  # 7.0 means 7
                right(my_drawing, f"you meant {other}", meant=np.int64(other)),
                right(my_drawing / 255, f"you meant {other}"),  # floats 0-1
                wrong(my_drawing, "correctly", meant=read_as),
                wrong(np.zeros((28, 28)), "empty"),
                wrong(tiny, "too small"),
                wrong(my_drawing[0], "2-D"),
                wrong("7", "text"),
                unchecked(my_drawing, "meant=", meant=DROP),
                unchecked(my_drawing, "0 to 9", meant=12),
                unchecked(my_drawing, "0 to 9", meant=other + 0.5),
                unchecked(my_drawing, "meant=", meant=str(other)),
                unchecked(my_drawing, "meant=", meant=True),
                unchecked(my_drawing, "model=", model=DROP),
                # An untrained model is fooled by anything: that proves nothing.
                unchecked(my_drawing, "not trained", model=model, meant=(untrained_reads + 1) % 10),
            ],
        ),
        "ex06.e1": (
            retrained,
            [
                right(..., "of 30 drawings as meant"),
                right(..., "of 1 drawing", drawings=drawings[4], meant=float(meant[4])),
                right(..., "of 30 drawings", drawings=list(drawings), meant=meant.tolist()),
                wrong(..., "swapped", first_model=augmented, new_model=trained_model),
                wrong(..., "same model", new_model=trained_model),
                wrong(..., "no shift or zoom", new_model=model),
                wrong(..., "augmentation already", first_model=augmented, new_model=untrained),
                wrong(..., "not trained", new_model=untrained),
                unchecked(..., "drawings=", drawings="my drawing"),
                unchecked(..., "meant=", meant=meant[:3]),
                unchecked(..., "0 to 9", meant=[12] * 30),
                unchecked(..., "new_model=", new_model=DROP),
                unchecked(..., "first_model=", first_model="model"),
                Case(..., UNANSWERED, "new_model = ...", {"new_model": ...}),
            ],
        ),
    }


@pytest.fixture(scope="module")
def tables(sample, keras_names, model, trained):
    """Every exercise's table: `{name: (usual keywords, [cases])}`."""
    return {
        **ex01_tables(sample),
        **ex02_tables(keras_names),
        **ex03_tables(keras_names, trained),
        **ex04_tables(),
        **ex05_tables(model, sample, keras_names),
        **ex06_tables(model, trained),
    }


@pytest.mark.parametrize("name", sorted(TABLED))
def test_checker_against_its_table(name, tables):
    usual, cases = tables[name]
    problems = mismatches(TABLED[name], usual, cases)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", sorted(TABLED))
def test_tables_catch_a_broken_checker(name, tables, monkeypatch):
    """A checker that accepts everything, or refuses everything, fails its table."""
    exercise = TABLED[name]
    usual, cases = tables[name]
    statuses = [case.status for case in cases]
    assert statuses.count(CORRECT) >= 2, f"{name}: needs the solution and another right form"
    assert statuses.count(INCORRECT) >= 4, f"{name}: needs wrong answers"

    def accepts_everything(*answer, **given):
        return "well done."

    def refuses_everything(*answer, **given):
        raise Wrong("no.")

    for broken, expected_misses in ((accepts_everything, INCORRECT), (refuses_everything, CORRECT)):
        monkeypatch.setattr(exercise, "_checker", broken)
        problems = mismatches(exercise, usual, cases)
        # Every case expecting the other verdict must now fail (keyword cases still pass:
        # the framework checks keywords before the checker runs).
        assert len(problems) >= statuses.count(expected_misses), (name, broken.__name__)


def test_table_counts(tables, capsys):
    """Print the number of cases per checker (the table of the report)."""
    with capsys.disabled():
        print()
        for name in sorted(tables):
            cases = tables[name][1]
            counts = [sum(case.status == status for case in cases) for status in STATUSES]
            print(f"{name:16s} right {counts[0]:2d}  wrong {counts[1]:2d}  keyword {counts[2]:2d}")
    assert set(tables) == set(TABLED)


# ---- the framework -------------------------------------------------------------------------


def test_unanswered_is_reported_without_failing():
    for _, _, exercise in all_exercises():
        # An experiment's answer is its keywords (history=, model=, ...), each left as `...`.
        blanks = {key.name: ... for key in exercise.keywords.values() if key.answer}
        answer = () if exercise.answer_name is None else (...,)
        result = exercise.check(*answer, **blanks)
        assert result.status == UNANSWERED, repr(result)
        for name in [exercise.answer_name] if exercise.answer_name else blanks:
            assert f"`{name} = ...`" in result.message
        assert not result
        assert repr(result).startswith("Not answered yet")
        # Blank, it is "not answered yet" even if the keywords are missing too.
        assert exercise.check(*answer, **blanks, unknown_keyword=1).status == UNANSWERED


def test_a_missing_or_misspelt_keyword_is_named_not_blamed_on_the_answer():
    for _, _, exercise in all_exercises():
        if not exercise.keywords:
            continue
        answer = () if exercise.answer_name is None else (0,)  # an experiment: keywords only
        result = exercise.check(*answer)  # no keywords at all
        assert result.status == UNCHECKED, repr(result)
        assert repr(result).startswith("Not checked")
        for name in exercise.keywords:
            assert f"{name}=" in result.message, (exercise.name, result)
        assert exercise.call in result.message
        assert "not your answer that is wrong" in result.message
        first = next(iter(exercise.keywords))
        misspelt = {f"{first}s": 1, **{name: 1 for name in list(exercise.keywords)[1:]}}
        result = exercise.check(*answer, **misspelt)
        assert result.status == UNCHECKED and f"did you mean {first}=?" in result.message, result


def test_a_checker_given_only_keywords_is_ready_for_experiments(trained):
    """An exercise judged from the learner's own run alone (`check(history=history)`)."""

    def judge(*, history):
        values = given_history(history, needs=("val_loss",))
        if len(values["val_loss"]) < 2:
            raise Wrong("train for at least 2 epochs.")
        return f"{len(values['val_loss'])} epochs"

    experiment = Exercise(
        "ex00.e1",
        "experiment",
        None,
        judge,
        hint="Train.",
        solution="history = mnist_cnn.train(...)",
        keywords=(Keyword("history", "history", "your run", answer=True),),
    )
    _, run = trained
    assert experiment.call == "ex00.e1.check(history=history)"
    assert experiment.check(history=...).status == UNANSWERED
    assert experiment.check(history=run).status == CORRECT
    assert "2 epochs" in experiment.check(history=run).message
    assert experiment.check(history={"val_loss": [0.3]}).status == INCORRECT
    assert experiment.check(history={"loss": [0.3]}).status == UNCHECKED
    assert experiment.check().status == UNCHECKED  # the keyword forgotten
    assert experiment.check(run).status == UNCHECKED  # given without its keyword


def test_reading_numbers_strictly_with_a_tolerance():
    assert as_whole_number(10_000 * (1 - 0.8)) == 2_000
    assert whole_number(13.9) is None and whole_number(1999.9999999999995) == 2_000
    assert as_whole_numbers((13.0, np.int64(13), np.float32(16))) == (13, 13, 16)
    assert isclose(0.1 + 0.2, 0.3) and not isclose(2.0, 2.001)
    assert as_number(np.array([[2.5]])) == 2.5
    for bad, words in [
        ("49", "text"),
        (b"49", "bytes"),
        (bytearray(b"49"), "bytes"),
        (True, "truth value"),
        (np.bool_(False), "truth value"),
        (None, "None"),
        ([49], "list"),
        (np.array(["49"]), "text"),
        (np.inf, "finite"),
        (complex(1, 2), "not a number"),
        (print, "function"),
        (np.array([1, 2]), "one number"),
    ]:
        with pytest.raises(Wrong, match=words):
            as_number(bad)
    with pytest.raises(Wrong, match="not a whole number"):
        as_whole_numbers((13.9, 13.2, 16.7))
    with pytest.raises(Wrong, match="not a whole number"):
        as_whole_number(13.9)


def test_hints_nudge_and_do_not_give_the_solution_code():
    for _, _, exercise in all_exercises():
        hint = " ".join(exercise.hint_text.split())
        for line in exercise.solution_code.splitlines():
            code = " ".join(line.split("#")[0].split())
            if len(code) >= 15:
                assert code not in hint, f"{exercise.name}: the hint holds the solution {code!r}"
        assert f"{exercise.answer_name} =" not in hint, exercise.name


def test_hint_and_solution_print(capsys):
    for _, _, exercise in all_exercises():
        exercise.hint()
        exercise.solution()
        printed = capsys.readouterr().out
        assert exercise.hint_text in printed
        assert exercise.solution_code.splitlines()[0].strip() in printed


# ---- what the solutions claim is what Keras computes ---------------------------------------


def test_ex02_solutions_agree_with_keras(keras_names):
    keras, layers = keras_names["keras"], keras_names["layers"]
    layer = keras.Sequential([keras.Input((26, 26, 8)), layers.Conv2D(16, 3)])
    assert run_solution(ex02.q4, {}) == layer.count_params()
    probe = keras.Sequential(
        [keras.Input((28, 28, 1)), layers.Conv2D(16, 3), layers.MaxPooling2D(2)]
    )
    assert tuple(run_solution(ex02.q2, {})) == tuple(probe.output_shape[1:])
    # The largest hidden layer within the budget is the solution's: 7 units fit, 8 do not.
    assert run_solution(ex02.q5, keras_names).count_params() <= ex02.BUDGET < 795 * 8 + 10


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


def test_ex03_claims_hold():
    # The claim in the solution is true: gradient descent at 1.2 moves away from w = 2.
    w = -2.0
    for _ in range(3):
        before = abs(w - 2)
        w -= 1.2 * 2 * (w - 2)
        assert abs(w - 2) == pytest.approx(1.4 * before)


def test_ex04_solutions_agree_with_the_package():
    matrix = confusion()
    pair = run_solution(ex04.q3, {"matrix": matrix})
    assert tuple(int(v) for v in pair) == mnist_cnn.most_confused(matrix, top=1)[0][:2]
    labels, predicted = np.array([0, 1, 2, 3, 4]), np.array([0, 7, 2, 5, 4])
    probabilities = np.full((5, 10), 0.01)
    probabilities[1, 7], probabilities[3, 5] = 0.6, 0.95
    assert int(mnist_cnn.mistakes(labels, predicted, probabilities)[0]) == 3


def test_checkers_leave_the_learners_arrays_alone(sample, model):
    images, labels = sample
    before = images.copy(), labels.copy()

    def spoils(imgs, labs, digit):
        imgs[:] = 0
        labs[:] = 0
        return imgs[0]

    ex01.challenge.check(spoils, images=images, labels=labels)
    assert np.array_equal(images, before[0]) and np.array_equal(labels, before[1])
    image = images[0].copy()
    ex05.challenge.check(lambda m, i: i.fill(0), model=model, image=image)
    assert np.array_equal(image, images[0])


def test_saliency_map_uses_the_logit(model, sample):
    from mnist_cnn.inside import logit_gradient, saliency_map

    images, _ = sample
    digit, saliency = saliency_map(model, images[0])
    gradient = np.abs(logit_gradient(model, images[0], digit))
    assert saliency.shape == (28, 28) and saliency.max() == pytest.approx(1)
    assert np.allclose(saliency, gradient / gradient.max())
    with pytest.raises(ValueError, match="from 0 to 9"):
        logit_gradient(model, images[0], 10)


# ---- the notebooks use them ----------------------------------------------------------------


def notebook_cells(number: int) -> list[dict]:
    (path,) = NOTEBOOKS.glob(f"{number:02d}_*.ipynb")
    return json.loads(path.read_text())["cells"]


@pytest.mark.parametrize("number", sorted(MODULES))
def test_every_notebook_has_tagged_exercises_that_call_every_checker(number):
    cells = notebook_cells(number)
    tagged = [
        c for c in cells if {"exercise", "experiment"} & set(c.get("metadata", {}).get("tags", []))
    ]
    assert len(tagged) >= 3, f"notebook {number:02d} has {len(tagged)} exercise cells"
    source = "\n".join("".join(cell["source"]) for cell in tagged)
    compact = re.sub(r"\s+", "", source)
    for _, _, exercise in all_exercises():
        if exercise.name.startswith(f"ex{number:02d}."):
            # Called exactly as its messages say to call it, with every keyword it needs.
            assert re.sub(r"\s+", "", exercise.call) in compact, f"{exercise.call} is never made"
            blanks = [key.name for key in exercise.keywords.values() if key.answer]
            for name in [exercise.answer_name] if exercise.answer_name else blanks:
                assert f"{name} = ..." in source, (
                    f"{exercise.name}: the notebook should leave `{name} = ...` blank"
                )
