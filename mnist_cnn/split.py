"""Split images into a training part and a test part: seeded, stratified, validated."""

from __future__ import annotations

import numpy as np

from .checks import IMAGE_SIZE, check_fraction, check_labels, check_pixels, check_seed


def stratified_choice(
    labels: np.ndarray, count: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Choose `count` indices so that every class keeps its share of `labels`.

    Shares are rounded by the largest-remainder method, so the total is exactly `count`
    and each class is off its exact share by less than one.

    Returns:
        `(chosen, rest)`: two disjoint index arrays, each in random order, that together
        cover `range(len(labels))`.
    """
    classes, class_counts = np.unique(labels, return_counts=True)
    exact = class_counts * (count / len(labels))
    per_class = np.floor(exact).astype(int)
    shortfall = count - per_class.sum()
    # Stable sort so ties go to the smaller class label, the same on every machine.
    per_class[np.argsort(-(exact - per_class), kind="stable")[:shortfall]] += 1

    chosen, rest = [], []
    for label, take in zip(classes, per_class, strict=True):
        members = rng.permutation(np.flatnonzero(labels == label))
        chosen.append(members[:take])
        rest.append(members[take:])
    return rng.permutation(np.concatenate(chosen)), rng.permutation(np.concatenate(rest))


class SplitError(ValueError):
    """A split that would leave a part empty, or a digit missing from a part.

    Attributes:
        part: the part left short, "training" or "test".
        lacking: the classes missing from it (all of them when the part is empty).
        empty: True when the part would hold no images at all.
    """

    def __init__(self, message: str, part: str, lacking: list, empty: bool = False):
        super().__init__(message)
        self.part, self.lacking, self.empty = part, lacking, empty


def split_indices(
    labels: np.ndarray, train_count: int, seed: int | None = 0, stratify: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a training part of `train_count` labels and a test part of the rest.

    Raises:
        SplitError: a part would be empty or, stratified, lack a class; its message is
            generic, so callers say which of their arguments to change.
    """
    total = len(labels)
    if not 0 < train_count < total:
        part = "training" if train_count <= 0 else "test"
        classes = sorted(set(labels.tolist()))
        raise SplitError(f"the {part} part would be empty", part, classes, empty=True)
    rng = np.random.default_rng(seed)
    if not stratify:
        order = rng.permutation(total)
        return order[:train_count], order[train_count:]
    train_index, test_index = stratified_choice(labels, train_count, rng)
    all_classes = set(np.unique(labels).tolist())
    for part, index in (("training", train_index), ("test", test_index)):
        lacking = sorted(all_classes - set(np.unique(labels[index]).tolist()))
        if lacking:
            raise SplitError(f"the {part} part would lack class(es) {lacking}", part, lacking)
    return train_index, test_index


def train_test_split(
    images: np.ndarray,
    labels: np.ndarray,
    train_fraction: float = 0.8,
    seed: int | None = 0,
    stratify: bool = True,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Split images and labels into a training part and a test part.

    The model learns from the training part only; the test part is kept unseen, so
    accuracy on it tells how well the model generalises to new digits.

    Args:
        images: array of shape (N, ...), e.g. (N, 28, 28).
        labels: array of shape (N,).
        train_fraction: share of the images used for training, strictly between 0 and 1.
        seed: the same seed always gives the same split; None draws a fresh one.
        stratify: keep each class's share the same in both parts.

    Returns:
        `(train_images, train_labels), (test_images, test_labels)`, where the training part
        holds round(N * train_fraction) images.

    Raises:
        ValueError: for a fraction outside (0, 1) or NaN, labels that are not digits 0-9,
            (N, 28, 28) images outside the input contract (`check_images`), for images and labels of
            different lengths, or when a part (or, stratified, a class in a part) would be empty.
    """
    images = np.asarray(images)
    labels = check_labels(labels, "labels")
    if images.shape[1:] == (IMAGE_SIZE, IMAGE_SIZE):
        check_pixels(images, "images")  # MNIST images follow the input contract
    fraction = check_fraction(train_fraction, "train_fraction")
    seed = check_seed(seed)
    if not isinstance(stratify, (bool, np.bool_)):
        raise ValueError(f"stratify must be True or False, got {stratify!r}.")
    if labels.ndim != 1:
        raise ValueError(f"labels must be one-dimensional, got shape {labels.shape}.")
    if images.ndim == 0 or len(images) != len(labels):
        raise ValueError(
            f"images and labels must have the same length, got {len(images) if images.ndim else 0} "
            f"images and {len(labels)} labels."
        )
    total = len(labels)
    try:
        train_index, test_index = split_indices(labels, round(total * fraction), seed, stratify)
    except SplitError as error:
        if error.empty:
            problem = f"leaves the {error.part} part of {total} images empty"
        else:
            problem = f"leaves class(es) {error.lacking} out of the {error.part} part"
        raise SplitError(
            f"train_fraction={fraction} {problem} (too few images); use more images, a "
            f"train_fraction closer to 0.5{', or stratify=False' if stratify else ''}.",
            error.part,
            error.lacking,
            error.empty,
        ) from None
    return (images[train_index], labels[train_index]), (images[test_index], labels[test_index])
