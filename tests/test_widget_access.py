"""Widgets for every reader: they fit a phone's width, name their controls for screen readers,
and the drawing pad offers digits to load, for readers who cannot draw with a mouse."""

from __future__ import annotations

import numpy as np
import pytest

import mnist_cnn
from mnist_cnn import widgets


@pytest.fixture(scope="module")
def sample():
    return mnist_cnn.load_sample(100, seed=0)


def test_the_digit_browser_wraps_and_names_its_number_box(sample):
    browser = mnist_cnn.digit_browser(*sample)
    # The name a screen reader says (ipywidgets 7, which Colab runs, calls it description_tooltip).
    box = browser.number_box
    assert getattr(box, "tooltip", None) or getattr(box, "description_tooltip", None)
    assert browser.slider.description == "Index"
    assert browser.slider.layout.max_width == "100%"  # never wider than a phone's column
    rows = [child for child in browser.children if isinstance(child, widgets.widgets.HBox)]
    assert rows and all(row.layout.flex_flow == "row wrap" for row in rows)


def test_the_pad_offers_the_samples_it_is_given(sample):
    images, labels = sample
    pad = mnist_cnn.drawing_pad(samples=(images[:3], labels[:3]))
    stored = np.frombuffer(pad.samples, dtype=np.uint8).reshape(-1, 28, 28)
    np.testing.assert_array_equal(stored, images[:3])
    assert list(pad.sample_labels) == labels[:3].tolist()
    assert mnist_cnn.drawing_pad().samples == b""  # none unless asked


@pytest.mark.parametrize(
    "samples, words",
    [
        ((np.zeros((2, 28, 28)), np.array([1, 12])), "labels"),
        ((np.zeros((2, 20, 20)), np.array([1, 2])), "shape"),
    ],
)
def test_bad_samples_are_refused_by_name(samples, words):
    with pytest.raises(ValueError, match=words):
        mnist_cnn.drawing_pad(samples=samples)


def test_one_test_digit_of_each_kind():
    images, labels = widgets.one_of_each_digit()
    assert images.shape == (10, 28, 28) and labels.tolist() == list(range(10))
    _, (test_images, test_labels) = mnist_cnn.load_mnist()
    for digit in range(10):
        first = int(np.flatnonzero(test_labels == digit)[0])
        np.testing.assert_array_equal(images[digit], test_images[first])
