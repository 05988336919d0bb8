"""Evaluate a trained CNN: loss and accuracy, the confusion matrix and what it tells.

The confusion matrix has one row per **actual** digit and one column per **predicted**
digit: `matrix[3, 5]` counts the 3s the model read as 5s, and the diagonal counts the
correct answers. Everything here but `evaluate` and `predict` is plain numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import NUM_CLASSES, check_images


@dataclass(frozen=True)
class Evaluation:
    """Loss and accuracy of a model on a set of images."""

    loss: float
    accuracy: float
    count: int

    def __str__(self) -> str:
        return f"loss {self.loss:.4f}, accuracy {self.accuracy:.2%} on {self.count:,} images"


def evaluate(model, images: np.ndarray, labels: np.ndarray, batch_size: int = 256) -> Evaluation:
    """Loss (cross-entropy) and accuracy of `model` on `images`, as plain floats."""
    check_images(images, labels)
    if len(images) == 0:
        raise ValueError("there are no images to evaluate: images is empty.")
    if not getattr(model, "compiled", False):
        model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    loss, accuracy = model.evaluate(images, labels, batch_size=batch_size, verbose=0)
    return Evaluation(float(loss), float(accuracy), len(images))


def predict(model, images: np.ndarray, batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """The predicted digit of every image and the ten probabilities behind it.

    Returns:
        `(classes, probabilities)`: int arrays of shape (N,) and float arrays (N, 10).
    """
    check_images(images)
    probabilities = np.asarray(model.predict(images, batch_size=batch_size, verbose=0))
    return probabilities.argmax(axis=1), probabilities


def _as_labels(values, name: str, num_classes: int) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}.")
    if array.dtype.kind not in "iu":
        if (
            array.dtype.kind == "f"
            and np.all(np.isfinite(array))
            and np.all(array == np.round(array))
        ):
            array = array.astype(np.int64)
        else:
            raise ValueError(
                f"{name} must be whole numbers (class labels), got dtype {array.dtype}; "
                f"for probabilities, take probabilities.argmax(axis=1) first."
            )
    if array.size and (array.min() < 0 or array.max() >= num_classes):
        raise ValueError(
            f"{name} must be from 0 to {num_classes - 1}, got values from {array.min()} "
            f"to {array.max()}."
        )
    return array.astype(np.int64)


def confusion_matrix(
    true_labels: np.ndarray, predicted_labels: np.ndarray, num_classes: int = NUM_CLASSES
) -> np.ndarray:
    """Count each (actual, predicted) pair: rows are actual digits, columns predicted ones.

    Raises:
        ValueError: for inputs of different lengths, empty inputs, non-integer labels or
            labels outside 0 to num_classes - 1.
    """
    true = _as_labels(true_labels, "true_labels", num_classes)
    predicted = _as_labels(predicted_labels, "predicted_labels", num_classes)
    if len(true) != len(predicted):
        raise ValueError(
            f"true_labels and predicted_labels must have the same length, got {len(true)} "
            f"and {len(predicted)}."
        )
    if len(true) == 0:
        raise ValueError("true_labels is empty: there is nothing to count.")
    counts = np.bincount(true * num_classes + predicted, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes)


def normalize_matrix(matrix: np.ndarray, normalize: str | None) -> np.ndarray:
    """Shares instead of counts: "true" divides each row by its total, "pred" each column.

    A row (or column) with no images stays all zero, without a warning.
    """
    matrix = np.asarray(matrix)
    if normalize is None:
        return matrix
    if normalize not in ("true", "pred"):
        raise ValueError(f'normalize must be None, "true" or "pred", got {normalize!r}.')
    axis = 1 if normalize == "true" else 0
    totals = matrix.sum(axis=axis, keepdims=True)
    return np.divide(matrix, totals, out=np.zeros(matrix.shape), where=totals > 0)


@dataclass(frozen=True)
class ClassReport:
    """Precision, recall and F1 of one digit."""

    digit: int
    precision: float  # of the images predicted as this digit, the share that were
    recall: float  # of the images of this digit, the share found
    f1: float  # harmonic mean of precision and recall
    support: int  # images of this digit


class Report(list):
    """A list of `ClassReport`, shown as a table."""

    def __str__(self) -> str:
        lines = [f"{'digit':>5} {'precision':>9} {'recall':>7} {'F1':>6} {'images':>7}"]
        lines += [
            f"{r.digit:>5} {r.precision:9.3f} {r.recall:7.3f} {r.f1:6.3f} {r.support:7,}"
            for r in self
        ]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{r.digit}</td><td>{r.precision:.3f}</td><td>{r.recall:.3f}</td>"
            f"<td>{r.f1:.3f}</td><td>{r.support:,}</td></tr>"
            for r in self
        )
        return (
            "<table><thead><tr><th>digit</th><th>precision</th><th>recall</th><th>F1</th>"
            f"<th>images</th></tr></thead><tbody>{rows}</tbody></table>"
        )


def class_report(matrix: np.ndarray) -> Report:
    """Per-digit precision, recall, F1 and support from a confusion matrix."""
    matrix = np.asarray(matrix)
    correct = np.diag(matrix).astype(float)
    predicted = matrix.sum(axis=0)
    actual = matrix.sum(axis=1)
    precision = np.divide(correct, predicted, out=np.zeros_like(correct), where=predicted > 0)
    recall = np.divide(correct, actual, out=np.zeros_like(correct), where=actual > 0)
    both = precision + recall
    f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(correct), where=both > 0)
    return Report(
        ClassReport(
            digit,
            float(precision[digit]),
            float(recall[digit]),
            float(f1[digit]),
            int(actual[digit]),
        )
        for digit in range(len(matrix))
    )


def most_confused(matrix: np.ndarray, top: int = 5) -> list[tuple[int, int, int]]:
    """The `top` most frequent mistakes as (actual, predicted, count), most frequent first."""
    matrix = np.asarray(matrix)
    errors = matrix * (1 - np.eye(len(matrix), dtype=matrix.dtype))
    order = np.argsort(-errors, axis=None, kind="stable")[:top]
    pairs = [(int(i // len(matrix)), int(i % len(matrix))) for i in order]
    return [(a, p, int(matrix[a, p])) for a, p in pairs if matrix[a, p] > 0]


def mistakes(
    true_labels: np.ndarray,
    predicted_labels: np.ndarray,
    probabilities: np.ndarray,
    actual: int | None = None,
    predicted: int | None = None,
) -> np.ndarray:
    """Indices of the wrong predictions, the most confidently wrong first.

    Args:
        actual, predicted: keep only the mistakes of this actual and/or predicted digit.
    """
    true = np.asarray(true_labels)
    guess = np.asarray(predicted_labels)
    wrong = true != guess
    if actual is not None:
        wrong &= true == actual
    if predicted is not None:
        wrong &= guess == predicted
    indices = np.flatnonzero(wrong)
    confidence = np.asarray(probabilities)[indices, guess[indices]]
    return indices[np.argsort(-confidence, kind="stable")]
