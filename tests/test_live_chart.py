"""The live chart in a notebook: what it sends to the front end, and the Stop button's
reliance on ipykernel's comm routing."""

from __future__ import annotations

import json
import threading
import types

import numpy as np
import pytest

import mnist_cnn
from mnist_cnn import build_cnn, live_chart, train
from mnist_cnn.live_chart import PLOTLY_MIME, LiveCurves


class Displays:
    """Stands in for IPython's display(): keeps every raw bundle shown."""

    def __init__(self):
        self.bundles: list[dict] = []

    def __call__(self, *objects, raw=False, **kwargs):
        for item in objects:
            if raw and isinstance(item, dict):
                json.dumps(item)  # what a kernel sends must be plain JSON
                self.bundles.append(item)


@pytest.fixture
def notebook_displays(monkeypatch):
    """LiveCurves as in a notebook (widgets made, bundles displayed), without a kernel."""
    import IPython.display

    displays = Displays()
    monkeypatch.setattr(IPython.display, "display", displays)
    monkeypatch.setattr(live_chart, "in_notebook", lambda: True)
    return displays


def test_every_live_bundle_carries_html_under_the_colab_renderer(notebook_displays, monkeypatch):
    import plotly.io

    monkeypatch.setattr(plotly.io.renderers, "default", "colab")
    images, labels = mnist_cnn.load_sample(300, seed=0)
    model = build_cnn(seed=0)
    live = LiveCurves(min_interval=0)
    assert live.visible
    frames = []  # what the chart's Output widget is given while training
    live.output.observe(lambda change: frames.extend(change["new"]), "outputs")
    train(model, images, labels, epochs=2, batch_size=32, live_plot=False, callbacks=[live])
    bundles = [frame["data"] for frame in frames] + notebook_displays.bundles
    assert len(bundles) > 5, "the chart was not redrawn while training"
    for bundle in bundles:
        assert set(bundle) == {PLOTLY_MIME, "text/html", "text/plain"}
        html = bundle["text/html"]
        assert "Plotly.newPlot(div, " in html and "cdn.plot.ly" in html
        # the HTML draws the same points as the Plotly JSON
        assert json.dumps(bundle[PLOTLY_MIME]["data"][0]["y"][-1]) in html
    sizes = [len(bundle[PLOTLY_MIME]["data"][0]["x"]) for bundle in bundles]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]


def test_a_bundle_costs_little_to_make():
    import time

    record = live_chart.TrainingRecord()
    for batch in range(2000):  # more than the 600 points a trace is thinned to
        record.add_batch(batch // 100, batch % 100, 100, {"loss": 1.0, "accuracy": 0.5})
    figure = live_chart.curves_figure(record)
    start = time.perf_counter()
    for _ in range(20):
        bundle = live_chart.figure_bundle(figure, "summary")
    seconds = (time.perf_counter() - start) / 20
    # Measured 2 ms; plotly.io.to_html takes 28 ms (it hashes all of plotly.js each time),
    # which at 4 redraws a second would be over 10% of one core.
    assert seconds < 0.010, f"making a bundle took {seconds * 1e3:.1f} ms"
    assert len(bundle["text/html"]) < len(json.dumps(figure)) + 2_000


def test_the_html_draws_the_figure_with_plotly_from_its_cdn():
    import re

    import plotly

    figure = {"data": [{"type": "scatter", "x": [1, 2], "y": [0.5, 0.25]}], "layout": {"height": 9}}
    html = live_chart.figure_html(figure)
    assert f"cdn.plot.ly/plotly-{plotly.offline.get_plotlyjs_version()}.min.js" in html
    div_id = re.search(r'<div id="([^"]+)" class="plotly-graph-div"', html).group(1)
    assert f'getElementById("{div_id}")' in html
    call = re.search(r"Plotly.newPlot\(div, (.*), (.*), \{\"responsive\"", html)
    assert json.loads(call.group(1)) == figure["data"]
    assert json.loads(call.group(2)) == figure["layout"]
    assert live_chart.NO_PLOTLY_NOTE in html  # until plotly.js has drawn the chart
    assert live_chart.figure_html(figure) != html  # a fresh div id each time
    assert "<\\/script>" in live_chart.figure_html({"layout": {"title": "</script>"}})


# -- the Stop button and ipykernel's subshell routing ---------------------------------

CLICK = {"method": "custom", "content": {"event": "click"}}


def ipykernel_comm():
    from ipykernel.comm.comm import BaseComm

    return BaseComm(target_name="jupyter.widget", primary=False, comm_id="test")


OLDEST, TOO_NEW = live_chart.SUBSHELL_ROUTING_VERSIONS
needs_subshells = pytest.mark.skipif(
    (live_chart._ipykernel_version() or (0, 0)) < OLDEST,
    reason="ipykernel before 7.4 does not route clicks back to the busy shell",
)


@needs_subshells
def test_ipykernel_routes_a_click_to_the_subshell_that_last_published():
    """The behaviour `_let_clicks_through` works around. If this fails, ipykernel changed
    its comm routing: read `_let_clicks_through` again and update the tested versions."""
    comm = ipykernel_comm()
    # What ipykernel's publish_msg does when the busy cell (main shell: None) sends state.
    with comm._reply_subshell_lock:
        comm._reply_subshell_id = None
    assert comm._reply_subshell_for(CLICK, "frontend-subshell") is None


@needs_subshells
def test_the_stop_button_forgets_the_route_so_the_frontend_choice_stands():
    installed = live_chart._ipykernel_version()
    assert installed < TOO_NEW, (
        f"ipykernel {installed} is newer than SUBSHELL_ROUTING_VERSIONS "
        f"{live_chart.SUBSHELL_ROUTING_VERSIONS}: check its comm routing, then widen the range"
    )
    comm = ipykernel_comm()
    with comm._reply_subshell_lock:
        comm._reply_subshell_id = None
    button = types.SimpleNamespace(comm=comm)
    assert live_chart._let_clicks_through(button) is True
    assert comm._reply_subshell_for(CLICK, "frontend-subshell") == "frontend-subshell"


@pytest.mark.parametrize("version", [(6, 29), (7, 3)])
def test_an_ipykernel_without_the_routing_is_left_alone(monkeypatch, version):
    monkeypatch.setattr(live_chart, "_ipykernel_version", lambda: version)
    comm = types.SimpleNamespace(_reply_subshell_lock=threading.Lock(), _reply_subshell_id=None)
    assert live_chart._let_clicks_through(types.SimpleNamespace(comm=comm)) is False
    assert hasattr(comm, "_reply_subshell_id")


def test_an_untested_ipykernel_is_left_alone(monkeypatch):
    monkeypatch.setattr(live_chart, "_ipykernel_version", lambda: TOO_NEW)
    comm = types.SimpleNamespace(_reply_subshell_lock=threading.Lock(), _reply_subshell_id=None)
    assert live_chart._let_clicks_through(types.SimpleNamespace(comm=comm)) is False
    assert hasattr(comm, "_reply_subshell_id")


def test_a_comm_without_subshell_routing_is_left_alone():
    plain = types.SimpleNamespace(comm=types.SimpleNamespace())
    assert live_chart._let_clicks_through(plain) is False


def test_reports_every_few_batches_give_the_mean_of_the_batches_between_them():
    """Keras reports once every `steps_per_execution` batches (after batch 7, 15, ... for 8),
    each time the running mean of the epoch so far."""
    losses = np.linspace(2.0, 0.2, 40)  # each batch's own loss, 5 reports of 8 batches
    accuracies = np.linspace(0.1, 0.9, 40)
    record = live_chart.TrainingRecord(smoothing=0)
    for last in range(7, 40, 8):
        record.add_batch(
            0,
            last,
            40,
            {"loss": losses[: last + 1].mean(), "accuracy": accuracies[: last + 1].mean()},
        )
    assert record.batch_loss == pytest.approx(losses.reshape(5, 8).mean(axis=1))
    assert record.batch_accuracy == pytest.approx(accuracies.reshape(5, 8).mean(axis=1))
    assert record.batch_x == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])


def test_smoothing_decays_per_batch_however_often_keras_reports():
    """A step from a loss of 2 to 1 looks the same reported every batch or every 8."""
    every, eighth = (live_chart.TrainingRecord(smoothing=0.9) for _ in range(2))
    own = [2.0] * 16 + [1.0] * 16
    for batch in range(32):
        mean = float(np.mean(own[: batch + 1]))
        every.add_batch(0, batch, 32, {"loss": mean, "accuracy": 0.5})
        if batch % 8 == 7:
            eighth.add_batch(0, batch, 32, {"loss": mean, "accuracy": 0.5})
    # Every batch after the step has the same own loss, so a chunk's mean is that loss too.
    assert eighth.batch_loss[-1] == pytest.approx(every.batch_loss[-1])
    assert eighth.batch_loss[1] == pytest.approx(every.batch_loss[15])


def test_a_real_run_with_several_batches_per_call_draws_sane_batch_curves():
    from mnist_cnn import keras

    images, labels = mnist_cnn.load_sample(1_000, seed=0)
    model = mnist_cnn.build_cnn(seed=0)
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=8,
    )
    record = live_chart.TrainingRecord(smoothing=0)

    class Record(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            record.add_batch(self.epoch, batch, 32, logs)

    model.fit(images, labels, batch_size=32, epochs=2, verbose=0, callbacks=[Record()])
    assert len(record.batch_loss) == 8  # 32 batches an epoch, 4 reports
    assert all(0 < loss < 5 for loss in record.batch_loss), record.batch_loss
    assert all(0 <= accuracy <= 1 for accuracy in record.batch_accuracy), record.batch_accuracy
