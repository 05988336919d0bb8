"""Occlusion maps and the images that excite each filter most (notebook 05), checked against a
plain loop over what they claim to compute."""

from __future__ import annotations

import numpy as np
import pytest

import mnist_cnn


@pytest.fixture(scope="module")
def model():
    images, labels = mnist_cnn.load_sample(1_000, seed=0)
    trained = mnist_cnn.build_cnn(seed=0)
    mnist_cnn.train(trained, images, labels, epochs=1, live_plot=False, verbose=0)
    return trained


@pytest.fixture(scope="module")
def digits():
    return mnist_cnn.load_sample(40, seed=2)


@pytest.mark.parametrize("size", [4, 7])
def test_occlusion_map_is_the_drop_of_each_square_covered_in_turn(model, digits, size):
    image = digits[0][3]
    digit, drops = mnist_cnn.occlusion_map(model, image, size=size)
    probabilities = model(image[None].astype("float32")).numpy()[0]
    assert digit == probabilities.argmax()
    squares = 28 // size
    assert drops.shape == (squares, squares)
    for row in range(squares):
        for column in range(squares):
            covered = image.copy()
            covered[row * size : (row + 1) * size, column * size : (column + 1) * size] = 0
            after = model(covered[None].astype("float32")).numpy()[0, digit]
            assert drops[row, column] == pytest.approx(probabilities[digit] - after, abs=1e-5)
    # A square of background only changes nothing; the image itself is left alone.
    blank = [(r, c) for r in range(squares) for c in range(squares)
             if not image[r * size : (r + 1) * size, c * size : (c + 1) * size].any()]  # fmt: skip
    assert blank and all(abs(drops[r, c]) < 1e-6 for r, c in blank)
    assert np.abs(drops).max() > 1e-3


def test_occlusion_map_refuses_squares_that_do_not_tile_the_image(model, digits):
    with pytest.raises(ValueError, match="size must divide 28"):
        mnist_cnn.occlusion_map(model, digits[0][0], size=5)
    with pytest.raises(ValueError, match="size"):
        mnist_cnn.occlusion_map(model, digits[0][0], size=0)


def test_top_activations_are_the_largest_responses_of_each_filter(model, digits):
    images = digits[0]
    indices, positions, values = mnist_cnn.top_activations(model, images, "conv1", top=3)
    assert indices.shape == (8, 3) and positions.shape == (8, 3, 2) and values.shape == (8, 3)
    maps = np.stack([mnist_cnn.feature_maps(model, image)["conv1"] for image in images])
    best = maps.reshape(len(images), -1, 8).max(axis=1)  # (images, filters)
    for number in range(8):
        expected = np.argsort(-best[:, number], kind="stable")[:3]
        assert list(indices[number]) == list(expected)
        np.testing.assert_allclose(values[number], best[expected, number], rtol=1e-5)
        for place, index in enumerate(indices[number]):
            row, column = positions[number, place]
            assert maps[index, row, column, number] == pytest.approx(values[number, place])
    assert (np.diff(values, axis=1) <= 1e-6).all()  # best first


def test_top_activations_say_what_is_wrong(model, digits):
    images = digits[0]
    with pytest.raises(ValueError, match="'conv1', 'conv2'"):
        mnist_cnn.top_activations(model, images, "dense")
    with pytest.raises(ValueError, match="at least 50 images"):
        mnist_cnn.top_activations(model, images, top=50)
