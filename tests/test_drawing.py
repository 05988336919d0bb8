"""Preparing drawings the MNIST way, reading them, and looking inside the model."""

from __future__ import annotations

import numpy as np
import pytest

import mnist_cnn
from mnist_cnn import predict_digit, preprocess_drawing


def centre_of_mass(image):
    image = image.astype(float)
    rows, columns = np.indices(image.shape)
    return (rows * image).sum() / image.sum(), (columns * image).sum() / image.sum()


def stroke_image(size=100, top=10, left=70, height=30, width=6, ink=255, background=0):
    image = np.full((size, size), background, dtype=np.uint8)
    image[top : top + height, left : left + width] = ink
    return image


@pytest.mark.parametrize(
    "image",
    [
        stroke_image(),  # a short vertical stroke in a corner of a large canvas
        stroke_image(size=40, top=2, left=2, height=8, width=30),  # a flat, wide stroke
        np.triu(np.ones((50, 50), np.uint8) * 200),  # a triangle
    ],
)
def test_the_digit_is_scaled_to_20x20_and_centred(image):
    prepared = preprocess_drawing(image)
    assert prepared.shape == (28, 28) and prepared.dtype == np.uint8
    rows, columns = np.nonzero(prepared > 0)
    height, width = rows.max() - rows.min() + 1, columns.max() - columns.min() + 1
    assert max(height, width) in (20, 21) and min(height, width) >= 1  # fits 20x20 (+ blur)
    row, column = centre_of_mass(prepared)
    assert abs(row - 13.5) <= 1 and abs(column - 13.5) <= 1


def test_aspect_ratio_is_kept():
    prepared = preprocess_drawing(stroke_image(height=40, width=10))
    rows, columns = np.nonzero(prepared > 64)
    ratio = (rows.max() - rows.min() + 1) / (columns.max() - columns.min() + 1)
    assert 3 <= ratio <= 5  # 40:10, after scaling to 20 high


def test_dark_ink_on_light_paper_is_inverted():
    light = preprocess_drawing(stroke_image(ink=0, background=255))
    dark = preprocess_drawing(stroke_image())
    np.testing.assert_array_equal(light, dark)
    assert light[0, 0] == 0  # background is black, as in MNIST


def test_float_drawings_in_0_1_are_accepted():
    as_float = stroke_image().astype(np.float32) / 255
    np.testing.assert_array_equal(preprocess_drawing(as_float), preprocess_drawing(stroke_image()))


@pytest.mark.parametrize(
    "image, message",
    [
        (np.zeros((28, 28)), "empty"),
        (np.full((28, 28), 255, np.uint8), "empty"),  # all paper, no ink
        (np.zeros((28, 28, 3)), "2-D"),
        (np.full((10, 10), np.nan), "NaN"),
        (np.full((10, 10), 2.0), "from 0 to 1"),
    ],
)
def test_bad_drawings(image, message):
    with pytest.raises(ValueError, match=message):
        preprocess_drawing(image)


@pytest.fixture(scope="module")
def model():
    return mnist_cnn.build_cnn(seed=0)


def test_predict_digit_accepts_each_documented_form(model):
    image = preprocess_drawing(stroke_image())
    digit, probabilities = predict_digit(model, image)
    assert isinstance(digit, int) and probabilities.shape == (10,)
    assert predict_digit(model, image.reshape(784))[0] == digit
    assert predict_digit(model, image.astype(np.float32) / 255)[0] == digit
    np.testing.assert_allclose(
        predict_digit(model, image.astype(np.float32) / 255)[1], probabilities, rtol=1e-5
    )
    digits, batch = predict_digit(model, np.stack([image, image, image]))
    assert digits.shape == (3,) and batch.shape == (3, 10) and digits.dtype.kind == "i"


@pytest.mark.parametrize(
    "image, message",
    [
        (np.zeros((28, 27)), r"\(28, 28\) or \(784,\)"),
        (np.zeros((2, 784)), r"\(N, 28, 28\)"),
        (np.full((28, 28), np.nan), "NaN"),
        (np.full((28, 28), 1.5), "from 0 to 1"),
        (np.full((28, 28), 300), "from 0 to 255"),
        (np.full((28, 28), -1), "from 0 to 255"),
    ],
)
def test_predict_digit_errors(model, image, message):
    with pytest.raises(ValueError, match=message):
        predict_digit(model, image)


def test_feature_maps_filters_and_saliency(model):
    images, labels = mnist_cnn.load_sample(20, seed=0)
    maps = mnist_cnn.feature_maps(model, images[0])
    assert {name: stack.shape for name, stack in maps.items()} == {
        "conv1": (24, 24, 8),
        "pool1": (12, 12, 8),
        "conv2": (8, 8, 16),
        "pool2": (4, 4, 16),
    }
    assert all(stack.min() >= 0 for stack in maps.values())  # after ReLU
    filters = mnist_cnn.conv_filters(model)
    assert filters["conv1"].shape == (8, 5, 5) and filters["conv2"].shape == (16, 5, 5)
    digit, saliency = mnist_cnn.saliency_map(model, images[0])
    assert 0 <= digit <= 9 and saliency.shape == (28, 28)
    assert saliency.max() == pytest.approx(1.0) and saliency.min() >= 0


def test_the_inside_browser_redraws_for_a_new_digit(model):
    images, labels = mnist_cnn.load_sample(20, seed=0)
    browser = mnist_cnn.inside_browser(model, images, labels)
    first = browser.maps["conv1"].copy()
    assert browser.shown_index == 0
    browser.slider.value = 5
    assert browser.shown_index == 5
    assert not np.allclose(first, browser.maps["conv1"])


def test_the_digit_reader_reads_what_is_drawn_on_the_pad(model):
    reader = mnist_cnn.digit_reader(model)
    assert reader.prepared is None and "Draw a digit" in reader.prediction.value
    stroke = np.zeros((28, 28), np.uint8)
    stroke[4:24, 13:16] = 255
    reader.pad.image = stroke
    assert reader.prepared is not None and reader.probabilities.shape == (10,)
    digit = int(np.argmax(reader.probabilities))
    assert f"<b>{digit}</b>" in reader.prediction.value
    reader.pad.clear()
    assert reader.prepared is None
