"""Figures of digits and data: small matplotlib helpers with one job each.

Digits are drawn as ink on paper: pixel value 0 (background) is white, 255 is black.
Each function returns a closed matplotlib Figure, so a notebook cell that ends with the
call shows it exactly once.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .data import IMAGE_SIZE, NUM_CLASSES, check_images


def check_index(index: int, count: int) -> int:
    """Return `index` as an int, or raise IndexError naming the allowed range."""
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
        raise IndexError(f"index must be a whole number from 0 to {count - 1}, got {index!r}.")
    if not 0 <= index < count:
        raise IndexError(f"index {index} is out of range: choose one from 0 to {count - 1}.")
    return int(index)


def digit_png(image: np.ndarray, scale: int = 10) -> bytes:
    """Encode a 28x28 digit as a crisp PNG, each pixel drawn as a `scale` x `scale` square."""
    from PIL import Image  # Pillow comes with matplotlib

    image = np.asarray(image)
    if image.shape != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(f"a digit must have shape (28, 28), got {image.shape}.")
    ink_on_paper = 255 - image.astype(np.uint8)
    large = np.repeat(np.repeat(ink_on_paper, scale, axis=0), scale, axis=1)
    buffer = io.BytesIO()
    Image.fromarray(large, mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


def _finish(figure: Figure) -> Figure:
    plt.close(figure)  # the notebook shows the returned figure; pyplot must not show it again
    return figure


def plot_digit(image: np.ndarray, label: int | None = None, ax=None) -> Figure:
    """Draw one 28x28 digit, with its label as the title when given."""
    image = np.asarray(image)
    if image.shape != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(f"a digit must have shape (28, 28), got {image.shape}.")
    if ax is None:
        figure, ax = plt.subplots(figsize=(2.5, 2.5))
    else:
        figure = ax.figure
    ax.imshow(image, cmap="gray_r", vmin=0, vmax=255, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if label is not None:
        ax.set_title(f"label {label}")
    return _finish(figure)


def plot_digits(
    images: np.ndarray,
    labels: np.ndarray,
    indices: Sequence[int] | None = None,
    columns: int = 10,
) -> Figure:
    """Draw a grid of digits with their labels; by default the first 30."""
    check_images(images, labels)
    if indices is None:
        indices = range(min(30, len(images)))
    indices = [check_index(index, len(images)) for index in indices]
    if not indices:
        raise ValueError("indices is empty: give at least one index to draw.")
    rows = -(-len(indices) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(1.1 * columns, 1.3 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, index in zip(axes.flat[: len(indices)], indices, strict=True):
        ax.imshow(images[index], cmap="gray_r", vmin=0, vmax=255, interpolation="nearest")
        ax.set_title(f"#{index}: {labels[index]}", fontsize=9)
    figure.tight_layout()
    return _finish(figure)


def plot_pixel_values(image: np.ndarray, label: int | None = None) -> Figure:
    """Show a digit's 784 pixel values, each written in its own cell of the 28x28 grid."""
    image = np.asarray(image)
    if image.shape != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(f"a digit must have shape (28, 28), got {image.shape}.")
    figure, ax = plt.subplots(figsize=(11, 11))
    ax.imshow(image, cmap="gray_r", vmin=0, vmax=255, interpolation="nearest")
    for row in range(IMAGE_SIZE):
        for column in range(IMAGE_SIZE):
            value = int(image[row, column])
            if value:
                ax.text(
                    column,
                    row,
                    str(value),
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if value > 127 else "black",
                )
    ax.set_xticks(range(0, IMAGE_SIZE, 4))
    ax.set_yticks(range(0, IMAGE_SIZE, 4))
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    title = "28 x 28 = 784 pixel values (blank cells are 0)"
    ax.set_title(title if label is None else f"{title}, label {label}")
    return _finish(figure)


def plot_class_balance(**labels_by_part: np.ndarray) -> Figure:
    """Bar chart of how many images of each digit every part holds.

    Example: `plot_class_balance(train=train_labels, test=test_labels)`.
    """
    if not labels_by_part:
        raise ValueError("give at least one labels array, e.g. plot_class_balance(sample=labels).")
    figure, ax = plt.subplots(figsize=(8, 3))
    width = 0.8 / len(labels_by_part)
    for position, (name, labels) in enumerate(labels_by_part.items()):
        counts = np.bincount(np.asarray(labels), minlength=NUM_CLASSES)
        shares = counts / max(counts.sum(), 1)
        offset = (position - (len(labels_by_part) - 1) / 2) * width
        bars = ax.bar(
            np.arange(NUM_CLASSES) + offset, shares * 100, width, label=f"{name} ({counts.sum():,})"
        )
        ax.bar_label(bars, labels=[f"{count}" for count in counts], fontsize=7)
    ax.set_xticks(range(NUM_CLASSES))
    ax.set_xlabel("digit")
    ax.set_ylabel("share of images (%)")
    ax.set_title("How many images of each digit (count above each bar)")
    ax.legend(loc="lower right")
    ax.margins(y=0.15)
    figure.tight_layout()
    return _finish(figure)
