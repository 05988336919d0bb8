"""What the training chart shows (live and from a History): the loss on a log scale whose
range is set from the epoch values, and the epoch of the lowest validation loss marked, so
that a validation loss turning upwards can be read off the chart."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import pytest

from mnist_cnn import live_chart, plot_history

# An overfitting run: the training loss falls every epoch, the validation loss is lowest at
# epoch 3 and then rises; the validation accuracy is highest at epoch 4 (not the same epoch).
RUN = {
    "loss": [0.60, 0.20, 0.10, 0.05, 0.03, 0.02],
    "accuracy": [0.80, 0.94, 0.97, 0.985, 0.99, 0.995],
    "val_loss": [0.25, 0.15, 0.12, 0.13, 0.16, 0.19],
    "val_accuracy": [0.92, 0.95, 0.960, 0.962, 0.958, 0.955],
}


def record_of(run: dict, batch_losses=()) -> live_chart.TrainingRecord:
    record = live_chart.TrainingRecord(smoothing=0)
    for batch, loss in enumerate(batch_losses):
        record.add_batch(0, batch, len(batch_losses), {"loss": loss, "accuracy": 0.5})
    for epoch in range(len(run["loss"])):
        record.add_epoch(epoch, {key: values[epoch] for key, values in run.items()})
    return record


def best_mark(figure: dict) -> dict:
    (mark,) = [trace for trace in figure["data"] if trace.get("legendgroup") == "best"]
    return mark


def test_the_loss_axis_is_logarithmic_and_spans_the_epoch_values():
    # The per-batch line starts at 2.3 and dips to 0.001 once: the range keeps the start in
    # view and ignores the dip, which would squash the epochs into the top of the panel.
    record = record_of(RUN, batch_losses=[2.3, 1.0, 0.001, 0.5])
    axis = live_chart.curves_figure(record)["layout"]["yaxis1"]
    assert axis["type"] == "log" and "log scale" in axis["title"]["text"]
    low, high = axis["range"]  # log10 units
    epoch_values = RUN["loss"] + RUN["val_loss"]
    assert 10**low < min(epoch_values) < 10 ** (low + 0.3)  # just below the lowest epoch
    assert 10**low > 0.001  # not stretched down to the batch dip
    assert 10**high > 2.3  # the start of training stays in view
    # The validation loss's rise after epoch 3 (0.12 -> 0.19) takes a visible share of the
    # panel's height: on a linear axis from 0 to 2.3 it would be 3% of it.
    rise = (math.log10(0.19) - math.log10(0.12)) / (high - low)
    assert rise > 0.06


def test_the_accuracy_axis_spans_the_epoch_values_up_to_100_percent():
    record = record_of(RUN, batch_losses=[2.3, 1.0])
    low, high = live_chart.curves_figure(record)["layout"]["yaxis2"]["range"]
    assert 0.75 < low < min(RUN["accuracy"]) and 1 <= high < 1.05


def test_the_lowest_validation_loss_is_marked_on_both_panels():
    figure = live_chart.curves_figure(record_of(RUN))
    mark = best_mark(figure)
    assert mark["x"] == [3] and mark["y"] == [0.12]  # epoch 3, counted from 1
    assert mark["name"] == "lowest validation loss: epoch 3"
    assert (mark["xaxis"], mark["yaxis"]) == ("x1", "y1")
    lines = figure["layout"]["shapes"]
    assert [(line["xref"], line["yref"], line["x0"], line["x1"]) for line in lines] == [
        ("x", "y domain", 3, 3),
        ("x2", "y2 domain", 3, 3),
    ]
    go.Figure(figure)  # every key is one Plotly knows


def test_the_mark_follows_the_run_while_it_trains():
    record = live_chart.TrainingRecord()
    marks = []
    for epoch in range(len(RUN["loss"])):
        record.add_epoch(epoch, {key: values[epoch] for key, values in RUN.items()})
        marks.append(best_mark(live_chart.curves_figure(record))["x"][0])
    assert marks == [1, 2, 3, 3, 3, 3]


def test_plot_history_draws_the_same_marks_from_a_history():
    figure = plot_history(RUN, "a run").to_dict()  # a plotly Figure: axes "x", "y", "x2", ...
    assert list(best_mark(figure)["x"]) == [3] and list(best_mark(figure)["y"]) == [0.12]
    assert figure["layout"]["yaxis"]["type"] == "log"
    assert [line["x0"] for line in figure["layout"]["shapes"]] == [3, 3]


@pytest.mark.parametrize(
    "val_loss, best",
    [
        ([0.3, 0.2, 0.2, 0.25], 2),  # a tie: the first of the lowest
        ([math.nan, 0.4, 0.3], 3),  # a NaN epoch is not the lowest
        ([0.5, math.inf, 0.6], 1),
    ],
)
def test_the_best_epoch_skips_what_is_not_a_number(val_loss, best):
    record = live_chart.TrainingRecord()
    for epoch, value in enumerate(val_loss):
        record.add_epoch(epoch, {"loss": 0.1, "val_loss": value})
    assert live_chart.best_epoch(record) == best
    assert best_mark(live_chart.curves_figure(record))["x"] == [best]


def test_nothing_is_marked_or_fixed_before_there_is_something_to_show():
    record = live_chart.TrainingRecord()
    figure = live_chart.curves_figure(record)  # before the first batch
    assert "range" not in figure["layout"]["yaxis1"] and "shapes" not in figure["layout"]
    record.add_batch(0, 0, 10, {"loss": 2.3, "accuracy": 0.1})
    record.add_epoch(0, {"loss": 0.4, "accuracy": 0.9})  # no validation: nothing to mark
    figure = live_chart.curves_figure(record)
    assert "shapes" not in figure["layout"]
    assert not [trace for trace in figure["data"] if trace.get("legendgroup") == "best"]
    assert np.isclose(10 ** figure["layout"]["yaxis1"]["range"][1], 2.3, rtol=0.2)


def test_plot_history_lists_no_per_batch_line_it_does_not_have():
    data = plot_history(RUN).to_dict()["data"]
    shown = [trace["name"] for trace in data if trace.get("showlegend", True)]
    assert "training, per batch (smoothed)" not in shown
    assert "training, per epoch" in shown and "validation, per epoch" in shown
    live = live_chart.curves_figure(record_of(RUN, batch_losses=[2.3, 1.5]))
    assert "training, per batch (smoothed)" in [
        t["name"] for t in live["data"] if t.get("showlegend", True)
    ]
