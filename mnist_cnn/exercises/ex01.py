"""Exercises of notebook 01, Explore MNIST."""

from __future__ import annotations

import numpy as np

from ..checks import check_images, check_labels
from . import (
    Exercise,
    Keyword,
    Wrong,
    as_array,
    as_number,
    as_whole_number,
    given,
    isclose,
    whole_number,
)

LABELS = Keyword("labels", "labels", "the labels of your sample")


def _check_pixel_count(answer) -> str:
    value = as_number(answer)
    truth = 60_000 * 28 * 28
    if isclose(value, truth):
        return "60,000 images x 28 x 28 pixels = 47,040,000 numbers, one byte each: 47 MB."
    if isclose(value, truth / 1e6, rel_tol=1e-3):
        raise Wrong(
            f"{value:g} is the count in millions (or the size in MB); give the count itself."
        )
    count = as_whole_number(answer, why="it counts pixel values")
    if count == 28 * 28:
        raise Wrong("784 is the pixel count of one image; the training set has 60,000 of them.")
    if count == 60_000 * 28:
        raise Wrong("an image is 28 x 28 pixels, not 28: you multiplied by one side only.")
    if count == 70_000 * 28 * 28:
        raise Wrong(
            "that counts the test images too; the question is about the 60,000 training images."
        )
    if count in (60_000, 28, 28 * 28 * 255):
        raise Wrong(
            f"{count:,} is not the number of pixel values: multiply the number of "
            "images by the pixels in each."
        )
    raise Wrong(
        f"{count:,} is {count / truth:.3g} times the right count. An image has "
        "28 x 28 pixels; how many images are there?"
    )


def _check_count_of_fives(answer, *, labels) -> str:
    labels = given("labels", check_labels, labels, "labels")
    truth = int(np.sum(labels == 5))
    count = as_whole_number(answer, why="it counts images")
    if count == truth:
        return f"your sample holds {truth:,} fives, {truth / len(labels):.1%} of it."
    if count == len(labels):
        raise Wrong("that is the number of all images; count only those whose label is 5.")
    counts = np.bincount(labels, minlength=10)
    same = [digit for digit in range(10) if counts[digit] == count and digit != 5]
    if same:
        raise Wrong(f"{count:,} is how many {same[0]}s there are, not 5s.")
    if count == 5:
        raise Wrong("5 is the digit; the question asks how many labels equal 5.")
    raise Wrong(
        f"{count:,} is not the number of 5s in `labels`: compare `labels == 5` and count "
        "the matches."
    )


def _check_test_count(answer) -> str:
    value = as_number(answer)
    if isclose(value, 0.2) or isclose(value, 20):
        raise Wrong("that is the share of the test part; the question asks for a number of images.")
    count = whole_number(value)
    if count == 2_000:
        return "20% of 10,000 is 2,000 test images; the other 8,000 are for training."
    if count == 1_999:
        raise Wrong(
            "1,999: did int() cut off 1999.9999999999995? In floating point 1 - 0.8 is a "
            "hair below 0.2; round() gives the nearest whole number, 2,000."
        )
    if count == 8_000:
        raise Wrong("8,000 is the training part (80%); the test part is what is left.")
    if count is None:
        raise Wrong(f"{value:g} is not a whole number of images.")
    raise Wrong(
        f"{count:,} is not it: the test part is (1 - TRAIN_FRACTION) of the 10,000-image sample."
    )


def _check_first_seven(answer, *, labels) -> str:
    labels = given("labels", check_labels, labels, "labels")
    if not (labels == 7).any():
        raise Wrong("there is no 7 in these labels; pass labels=labels, your sample's labels.")
    index = as_whole_number(answer, why="an index counts positions")
    if not 0 <= index < len(labels):
        raise Wrong(
            f"{index:,} is not an index of the sample: indices are whole numbers from 0 to "
            f"{len(labels) - 1:,}."
        )
    truth = int(np.flatnonzero(labels == 7)[0])
    if labels[index] != 7:
        raise Wrong(f"image #{index} is a {labels[index]}, not a 7.")
    if index != truth:
        raise Wrong(
            f"image #{index} is a 7, but not the first one: there is a 7 at a smaller index."
        )
    return f"image #{truth} is the first 7 of your sample; try it in the digit browser."


def _check_average_digit(answer, *, images, labels) -> str:
    if not callable(answer):
        raise Wrong(
            "`average_digit` should be a function (def average_digit(images, labels, digit): ...)."
        )
    # Shapes and values only: the function gets the arrays as they are.
    count = len(given("images", check_images, images)[0])
    given("labels", check_labels, labels, "labels", count=count)
    images, labels = np.asarray(images), np.asarray(labels)
    for digit in range(10):
        if not (labels == digit).any():
            continue
        truth = images[labels == digit].mean(axis=0)
        # Copies, so that a function that changes its arguments cannot change the reader's.
        result = _average_of(answer(images.copy(), labels.copy(), digit), digit)
        if not np.allclose(result, truth, atol=1e-3):
            overall = images.mean(axis=0)
            if np.allclose(result, overall, atol=1e-3):
                raise Wrong(
                    "that is the average of all images; keep only those whose label is `digit`."
                )
            raise Wrong(
                f"average_digit(images, labels, {digit}) differs from the mean of the images "
                f"labelled {digit} by up to {np.abs(result - truth).max():.3g}."
            )
    pairs = _closest_averages(images, labels)
    said = ", then ".join(f"{a} and {b}" for a, b, _ in pairs)
    return (
        f"now plot the ten averages. Measured pixel by pixel (the distance between two "
        f"averages), the most alike on your sample are {said}."
    )


def _closest_averages(images: np.ndarray, labels: np.ndarray, count: int = 3) -> list:
    """The `count` pairs of digits whose average images are closest (Euclidean distance,
    in pixel values), closest first: `[(digit, digit, distance), ...]`."""
    digits = [digit for digit in range(10) if (labels == digit).any()]
    averages = {digit: images[labels == digit].mean(axis=0) for digit in digits}
    pairs = [
        (a, b, float(np.linalg.norm(averages[a] - averages[b])))
        for index, a in enumerate(digits)
        for b in digits[index + 1 :]
    ]
    return sorted(pairs, key=lambda pair: pair[2])[:count]


def _average_of(result, digit: int) -> np.ndarray:
    """What `average_digit` returned, as a (28, 28) array of numbers, or `Wrong`."""
    array = as_array(result, f"average_digit(images, labels, {digit})")
    if array.shape != (28, 28):
        raise Wrong(
            f"average_digit(images, labels, {digit}) has shape {array.shape}; an average "
            "image has shape (28, 28): average over the first axis (axis=0), the images."
        )
    return array.astype(float)


q1 = Exercise(
    "ex01.q1",
    "compute",
    "pixel_values",
    _check_pixel_count,
    hint="One image is a 28 x 28 grid of pixels; the training set has 60,000 images.",
    solution="pixel_values = 60_000 * 28 * 28",
    explanation="Each pixel is one number (a byte, 0-255), so the training images file holds "
    "47,040,000 bytes once decompressed, plus a 16-byte header.",
)

q3 = Exercise(
    "ex01.q3",
    "code",
    "number_of_fives",
    _check_count_of_fives,
    hint="`labels == 5` is True for every 5; True counts as 1 when you add.",
    solution="number_of_fives = int((labels == 5).sum())",
    keywords=(LABELS,),
)

q4 = Exercise(
    "ex01.q4",
    "compute",
    "test_images_count",
    _check_test_count,
    hint="TRAIN_FRACTION = 0.8 goes to training; the test part is the rest of 10,000.",
    solution="test_images_count = round(10_000 * (1 - 0.8))",
    explanation="round(), not int(): 10_000 * (1 - 0.8) is 1999.9999999999995 in floating "
    "point, and int() would cut it down to 1,999.",
)

q2 = Exercise(
    "ex01.q2",
    "code",
    "first_seven",
    _check_first_seven,
    hint="`labels == 7` is True at every 7. `np.flatnonzero` turns True/False values into the "
    "positions of the True ones, smallest first: which of them do you want?",
    solution="first_seven = int(np.flatnonzero(labels == 7)[0])",
    keywords=(LABELS,),
)

challenge = Exercise(
    "ex01.challenge",
    "challenge",
    "average_digit",
    _check_average_digit,
    hint="`labels == digit` picks out the images of one digit. Average them over the axis "
    "that counts images, so that every pixel keeps its place.",
    solution='''
    def average_digit(images, labels, digit):
        """The pixel-by-pixel average of every image labelled `digit`."""
        return images[labels == digit].mean(axis=0)
    ''',
    explanation="Plot the ten averages side by side (plt.subplots(1, 10)). The checker names "
    "the pairs whose averages are closest on your sample; notebook 04's confusion matrix shows "
    "whether the model confuses those same pairs most.",
    keywords=(
        Keyword("images", "images", "the images of your sample"),
        Keyword("labels", "labels", "their labels"),
    ),
)
