"""Your own digits: prepare a drawing the way MNIST digits were prepared, and read it.

MNIST's digits were scanned, cropped to their bounding box, scaled to fit a 20x20 box
(keeping their proportions), and placed in a 28x28 image so that their centre of mass
sits at the centre. A drawing only looks like MNIST to the model after the same steps.
"""

from __future__ import annotations

import numpy as np

from .data import IMAGE_SIZE

BOX = 20  # MNIST digits fit in a 20x20 box inside the 28x28 image


def _as_unit_floats(image: np.ndarray, what: str = "image") -> np.ndarray:
    """Pixel values as floats in 0-1, from uint8/int 0-255 or float 0-1, with clear errors."""
    image = np.asarray(image)
    if image.dtype == bool:
        return image.astype(np.float32)
    if image.dtype.kind in "iu":
        if image.size and (image.min() < 0 or image.max() > 255):
            raise ValueError(
                f"{what} values must be from 0 to 255 for whole numbers, got {image.min()} to "
                f"{image.max()}."
            )
        return image.astype(np.float32) / 255
    if image.dtype.kind == "f":
        if np.isnan(image).any():
            raise ValueError(f"{what} contains NaN values; every pixel needs a number.")
        if image.size and (image.min() < 0 or image.max() > 1):
            raise ValueError(
                f"{what} values must be from 0 to 1 for floats, got {image.min():g} to "
                f"{image.max():g}; for 0-255 values use a uint8 array (image.astype(np.uint8))."
            )
        return image.astype(np.float32)
    raise ValueError(f"{what} must hold numbers, got dtype {image.dtype}.")


def preprocess_drawing(image: np.ndarray) -> np.ndarray:
    """Prepare a drawing of any size the MNIST way; returns a (28, 28) uint8 image.

    Steps: white digit on black (a dark digit on a light background is inverted); crop to
    the digit's bounding box; scale it to fit 20x20, keeping its aspect ratio; place it in
    28x28 with its centre of mass at the centre.

    Raises:
        ValueError: the drawing is empty, not two-dimensional, or has out-of-range values.
    """
    from PIL import Image  # Pillow comes with matplotlib

    image = np.asarray(image)
    if image.ndim != 2 or min(image.shape) < 1:
        raise ValueError(f"a drawing must be a 2-D array (height, width), got shape {image.shape}.")
    ink = _as_unit_floats(image, "drawing")
    border = np.concatenate([ink[0], ink[-1], ink[:, 0], ink[:, -1]])
    if border.mean() > 0.5:  # mostly light around the edge: a dark digit on paper
        ink = 1 - ink
    rows, columns = np.nonzero(ink > 0.05)
    if rows.size == 0:
        raise ValueError("the drawing is empty: draw a digit first.")
    ink = ink[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1]

    height, width = ink.shape
    scale = BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resized = Image.fromarray((ink * 255).astype(np.uint8)).resize(size, Image.LANCZOS)
    digit = np.asarray(resized, dtype=np.float32)

    total = digit.sum()
    if total == 0:
        raise ValueError("the drawing is empty: draw a digit first.")
    row_centre = (digit.sum(axis=1) * np.arange(digit.shape[0])).sum() / total
    column_centre = (digit.sum(axis=0) * np.arange(digit.shape[1])).sum() / total
    top = int(round((IMAGE_SIZE - 1) / 2 - row_centre))
    left = int(round((IMAGE_SIZE - 1) / 2 - column_centre))

    canvas = np.zeros((IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32)
    # Paste with clipping: a lopsided digit may be shifted partly past the edge, as in MNIST.
    source_top, source_left = max(0, -top), max(0, -left)
    target_top, target_left = max(0, top), max(0, left)
    height = min(digit.shape[0] - source_top, IMAGE_SIZE - target_top)
    width = min(digit.shape[1] - source_left, IMAGE_SIZE - target_left)
    canvas[target_top : target_top + height, target_left : target_left + width] = digit[
        source_top : source_top + height, source_left : source_left + width
    ]
    return np.clip(np.round(canvas), 0, 255).astype(np.uint8)


def predict_digit(model, image: np.ndarray):
    """Read one digit or a batch: returns `(digit, probabilities)`.

    Args:
        model: a trained model from `build_cnn`.
        image: (28, 28) or (784,) for one digit, or (N, 28, 28) for several; uint8 (or
            whole numbers) in 0-255, or floats in 0-1. White digit on black, as in MNIST:
            prepare drawings with `preprocess_drawing` first.

    Returns:
        For one image, the digit (an int) and its 10 probabilities; for N images, an (N,)
        int array and an (N, 10) array.

    Raises:
        ValueError: another shape, NaN values, or values outside the range of their type.
    """
    array = np.asarray(image)
    single = array.shape in ((IMAGE_SIZE, IMAGE_SIZE), (IMAGE_SIZE * IMAGE_SIZE,))
    if single:
        array = array.reshape(1, IMAGE_SIZE, IMAGE_SIZE)
    elif array.ndim != 3 or array.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE) or len(array) == 0:
        raise ValueError(
            f"image must have shape (28, 28) or (784,) for one digit, or (N, 28, 28) for N "
            f"digits, got {array.shape}."
        )
    pixels = _as_unit_floats(array) * 255  # the model rescales 0-255 itself
    probabilities = np.asarray(model.predict(pixels, verbose=0))
    digits = probabilities.argmax(axis=1)
    if single:
        return int(digits[0]), probabilities[0]
    return digits, probabilities
