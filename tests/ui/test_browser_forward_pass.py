"""The drawing pad's JavaScript reads digits as the Python package does, in a real Chromium.

The book's drawing pad has no kernel: its script (mnist_cnn/static/drawing_pad.js) prepares
the drawing the MNIST way and runs the trained CNN forward itself, with weights exported by
mnist_cnn.webexport. Here the same digits go through that script and through Keras.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import mnist_cnn
from mnist_cnn import webexport
from mnist_cnn.drawing import MIN_DIGIT_SHARE

pytestmark = pytest.mark.ui
STATIC = Path(mnist_cnn.__file__).parent / "static"
DIGITS = 200  # test digits compared


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def pad_script(browser):
    """A page on 127.0.0.1 with the pad's module imported as window.pad."""
    handler = functools.partial(_Quiet, directory=str(STATIC))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base}/drawing_pad.js")  # any page of this origin
    page.evaluate(f"async () => {{ window.pad = await import('{base}/drawing_pad.js'); }}")
    yield page
    assert not errors, errors
    context.close()
    server.shutdown()


@pytest.fixture(scope="module")
def model(trained_model):
    return mnist_cnn.load_model(trained_model)


def js_probabilities(page, network: dict, images: np.ndarray) -> np.ndarray:
    return np.asarray(
        page.evaluate(
            """([network, images]) => {
              const layers = window.pad.decodeNetwork(network);
              return images.map((image) => window.pad.forward(layers, image));
            }""",
            [network, images.reshape(len(images), -1).tolist()],
        )
    )


def test_javascript_and_keras_agree_to_1e_4_on_test_digits(pad_script, model):
    _, (test_images, _) = mnist_cnn.train_test_split(
        *mnist_cnn.load_sample(10_000, seed=0), train_fraction=0.8, seed=0
    )
    images = test_images[:DIGITS]
    network = webexport.export_weights(model)
    expected = np.asarray(model.predict(images, verbose=0))
    ours = js_probabilities(pad_script, network, images)
    assert ours.shape == (DIGITS, 10)
    difference = np.abs(ours - expected).max()
    print(f"\nJavaScript vs Keras on {DIGITS} test digits: max |difference| = {difference:.2e}")
    assert difference < 1e-4
    np.testing.assert_array_equal(ours.argmax(axis=1), expected.argmax(axis=1))
    assert expected.max(axis=1).mean() > 0.8  # a trained model, confident on most digits


def drawings(count: int = 60, seed: int = 0) -> list[np.ndarray]:
    """MNIST digits stretched and placed on larger canvases, a fifth as dark ink on paper."""
    rng = np.random.default_rng(seed)
    images, _ = mnist_cnn.load_sample(count, seed=1)
    result = []
    for number, digit in enumerate(images):
        size = int(rng.integers(28, 90))
        width, height = int(rng.integers(8, size)), int(rng.integers(8, size))
        stretched = np.asarray(Image.fromarray(digit).resize((width, height), Image.BILINEAR))
        canvas = np.zeros((size, size), np.uint8)
        top, left = int(rng.integers(0, size - height + 1)), int(rng.integers(0, size - width + 1))
        canvas[top : top + height, left : left + width] = stretched
        result.append(255 - canvas if number % 5 == 0 else canvas)
    return result


def test_javascript_prepares_drawings_the_mnist_way(pad_script):
    cases = drawings()
    prepared = pad_script.evaluate(
        """(cases) => cases.map(([pixels, size]) =>
              Array.from(window.pad.preprocess(pixels, size, size, 0).image))""",
        [[drawing.ravel().tolist(), drawing.shape[0]] for drawing in cases],
    )
    refused_by_js = pad_script.evaluate(
        """([cases, minExtent]) => cases.map(([pixels, size]) =>
              window.pad.preprocess(pixels, size, size, minExtent).error === 'small')""",
        [[[drawing.ravel().tolist(), drawing.shape[0]] for drawing in cases], MIN_DIGIT_SHARE],
    )
    differences = []
    for ours, drawing, js_refused in zip(prepared, cases, refused_by_js, strict=True):
        try:
            theirs = mnist_cnn.preprocess_drawing(drawing)
        except ValueError as error:  # too small to read: the browser must refuse it too
            assert "too small" in str(error) and js_refused
            continue
        assert not js_refused
        differences.append(int(np.abs(np.asarray(ours) - theirs.ravel().astype(int)).max()))
    assert len(differences) >= len(cases) * 2 // 3
    exact = sum(difference == 0 for difference in differences)
    print(
        f"\n{exact} of {len(differences)} drawings prepared identically; max difference "
        f"{max(differences)} of 255"
    )
    # Pillow picks the order of its two resampling passes itself; in the other order a
    # pixel can differ by a few levels, never more.
    assert max(differences) <= 12
    assert exact >= len(differences) // 2


def test_javascript_refuses_empty_and_tiny_drawings(pad_script):
    empty = np.zeros((28, 28), np.uint8)
    dot = empty.copy()
    dot[13:16, 13:16] = 255  # a tap of the pen: 3 of 28 cells
    small_digit = empty.copy()
    small_digit[10:16, 12:14] = 255  # 6 of 28 cells tall: small but readable
    results = pad_script.evaluate(
        """([images, minExtent]) => images.map((image) =>
              window.pad.preprocess(image, 28, 28, minExtent).error || 'read')""",
        [
            [image.ravel().tolist() for image in (empty, dot, small_digit)],
            webexport.MIN_DRAWING_EXTENT,
        ],
    )
    assert results == ["empty", "small", "read"]
