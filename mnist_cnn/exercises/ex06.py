"""Exercises of notebook 06, Draw a digit."""

from __future__ import annotations

import numpy as np

from . import Exercise, Wrong


def _as_image(answer, what: str) -> np.ndarray:
    try:
        image = np.asarray(answer)
    except (TypeError, ValueError):
        raise Wrong(f"`{what}` should be an image: a 2-D numpy array.") from None
    if image.ndim != 2 or image.dtype.kind not in "iuf":
        raise Wrong(
            f"`{what}` should be a 2-D array of numbers; it has shape {image.shape} "
            f"and dtype {image.dtype}."
        )
    return image


def _check_invert(answer, *, drawing) -> str:
    drawing = np.asarray(drawing)
    image = _as_image(answer, "white_on_black")
    truth = 255 - drawing.astype(int)
    if image.shape != drawing.shape:
        raise Wrong(
            f"the result has shape {image.shape}; inverting keeps the shape {drawing.shape}."
        )
    if np.array_equal(image, drawing):
        raise Wrong(
            "this is the drawing unchanged: dark ink on light paper. Turn every value v "
            "into 255 - v."
        )
    if np.array_equal(image.astype(int), truth):
        return "ink is now 255 (white) and paper 0 (black), as in MNIST."
    if image.dtype.kind == "f" and np.allclose(image, truth / 255, atol=1e-6):
        return "ink is now 1 (white) and paper 0 (black), as floats 0-1; MNIST stores 0-255."
    if image.dtype == np.uint8 and np.array_equal(image, (-drawing.astype(int)) % 256):
        raise Wrong(
            "-drawing on uint8 numbers wraps around (0 stays 0, 255 becomes 1): use 255 - drawing."
        )
    if np.array_equal(image.astype(int), 256 - drawing.astype(int)):
        raise Wrong("256 - v turns 0 into 256, which does not fit in a byte: use 255 - v.")
    raise Wrong(
        "each pixel should become 255 minus its value: ink (0) becomes 255, paper (255) becomes 0."
    )


def _check_crop(answer, *, image) -> str:
    image = np.asarray(image)
    cropped = _as_image(answer, "cropped")
    rows, columns = np.nonzero(image)
    truth = image[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1]
    if cropped.shape == truth.shape and np.array_equal(cropped, truth):
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
    if cropped.shape == (truth.shape[1], truth.shape[0]) and height != width:
        raise Wrong("rows and columns are swapped: the first index of an image is the row.")
    raise Wrong(
        f"the crop has shape {cropped.shape}; the ink spans {height} rows and {width} "
        "columns. Find them with np.nonzero(image)."
    )


def _check_centre(answer, *, image) -> str:
    image = np.asarray(image, dtype=float)
    try:
        row, column = (float(value) for value in answer)
    except (TypeError, ValueError):
        raise Wrong("give the centre as (row, column), two numbers.") from None
    rows, columns = np.mgrid[0 : image.shape[0], 0 : image.shape[1]]
    total = image.sum()
    truth = ((rows * image).sum() / total, (columns * image).sum() / total)

    def near(a, b):
        return abs(a[0] - b[0]) < 0.01 and abs(a[1] - b[1]) < 0.01

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


def _check_fooled(answer, *, model, meant: int) -> str:
    from ..drawing import predict_digit, preprocess_drawing

    image = _as_image(answer, "my_drawing")
    if not np.asarray(image).any():
        raise Wrong(
            "the drawing is empty: draw a digit on the pad first, then run "
            "my_drawing = reader.pad.image."
        )
    if isinstance(meant, bool) or meant not in range(10):
        raise Wrong(f"meant={meant!r}: say which digit you drew, from 0 to 9.")
    digit, probabilities = predict_digit(model, preprocess_drawing(image))
    if digit == meant:
        raise Wrong(
            f"the model read your {meant} correctly ({probabilities[digit]:.0%} sure). "
            "Try a style it may not know: a 1 with a long base, a 7 with a crossbar, a 4 "
            "written open, a 9 with a curly tail."
        )
    return (
        f"you meant {meant}, the model read {digit} ({probabilities[digit]:.0%} sure) and "
        f"gave {meant} only {probabilities[meant]:.0%}. Would a person be fooled too?"
    )


q1 = Exercise(
    "ex06.q1",
    "code",
    "white_on_black",
    _check_invert,
    hint="Paper is 255 and ink 0 in the drawing; MNIST has ink 255 and background 0. "
    "Which formula maps 0 to 255 and 255 to 0?",
    solution="white_on_black = 255 - drawing",
)

q2 = Exercise(
    "ex06.q2",
    "code",
    "cropped",
    _check_crop,
    hint="rows, columns = np.nonzero(white_on_black) gives the position of every inked pixel; "
    "slice from the smallest to the largest of each, remembering a slice stops before its end.",
    solution="""
    rows, columns = np.nonzero(white_on_black)
    cropped = white_on_black[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1]
    """,
)

q3 = Exercise(
    "ex06.q3",
    "code",
    "centre",
    _check_centre,
    hint="rows, columns = np.mgrid[0:28, 0:28] gives each pixel's row and column; weigh them by "
    "the ink (prepared) and divide by the total ink.",
    solution="""
    rows, columns = np.mgrid[0:28, 0:28]
    ink = prepared.astype(float)
    centre = ((rows * ink).sum() / ink.sum(), (columns * ink).sum() / ink.sum())
    """,
)

challenge = Exercise(
    "ex06.challenge",
    "challenge",
    "my_drawing",
    _check_fooled,
    hint="Draw on the pad above, then run my_drawing = reader.pad.image and check it with "
    "meant= the digit you meant. Unusual styles, thin strokes and digits touching the edge "
    "are good places to look.",
    solution="""
    my_drawing = reader.pad.image  # after drawing, e.g., a 7 with a crossbar
    """,
    explanation="There is no single answer: every reader finds their own. Whatever fools it, "
    "ask whether it is the model's fault or whether the drawing is simply unlike MNIST's "
    "American handwriting of the 1990s.",
)
