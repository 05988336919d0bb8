"""Your own digits: prepare a drawing the way MNIST digits were prepared, and read it.

MNIST's digits were scanned, cropped to their bounding box, scaled to fit a 20x20 box
(keeping their proportions), and placed in a 28x28 image so that their centre of mass
sits at the centre. A drawing only looks like MNIST to the model after the same steps.
"""

from __future__ import annotations

import numpy as np

from .checks import IMAGE_SIZE, check_model, check_outputs, check_pixels

BOX = 20  # MNIST digits fit in a 20x20 box inside the 28x28 image


#: A pixel counts as ink from this share of full ink (0-1).
INK_THRESHOLD = 0.05

#: A drawing whose digit spans less than this share of the drawing's larger side is too
#: small to read: scaled up to MNIST's 20x20 box it would be a blurred blob, not a digit.
MIN_DIGIT_SHARE = 0.15


def preprocess_drawing(image: np.ndarray) -> np.ndarray:
    """Prepare a drawing of any size the MNIST way; returns a (28, 28) uint8 image.

    Steps: white digit on black (a dark digit on a light background is inverted); crop to
    the digit's bounding box; scale it to fit 20x20, keeping its aspect ratio; place it in
    28x28 with its centre of mass at the centre.

    Raises:
        ValueError: the drawing is empty, too small to read (its digit spans less than
            `MIN_DIGIT_SHARE` of its larger side), not two-dimensional, or has values
            outside the input contract (uint8 0-255 or floats 0-1).
    """
    from PIL import Image  # Pillow comes with matplotlib

    image = np.asarray(image)
    if image.ndim != 2 or min(image.shape) < 1:
        hint = ""
        if image.ndim == 3 and image.shape[-1] in (3, 4):
            hint = " For a colour picture, make it grey first, e.g. drawing[..., :3].mean(axis=-1)."
        raise ValueError(
            f"a drawing must be a 2-D array (height, width), got shape {image.shape}.{hint}"
        )
    ink = check_pixels(image, "drawing").astype(np.float32) / 255
    if max(image.shape) < IMAGE_SIZE:
        raise ValueError(
            f"a drawing must be at least {IMAGE_SIZE} pixels on its longer side to be read "
            f"the MNIST way, got shape {image.shape}; draw on a larger pad."
        )
    border = np.concatenate([ink[0], ink[-1], ink[:, 0], ink[:, -1]])
    if border.mean() > 0.5:  # mostly light around the edge: a dark digit on paper
        ink = 1 - ink
    rows, columns = np.nonzero(ink > INK_THRESHOLD)
    if rows.size == 0:
        raise ValueError("the drawing is empty: draw a digit first.")
    if rows.size > 0.6 * ink.size:
        raise ValueError(
            f"the drawing has no clear background: {rows.size / ink.size:.0%} of it is ink. "
            f"Draw a digit with a dark or light pen on a plain background."
        )
    span = max(rows.max() - rows.min(), columns.max() - columns.min()) + 1
    if span < MIN_DIGIT_SHARE * max(ink.shape):
        raise ValueError(
            f"the digit is too small to read: it spans {span} of the drawing's "
            f"{max(ink.shape)} pixels; draw it bigger (at least {MIN_DIGIT_SHARE:.0%} of the pad)."
        )
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
            whole numbers) in 0-255, or floats in 0-1 (see `check_images`). White digit
            on black, as in MNIST: prepare drawings with `preprocess_drawing` first.

    Returns:
        For one image, the digit (an int) and its 10 probabilities; for N images, an (N,)
        int array and an (N, 10) array.

    Raises:
        ValueError: another shape, NaN values, values outside the range of their type,
            or an empty image (no ink).
    """
    array = np.asarray(image)
    single = array.shape in ((IMAGE_SIZE, IMAGE_SIZE), (IMAGE_SIZE * IMAGE_SIZE,))
    if single:
        array = array.reshape(1, IMAGE_SIZE, IMAGE_SIZE)
    elif array.ndim != 3 or array.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE) or len(array) == 0:
        hint = (
            " For a drawing of another size, prepare it first with preprocess_drawing()."
            if array.ndim == 2
            else ""
        )
        raise ValueError(
            f"image must have shape (28, 28) or (784,) for one digit, or (N, 28, 28) for N "
            f"digits, got {array.shape}.{hint}"
        )
    check_model(model)
    pixels = check_pixels(array, "image")
    empty = np.flatnonzero(pixels.reshape(len(pixels), -1).max(axis=1) <= INK_THRESHOLD * 255)
    if empty.size:
        which = "the image" if single else f"image {int(empty[0])} (of {len(pixels)})"
        raise ValueError(
            f"{which} is empty (no ink): there is no digit to read. Draw a digit first; "
            f"MNIST digits are white ink (high values) on black (0)."
        )
    probabilities = check_outputs(model.predict(pixels, verbose=0))
    digits = probabilities.argmax(axis=1)
    if single:
        return int(digits[0]), probabilities[0]
    return digits, probabilities
