"""Evaluation: the confusion matrix, its report, its figures and the mistakes browser."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import mnist_cnn
from mnist_cnn import confusion_matrix, normalize_matrix

TRUE = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2])
PREDICTED = np.array([0, 1, 1, 1, 2, 2, 2, 0, 2])


def test_confusion_matrix_against_a_hand_computed_case():
    expected = np.array(
        [
            [1, 1, 0],  # actual 0: one right, one read as 1
            [0, 2, 1],  # actual 1: two right, one read as 2
            [1, 0, 3],  # actual 2: three right, one read as 0
        ]
    )
    np.testing.assert_array_equal(confusion_matrix(TRUE, PREDICTED, num_classes=3), expected)


def test_rows_are_actual_and_columns_predicted():
    matrix = confusion_matrix([3, 3, 3], [5, 5, 3])
    assert matrix[3, 5] == 2 and matrix[5, 3] == 0 and matrix[3, 3] == 1


def test_counts_sum_to_n_and_match_a_numpy_cross_check():
    rng = np.random.default_rng(0)
    true, predicted = rng.integers(0, 10, 1_000), rng.integers(0, 10, 1_000)
    matrix = confusion_matrix(true, predicted)
    assert matrix.shape == (10, 10) and matrix.sum() == 1_000
    cross_check = np.zeros((10, 10), int)
    np.add.at(cross_check, (true, predicted), 1)
    np.testing.assert_array_equal(matrix, cross_check)


def test_normalised_rows_and_columns_sum_to_one_and_empty_rows_stay_zero():
    matrix = confusion_matrix([0, 0, 1, 2], [0, 1, 1, 2], num_classes=4)  # no actual 3s
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a division warning would fail the test
        rows = normalize_matrix(matrix, "true")
        columns = normalize_matrix(matrix, "pred")
    np.testing.assert_allclose(rows.sum(axis=1), [1, 1, 1, 0])
    np.testing.assert_allclose(columns.sum(axis=0), [1, 1, 1, 0])
    with pytest.raises(ValueError, match="normalize"):
        normalize_matrix(matrix, "rows")


@pytest.mark.parametrize(
    "true, predicted, message",
    [
        ([1, 2, 3], [1, 2], "same length"),
        ([], [], "empty"),
        ([1, 10], [1, 2], "from 0 to 9"),
        ([-1, 2], [1, 2], "from 0 to 9"),
        ([1.5, 2], [1, 2], "whole numbers"),
        ([1, 2], [np.nan, 2], "whole numbers"),
        (["a", "b"], [1, 2], "whole numbers"),
        ([[1, 2]], [[1, 2]], "one-dimensional"),
    ],
)
def test_bad_inputs(true, predicted, message):
    with pytest.raises(ValueError, match=message):
        confusion_matrix(true, predicted)


def test_whole_floats_are_accepted():
    assert confusion_matrix([1.0, 2.0], [1, 2]).trace() == 2


def test_class_report_most_confused_and_mistakes():
    matrix = confusion_matrix(TRUE, PREDICTED, num_classes=3)
    report = mnist_cnn.class_report(matrix)
    assert report[2].recall == pytest.approx(3 / 4) and report[2].precision == pytest.approx(3 / 4)
    assert report[0].precision == pytest.approx(1 / 2) and report[1].support == 3
    assert report[1].f1 == pytest.approx(2 * (2 / 3) * (2 / 3) / (4 / 3))
    assert "precision" in str(report) and "<table>" in report._repr_html_()
    assert mnist_cnn.most_confused(matrix, top=2) == [(0, 1, 1), (1, 2, 1)]
    probabilities = np.full((9, 3), 0.1)
    probabilities[np.arange(9), PREDICTED] = [0.8, 0.6, 0.8, 0.8, 0.9, 0.8, 0.8, 0.7, 0.8]
    assert mnist_cnn.mistakes(TRUE, PREDICTED, probabilities).tolist() == [4, 7, 1]
    assert mnist_cnn.mistakes(TRUE, PREDICTED, probabilities, actual=2).tolist() == [7]


@pytest.mark.parametrize("normalize", [None, "true", "pred"])
def test_the_figure_has_labelled_axes_and_a_10x10_grid(normalize):
    rng = np.random.default_rng(1)
    matrix = confusion_matrix(rng.integers(0, 10, 500), rng.integers(0, 10, 500))
    figure = mnist_cnn.plot_confusion_matrix(matrix, normalize=normalize)
    assert figure.layout.xaxis.title.text == "Predicted"
    assert figure.layout.yaxis.title.text == "Actual"
    assert list(figure.layout.xaxis.tickvals) == list(range(10))
    assert figure.layout.yaxis.autorange == "reversed"  # actual 0 at the top
    for trace in figure.data:
        assert np.asarray(trace.z).shape == (10, 10)
        assert np.asarray(trace.text).shape == (10, 10)  # a value written in every cell
    correct = [t for t in figure.data if t.name == "correct"][0]
    assert (
        np.isnan(np.asarray(correct.z, float)[0, 1])
        and correct.colorscale != figure.data[0].colorscale
    )
    assert (
        figure.data[0].customdata[3][5].startswith(f"actual 3, predicted 5: {matrix[3, 5]} image")
    )


def test_static_figures_draw():
    matrix = confusion_matrix(TRUE, PREDICTED, num_classes=10)
    static = mnist_cnn.plot_confusion_matrix_static(matrix, normalize="true")
    assert static.axes[0].get_xlabel() == "Predicted" and static.axes[0].get_ylabel() == "Actual"
    assert len(static.axes[0].texts) == 100
    dots = mnist_cnn.plot_per_class_accuracy(matrix)
    (drawn,) = [line for line in dots.axes[0].lines if line.get_marker() == "o"]
    recall = np.diag(matrix) / np.maximum(matrix.sum(axis=1), 1)
    np.testing.assert_allclose(drawn.get_ydata(), 100 * recall)  # one dot per digit, its recall


def test_the_mistakes_browser_reacts_to_a_new_pair():
    images, labels = mnist_cnn.load_sample(100, seed=0)
    predicted = labels.copy()
    predicted[:6] = (labels[:6] + 1) % 10  # six mistakes
    predicted[6:9] = (labels[6:9] + 2) % 10
    probabilities = np.eye(10)[predicted] * 0.9 + 0.01
    browser = mnist_cnn.mistakes_browser(images, labels, predicted, probabilities)
    assert len(browser.pair.options) >= 2
    first = list(browser.shown)
    assert first and all(labels[i] != predicted[i] for i in first)
    actual, guess = browser.pair.options[-1][1]
    browser.pair.value = (actual, guess)
    assert browser.shown != first
    assert all(labels[i] == actual and predicted[i] == guess for i in browser.shown)


# Asymmetric on purpose: swapping rows and columns, or precision and recall, changes every answer.
ASYMMETRIC = np.array([[5, 0, 1], [3, 2, 0], [0, 4, 9]])


def test_precision_and_recall_are_not_swapped():
    report = mnist_cnn.class_report(ASYMMETRIC)
    # digit 0: 5 of the 8 images predicted 0 were 0s (precision); 5 of its 6 images found.
    assert report[0].precision == pytest.approx(5 / 8) and report[0].recall == pytest.approx(5 / 6)
    assert report[1].precision == pytest.approx(2 / 6) and report[1].recall == pytest.approx(2 / 5)
    assert [r.support for r in report] == [6, 5, 13]


def merged_z(figure) -> np.ndarray:
    """The values the Plotly heatmaps colour, diagonal and mistakes traces together."""
    layers = [np.asarray(trace.z, dtype=float) for trace in figure.data]
    return np.nansum(np.nan_to_num(layers, nan=0.0), axis=0)


@pytest.mark.parametrize("normalize", [None, "true"])
def test_the_plotly_matrix_colours_and_writes_each_cell_where_it_belongs(normalize):
    figure = mnist_cnn.plot_confusion_matrix(ASYMMETRIC, normalize=normalize)
    values = mnist_cnn.normalize_matrix(ASYMMETRIC, normalize)
    np.testing.assert_allclose(merged_z(figure), values)  # row = actual, column = predicted
    text = np.asarray(figure.data[0].text)
    assert text[2, 1].startswith("4") or text[2, 1].startswith(f"{values[2, 1]:.0%}"[:2])
    assert text[1, 0] != text[0, 1]
    assert figure.data[0].customdata[2][1].startswith("actual 2, predicted 1: 4 images")


def test_the_static_matrix_writes_each_cell_where_it_belongs():
    figure = mnist_cnn.plot_confusion_matrix_static(ASYMMETRIC)
    ax = figure.axes[0]
    written = {}
    for text in ax.texts:
        x, y = text.get_position()
        written[(round(y), round(x))] = text.get_text()  # (row = actual, column = predicted)
    for (actual, predicted), count in np.ndenumerate(ASYMMETRIC):
        assert written[(actual, predicted)].startswith(str(count)), (actual, predicted)
    drawn = np.zeros(ASYMMETRIC.shape)
    for image in ax.images:  # the diagonal and the mistakes, each drawn masked
        array = image.get_array()
        drawn += np.ma.filled(array.astype(float), 0)
    np.testing.assert_allclose(drawn, ASYMMETRIC)
