"""Exercises of notebook 01, Explore MNIST."""

from __future__ import annotations

import numpy as np

from . import Exercise, Wrong, as_number


def _check_pixel_count(answer) -> str:
    value = as_number(answer)
    truth = 60_000 * 28 * 28
    if value == truth:
        return "60,000 images x 28 x 28 pixels = 47,040,000 numbers, one byte each: 47 MB."
    if value == 28 * 28:
        raise Wrong("784 is the pixel count of one image; the training set has 60,000 of them.")
    if value == 60_000 * 28:
        raise Wrong("an image is 28 x 28 pixels, not 28: you multiplied by one side only.")
    if value == 70_000 * 28 * 28:
        raise Wrong(
            "that counts the test images too; the question is about the 60,000 training images."
        )
    if value in (60_000, 28, 28 * 28 * 255):
        raise Wrong(
            f"{value:,.0f} is not the number of pixel values: multiply the number of "
            "images by the pixels in each."
        )
    raise Wrong(
        f"{value:,.0f} is {value / truth:.3g} times the right count. An image has "
        "28 x 28 pixels; how many images are there?"
    )


def _check_count_of_fives(answer, *, labels) -> str:
    labels = np.asarray(labels)
    truth = int(np.sum(labels == 5))
    if isinstance(answer, np.ndarray) and answer.dtype == bool:
        raise Wrong(
            "this is an array of True/False, one per image; count the True values with .sum()."
        )
    value = as_number(answer)
    if value == truth:
        return f"your sample holds {truth:,} fives, {truth / len(labels):.1%} of it."
    if value == len(labels):
        raise Wrong("that is the number of all images; count only those whose label is 5.")
    counts = np.bincount(labels, minlength=10)
    same = [digit for digit in range(10) if counts[digit] == value and digit != 5]
    if same:
        raise Wrong(f"{value:,.0f} is how many {same[0]}s there are, not 5s.")
    if value == 5:
        raise Wrong("5 is the digit; the question asks how many labels equal 5.")
    raise Wrong(
        f"{value:,.0f} is not the number of 5s in `labels`: "
        f"compare `labels == 5` and count the matches."
    )


def _check_test_count(answer) -> str:
    value = as_number(answer)
    if value == 2_000:
        return "20% of 10,000 is 2,000 test images; the other 8,000 are for training."
    if value == 8_000:
        raise Wrong("8,000 is the training part (80%); the test part is what is left.")
    if value in (0.2, 20):
        raise Wrong("that is the share of the test part; the question asks for a number of images.")
    raise Wrong(
        f"{value:,.0f} is not it: the test part is (1 - TRAIN_FRACTION) of the 10,000-image sample."
    )


def _check_first_seven(answer, *, labels) -> str:
    labels = np.asarray(labels)
    if isinstance(answer, np.ndarray) and answer.size > 1:
        raise Wrong(f"this is an array of {answer.size} values; take its first element with [0].")
    value = as_number(answer)
    if value != int(value) or not 0 <= value < len(labels):
        raise Wrong(
            f"{value:g} is not an index: indices are whole numbers from 0 to {len(labels) - 1:,}."
        )
    index = int(value)
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
    images, labels = np.asarray(images), np.asarray(labels)
    for digit in (0, 5, 8):
        truth = images[labels == digit].mean(axis=0)
        result = np.asarray(answer(images, labels, digit), dtype=float)
        if result.shape != (28, 28):
            raise Wrong(
                f"average_digit(images, labels, {digit}) has shape {result.shape}; an "
                "average image has shape (28, 28): average over the first axis "
                "(axis=0), the images."
            )
        if not np.allclose(result, truth, atol=1e-3):
            overall = images.mean(axis=0)
            if np.allclose(result, overall, atol=1e-3):
                raise Wrong(
                    "that is the average of all images; keep only those whose label is `digit`."
                )
            raise Wrong(
                f"average_digit(..., {digit}) differs from the mean of the images "
                f"labelled {digit} by up to {np.abs(result - truth).max():.3g}."
            )
    return "now plot the ten averages: which two look most alike?"


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
)

q4 = Exercise(
    "ex01.q4",
    "compute",
    "test_images_count",
    _check_test_count,
    hint="TRAIN_FRACTION = 0.8 goes to training; the test part is the rest of 10,000.",
    solution="test_images_count = round(10_000 * (1 - 0.8))",
)

q2 = Exercise(
    "ex01.q2",
    "code",
    "first_seven",
    _check_first_seven,
    hint="`np.flatnonzero(labels == 7)` lists the indices of every 7, smallest first.",
    solution="first_seven = int(np.flatnonzero(labels == 7)[0])",
)

challenge = Exercise(
    "ex01.challenge",
    "challenge",
    "average_digit",
    _check_average_digit,
    hint="Select the images whose label is `digit` with a boolean mask, then "
    ".mean(axis=0) averages them pixel by pixel.",
    solution='''
    def average_digit(images, labels, digit):
        """The pixel-by-pixel average of every image labelled `digit`."""
        return images[labels == digit].mean(axis=0)
    ''',
    explanation="Plot the ten averages side by side (plt.subplots(1, 10)): 4 and 9, and 3, 5 "
    "and 8, look most alike, which is where notebook 04 finds most of the model's mistakes.",
)
