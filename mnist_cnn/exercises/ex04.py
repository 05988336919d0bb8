"""Exercises of notebook 04, Evaluate the CNN."""

from __future__ import annotations

import numpy as np

from ..checks import check_labels, check_matrix, check_probabilities
from . import (
    Exercise,
    Keyword,
    Wrong,
    as_choice,
    as_number,
    as_whole_number,
    as_whole_numbers,
    given,
    isclose,
    whole_number,
)

MATRIX = Keyword("matrix", "matrix", "your model's confusion matrix (counts)")
TEST_LABELS = Keyword("test_labels", "test_labels", "the labels of the test images")


def _check_recall(answer, *, matrix) -> str:
    matrix = given("matrix", check_matrix, matrix, "matrix")
    if matrix.shape[0] <= 5 or matrix[5].sum() == 0:
        raise Wrong("this matrix has no actual 5s (row 5 is empty), so their recall is undefined.")
    value = as_number(answer)
    truth = matrix[5, 5] / matrix[5].sum()
    # A share read off to 3 decimals (or a percentage to 1) counts: the question is the idea.
    if isclose(value, truth, abs_tol=5e-4):
        return (
            f"{matrix[5, 5]:g} of the {matrix[5].sum():g} actual 5s were read as 5: "
            f"{truth:.1%}, the diagonal cell over its row."
        )
    if isclose(value, 100 * truth, abs_tol=0.05):
        return f"{value:.1f}%, as a percentage; as a share it is {truth:.4f}."
    column = matrix[5, 5] / matrix[:, 5].sum()
    if isclose(value, column, abs_tol=1e-6) or isclose(value, 100 * column, abs_tol=1e-4):
        raise Wrong(
            "you divided by the column: that is the share of images *predicted* as 5 "
            "that really are 5s, the precision. Recall divides by the row, all actual 5s."
        )
    if isclose(value, np.trace(matrix) / matrix.sum(), abs_tol=1e-6):
        raise Wrong(
            "that is the accuracy over all digits; recall of 5 looks at the row of actual 5s only."
        )
    if whole_number(value) in (matrix[5, 5], matrix[5].sum()):
        raise Wrong(
            "that is a count of images; recall is a share: divide the diagonal cell by "
            "the row total."
        )
    if isclose(value, 1 - truth, abs_tol=1e-6):
        raise Wrong(
            "that is the share of actual 5s the model *missed*; recall is the share it found."
        )
    raise Wrong(
        f"{value:.4g} is not it: take matrix[5, 5] (the 5s read as 5) and divide by "
        "the sum of row 5 (all actual 5s)."
    )


def _check_most_confused(answer, *, matrix) -> str:
    matrix = given("matrix", check_matrix, matrix, "matrix")
    pair = as_whole_numbers(answer, "your pair", "(4, 9)", why="digits are whole numbers")
    if len(pair) != 2:
        raise Wrong(f"{pair} has {len(pair)} numbers; give the pair as (actual, predicted).")
    actual, predicted = pair
    if not (0 <= actual < len(matrix) and 0 <= predicted < len(matrix)):
        raise Wrong(f"({actual}, {predicted}) is not a pair of digits from 0 to 9.")
    errors = matrix * (1 - np.eye(len(matrix), dtype=matrix.dtype))
    top = errors.max()
    if top == 0:
        raise Wrong("this matrix has no mistakes at all, so no pair is confused.")
    if actual == predicted:
        raise Wrong(
            f"({actual}, {actual}) is on the diagonal: those are the {actual}s read "
            "correctly. Mistakes are off the diagonal."
        )
    count = matrix[actual, predicted]
    if count == top:  # any of several equally frequent mistakes is right
        return (
            f"{count:g} actual {actual}s were read as {predicted}, more than any other "
            "mistake. Look at them in the gallery below."
        )
    if matrix[predicted, actual] == top:
        raise Wrong(
            f"it is the other way round: rows are the actual digit, so the largest cell "
            f"is actual {predicted}, predicted {actual}."
        )
    raise Wrong(
        f"{count:g} actual {actual}s were read as {predicted}, but another cell off the "
        f"diagonal holds {top:g}: look for the darkest red one."
    )


def _check_always_one(answer, *, test_labels) -> str:
    test_labels = given("test_labels", check_labels, test_labels, "test_labels")
    value = as_number(answer)
    truth = float(np.mean(test_labels == 1))
    if isclose(value, truth, abs_tol=5e-4) or isclose(value, 100 * truth, abs_tol=0.05):
        return (
            f"{truth:.1%}: right on every 1 and wrong on everything else. Any model must "
            "beat this to have learned something."
        )
    if isclose(value, 0.1) or isclose(value, 10):
        raise Wrong(
            "that would be true if every digit were equally common; count the 1s in "
            "test_labels (notebook 01 showed 1s are the most common digit)."
        )
    if whole_number(value) == int(np.sum(test_labels == 1)):
        raise Wrong("that is how many 1s there are; accuracy is a share of all test images.")
    if value == 0:
        raise Wrong("it is right on every image that really is a 1.")
    raise Wrong(f"{value:.4g} is not it: the model is right exactly on the images labelled 1.")


_DATA_CHOICES = {
    "training": "the images the model learns from",
    "validation": "images held out from training, checked after every epoch",
    "test": "images kept away until the very end",
}


def _check_which_data(answer) -> str:
    choice = as_choice(answer, _DATA_CHOICES)
    if choice == "validation":
        return (
            "the validation images exist for this: choosing settings on them keeps the test "
            "images an honest measure of new digits."
        )
    if choice == "test":
        raise Wrong(
            "choosing the epochs that score best on the test images tunes the model to "
            "them: the test score is then too optimistic, and no unseen data is left."
        )
    raise Wrong(
        "the training loss keeps falling while the model overfits, so the training "
        "images would always say 'more epochs'."
    )


def _check_most_confident_mistake(answer, *, test_labels, predicted_labels, probabilities) -> str:
    test_labels = given("test_labels", check_labels, test_labels, "test_labels")
    predicted_labels = given(
        "predicted_labels",
        check_labels,
        predicted_labels,
        "predicted_labels",
        count=len(test_labels),
    )
    probabilities = given(
        "probabilities", check_probabilities, probabilities, "probabilities", len(test_labels)
    )
    wrong = np.flatnonzero(test_labels != predicted_labels)
    if wrong.size == 0:
        raise Wrong("this model made no mistakes on these images, so there is nothing to find.")
    confidence = probabilities[wrong, predicted_labels[wrong]]
    index = as_whole_number(answer, why="an index counts positions")
    if not 0 <= index < len(test_labels):
        raise Wrong(f"{index} is not an index of the test images (0 to {len(test_labels) - 1}).")
    if test_labels[index] == predicted_labels[index]:
        raise Wrong(
            f"test image #{index} was read correctly (as {test_labels[index]}); look "
            "only at the mistakes."
        )
    sure = probabilities[index, predicted_labels[index]]
    if not isclose(sure, confidence.max()):  # equally sure mistakes are all right
        raise Wrong(
            f"#{index} is a mistake, with {sure:.1%} on the wrong digit; another mistake "
            f"was more confident ({confidence.max():.1%})."
        )
    return (
        f"#{index}: actual {test_labels[index]}, read as {predicted_labels[index]} with "
        f"{sure:.1%}. Plot it: is its label right?"
    )


q4 = Exercise(
    "ex04.q4",
    "code",
    "recall_of_5",
    _check_recall,
    hint="Row 5 holds every actual 5; the cell on the diagonal, matrix[5, 5], those read "
    "correctly.",
    solution="recall_of_5 = matrix[5, 5] / matrix[5].sum()",
    keywords=(MATRIX,),
)

q3 = Exercise(
    "ex04.q3",
    "read your results",
    "pair",
    _check_most_confused,
    hint="Ignore the diagonal (the digits read correctly) and find the largest count left; "
    "its row is the actual digit, its column the predicted one. np.fill_diagonal and "
    "np.unravel_index can do it in code.",
    solution="""
    errors = matrix.copy()
    np.fill_diagonal(errors, 0)
    pair = np.unravel_index(errors.argmax(), errors.shape)  # (actual, predicted)
    """,
    keywords=(MATRIX,),
)

q2 = Exercise(
    "ex04.q2",
    "compute",
    "always_one_accuracy",
    _check_always_one,
    hint="A model that always answers 1 is right exactly on the test images labelled 1.",
    solution="always_one_accuracy = np.mean(test_labels == 1)",
    keywords=(TEST_LABELS,),
)

q1 = Exercise(
    "ex04.q1",
    "predict",
    "choose_with",
    _check_which_data,
    hint="Which images were held out from training, but not kept for the final exam? "
    "Answer 'training', 'validation' or 'test'.",
    solution='choose_with = "validation"',
    explanation="Notebook 03 chose the epoch with early stopping on the validation loss. A "
    "confession: the `fast` and `accurate` presets of this project were tuned by looking at "
    "the official test accuracy (benchmarks/ablation.py), which is what this answer warns "
    "against, so their reported test scores are a little optimistic.",
)

challenge = Exercise(
    "ex04.challenge",
    "challenge",
    "most_confident_mistake",
    _check_most_confident_mistake,
    hint="Look only at the mistakes (where the label and the prediction differ). For each, "
    "how sure the model was is the probability it gave its own (wrong) answer; you want "
    "the mistake where that is largest.",
    solution="""
    wrong = np.flatnonzero(test_labels != predicted_labels)
    confidence = probabilities[wrong, predicted_labels[wrong]]
    most_confident_mistake = int(wrong[confidence.argmax()])
    """,
    explanation="mnist_cnn.mistakes() returns the same order: its first index is this one.",
    keywords=(
        TEST_LABELS,
        Keyword("predicted_labels", "predicted_labels", "the digits the model read"),
        Keyword("probabilities", "probabilities", "the model's probabilities, one row per image"),
    ),
)
