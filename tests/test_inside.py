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


# ---- the figures of notebooks 04 and 05 draw what they are given -------------------------


def test_plot_confidence_draws_each_panels_shares_on_one_scale():
    from mnist_cnn import plots

    labels = np.array([0, 1, 2, 3, 4, 5, 6, 7])
    probabilities = np.full((8, 10), 0.01)
    sure = [0.91, 0.99, 0.99, 0.5, 0.62, 0.93, 0.99, 0.3]  # the probability of the answer
    answers = [0, 1, 2, 3, 9, 9, 9, 7]  # images 4, 5 and 6 are mistakes
    for row, (answer, value) in enumerate(zip(answers, sure, strict=True)):
        probabilities[row] = (1 - value) / 9
        probabilities[row, answer] = value
    figure = plots.plot_confidence(probabilities, labels)
    right, wrong = figure.axes
    assert right.get_title().startswith("right answers: 5 images")
    assert wrong.get_title() == "mistakes: 3 images, median 93.0%"
    assert right.get_ylim() == wrong.get_ylim() == (0, 100)  # one scale for both panels

    def heights(ax):
        return {round(bar.get_x(), 2): bar.get_height() for bar in ax.patches if bar.get_height()}

    assert heights(right) == pytest.approx({0.25: 20, 0.5: 20, 0.9: 20, 0.95: 40})
    assert heights(wrong) == pytest.approx({0.6: 100 / 3, 0.9: 100 / 3, 0.95: 100 / 3})
    assert all(bar.get_hatch() == "//" for bar in wrong.patches)  # a cue besides colour
    assert all(not bar.get_hatch() for bar in right.patches)


def test_plot_occlusion_shares_one_colour_scale_and_draws_the_drops(digits):
    from mnist_cnn import plots

    images = digits[0][:2]
    drops = [np.zeros((7, 7)), np.zeros((7, 7))]
    drops[0][3, 4] = 0.4
    drops[1][1, 2] = 0.00005  # a model so sure that no square matters
    figure = plots.plot_occlusion(images, [images[0] / 255] * 2, drops, [3, 5])
    maps = [figure.axes[row * 3 + 2].images[0] for row in range(2)]
    for shown, given in zip(maps, drops, strict=True):
        np.testing.assert_array_equal(shown.get_array(), given)
        assert shown.get_clim() == (-0.4, 0.4)  # the second row stays pale, not stretched
    assert "largest +40.0%" in figure.axes[2].get_title()
    assert "largest +0.0%" in figure.axes[5].get_title()
    tiny = plots.plot_occlusion(images[:1], [images[0] / 255], [drops[1]], [5])
    assert tiny.axes[2].images[0].get_clim() == (-0.01, 0.01)  # at least +-1%


def test_plot_top_activations_frames_the_patch_top_activations_found(model, digits):
    from matplotlib.patches import Rectangle

    from mnist_cnn import plots

    images = digits[0]
    indices, positions, _ = mnist_cnn.top_activations(model, images, "conv1", top=3)
    figure = plots.plot_top_activations(
        images, mnist_cnn.conv_filters(model)["conv1"], indices, positions
    )
    axes = np.array(figure.axes).reshape(8, 4)
    for number in range(8):
        for place in range(3):
            ax = axes[number, place + 1]
            np.testing.assert_array_equal(ax.images[0].get_array(), images[indices[number, place]])
            (square,) = [patch for patch in ax.patches if isinstance(patch, Rectangle)]
            row, column = positions[number, place]
            assert square.get_xy() == (column - 0.5, row - 0.5)
            assert square.get_width() == square.get_height() == 5
