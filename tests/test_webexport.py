"""What the book's widgets carry into the page: exported weights, packed digits, book mode."""

from __future__ import annotations

import json

import numpy as np
import pytest

import mnist_cnn
from mnist_cnn import webexport


@pytest.fixture(scope="module")
def model():
    return mnist_cnn.build_cnn(seed=0)  # untrained weights are real numbers all the same


def numpy_forward(network: dict, image: np.ndarray) -> np.ndarray:
    """The exported network run with NumPy: checks the layout the JavaScript relies on."""
    values = image.astype(np.float64)[:, :, None]
    for layer in network["layers"]:
        if layer["type"] == "rescale":
            values = values * layer["scale"] + layer["offset"]
        elif layer["type"] == "conv2d":
            kernel = webexport.decode_float32(layer["kernel"], layer["kernel_shape"])
            bias = webexport.decode_float32(layer["bias"], (kernel.shape[-1],))
            size = kernel.shape[0]
            windows = np.lib.stride_tricks.sliding_window_view(values, (size, size), axis=(0, 1))
            values = np.einsum("hwcij,ijcf->hwf", windows, kernel) + bias
            values = np.maximum(values, 0) if layer["activation"] == "relu" else values
        elif layer["type"] == "maxpool":
            size = layer["size"]
            height, width, channels = values.shape
            values = values[: height // size * size, : width // size * size]
            values = values.reshape(height // size, size, width // size, size, channels)
            values = values.max(axis=(1, 3))
        elif layer["type"] == "flatten":
            values = values.reshape(-1)
        elif layer["type"] == "dense":
            kernel = webexport.decode_float32(layer["kernel"], layer["kernel_shape"])
            bias = webexport.decode_float32(layer["bias"], (kernel.shape[-1],))
            values = values @ kernel + bias
            if layer["activation"] == "softmax":
                values = np.exp(values - values.max())
                values /= values.sum()
    return values


def test_the_tutorial_cnn_exports_all_its_5994_weights(model):
    network = webexport.export_weights(model)
    assert network["parameters"] == 5_994 == model.count_params()
    kinds = [layer["type"] for layer in network["layers"]]
    assert kinds == [
        "rescale",
        "conv2d",
        "maxpool",
        "conv2d",
        "maxpool",
        "flatten",
        "dense",
    ]
    conv1 = network["layers"][1]
    kernel = webexport.decode_float32(conv1["kernel"], conv1["kernel_shape"])
    np.testing.assert_array_equal(kernel, model.get_layer("conv1").get_weights()[0])
    assert len(json.dumps(network)) < 40_000  # small enough to embed in a page


def test_the_exported_layout_reproduces_keras(model):
    images, _ = mnist_cnn.load_sample(20, seed=3)
    network = webexport.export_weights(model)
    expected = np.asarray(model.predict(images, verbose=0))
    ours = np.stack([numpy_forward(network, image) for image in images])
    np.testing.assert_allclose(ours, expected, atol=1e-5)


def test_a_layer_the_browser_cannot_run_is_refused():
    config = mnist_cnn.CNNConfig(filters=(4,), batch_norm=True)
    with pytest.raises(ValueError, match="norm1.*BatchNormalization"):
        webexport.export_weights(mnist_cnn.build_cnn(config, seed=0))


def test_packed_digits_round_trip_and_stay_light():
    images, _ = mnist_cnn.load_sample(2_000, seed=0)
    packed = webexport.pack_digits(images)
    np.testing.assert_array_equal(webexport.unpack_digits(packed), images)
    assert len(packed) < 450_000  # 2,000 digits of 784 bytes, about a fifth after gzip
    with pytest.raises(ValueError, match="shape"):
        webexport.pack_digits(images[0])


def test_book_mode_follows_the_environment(monkeypatch):
    monkeypatch.delenv(webexport.BOOK_VARIABLE, raising=False)
    assert not webexport.book_mode()
    monkeypatch.setenv(webexport.BOOK_VARIABLE, "1")
    assert webexport.book_mode()
    monkeypatch.setenv(webexport.BOOK_VARIABLE, "0")
    assert not webexport.book_mode()


def test_in_the_book_the_digit_browser_carries_its_digits(monkeypatch):
    monkeypatch.setenv(webexport.BOOK_VARIABLE, "1")
    images, labels = mnist_cnn.load_sample(3_000, seed=0)
    browser = mnist_cnn.digit_browser(images, labels)
    assert browser.slider.max == webexport.BOOK_DIGITS - 1 == browser.number_box.max
    view = browser.children[-1]
    np.testing.assert_array_equal(webexport.unpack_digits(view.digits), images[:2_000])
    assert view.labels == labels[:2_000].astype(np.uint8).tobytes() and view.total == 3_000
    links = [browser._link, browser._view_link]
    assert all(
        type(link).__name__ == "Link" and link._model_name == "LinkModel" for link in links
    )  # links in the page
    assert "first 2,000 of the 3,000" in browser.children[0].value


def test_outside_the_book_the_widgets_are_as_before(monkeypatch):
    monkeypatch.delenv(webexport.BOOK_VARIABLE, raising=False)
    images, labels = mnist_cnn.load_sample(100, seed=0)
    browser = mnist_cnn.digit_browser(images, labels)
    assert browser.slider.max == 99
    assert not hasattr(browser, "_view_link")
    assert mnist_cnn.drawing_pad().weights == ""


def test_in_the_book_the_reader_carries_the_weights(monkeypatch, model):
    monkeypatch.setenv(webexport.BOOK_VARIABLE, "1")
    reader = mnist_cnn.digit_reader(model)
    network = json.loads(reader.pad.weights)
    assert network["parameters"] == 5_994
    assert reader.pad.min_extent == webexport.MIN_DRAWING_EXTENT
    assert list(reader.children) == [reader.pad]  # the pad shows its own reading


def test_in_the_book_the_mistakes_browser_says_run_the_notebook(monkeypatch):
    monkeypatch.setenv(webexport.BOOK_VARIABLE, "1")
    images, labels = mnist_cnn.load_sample(100, seed=0)
    predicted = (labels + 1) % 10
    probabilities = np.full((100, 10), 0.1)
    browser = mnist_cnn.mistakes_browser(images, labels, predicted, probabilities)
    assert browser.pair.disabled
    assert any("Run the notebook to explore" in getattr(c, "value", "") for c in browser.children)
