"""The robustness benchmark's parts: the pad drawings and their rendering, the changes of the
test digits, the stored result and its chart."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import matplotlib.colors
import numpy as np
import pytest

import mnist_cnn
from mnist_cnn import plots

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import pad_drawings  # noqa: E402
import robustness  # noqa: E402


@pytest.fixture(scope="module")
def test_digits():
    (_, _), (images, labels) = mnist_cnn.load_mnist()
    return images[:200], labels[:200]


# --- the pad drawings ---------------------------------------------------------------------


def test_one_touch_paints_the_pads_round_brush():
    # A touch at the centre of cell (row 5, column 7): the script's ink is
    # 255 * clip(1.2 + 0.5 - distance, 0, 1), distance from each cell's centre.
    pixels = pad_drawings.render_strokes([[(75, 55)]])
    assert pixels[5, 7] == 255
    assert pixels[5, 8] == pixels[4, 7] == math.floor(255 * (1.7 - 1) + 0.5)  # 179
    assert pixels[6, 8] == math.floor(255 * (1.7 - math.hypot(1, 1)) + 0.5)  # 73
    assert pixels[5, 9] == 0 and pixels[3, 7] == 0
    assert (pixels > 0).sum() == 9


def test_a_stroke_fills_the_gap_between_two_pointer_events():
    line = pad_drawings.render_strokes([[(20, 100), (260, 100)]])
    assert (line[10, 2:26] == 255).all()  # one unbroken line across
    dots = pad_drawings.render_strokes([[(20, 100)], [(260, 100)]])
    assert (dots[10, 5:23] == 0).all()  # two strokes of one point each: no line between


def test_the_stored_drawings_are_what_the_script_makes(tmp_path):
    stored = json.loads(pad_drawings.STROKES.read_text())
    assert stored["drawings"] == pad_drawings.make_drawings(seed=stored["seed"])
    assert stored["pad"] == {"cells": 28, "scale": 10, "brush": 1.2}
    readme = (pad_drawings.STROKES.parent / "README.md").read_text()
    assert "No person drew these" in readme


def test_pad_drawings_cover_every_digit_and_are_prepared_as_the_pad_prepares_them():
    images, labels = pad_drawings.load_pad_drawings()
    assert images.shape == (300, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [30] * 10
    prepared, same_labels = pad_drawings.prepared_pad_drawings()
    np.testing.assert_array_equal(same_labels, labels)
    np.testing.assert_array_equal(prepared[17], mnist_cnn.preprocess_drawing(images[17]))
    # Prepared the MNIST way: the ink fits a 20x20 box centred in 28x28.
    rows = np.flatnonzero(prepared[17].max(axis=1) > 0)
    assert rows.max() - rows.min() <= 20


# --- the changes ------------------------------------------------------------------------------


def _ink(images):
    return images.astype(float).sum(axis=(1, 2))


def _centre(images):
    weights = images.astype(float)
    rows = (weights.sum(axis=2) * np.arange(28)).sum(axis=1) / weights.sum(axis=(1, 2))
    columns = (weights.sum(axis=1) * np.arange(28)).sum(axis=1) / weights.sum(axis=(1, 2))
    return np.column_stack([rows, columns])


def test_every_change_keeps_shape_and_type_is_seeded_and_changes_the_digits(test_digits):
    images, _ = test_digits
    changed = robustness.changed_test_sets(images, seed=0)
    again = robustness.changed_test_sets(images, seed=0)
    other = robustness.changed_test_sets(images, seed=5)
    assert list(changed) == list(robustness.CHANGES)
    for key, result in changed.items():
        assert result.shape == images.shape and result.dtype == np.uint8, key
        assert not np.array_equal(result, images), key
        np.testing.assert_array_equal(result, again[key], err_msg=key)
    randomised = ("rotated", "off_centre", "broken")
    for key in randomised:
        assert not np.array_equal(changed[key], other[key]), key
    np.testing.assert_array_equal(images, test_digits[0])  # the input is left alone


def test_each_change_does_what_its_name_says(test_digits):
    images, _ = test_digits
    changed = robustness.changed_test_sets(images)
    ink = _ink(images)
    assert (_ink(changed["thicker"]) > 1.3 * ink).all()
    assert (_ink(changed["thinner"]) < 0.9 * ink).all()
    assert np.median(_ink(changed["smaller"]) / ink) == pytest.approx(0.49, abs=0.05)
    moved = np.hypot(*(_centre(changed["off_centre"]) - _centre(images)).T)
    assert np.median(moved) == pytest.approx(4, abs=0.6)
    assert (changed["blurred"].max(axis=(1, 2)) < images.max(axis=(1, 2))).mean() > 0.9
    assert (_ink(changed["broken"]) < ink).all()
    # Rotated by 20 degrees: the principal axis of the ink turns by about that much.
    turned = []
    for before, after in zip(images, changed["rotated"], strict=True):
        angles = []
        for image in (before, after):
            rows, columns = np.nonzero(image > 100)
            covariance = np.cov(np.vstack([columns, rows]))
            vector = np.linalg.eigh(covariance)[1][:, -1]
            angles.append(np.degrees(np.arctan2(vector[1], vector[0])))
        turned.append(abs((angles[1] - angles[0] + 90) % 180 - 90))
    assert np.median(turned) == pytest.approx(20, abs=4)


# --- the stored result and its chart ----------------------------------------------------------


def _results():
    return {
        "changes": {"thicker": "thicker strokes", "pad_drawings": "drawn on the pad"},
        "target_drop": 3.0,
        "models": [
            {"name": "small", "plain": 0.97, "changes": {"thicker": 0.90, "pad_drawings": 0.80}},
            {"name": "large", "plain": 0.99, "changes": {"thicker": 0.985, "pad_drawings": 0.95}},
        ],
    }


def test_plot_robustness_draws_each_models_accuracies_with_its_own_colour_and_marker():
    figure = plots.plot_robustness(_results())
    ax = figure.axes[0]
    points = [line for line in ax.lines if line.get_linestyle() == "None"]
    assert [line.get_label() for line in points] == ["small", "large"]
    # The axis spans 4 x 3 points below the lowest plain accuracy (97): from 85. The 80 sits
    # at the edge, its value written beside it.
    assert ax.get_xlim()[0] == 85
    np.testing.assert_allclose(points[0].get_xdata(), [97, 90, 85.4])
    np.testing.assert_allclose(points[1].get_xdata(), [99, 98.5, 95])
    assert [text.get_text() for text in ax.texts] == ["80.0%"]
    assert points[0].get_ydata()[0] < points[1].get_ydata()[0]  # side by side in a row
    assert points[0].get_marker() != points[1].get_marker()
    assert points[0].get_color() != points[1].get_color()
    okabe_ito = {"#e69f00", "#56b4e9", "#009e73", "#0072b2", "#d55e00", "#cc79a7"}
    assert {matplotlib.colors.to_hex(line.get_color()) for line in points} <= okabe_ito
    # Each model's line 3 points below its plain accuracy.
    dotted = [line for line in ax.lines if line.get_linestyle() == ":"]
    assert [line.get_xdata()[0] for line in dotted] == pytest.approx([94, 96])
    labels = [tick.get_text() for tick in ax.get_yticklabels()]
    assert labels == ["plain test digits", "thicker strokes", "drawn on the pad"]


def test_plot_robustness_shows_the_models_asked_for():
    figure = plots.plot_robustness(_results(), models=["large"])
    points = [line for line in figure.axes[0].lines if line.get_linestyle() == "None"]
    assert [line.get_label() for line in points] == ["large"]


@pytest.mark.parametrize(
    "results, models, message",
    [
        ({"models": []}, None, "stored robustness benchmark"),
        ([], None, "stored robustness benchmark"),
        (_results(), ["medium"], r"models must be names of stored models \('small', 'large'\)"),
        (_results(), [], "models must be names"),
    ],
)
def test_plot_robustness_refuses_what_it_cannot_draw(results, models, message):
    with pytest.raises(ValueError, match=message):
        plots.plot_robustness(results, models=models)


def test_the_stored_robustness_result_has_every_change_for_every_model():
    results = mnist_cnn.load_benchmark_results("robustness")
    assert set(results["changes"]) == {*robustness.CHANGES, robustness.PAD}
    assert results["test_digits"] == 10_000 and results["pad_drawings"] == 300
    for row in results["models"]:
        assert set(row["changes"]) == set(results["changes"])
        assert 0.9 < row["plain"] <= 1
    plots.plot_robustness(results)


def test_load_benchmark_results_names_the_benchmarks():
    assert "recipes" in mnist_cnn.load_benchmark_results()
    with pytest.raises(ValueError, match="name must be one of 'time_to_accuracy', 'robustness'"):
        mnist_cnn.load_benchmark_results("speed")


def test_the_stored_rows_are_todays_presets_and_the_baseline_is_what_it_says():
    """A row named after a preset was measured with that preset as it is now (a preset changed
    after the run would make the chart describe another model), and each 'before:' row with
    the benchmark's own baseline recipe."""
    import dataclasses

    results = mnist_cnn.load_benchmark_results("robustness")
    baseline = robustness._baseline_presets()
    for row in results["models"]:
        preset = (baseline if row["name"].startswith("before: ") else mnist_cnn.PRESETS)[
            row["preset"]
        ]
        as_stored = json.loads(json.dumps(dataclasses.asdict(preset)))
        assert row["model"] == as_stored["model"], row["name"]
        assert row["training"] == as_stored["training"], row["name"]
