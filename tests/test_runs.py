"""One description of a run (issue 17): frozen configs, train() called again, results computed
from predictions, nothing lost when saving, interrupts and NaN handled in one place."""

from __future__ import annotations

import dataclasses
import math
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mnist_cnn
from mnist_cnn import PRESETS, CNNConfig, TrainingConfig, build_cnn, train
from mnist_cnn._tensorflow import keras
from mnist_cnn.training import TrainingDivergedError


@pytest.fixture(scope="module")
def sample():
    images, labels = mnist_cnn.load_sample(400, seed=0)
    return images, labels


def quiet(model, images, labels, **settings):
    return train(model, images, labels, live_plot=False, verbose=0, **settings)


# -- the configs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        lambda: setattr(PRESETS["tutorial"].training, "epochs", 3),
        lambda: setattr(PRESETS["tutorial"].model, "filters", (4, 8)),
        lambda: setattr(PRESETS["tutorial"], "model", CNNConfig()),
        lambda: delattr(PRESETS["fast"].training, "seed"),
    ],
)
def test_presets_cannot_be_changed_in_place_and_the_error_says_how(change):
    with pytest.raises(dataclasses.FrozenInstanceError, match=r"dataclasses\.replace\("):
        change()
    assert PRESETS["tutorial"].training == TrainingConfig()  # unchanged for everyone else


def test_the_presets_mapping_cannot_be_changed():
    with pytest.raises(TypeError, match="PRESETS cannot be changed"):
        PRESETS["mine"] = PRESETS["tutorial"]
    with pytest.raises(TypeError, match="PRESETS cannot be changed"):
        del PRESETS["fast"]
    assert list(PRESETS) == ["tutorial", "fast", "accurate"]


@pytest.mark.parametrize(
    "kind, settings, message",
    [
        (CNNConfig, {"batch_norm": "no"}, "batch_norm must be True or False"),
        (CNNConfig, {"dropout": float("nan")}, "dropout must be in"),
        (CNNConfig, {"filters": (8, 0)}, "positive whole numbers"),
        (TrainingConfig, {"epochs": 2.0}, "epochs must be a positive whole number"),
        (TrainingConfig, {"seed": "0"}, "seed must be a whole number"),
        (TrainingConfig, {"schedule": "linear"}, "schedule must be one of"),
        (TrainingConfig, {"validation_fraction": 1}, "validation_fraction must be"),
        (TrainingConfig, {"learning_rate": -1}, "learning_rate must be a positive number"),
    ],
)
def test_configs_check_types_and_ranges(kind, settings, message):
    with pytest.raises(ValueError, match=message):
        kind(**settings)


def test_an_optimizer_object_is_refused_with_the_way_to_use_it():
    with pytest.raises(ValueError, match=r"compile the model with it"):
        TrainingConfig(optimizer=keras.optimizers.SGD(0.1))


@given(
    epochs=st.one_of(st.integers(-3, 50), st.floats(allow_nan=True), st.text(max_size=3)),
    learning_rate=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-2, 2)),
    validation_fraction=st.one_of(st.floats(-1, 2), st.booleans()),
    seed=st.one_of(st.none(), st.integers(-5, 2**33), st.booleans()),
)
@settings(max_examples=150, deadline=None)
def test_a_config_that_exists_is_a_valid_one(epochs, learning_rate, validation_fraction, seed):
    try:
        config = TrainingConfig(
            epochs=epochs,
            learning_rate=learning_rate,
            validation_fraction=validation_fraction,
            seed=seed,
        )
    except ValueError:
        return
    assert type(config.epochs) is int and config.epochs >= 1
    assert type(config.learning_rate) is float and 0 < config.learning_rate < math.inf
    assert type(config.validation_fraction) is float and 0 <= config.validation_fraction < 1
    assert config.seed is None or (type(config.seed) is int and 0 <= config.seed < 2**32)


def test_overrides_go_through_the_same_checks(sample):
    images, labels = sample
    with pytest.raises(TypeError, match="did you mean epochs"):
        quiet(build_cnn(), images, labels, epoch=3)
    with pytest.raises(ValueError, match="epochs must be a positive whole number"):
        quiet(build_cnn(), images, labels, epochs=0)
    with pytest.raises(ValueError, match="live_plot must be True or False"):
        train(build_cnn(), images, labels, live_plot="no")
    with pytest.raises(ValueError, match="config must be a TrainingConfig"):
        quiet(build_cnn(), images, labels, config=PRESETS["tutorial"])  # the whole preset


def test_the_command_line_and_load_or_train_read_the_tutorial_preset():
    """One set of defaults: train()'s default config is the preset's own object."""
    import inspect

    from mnist_cnn.__main__ import build_parser

    assert inspect.signature(train).parameters["config"].default is PRESETS["tutorial"].training
    assert build_parser().parse_args(["train"]).preset == "tutorial"


# -- training again -------------------------------------------------------------------------------


class RateAtStart(keras.callbacks.Callback):
    """The optimizer's learning rate when the run starts and when it ends."""

    def on_train_begin(self, logs=None):
        self.start = float(self.model.optimizer.learning_rate)

    def on_train_end(self, logs=None):
        self.end = float(self.model.optimizer.learning_rate)


def test_training_again_after_a_cosine_run_starts_a_fresh_schedule(sample):
    images, labels = sample
    model = build_cnn(seed=0)
    first, second = RateAtStart(), RateAtStart()
    quiet(model, images, labels, epochs=2, schedule="cosine", callbacks=[first])
    peak = TrainingConfig().learning_rate
    assert first.start == pytest.approx(peak) and first.end == pytest.approx(0, abs=1e-9)
    before = model.get_weights()
    history = quiet(model, images, labels, epochs=1, schedule="cosine", callbacks=[second])
    assert second.start == pytest.approx(peak)  # not 0: the weights move again
    assert any(not np.allclose(a, b) for a, b in zip(model.get_weights(), before, strict=True))
    assert history.config.epochs == 1 and history.stopped is None


def test_the_record_keeps_every_call_of_train(sample):
    images, labels = sample
    model = build_cnn(seed=0)
    quiet(model, images[:200], labels[:200], epochs=2, validation_fraction=0)
    quiet(model, images[200:], labels[200:], epochs=1, validation_fraction=0)
    record = mnist_cnn.model_record(model)
    assert record.epochs == 3
    assert record.trained_on == len(np.unique(images.reshape(400, -1), axis=0))
    assert record.overlap(images[:200]) == 200 and record.overlap(images[200:]) == 200


def test_a_learners_compile_whose_schedule_has_ended_is_refused(sample):
    images, labels = sample
    model = build_cnn(seed=0)
    schedule = keras.optimizers.schedules.CosineDecay(0.01, decay_steps=3)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy")
    model.fit(images, labels, epochs=1, batch_size=64, verbose=0)  # past the 3 steps
    with pytest.raises(ValueError, match="now has learning rate 0"):
        quiet(model, images, labels, epochs=1)


def test_a_learners_compile_with_a_loss_for_one_hot_labels_is_refused(sample):
    images, labels = sample
    model = build_cnn(seed=0)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        quiet(model, images, labels, epochs=1)


# -- results computed, not trusted ----------------------------------------------------------------


def expected(model, images, labels):
    probabilities = np.asarray(model.predict(images, verbose=0), np.float64)
    chosen = np.clip(probabilities[np.arange(len(labels)), labels], 1e-7, 1)
    return -np.log(chosen).mean(), (probabilities.argmax(1) == labels).mean()


@pytest.mark.parametrize(
    "compile_settings",
    [
        None,
        {"optimizer": "sgd", "loss": "sparse_categorical_crossentropy"},
        {
            "optimizer": "adam",
            "loss": "sparse_categorical_crossentropy",
            "metrics": [keras.metrics.SparseTopKCategoricalAccuracy(k=3)],
        },
        {"optimizer": "rmsprop", "loss": "mse", "metrics": ["mae", "accuracy"]},
    ],
)
def test_evaluate_computes_from_predictions_and_changes_nothing(sample, compile_settings):
    images, labels = sample
    model = build_cnn(seed=3)
    if compile_settings:
        model.compile(**compile_settings)
    optimizer = getattr(model, "optimizer", None)
    weights = model.get_weights()
    result = mnist_cnn.evaluate(model, images, labels)
    loss, accuracy = expected(model, images, labels)
    assert result.loss == pytest.approx(loss, rel=1e-5)
    assert result.accuracy == accuracy and result.count == len(images)
    assert getattr(model, "compiled", False) == bool(compile_settings)  # never compiled here
    assert getattr(model, "optimizer", None) is optimizer
    for now, before in zip(model.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(now, before)


def test_a_model_that_gives_logits_is_named():
    model = keras.Sequential(
        [keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)]
    )
    images = np.random.default_rng(0).integers(0, 256, (20, 28, 28), dtype=np.uint8)
    with pytest.raises(ValueError, match="not probabilities.*softmax"):
        mnist_cnn.evaluate(model, images, np.arange(20) % 10)


# -- nothing lost ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained_twice(sample):
    images, labels = sample
    model = build_cnn(seed=0)
    quiet(model, images, labels, epochs=2)
    return model


def test_an_untrained_model_does_not_silently_replace_a_trained_one(trained_twice, tmp_path):
    path = mnist_cnn.save_model(trained_twice, tmp_path / "m.keras")
    saved = path.read_bytes()
    with pytest.raises(FileExistsError) as error:
        mnist_cnn.save_model(build_cnn(seed=1), path)
    message = str(error.value)
    assert "trained for 2 epoch(s)" in message and "no record of training" in message
    assert "overwrite=True" in message and path.read_bytes() == saved
    mnist_cnn.save_model(build_cnn(seed=1), path, overwrite=True)
    assert path.read_bytes() != saved
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras"]


def test_a_model_trained_less_does_not_replace_one_trained_more(trained_twice, sample, tmp_path):
    images, labels = sample
    path = mnist_cnn.save_model(trained_twice, tmp_path / "m.keras")
    less = build_cnn(seed=0)
    quiet(less, images, labels, epochs=1)
    with pytest.raises(FileExistsError, match=r"trained for 1 epoch\(s\) on 360 images"):
        mnist_cnn.save_model(less, path)
    mnist_cnn.save_model(trained_twice, path)  # the same training again: fine


@pytest.mark.parametrize(
    "name, error, message",
    [
        ("~nosuchuser/m.keras", ValueError, "no such user"),
        ("x" * 250 + ".keras", ValueError, "too long"),
        (3, TypeError, "must be a file or folder name"),
    ],
)
def test_odd_destinations_are_clear_errors(trained_twice, tmp_path, name, error, message):
    path = tmp_path / name if isinstance(name, str) and name[0] != "~" else name
    with pytest.raises(error, match=message):
        mnist_cnn.save_model(trained_twice, path)
    if name != 3:
        with pytest.raises((error, FileNotFoundError)):
            mnist_cnn.load_model(path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "damage",
    [
        lambda record: record["test"].pop("count"),
        lambda record: record.update(epochs=None),
        lambda record: record.update(trained_on="many"),
        lambda record: record.update(seen=12),
        lambda record: record.update(seen="AAAA"),  # 3 bytes: not whole fingerprints
        lambda record: record.update(seed=True),
    ],
)
def test_a_damaged_record_is_warned_about_and_never_crashes_training(
    trained_twice, sample, tmp_path, damage
):
    import json

    images, labels = sample
    result = mnist_cnn.evaluate(trained_twice, images[:50], labels[:50], warn_if_seen=False)
    path = mnist_cnn.save_model(trained_twice, tmp_path / "m.keras", test=result)
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    record = json.loads(entries["mnist_cnn_record.json"])
    damage(record)
    entries["mnist_cnn_record.json"] = json.dumps(record).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    with pytest.warns(UserWarning, match="is damaged"):
        model = mnist_cnn.load_model(path)
    assert mnist_cnn.model_record(model) is None
    quiet(model, images, labels, epochs=1)  # no crash after training
    assert mnist_cnn.model_record(model).epochs == 1


SIGTERM_DURING_SAVE = """
import os, sys, time
sys.path.insert(0, {root!r})
from mnist_cnn.saving import save_model

class SlowModel:
    name, layers = "slow", []
    def predict(self, images): ...
    def get_weights(self): return []
    def save(self, path):
        with open(path, "wb") as file:
            file.write(b"half a model")
        print("writing", flush=True)
        time.sleep(60)

save_model(SlowModel(), {path!r})
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is not a signal on Windows")
def test_sigterm_during_a_save_leaves_no_partial_file(tmp_path):
    import signal

    script = SIGTERM_DURING_SAVE.format(
        root=str(os.path.dirname(os.path.dirname(mnist_cnn.__file__))),
        path=str(tmp_path / "m.keras"),
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "writing"
    assert any(p.name.endswith(".partial.keras") for p in tmp_path.iterdir())  # mid-save
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []


# -- one NaN stop, interrupts ----------------------------------------------------------------


class PoisonAtStart(keras.callbacks.Callback):
    """Turn the output layer's weights into NaN when training begins."""

    def on_train_begin(self, logs=None):
        output = self.model.layers[-1]
        output.kernel.assign(np.full(output.kernel.shape, np.nan, dtype="float32"))


def test_the_live_chart_shows_why_training_stopped(sample, monkeypatch):
    from mnist_cnn import training
    from mnist_cnn.live_chart import LiveCurves

    images, labels = sample
    charts, frames = [], []

    class Recorded(LiveCurves):
        def __init__(self, **options):
            super().__init__(show=frames.append, **options)
            charts.append(self)

    monkeypatch.setattr(training, "LiveCurves", Recorded)
    model = build_cnn(seed=0)
    before = model.get_weights()
    with pytest.raises(TrainingDivergedError, match="the loss became nan at epoch 1, batches 1-8"):
        train(model, images, labels, epochs=3, callbacks=[PoisonAtStart()], verbose=0)
    [chart] = charts
    assert chart.stopped_because.startswith("the loss became nan")
    assert "stopped: the loss became nan" in frames[-1]["layout"]["title"]["text"]
    for data in frames[-1]["data"]:  # NaN is sent as a gap, which JSON can carry
        assert all(y is None or math.isfinite(y) for y in data["y"])
    for now, then in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(now, then)


def test_ctrl_c_while_the_live_chart_is_made_returns_cleanly(sample, monkeypatch, capsys):
    from mnist_cnn import training

    def interrupted(**options):
        raise KeyboardInterrupt

    monkeypatch.setattr(training, "LiveCurves", interrupted)
    images, labels = sample
    history = train(build_cnn(seed=0), images, labels, epochs=2)
    assert history.history == {} and history.stopped.startswith("interrupted")
    assert "interrupted after 0" in capsys.readouterr().out


@pytest.mark.parametrize("smoothing", [-0.1, 1, 1.5, float("nan"), "0.9", True])
def test_the_live_chart_checks_its_smoothing(smoothing):
    from mnist_cnn.live_chart import LiveCurves

    with pytest.raises(ValueError, match="smoothing must be a number from 0"):
        LiveCurves(smoothing=smoothing, show=lambda figure: None)


def test_the_smoothed_curve_is_debiased():
    """Smoothing starts at the first value, not at 0 (as TensorBoard's does)."""
    from mnist_cnn.live_chart import TrainingRecord

    record = TrainingRecord(smoothing=0.9)
    for batch in range(3):  # a constant loss of 2 (Keras reports running means)
        record.add_batch(0, batch, 10, {"loss": 2.0, "accuracy": 0.5})
    assert record.batch_loss == pytest.approx([2.0, 2.0, 2.0])
    record.add_batch(0, 3, 10, {"loss": 1.75, "accuracy": 0.5})  # this batch's own loss: 1.0
    assert record.batch_loss[-1] == pytest.approx((0.9 * 0.271 * 2 + 0.1 * 1.0) / (1 - 0.9**4))


TF_IMPORT_INTERRUPTED = """
import os, signal, sys, threading
sys.path.insert(0, {root!r})
signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal or a kernel
timer = threading.Timer({delay}, os.kill, (os.getpid(), signal.SIGINT))
timer.start()
try:
    import mnist_cnn._tensorflow
    timer.cancel()  # an import done first: no Ctrl-C in what follows (a fast machine)
    print("imported before the interrupt")
except KeyboardInterrupt:
    print("interrupted; tensorflow imported:", "tensorflow" in sys.modules)
import mnist_cnn  # the cell run again
print("again:", mnist_cnn.build_cnn(seed=0).count_params())
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is sent differently on Windows")
@pytest.mark.parametrize("delay", [0.2, 0.8, 1.6, 2.4])
def test_ctrl_c_while_tensorflow_is_imported_then_again_works(delay):
    """Ctrl-C part way through the TensorFlow import is held until the import ends (a cut-off
    import cannot be done again in the same process), so running the cell again works."""
    script = TF_IMPORT_INTERRUPTED.format(
        root=str(os.path.dirname(os.path.dirname(mnist_cnn.__file__))), delay=delay
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "again: 5994" in run.stdout, run.stdout
    if "interrupted" in run.stdout:
        assert "tensorflow imported: True" in run.stdout


# -- images keep the contract -------------------------------------------------------------------


def test_packed_digits_read_floats_as_their_pixels(sample):
    from mnist_cnn.webexport import pack_digits, unpack_digits

    images, _ = sample
    assert (unpack_digits(pack_digits(images[:5] / 255)) == images[:5]).all()
    with pytest.raises(ValueError, match="from 0 to 1 when given as floats"):
        pack_digits(images[:5].astype(np.float32))


def test_the_pads_image_setter_keeps_the_contract(sample):
    from mnist_cnn.widgets import drawing_pad

    images, _ = sample
    pad = drawing_pad()
    pad.image = images[0] / 255
    assert (pad.image == images[0]).all()
    with pytest.raises(ValueError, match="NaN"):
        pad.image = np.full((28, 28), np.nan)


def test_export_weights_refuses_what_the_page_cannot_run(trained_twice):
    from mnist_cnn.webexport import export_weights

    layers = keras.layers
    dense_first = keras.Sequential(
        [
            keras.Input((28, 28)),
            layers.Dense(4),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ]
    )
    with pytest.raises(ValueError, match="order the drawing pad's script cannot run"):
        export_weights(dense_first)
    no_softmax_last = keras.Sequential(
        [keras.Input((28, 28)), layers.Flatten(), layers.Dense(10, activation="relu")]
    )
    with pytest.raises(ValueError, match="order the drawing pad's script cannot run"):
        export_weights(no_softmax_last)
    softmax_layer = keras.Sequential(
        [keras.Input((28, 28)), layers.Flatten(), layers.Dense(10), layers.Softmax()]
    )
    assert export_weights(softmax_layer)["layers"][-1]["activation"] == "softmax"
    broken = keras.models.clone_model(trained_twice)
    broken.set_weights([np.full_like(w, np.inf) for w in trained_twice.get_weights()])
    with pytest.raises(ValueError, match="NaN or infinite weights"):
        export_weights(broken)


def test_widgets_check_their_model_when_made(sample):
    images, labels = sample
    with pytest.raises(TypeError, match="model must be a Keras model"):
        mnist_cnn.digit_reader(None)
    with pytest.raises(TypeError, match="model must be a Keras model"):
        mnist_cnn.inside_browser("model.keras", images, labels)


def test_the_drawing_figure_checks_its_inputs(sample):
    images, _ = sample
    with pytest.raises(ValueError, match="probabilities must be 10 numbers"):
        mnist_cnn.plot_drawing_and_prediction(images[0], images[0], np.full(9, 1 / 9))
    with pytest.raises(ValueError, match="drawn must be from 0 to 1"):
        mnist_cnn.plot_drawing_and_prediction(images[0] * 2.0, images[0], np.full(10, 0.1))


# -- builds fail loudly ----------------------------------------------------------------------------


def test_the_book_refuses_to_build_from_an_incomplete_set(tmp_path, monkeypatch):
    import importlib.util
    from pathlib import Path

    build_path = Path(mnist_cnn.__file__).parent.parent / "book" / "build.py"
    monkeypatch.syspath_prepend(str(build_path.parent))  # build.py imports its neighbours
    spec = importlib.util.spec_from_file_location("book_build", build_path)
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    sources = tmp_path / "notebooks"
    sources.mkdir()
    for name in ("01_a.ipynb", "02_b.ipynb", "03_c.ipynb"):
        (sources / name).write_text("{}")
    executed = tmp_path / "executed"
    executed.mkdir()
    (executed / "01_a.ipynb").write_text("{}")
    (executed / "03_c.ipynb").write_text("{}")
    os.utime(executed / "03_c.ipynb", (1, 1))  # older than its source
    monkeypatch.setattr(build, "EXECUTED", executed)
    with pytest.raises(SystemExit, match=r"not executed: 02_b\.ipynb; changed since: 03_c"):
        build.check_executed(sorted(sources.iterdir()))
