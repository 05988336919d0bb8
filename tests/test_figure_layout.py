"""No two text labels of a package figure overlap, and no legend covers data.

Every matplotlib figure function of `mnist_cnn.plots` is drawn with typical data; every
text that is actually drawn (titles, axis labels, tick labels, legends, bar labels,
annotations) is measured on the canvas, and no two may intersect. Every legend is measured
too: it may not cover a bar, a line's points or an image. (The Plotly figures are measured
in a browser: tests/ui/test_plotly_layout.py.)
"""

from __future__ import annotations

import inspect
from itertools import combinations

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

import mnist_cnn
from mnist_cnn import plots

matplotlib.use("Agg")


def drawn_texts(figure: Figure) -> list[tuple[Text, object]]:
    """The visible, non-empty texts drawn on `figure`, with their window extents."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)  # the package closes its figures, which leaves them no canvas
    drawn = []
    original = Text.draw

    def recording_draw(self, renderer):
        if self.get_visible() and self.get_text().strip():
            drawn.append(self)
        return original(self, renderer)

    Text.draw = recording_draw
    try:
        figure.canvas.draw()
    finally:
        Text.draw = original
    renderer = figure.canvas.get_renderer()
    return [(text, text.get_window_extent(renderer)) for text in drawn]


def _intersect(box1, box2, tolerance: float = 1.0) -> bool:
    width = min(box1.x1, box2.x1) - max(box1.x0, box2.x0)
    height = min(box1.y1, box2.y1) - max(box1.y0, box2.y0)
    return width > tolerance and height > tolerance


def legends_over_data(figure: Figure) -> list[str]:
    """Legends (of an axes or of the figure) that cover a bar, a line's point or an image."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    legends = list(figure.legends) + [ax.get_legend() for ax in figure.axes if ax.get_legend()]
    found = []
    for legend in legends:
        box = legend.get_window_extent(renderer)
        for ax in figure.axes:
            for patch in ax.patches:
                if patch.get_visible() and _intersect(box, patch.get_window_extent(renderer)):
                    found.append(f"legend covers a {type(patch).__name__}")
            for line in ax.lines:
                points = line.get_transform().transform(line.get_xydata())
                if any(box.contains(x, y) for x, y in points):
                    found.append(f"legend covers a point of line {line.get_label()!r}")
            for image in ax.images:
                if _intersect(box, image.get_window_extent(renderer)):
                    found.append("legend covers an image")
    return found


def overlaps(figure: Figure, tolerance: float = 1.0) -> list[str]:
    """Pairs of texts whose boxes intersect by more than `tolerance` pixels both ways."""
    found = []
    for (first, box1), (second, box2) in combinations(drawn_texts(figure), 2):
        width = min(box1.x1, box2.x1) - max(box1.x0, box2.x0)
        height = min(box1.y1, box2.y1) - max(box1.y0, box2.y0)
        if width > tolerance and height > tolerance:
            found.append(f"{first.get_text()!r} overlaps {second.get_text()!r}")
    return found


@pytest.fixture(scope="module")
def sample():
    return mnist_cnn.load_sample(200, seed=0)


def confusion(sample):
    _, labels = sample
    rng = np.random.default_rng(0)
    predicted = np.where(rng.random(len(labels)) < 0.9, labels, rng.integers(0, 10, len(labels)))
    return mnist_cnn.confusion_matrix(labels, predicted), predicted


def probabilities_for(predicted):
    probabilities = np.full((len(predicted), 10), 0.02)
    probabilities[np.arange(len(predicted)), predicted] = 0.82
    return probabilities


def figure_cases(sample):
    """One or more typical calls of every matplotlib figure function, by name."""
    images, labels = sample
    matrix, predicted = confusion(sample)
    probabilities = probabilities_for(predicted)
    wrong = np.flatnonzero(predicted != labels)
    rng = np.random.default_rng(1)
    filters = {"conv1": rng.normal(size=(8, 5, 5)), "conv2": rng.normal(size=(16, 5, 5))}
    maps = {
        "conv1": rng.random((24, 24, 8)),
        "pool1": rng.random((12, 12, 8)),
        "conv2": rng.random((8, 8, 16)),
        "pool2": rng.random((4, 4, 16)),
    }
    # The tutorial preset's widths: 32 filters or maps wrap onto two lines of 16.
    wide_filters = {"conv1": rng.normal(size=(16, 5, 5)), "conv2": rng.normal(size=(32, 5, 5))}
    wide_maps = {
        "conv1": rng.random((24, 24, 16)),
        "pool1": rng.random((12, 12, 16)),
        "conv2": rng.random((8, 8, 32)),
        "pool2": rng.random((4, 4, 32)),
    }
    table = [
        ("rescale", "Rescaling", (28, 28), 0),
        ("add_channel", "Reshape", (28, 28, 1), 0),
        ("conv1", "Conv2D", (24, 24, 8), 208),
        ("pool1", "MaxPooling2D", (12, 12, 8), 0),
        ("conv2", "Conv2D", (8, 8, 16), 3216),
        ("pool2", "MaxPooling2D", (4, 4, 16), 0),
        ("flatten", "Flatten", (256,), 0),
        ("probabilities", "Dense", (10,), 2570),
    ]
    return {
        "plot_digit": [lambda: plots.plot_digit(images[0], label=labels[0])],
        "plot_digits": [
            lambda: plots.plot_digits(images, labels),
            lambda: plots.plot_digits(images, labels, indices=range(100, 116), columns=8),
        ],
        "plot_pixel_values": [lambda: plots.plot_pixel_values(images[0], label=labels[0])],
        "plot_class_balance": [
            lambda: plots.plot_class_balance(sample=labels),
            lambda: plots.plot_class_balance(train=labels[:160], test=labels[160:]),
            lambda: plots.plot_class_balance(
                train=np.repeat(np.arange(10), 5400), test=np.repeat(np.arange(10), 600)
            ),
        ],
        "plot_layer_shapes": [lambda: plots.plot_layer_shapes(table)],
        "plot_receptive_fields": [
            lambda: plots.plot_receptive_fields(
                images[0], {"conv1": 5, "pool1": 6, "conv2": 14, "pool2": 16}
            )
        ],
        "plot_confusion_matrix_static": [
            lambda: plots.plot_confusion_matrix_static(matrix),
            lambda: plots.plot_confusion_matrix_static(matrix * 50),
            lambda: plots.plot_confusion_matrix_static(matrix, normalize="true"),
        ],
        "plot_per_class_accuracy": [lambda: plots.plot_per_class_accuracy(matrix)],
        "plot_mistakes": [
            lambda: plots.plot_mistakes(images, labels, predicted, probabilities, wrong[:6]),
            lambda: plots.plot_mistakes(images, labels, predicted, probabilities, []),
        ],
        "plot_time_to_accuracy": [
            lambda: plots.plot_time_to_accuracy(mnist_cnn.load_benchmark_results())
        ],
        "plot_robustness": [
            lambda: plots.plot_robustness(mnist_cnn.load_benchmark_results("robustness"))
        ],
        "plot_drawing_and_prediction": [
            lambda: plots.plot_drawing_and_prediction(
                np.zeros((280, 280)), images[0], probabilities[0]
            )
        ],
        "plot_filters": [
            lambda: plots.plot_filters(filters),
            lambda: plots.plot_filters(filters, filters),
            lambda: plots.plot_filters(wide_filters, wide_filters),
        ],
        "plot_inside": [
            lambda: plots.plot_inside(
                images[0], labels[0], maps, probabilities[0], images[0] / 255
            ),
            lambda: plots.plot_inside(
                images[0], labels[0], wide_maps, probabilities[0], images[0] / 255
            ),
        ],
        "plot_confidence": [
            lambda: plots.plot_confidence(probabilities, labels),
            lambda: plots.plot_confidence(probabilities_for(labels), labels),  # no mistakes
        ],
        "plot_top_activations": [
            lambda: plots.plot_top_activations(
                images,
                filters["conv1"],
                rng.integers(0, len(images), (8, 6)),
                rng.integers(0, 24, (8, 6, 2)),
            )
        ],
        "plot_occlusion": [
            lambda: plots.plot_occlusion(
                images[:3], [images[0] / 255] * 3, [rng.normal(size=(7, 7)) / 5] * 3, [3, 5, 7]
            )
        ],
        "plot_weight_sharing": [
            lambda: plots.plot_weight_sharing(
                images[0], rng.normal(size=784), rng.normal(size=(5, 5))
            )
        ],
    }


def matplotlib_figure_functions() -> list[str]:
    """Every public function of plots.py that returns a matplotlib Figure."""
    names = []
    for name, function in inspect.getmembers(plots, inspect.isfunction):
        if function.__module__ == plots.__name__ and not name.startswith("_"):
            if inspect.signature(function).return_annotation in (Figure, "Figure"):
                names.append(name)
    return names


def test_every_figure_function_has_a_case(sample):
    assert set(matplotlib_figure_functions()) == set(figure_cases(sample))


@pytest.mark.parametrize("name", matplotlib_figure_functions())
def test_no_two_texts_overlap(name, sample):
    for make in figure_cases(sample)[name]:
        figure = make()
        assert isinstance(figure, Figure)
        assert drawn_texts(figure), f"{name} drew no text at all"
        assert not overlaps(figure), f"{name}: " + "; ".join(overlaps(figure))


@pytest.mark.parametrize("name", matplotlib_figure_functions())
def test_no_legend_covers_data(name, sample):
    for make in figure_cases(sample)[name]:
        figure = make()
        assert not legends_over_data(figure), f"{name}: " + "; ".join(legends_over_data(figure))


def test_the_check_catches_a_legend_over_bars():
    """The check itself: a legend inside a full bar chart must be reported."""
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(4, 3))
    ax.bar(range(10), np.full(10, 100), label="tall bars")
    ax.legend(loc="center")
    matplotlib.pyplot.close(figure)
    assert legends_over_data(figure)


def test_the_check_catches_overlapping_titles():
    """The check itself: two long titles on narrow subplots must be reported."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 3, figsize=(6, 2))
    for ax in axes:
        ax.set_title("a title far too long for such a narrow subplot")
    matplotlib.pyplot.close(figure)
    assert overlaps(figure)


def test_a_wide_layer_wraps_onto_lines_of_16():
    rng = np.random.default_rng(0)
    filters = {"conv1": rng.normal(size=(16, 5, 5)), "conv2": rng.normal(size=(32, 5, 5))}
    figure = plots.plot_filters(filters, filters)
    drawn = [ax for ax in figure.axes if ax.images]
    assert len(drawn) == 2 * (16 + 32)  # every filter, before and after
    columns = {round(ax.get_position().x0, 3) for ax in drawn}
    assert len(columns) == plots.MAX_COLUMNS == 16
    assert figure.get_size_inches()[0] <= 0.75 * 16 + 1e-9
    matplotlib.pyplot.close(figure)
