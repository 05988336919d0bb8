"""The digit browser and the digit figures, driven from Python."""

from __future__ import annotations

import numpy as np
import pytest

import mnist_cnn


@pytest.fixture(scope="module")
def sample():
    return mnist_cnn.load_sample(100, seed=0)


def test_slider_bounds(sample):
    images, labels = sample
    browser = mnist_cnn.digit_browser(images, labels)
    assert (browser.slider.min, browser.slider.max) == (0, 99)
    assert (browser.number_box.min, browser.number_box.max) == (0, 99)


def test_moving_the_slider_changes_the_digit_and_label(sample):
    images, labels = sample
    browser = mnist_cnn.digit_browser(images, labels)
    different = int(np.flatnonzero(labels != labels[0])[0])
    first_label, first_image = browser.label.value, browser.image.value
    assert f"<b>{labels[0]}</b>" in first_label
    browser.slider.value = different
    assert f"<b>{labels[different]}</b>" in browser.label.value
    assert browser.label.value != first_label and browser.image.value != first_image
    assert browser.number_box.value == different  # the number box follows the slider


def test_the_number_box_moves_the_slider(sample):
    images, labels = sample
    browser = mnist_cnn.digit_browser(images, labels)
    browser.number_box.value = 42
    assert browser.slider.value == 42 and f"#{42}" in browser.label.value


def test_the_digit_is_large_and_crisp(sample):
    import io

    from PIL import Image

    images, labels = sample
    browser = mnist_cnn.digit_browser(images, labels, index=3)
    picture = np.asarray(Image.open(io.BytesIO(browser.image.value)))
    assert picture.shape == (280, 280)
    # Every 10x10 block is one flat pixel (no blur), white ink on black as everywhere.
    np.testing.assert_array_equal(picture[::10, ::10], images[3])


@pytest.mark.parametrize("index", [-1, 100, 2.0])
def test_out_of_range_index(sample, index):
    images, labels = sample
    with pytest.raises(IndexError, match="0 to 99"):
        mnist_cnn.digit_browser(images, labels, index=index)
    browser = mnist_cnn.digit_browser(images, labels)
    with pytest.raises(IndexError):
        browser.index = index


def test_wrong_shapes_are_explained(sample):
    images, labels = sample
    with pytest.raises(ValueError, match=r"\(N, 28, 28\)"):
        mnist_cnn.digit_browser(images.reshape(100, 784), labels)
    with pytest.raises(ValueError, match="one label per image"):
        mnist_cnn.digit_browser(images, labels[:50])


def test_figures_draw(sample):
    images, labels = sample
    grid = mnist_cnn.plot_digits(images, labels, indices=range(12), columns=6)
    assert len([ax for ax in grid.axes if ax.images]) == 12
    pixels = mnist_cnn.plot_pixel_values(images[0])
    assert len(pixels.axes[0].texts) == int(np.count_nonzero(images[0]))
    balance = mnist_cnn.plot_class_balance(train=labels[:80], test=labels[80:])
    assert len(balance.axes[0].patches) == 20
    with pytest.raises(IndexError):
        mnist_cnn.plot_digits(images, labels, indices=[100])
