"""train() and the live-curves callback, on a few hundred images."""

from __future__ import annotations

import json

import numpy as np
import pytest

import mnist_cnn
from mnist_cnn import build_cnn, train
from mnist_cnn._tensorflow import keras
from mnist_cnn.live_chart import LiveCurves, curves_figure
from mnist_cnn.training import TrainingDivergedError


@pytest.fixture(scope="module")
def small_split():
    images, labels = mnist_cnn.load_sample(600, seed=0)
    return mnist_cnn.train_test_split(images, labels, 0.8, seed=0)


class Frames:
    """Collects every figure the live chart would have shown."""

    def __init__(self):
        self.figures = []

    def __call__(self, figure):
        json.dumps(figure)  # what the notebook receives must be plain JSON
        self.figures.append(figure)


def quiet_train(model, split, **settings):
    """train() headless and silent on the small split's training part, one batch per step
    (so callbacks see every batch)."""
    (train_images, train_labels), _ = split
    settings = {"seed": 0, "steps_per_execution": 1, **settings}
    return train(model, train_images, train_labels, live_plot=False, verbose=0, **settings)


def test_tiny_training_beats_chance(small_split):
    _, (test_images, test_labels) = small_split
    model = build_cnn(seed=0)
    history = quiet_train(model, small_split, epochs=3, batch_size=32, seed=0, learning_rate=3e-3)
    assert set(history.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    loss, accuracy = model.evaluate(test_images, test_labels, verbose=0)
    assert accuracy > 0.5  # chance is 0.1


def test_seeded_runs_repeat(small_split):

    def run():
        model = build_cnn(seed=5)
        return quiet_train(model, small_split, epochs=2, batch_size=32, seed=5).history

    first, second = run(), run()
    for key in first:
        np.testing.assert_allclose(first[key], second[key], rtol=1e-4, atol=1e-4)


def test_the_callback_records_every_epoch_headless(small_split):
    (train_images, train_labels), _ = small_split
    frames = Frames()
    live = LiveCurves(show=frames, min_interval=0)
    model = build_cnn(seed=0)
    history = quiet_train(
        model, small_split, epochs=3, batch_size=64, steps_per_execution=1, callbacks=[live]
    )  # steps_per_execution=1: Keras calls back after every batch, not every 8
    assert live.record.epoch_x == [1, 2, 3]
    assert live.record.epochs["val_loss"] == pytest.approx(history.history["val_loss"])
    steps = int(np.ceil(len(train_images) * 0.9 / 64))
    assert len(live.record.batch_x) == 3 * steps
    assert frames.figures, "the chart was never drawn"
    final = frames.figures[-1]
    names = {trace["name"] for trace in final["data"]}
    best = int(np.argmin(history.history["val_loss"])) + 1
    assert names == {
        "training, per batch (smoothed)",
        "training, per epoch",
        "validation, per epoch",
        f"lowest validation loss: epoch {best}",
    }
    assert len(final["data"]) == 7  # three traces for loss, three for accuracy, the best epoch
    # The chart grew while training ran, not only at the end.
    sizes = [len(figure["data"][0]["x"]) for figure in frames.figures]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]


def test_the_live_chart_is_throttled(small_split):
    frames = Frames()
    live = LiveCurves(show=frames, min_interval=60)
    quiet_train(build_cnn(seed=0), small_split, epochs=2, batch_size=16, seed=0, callbacks=[live])
    # One frame at the first batch, one per epoch end, one at the end: not one per batch.
    assert len(frames.figures) <= 1 + 2 + 1 < len(live.record.batch_x)


class StopAt(keras.callbacks.Callback):
    def __init__(self, live, batch):
        super().__init__()
        self.live, self.batch = live, batch

    def on_train_batch_end(self, batch, logs=None):
        if batch == self.batch:
            self.live.request_stop()  # what clicking the Stop button does


def test_the_stop_button_stops_after_the_current_batch(small_split):
    (train_images, train_labels), _ = small_split
    frames = Frames()
    live = LiveCurves(show=frames, min_interval=0)
    model = build_cnn(seed=0)
    history = quiet_train(
        model,
        small_split,
        epochs=50,
        batch_size=16,
        seed=0,
        steps_per_execution=1,  # the Stop is read after every batch, not every 8
        callbacks=[StopAt(live, 3), live],
    )
    assert len(live.record.batch_x) == 4  # batches 0-3 ran, then training ended
    assert len(history.history["loss"]) == 1  # the partial epoch is kept
    assert live.stopped_because == "Stop button"
    assert "stopped" in frames.figures[-1]["layout"]["title"]["text"]
    assert model.predict(train_images[:2], verbose=0).shape == (2, 10)  # the model still works


class PoisonAtStart(keras.callbacks.Callback):
    """Turn the output layer's weights into NaN just before the first batch."""

    def on_train_begin(self, logs=None):
        output = self.model.layers[-1]
        output.kernel.assign(np.full(output.kernel.shape, np.nan, dtype="float32"))


def test_a_nan_loss_stops_training_with_a_message(small_split):
    live = LiveCurves(show=Frames())
    model = build_cnn(seed=0)
    # NaN weights give a NaN loss on the first batch in every Keras 3 (a huge learning rate
    # only overflows to NaN in some: Keras 3.0 keeps the loss finite). They are set once
    # training has begun, as train() refuses a model whose weights are NaN already.
    with pytest.raises(TrainingDivergedError, match="too high: try") as error:
        quiet_train(
            model,
            small_split,
            epochs=20,
            batch_size=16,
            seed=0,
            steps_per_execution=1,  # Keras calls back after every batch
            callbacks=[PoisonAtStart(), live],
        )
    assert "epoch 1, batch 1," in str(error.value)
    assert len(model.history.history["loss"]) == 1  # stopped in the first epoch


class InterruptAt(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 2:
            raise KeyboardInterrupt


def test_an_interrupt_returns_the_history_so_far(small_split, capsys):
    history = quiet_train(
        build_cnn(seed=0), small_split, epochs=10, batch_size=64, seed=0, callbacks=[InterruptAt()]
    )
    assert len(history.history["loss"]) == 2
    assert "interrupted after 2" in capsys.readouterr().out


@pytest.mark.parametrize("arguments", [{"epochs": 0}, {"batch_size": -1}, {"epochs": 2.5}])
def test_bad_training_arguments(small_split, arguments):
    (train_images, train_labels), _ = small_split
    with pytest.raises(ValueError, match="positive whole number"):
        train(build_cnn(), train_images, train_labels, live_plot=False, **arguments)


def test_wrongly_shaped_images_are_refused():
    with pytest.raises(ValueError, match=r"\(N, 28, 28\)"):
        train(build_cnn(), np.zeros((10, 784), np.uint8), np.zeros(10, int), live_plot=False)


def test_the_final_figure_is_valid_plotly():
    import plotly.graph_objects as go

    live = LiveCurves(show=Frames())
    live.record.add_epoch(0, {"loss": 1.0, "accuracy": 0.5, "val_loss": 1.1, "val_accuracy": 0.4})
    go.Figure(curves_figure(live.record))  # raises if a key is not Plotly's
