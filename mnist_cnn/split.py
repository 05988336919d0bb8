"""Split images into a training part and a test part: seeded, stratified, validated."""

from __future__ import annotations

import math

import numpy as np


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
        ValueError: for a fraction outside (0, 1) or NaN, for images and labels of
            different lengths, or when a part (or, stratified, a class in a part) would be empty.
    """
    images = np.asarray(images)
    labels = np.asarray(labels)
    try:
        fraction = float(train_fraction)
    except (TypeError, ValueError):
        raise ValueError(f"train_fraction must be a number, got {train_fraction!r}.") from None
    if math.isnan(fraction) or not 0.0 < fraction < 1.0:
        raise ValueError(
            f"train_fraction must be strictly between 0 and 1 (0.8 keeps 80% for training), "
            f"got {train_fraction!r}."
        )
    if labels.ndim != 1:
        raise ValueError(f"labels must be one-dimensional, got shape {labels.shape}.")
    if images.ndim == 0 or len(images) != len(labels):
        raise ValueError(
            f"images and labels must have the same length, got {len(images) if images.ndim else 0} "
            f"images and {len(labels)} labels."
        )
    total = len(labels)
    train_count = round(total * fraction)
    if not 0 < train_count < total:
        side = "training" if train_count == 0 else "test"
        raise ValueError(
            f"a train_fraction of {fraction} leaves the {side} part of {total} images empty; "
            f"use more images or a fraction closer to 0.5."
        )

    rng = np.random.default_rng(seed)
    if stratify:
        train_index, test_index = stratified_choice(labels, train_count, rng)
        all_classes = set(np.unique(labels).tolist())
        for part, index in (("training", train_index), ("test", test_index)):
            lacking = sorted(all_classes - set(np.unique(labels[index]).tolist()))
            if lacking:
                raise ValueError(
                    f"a stratified split with train_fraction={fraction} leaves class(es) "
                    f"{lacking} out of the {part} part (too few images of them); use more "
                    f"images, a fraction closer to 0.5, or stratify=False."
                )
    else:
        order = rng.permutation(total)
        train_index, test_index = order[:train_count], order[train_count:]
    return (images[train_index], labels[train_index]), (images[test_index], labels[test_index])
