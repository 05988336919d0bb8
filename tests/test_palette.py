"""Every pair of colours that carries a meaning stays apart for colour-blind readers.

The colours are read from the figures themselves (bars, lines, heatmap scales, outlines),
then simulated as a reader with deuteranopia or protanopia sees them (colorspacious, Machado
et al. 2009, at full severity). Their distance is measured in CAM02-UCS, where about 1 is the
smallest difference a reader notices between two large patches; small marks need far more.

- Two colours that carry the figure's main meaning (correct vs mistake, the right digit vs the
  guess, training vs validation) must be at least `MEANING` apart.
- Lines or bar series, each with its own marker, line style or hatch as well, must be at least
  `SERIES` apart.

And colour is never the only cue: each test also checks the second one.
"""

from __future__ import annotations

import itertools

import colorspacious
import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.patches import Rectangle

import mnist_cnn
from mnist_cnn import plots

#: Full-severity simulations of the two common red-green colour vision deficiencies
#: (about 1 man in 12 has one of them, or a milder form), and normal vision.
VISIONS = {
    "normal": None,
    "deuteranopia": {"name": "sRGB1+CVD", "cvd_type": "deuteranomaly", "severity": 100},
    "protanopia": {"name": "sRGB1+CVD", "cvd_type": "protanomaly", "severity": 100},
}
#: The old red and green (#de2d26 vs #31a354) were 10.9 apart for a deuteranope.
MEANING = 30.0
SERIES = 12.0


def seen_as(color, vision: str) -> np.ndarray:
    rgb = np.asarray(to_rgb(color))
    if VISIONS[vision] is None:
        return rgb
    return np.clip(colorspacious.cspace_convert(rgb, VISIONS[vision], "sRGB1"), 0, 1)


def distances(first, second) -> dict[str, float]:
    """CAM02-UCS distance between two colours, as seen with each kind of vision."""
    return {
        vision: float(
            colorspacious.deltaE(seen_as(first, vision), seen_as(second, vision), "sRGB1")
        )
        for vision in VISIONS
    }


def assert_apart(colors: dict[str, object], least: float) -> None:
    """Every pair of `colors` (named by what they mean) is at least `least` apart."""
    for (name1, color1), (name2, color2) in itertools.combinations(colors.items(), 2):
        for vision, distance in distances(color1, color2).items():
            assert distance >= least, (
                f"{name1} ({color1}) and {name2} ({color2}) are only {distance:.1f} apart "
                f"with {vision} (need {least})"
            )


def plotly_color(text: str):
    """A Plotly colour string ('#0072B2' or 'rgba(0,114,178,0.35)') as RGB in 0-1."""
    if text.startswith("rgb"):
        values = [float(v) for v in text[text.index("(") + 1 : -1].split(",")]
        return tuple(v / 255 for v in values[:3])
    return text


def test_the_check_catches_red_and_green():
    """The check itself: the red and green the series used before must fail."""
    with pytest.raises(AssertionError, match="deuteranopia"):
        assert_apart({"correct": "#31a354", "mistake": "#de2d26"}, MEANING)


def test_the_confusion_matrix_correct_and_mistake_cells():
    rng = np.random.default_rng(0)
    matrix = mnist_cnn.confusion_matrix(rng.integers(0, 10, 300), rng.integers(0, 10, 300))
    figure = mnist_cnn.plot_confusion_matrix(matrix)
    scales = {trace.name: trace.colorscale[-1][1] for trace in figure.data}
    assert_apart({"correct": scales["correct"], "mistakes": scales["mistakes"]}, MEANING)
    # Second cue: every diagonal cell, and only those, is outlined.
    outlined = {(shape.x0 + 0.5, shape.y0 + 0.5) for shape in figure.layout.shapes}
    assert outlined == {(digit, digit) for digit in range(10)}

    static = mnist_cnn.plot_confusion_matrix_static(matrix)
    ax = static.axes[0]
    mistakes, correct = (image.get_cmap()(1.0) for image in ax.images)
    assert_apart({"correct": correct, "mistakes": mistakes}, MEANING)
    outlines = [patch for patch in ax.patches if isinstance(patch, Rectangle)]
    assert sorted(patch.get_xy() for patch in outlines) == [(d - 0.5, d - 0.5) for d in range(10)]


def test_the_mistakes_gallery_right_digit_and_guess():
    images, labels = mnist_cnn.load_sample(50, seed=0)
    predicted = (labels + 1) % 10
    probabilities = np.full((50, 10), 0.05)
    probabilities[np.arange(50), predicted] = 0.5
    probabilities[np.arange(50), labels] = 0.3
    figure = mnist_cnn.plot_mistakes(images, labels, predicted, probabilities, [0])
    bars = [ax for ax in figure.axes if ax.patches][0].patches
    actual, guess = int(labels[0]), int(predicted[0])
    other = next(d for d in range(10) if d not in (actual, guess))
    colors = {
        "right digit": bars[actual].get_facecolor(),
        "guess": bars[guess].get_facecolor(),
        "other digits": bars[other].get_facecolor(),
    }
    assert_apart(colors, MEANING)
    # Second cue: the guess, and only the guess, is hatched.
    assert [digit for digit, bar in enumerate(bars) if bar.get_hatch()] == [guess]


def test_the_training_curves():
    from mnist_cnn.live_chart import TrainingRecord, curves_figure

    record = TrainingRecord()
    for epoch in range(3):
        record.add_batch(epoch, 0, 1, {"loss": 1.0, "accuracy": 0.5})
        logs = {"loss": 1 / (epoch + 1), "accuracy": 0.9, "val_loss": 1.1, "val_accuracy": 0.8}
        record.add_epoch(epoch, logs)
    traces = {trace["name"]: trace for trace in curves_figure(record)["data"]}
    # The curves (the best epoch's star sits on the validation curve, in its colour, so its
    # cue is its shape).
    colors = {
        name: plotly_color(trace["line"]["color"])
        for name, trace in traces.items()
        if "line" in trace
    }
    assert_apart(
        {
            "training": colors["training, per epoch"],
            "validation": colors["validation, per epoch"],
        },
        MEANING,
    )
    assert_apart(
        {
            "per batch": colors["training, per batch (smoothed)"],
            "validation": colors["validation, per epoch"],
        },
        SERIES,
    )
    # Second cue: training and validation differ in marker and in line style.
    train, validation = traces["training, per epoch"], traces["validation, per epoch"]
    assert train["marker"]["symbol"] != validation["marker"]["symbol"]
    assert train["line"]["dash"] != validation["line"]["dash"]


def test_the_lines_of_the_time_to_accuracy_chart():
    figure = mnist_cnn.plot_time_to_accuracy(mnist_cnn.load_benchmark_results())
    lines = [line for line in figure.axes[0].lines if not line.get_label().startswith("_")]
    assert len(lines) >= 4
    assert_apart({line.get_label(): line.get_color() for line in lines}, SERIES)
    for first, second in itertools.combinations(lines, 2):  # second cues, both of them
        assert first.get_marker() != second.get_marker()
        assert first.get_linestyle() != second.get_linestyle()


def test_the_bars_of_the_class_balance():
    labels = np.repeat(np.arange(10), 10)
    figure = mnist_cnn.plot_class_balance(train=labels, validation=labels, test=labels)
    containers = figure.axes[0].containers
    first_bars = {container.get_label(): container.patches[0] for container in containers}
    assert len(first_bars) == 3
    assert_apart({name: bar.get_facecolor() for name, bar in first_bars.items()}, SERIES)
    assert len({bar.get_hatch() for bar in first_bars.values()}) == 3  # second cue


def test_the_receptive_field_squares():
    images, _ = mnist_cnn.load_sample(10, seed=0)
    sizes = {"conv1": 5, "pool1": 6, "conv2": 14, "pool2": 16}
    figure = mnist_cnn.plot_receptive_fields(images[0], sizes)
    squares = figure.axes[0].patches
    assert_apart({square.get_label(): square.get_edgecolor() for square in squares}, SERIES)
    assert len({square.get_linestyle() for square in squares}) == len(sizes)  # second cue


def test_the_palette_is_okabe_ito():
    """Every colour that means something comes from the one palette."""
    palette = {to_rgb(color) for color in plots.OKABE_ITO.values()}
    for color in (
        plots.CORRECT_COLOR,
        plots.MISTAKE_COLOR,
        plots.CORRECT_SHADE,
        plots.MISTAKE_SHADE,
        *plots.SERIES_COLORS,
    ):
        assert to_rgb(color) in palette
