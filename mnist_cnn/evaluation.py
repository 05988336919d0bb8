"""Evaluate a trained CNN: loss and accuracy, the confusion matrix and what it tells.

The confusion matrix has one row per **actual** digit and one column per **predicted**
digit: `matrix[3, 5]` counts the 3s the model read as 5s, and the diagonal counts the
correct answers. Everything here but `evaluate` and `predict` is plain numpy.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .checks import (
    NUM_CLASSES,
    check_images,
    check_labels,
    check_matrix,
    check_model,
    check_outputs,
    check_positive_int,
    check_probabilities,
)


@dataclass(frozen=True)
class Evaluation:
    """Loss and accuracy of a model on a set of images.

    `seen_in_training` counts the images the model was trained on (from its record, see
    `model_record`): anything above 0 means this is not a test on unseen images. It is
    None when that cannot be told: the model was also trained outside `train()` (e.g. by
    `model.fit`), which its record does not know of.
    """

    loss: float
    accuracy: float
    count: int
    seen_in_training: int | None = 0

    def __str__(self) -> str:
        text = f"loss {self.loss:.4f}, accuracy {self.accuracy:.2%} on {self.count:,} images"
        if self.seen_in_training is None:
            text += " (unseen or not cannot be told: the model was also trained outside train())"
        elif self.seen_in_training:
            text += f" (NOT unseen: the model was trained on {self.seen_in_training:,} of them)"
        return text


def evaluate(
    model,
    images: np.ndarray,
    labels: np.ndarray,
    batch_size: int = 256,
    *,
    warn_if_seen: bool = True,
) -> Evaluation:
    """Loss (cross-entropy) and accuracy of `model` on `images`, as plain floats.

    Both are computed here from the model's predictions, whatever the model was compiled
    with (or if it was not compiled at all); the model is not changed. Images follow the
    input contract of `check_images` (uint8 0-255 or floats 0-1). If the model's record
    shows it was trained on some of these images, the result's `seen_in_training` counts
    them and a warning says so (unless `warn_if_seen` is False, for when you measure
    accuracy on the training images on purpose).
    """
    from .provenance import record_of, trained_elsewhere

    images, _ = check_images(images)
    labels = check_labels(labels, count=len(images))  # None included: "labels must be given"
    if len(images) == 0:
        raise ValueError("there are no images to evaluate: images is empty.")
    if not isinstance(warn_if_seen, bool):
        raise ValueError(f"warn_if_seen must be True or False, got {warn_if_seen!r}.")
    predicted, probabilities = predict(model, images, batch_size)
    # Cross-entropy as Keras computes it: probabilities clipped to [1e-7, 1 - 1e-7].
    chosen = np.clip(probabilities[np.arange(len(labels)), labels].astype(np.float64), 1e-7, 1)
    loss = float(-np.log(chosen).mean())
    accuracy = float((predicted == labels).mean())
    record = record_of(model)
    seen = record.overlap(images) if record is not None else 0
    if trained_elsewhere(model):
        seen = None
        if warn_if_seen:
            warnings.warn(
                "cannot tell whether the model has seen these images: it was also trained "
                "outside train() (model.fit, set_weights, ...), which its record does not "
                "know of. For a test on unseen images, train it with train() only.",
                stacklevel=2,
            )
    elif seen and warn_if_seen:
        warnings.warn(
            f"the model was trained on {seen:,} of these {len(images):,} images, so this is not "
            f"a test on unseen images: its accuracy says how well it remembers, not how well "
            f"it generalises. Evaluate on images it was not trained on (the test part).",
            stacklevel=2,
        )
    return Evaluation(loss, accuracy, len(images), seen)


def predict(model, images: np.ndarray, batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """The predicted digit of every image and the ten probabilities behind it.

    Images follow the input contract of `check_images` (uint8 0-255 or floats 0-1).

    Returns:
        `(classes, probabilities)`: int arrays of shape (N,) and float arrays (N, 10).

    Raises:
        ValueError: the model's outputs are not probabilities (e.g. its last layer has no
            softmax), besides the input checks.
    """
    check_model(model)
    images, _ = check_images(images)
    batch_size = check_positive_int(batch_size, "batch_size")
    if len(images) == 0:
        return np.zeros(0, np.int64), np.zeros((0, NUM_CLASSES), np.float32)
    outputs = check_outputs(model.predict(images, batch_size=batch_size, verbose=0))
    return outputs.argmax(axis=1), outputs


def confusion_matrix(
    true_labels: np.ndarray, predicted_labels: np.ndarray, num_classes: int = NUM_CLASSES
) -> np.ndarray:
    """Count each (actual, predicted) pair: rows are actual digits, columns predicted ones.

    Raises:
        ValueError: for inputs of different lengths, empty inputs, non-integer labels or
            labels outside 0 to num_classes - 1.
    """
    true = check_labels(true_labels, "true_labels", num_classes)
    predicted = check_labels(predicted_labels, "predicted_labels", num_classes)
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
    if normalize not in (None, "true", "pred"):
        raise ValueError(f'normalize must be None, "true" or "pred", got {normalize!r}.')
    matrix = check_matrix(matrix)
    if normalize is None:
        return matrix
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
    """Per-digit precision, recall, F1 and support from a confusion matrix of counts."""
    matrix = check_matrix(matrix)
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
    """The `top` most frequent mistakes as (actual, predicted, count), most frequent first.

    Only mistakes are listed (the diagonal, the correct answers, never is), and only those
    that happened: a model with no mistakes gives an empty list.
    """
    matrix = check_matrix(matrix)
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise ValueError(f"top must be a positive whole number, got {top!r}.")
    size = len(matrix)
    errors = np.where(np.eye(size, dtype=bool), 0, matrix)
    order = np.argsort(-errors, axis=None, kind="stable")[:top]
    pairs = [(int(i // size), int(i % size)) for i in order]
    return [(a, p, int(matrix[a, p])) for a, p in pairs if a != p and matrix[a, p] > 0]


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
    probabilities = check_probabilities(probabilities)
    classes = probabilities.shape[1]
    true = check_labels(true_labels, "true_labels", classes, count=len(probabilities))
    guess = check_labels(predicted_labels, "predicted_labels", classes, count=len(probabilities))
    for name, digit in (("actual", actual), ("predicted", predicted)):
        if digit is not None:
            check_labels([digit], name, classes)
    wrong = true != guess
    if actual is not None:
        wrong &= true == actual
    if predicted is not None:
        wrong &= guess == predicted
    indices = np.flatnonzero(wrong)
    confidence = probabilities[indices, guess[indices]]
    return indices[np.argsort(-confidence, kind="stable")]
