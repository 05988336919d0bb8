"""Exercises of notebook 06, Draw a digit."""

from __future__ import annotations

import numpy as np

from . import (
    Exercise,
    Keyword,
    Unchecked,
    Wrong,
    as_array,
    as_number,
    as_numbers,
    given_model,
    isclose,
    whole_number,
)

#: A model that reads fewer of these MNIST digits than this share is not trained: fooling
#: it proves nothing (an untrained one reads about 1 in 10).
TRAINED_ACCURACY = 0.8


def _as_image(answer, what: str) -> np.ndarray:
    image = as_array(answer, f"`{what}`", "a 2-D numpy array")
    if image.ndim != 2:
        raise Wrong(f"`{what}` should be an image, a 2-D array; it has shape {image.shape}.")
    return image


def _given_image(value, keyword: str) -> np.ndarray:
    """An image passed by keyword (the drawing, or your answer to an earlier exercise)."""
    try:
        return _as_image(value, keyword)
    except Wrong as reason:
        raise Unchecked(f"{keyword}= cannot be used: {reason}") from None


def _check_invert(answer, *, drawing) -> str:
    drawing = _given_image(drawing, "drawing").astype(float)
    image = _as_image(answer, "white_on_black")
    if image.shape != drawing.shape:
        raise Wrong(
            f"the result has shape {image.shape}; inverting keeps the shape {drawing.shape}."
        )
    values = image.astype(float)
    truth = 255 - drawing

    def same(a, b, top=255):
        return np.allclose(a, b, rtol=0, atol=1e-6 * top)

    if same(values, drawing):
        raise Wrong(
            "this is the drawing unchanged: dark ink on light paper. Turn every value v "
            "into 255 - v."
        )
    if same(values, truth):
        return "ink is now 255 (white) and paper 0 (black), as in MNIST."
    if image.dtype.kind == "f" and same(values, truth / 255, top=1):
        return "ink is now 1 (white) and paper 0 (black), as floats 0-1; MNIST stores 0-255."
    if image.dtype == np.uint8 and np.array_equal(image, (-drawing.astype(int)) % 256):
        raise Wrong(
            "-drawing on uint8 numbers wraps around (0 stays 0, 255 becomes 1): use 255 - drawing."
        )
    if same(values, 256 - drawing):
        raise Wrong("256 - v turns 0 into 256, which does not fit in a byte: use 255 - v.")
    if same(np.floor(values), truth) or same(np.round(values), truth):
        raise Wrong(
            "close, but not whole numbers: each pixel should be exactly 255 - v, with no "
            f"fraction left (up to {np.abs(values - truth).max():.3g} off here)."
        )
    raise Wrong(
        "each pixel should become 255 minus its value: ink (0) becomes 255, paper (255) becomes 0."
    )


def _check_crop(answer, *, white_on_black) -> str:
    image = _given_image(white_on_black, "white_on_black")
    paper = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
    if np.median(paper) != 0:
        raise Unchecked(
            f"white_on_black= is not white ink on black yet: its border is mostly "
            f"{np.median(paper):g}, not 0 (black). Get exercise 1 right first; this one crops "
            "your answer to it"
        )
    rows, columns = np.nonzero(image)
    if rows.size == 0:
        raise Unchecked("white_on_black= holds no ink (every pixel is 0): check exercise 1")
    truth = image[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1]
    cropped = _as_image(answer, "cropped")
    if cropped.shape == truth.shape and np.allclose(cropped, truth, rtol=0, atol=1e-9):
        return (
            f"the ink fits in {truth.shape[0]} rows x {truth.shape[1]} columns; next it is "
            "scaled to fit 20x20."
        )
    if cropped.shape == image.shape:
        raise Wrong("this is the whole image; keep only the rows and columns that hold ink.")
    height, width = truth.shape
    if cropped.shape in ((height - 1, width - 1), (height - 1, width), (height, width - 1)):
        raise Wrong(
            f"you lost the last row or column of ink: shape {cropped.shape} instead of "
            f"{truth.shape}. A slice a:b stops before b, so end it at max() + 1."
        )
    if cropped.shape == (width, height) and height != width:
        raise Wrong("rows and columns are swapped: the first index of an image is the row.")
    if cropped.shape == truth.shape:
        raise Wrong(
            "the crop has the right size but not the right pixels: cut it from "
            "white_on_black, your answer to exercise 1."
        )
    raise Wrong(
        f"the crop has shape {cropped.shape}; the ink spans {height} rows and {width} "
        "columns. Find them with np.nonzero(white_on_black)."
    )


def _check_centre(answer, *, image) -> str:
    image = _given_image(image, "image").astype(float)
    if image.sum() <= 0:
        raise Unchecked("image= holds no ink, so it has no centre of mass")
    centre = as_numbers(answer, "your centre", "(13.5, 13.5)")
    if len(centre) != 2:
        raise Wrong(f"your centre has {len(centre)} numbers; give (row, column), two numbers.")
    row, column = centre
    rows, columns = np.mgrid[0 : image.shape[0], 0 : image.shape[1]]
    total = image.sum()
    truth = ((rows * image).sum() / total, (columns * image).sum() / total)

    def near(a, b):
        return isclose(a[0], b[0], abs_tol=0.01) and isclose(a[1], b[1], abs_tol=0.01)

    if near((row, column), truth):
        middle = (image.shape[0] - 1) / 2
        off = max(abs(truth[0] - middle), abs(truth[1] - middle))
        return (
            f"({truth[0]:.2f}, {truth[1]:.2f}), {off:.2f} pixels or less from the middle of the "
            f"image, ({middle:g}, {middle:g}): the preparation placed the digit there."
        )
    if near((column, row), truth):
        raise Wrong("rows and columns are swapped: give (row, column), row first.")
    ink_rows, ink_columns = np.nonzero(image)
    box = ((ink_rows.min() + ink_rows.max()) / 2, (ink_columns.min() + ink_columns.max()) / 2)
    if near((row, column), box):
        raise Wrong(
            "that is the middle of the digit's bounding box; the centre of mass weighs "
            "every pixel by its ink, so thick strokes pull it their way."
        )
    if near((row, column), (13.5, 13.5)) or near((row, column), (14, 14)):
        raise Wrong(
            "that is the middle of the image; compute the centre of mass from the ink, "
            "then compare."
        )
    raise Wrong(
        f"({row:.2f}, {column:.2f}) is not it: the row of the centre of mass is "
        "sum(row x ink) / sum(ink) over all pixels, and likewise the column."
    )


def _given_digit(meant) -> int:
    """`meant=` as a digit 0-9 (7.0 is 7), or `Unchecked` saying what to pass."""
    try:
        digit = whole_number(as_number(meant, "meant="))
    except Wrong as reason:
        raise Unchecked(f"{reason} Say which digit you drew, e.g. meant=7") from None
    if digit is None or not 0 <= digit <= 9:
        raise Unchecked(f"meant={meant!r}: say which digit you drew, a whole number from 0 to 9")
    return digit


def _reads_mnist(model) -> float:
    """The share of 500 MNIST digits (not the notebooks' test images) `model` reads right."""
    from ..data import load_sample
    from ..evaluation import predict

    images, labels = load_sample(500, seed=1)
    predicted, _ = predict(model, images)
    return float(np.mean(predicted == labels))


def _check_fooled(answer, *, model, meant) -> str:
    from ..drawing import predict_digit, preprocess_drawing

    model = given_model(model, "model")
    meant = _given_digit(meant)
    image = _as_image(answer, "my_drawing")
    if not image.any():
        raise Wrong(
            "the drawing is empty: draw a digit on the pad first, then run "
            "my_drawing = reader.pad.image."
        )
    try:  # read exactly as the pad reads it
        prepared = preprocess_drawing(image)
    except ValueError as reason:
        raise Wrong(f"the model cannot read this drawing at all: {reason}") from None
    digit, probabilities = predict_digit(model, prepared)
    if digit == meant:
        raise Wrong(
            f"the model read your {meant} correctly ({probabilities[digit]:.0%} sure). "
            "Try a style it may not know: a 1 with a long base, a 7 with a crossbar, a 4 "
            "written open, a 9 with a curly tail."
        )
    accuracy = _reads_mnist(model)
    if accuracy < TRAINED_ACCURACY:
        raise Unchecked(
            f"model= reads only {accuracy:.0%} of 500 MNIST digits right, so it is not "
            "trained: fooling it proves nothing. Pass the trained model"
        )
    return (
        f"you meant {meant}, the model read {digit} ({probabilities[digit]:.0%} sure) and "
        f"gave {meant} only {probabilities[meant]:.1%}, though it reads {accuracy:.0%} of "
        "MNIST digits right. Would a person be fooled too?"
    )


q1 = Exercise(
    "ex06.q1",
    "code",
    "white_on_black",
    _check_invert,
    hint="Paper is 255 and ink 0 in the drawing; MNIST has ink 255 and background 0. "
    "Which formula maps 0 to 255 and 255 to 0?",
    solution="white_on_black = 255 - drawing",
    keywords=(Keyword("drawing", "drawing", "the drawing made above"),),
)

q2 = Exercise(
    "ex06.q2",
    "code",
    "cropped",
    _check_crop,
    hint="np.nonzero(white_on_black) gives the row and the column of every inked pixel. Slice "
    "from the smallest to the largest of each, remembering that a slice stops before its end.",
    solution="""
    rows, columns = np.nonzero(white_on_black)
    cropped = white_on_black[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1]
    """,
    keywords=(
        Keyword(
            "white_on_black",
            "white_on_black",
            "your answer to exercise 1",
            blank="answer exercise 1 first: this one crops your answer to it",
        ),
    ),
)

q3 = Exercise(
    "ex06.q3",
    "code",
    "centre",
    _check_centre,
    hint="np.mgrid[0:28, 0:28] gives the row and the column of every pixel. Weigh them by the "
    "ink of `prepared`, add up, and divide by the total ink.",
    solution="""
    rows, columns = np.mgrid[0:28, 0:28]
    ink = prepared.astype(float)
    centre = ((rows * ink).sum() / ink.sum(), (columns * ink).sum() / ink.sum())
    """,
    keywords=(Keyword("image", "prepared", "the prepared 28x28 digit"),),
)

challenge = Exercise(
    "ex06.challenge",
    "challenge",
    "my_drawing",
    _check_fooled,
    hint="Draw on the pad above; the pad's `image` holds your drawing (reader.pad.image). "
    "Check it with meant= the digit you meant. Unusual styles, thin strokes and digits "
    "touching the edge are good places to look.",
    solution="""
    my_drawing = reader.pad.image  # after drawing, e.g., a 7 with a crossbar
    """,
    explanation="There is no single answer: every reader finds their own. Whatever fools it, "
    "ask whether it is the model's fault or whether the drawing is simply unlike MNIST's "
    "American handwriting of the 1990s.",
    keywords=(
        Keyword("model", "model", "the trained model"),
        Keyword("meant", "7", "the digit you drew, 0 to 9"),
    ),
)
