"""Off-path cases of the second adversarial pass on issue 17 (the harness in /tmp/adv17): each
was silent, lost data, crashed or said too little; each test here failed before its fix."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest

import mnist_cnn
from mnist_cnn import PRESETS, build_cnn, train
from mnist_cnn._tensorflow import keras

layers = keras.layers
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def sample():
    return mnist_cnn.load_sample(300, seed=0)


def quiet(model, images, labels, **settings):
    settings.setdefault("epochs", 1)
    return train(model, images, labels, live_plot=False, verbose=0, **settings)


def logits_model():
    return keras.Sequential(
        [keras.Input((28, 28)), layers.Rescaling(1 / 255), layers.Flatten(), layers.Dense(10)]
    )


@pytest.fixture(scope="module")
def trained(sample):
    model = build_cnn(seed=0)
    quiet(model, *sample)
    return model


# -- train() ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"labels": None}, "train_labels must be given"),
        ({"validation_data": "empty"}, "validation_data holds no images"),
        ({"validation_data": "pair", "validation_fraction": 0.3}, "were both given"),
        ({"callbacks": keras.callbacks.EarlyStopping()}, r"callbacks=\[EarlyStopping"),
        (
            {"callbacks": [keras.callbacks.ReduceLROnPlateau()], "schedule": "cosine"},
            'schedule="constant"',
        ),
        (
            {"callbacks": [keras.callbacks.LearningRateScheduler(lambda epoch, rate: rate)]},
            "schedule='one_cycle'.*LearningRateScheduler|LearningRateScheduler.*one_cycle",
        ),
    ],
)
def test_train_refuses_what_it_would_do_silently_wrong(sample, settings, message):
    images, labels = sample
    settings = dict(settings)
    labels = settings.pop("labels", labels)
    if settings.get("validation_data") == "empty":
        settings["validation_data"] = (images[:0], labels[:0])
    elif settings.get("validation_data") == "pair":
        settings["validation_data"] = (images[:30], labels[:30])
    model = build_cnn(seed=0)
    before = model.get_weights()
    with pytest.raises(ValueError, match=message):
        quiet(model, images, labels, **settings)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))
    assert not model.compiled and mnist_cnn.model_record(model) is None


def test_train_refuses_a_model_that_gives_logits_and_says_how(sample):
    with pytest.raises(ValueError, match="not probabilities.*softmax.*from_logits=True"):
        quiet(logits_model(), *sample)
    model = logits_model()  # compiled for logits by the learner: trained as they asked
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    assert len(quiet(model, *sample).history["loss"]) == 1


def test_a_learners_learning_rate_of_0_is_named_as_such(sample):
    model = build_cnn(seed=0)
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="compiled with learning_rate=0") as error:
        quiet(model, *sample)
    assert "schedule" not in str(error.value)


def test_a_learners_schedule_that_would_end_during_the_run_is_refused(sample):
    model = build_cnn(seed=0)
    schedule = keras.optimizers.schedules.CosineDecay(0.01, decay_steps=4)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy")
    quiet(model, *sample, batch_size=128)  # 3 steps: the rate is still above 0
    with pytest.raises(ValueError, match="reaches 0 before this run ends.*at step 3"):
        quiet(model, *sample, batch_size=128)


class Subclassed(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(10, activation="softmax")

    def call(self, inputs):
        return self.dense(keras.ops.reshape(inputs, (-1, 784)) / 255)


def test_an_unbuilt_subclassed_model_that_diverges_gets_its_weights_back(sample):
    model = Subclassed()  # no weights until it first reads images
    with pytest.raises(mnist_cnn.TrainingDivergedError):
        quiet(model, *sample, optimizer="sgd", learning_rate=1e38, schedule="constant")
    assert model.built and all(np.isfinite(w).all() for w in model.get_weights())


def test_a_loaded_model_that_train_compiled_is_trained_again_with_a_fresh_schedule(
    sample, tmp_path
):
    model = build_cnn(seed=0)
    quiet(model, *sample, schedule="one_cycle")
    loaded = mnist_cnn.load_model(mnist_cnn.save_model(model, tmp_path / "m.keras"))
    history = quiet(loaded, *sample, learning_rate=1e-3)  # not "compiled by model.compile"
    assert history.stopped is None and mnist_cnn.model_record(loaded).epochs == 2
    mine = mnist_cnn.load_model(tmp_path / "m.keras")
    mine.compile(optimizer="adam", loss="sparse_categorical_crossentropy")  # the learner's own
    with pytest.raises(ValueError, match="keeps a compile of yours"):
        quiet(mine, *sample, learning_rate=1e-3)


class CtrlCAtStart(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        raise KeyboardInterrupt


def test_a_run_interrupted_before_its_first_step_notes_no_training(sample):
    model = build_cnn(seed=0)
    history = quiet(model, *sample, callbacks=[CtrlCAtStart()])
    assert history.stopped.startswith("interrupted")
    assert mnist_cnn.model_record(model) is None  # not "trained on 270 images, 0 epochs"


# -- the live chart and the figures ----------------------------------------------------------


def test_a_live_chart_used_again_starts_afresh(sample):
    images, labels = sample
    live = mnist_cnn.LiveCurves(show=lambda figure: None)
    live.request_stop()  # pressed before the first run: that run stops
    first = quiet(build_cnn(seed=0), images, labels, epochs=2, callbacks=[live])
    assert first.stopped is not None and len(first.history["loss"]) == 1
    second = quiet(build_cnn(seed=0), images, labels, epochs=2, callbacks=[live])
    assert second.stopped is None and live.stopped_because is None
    assert live.record.epoch_x == [1, 2]  # not the first run's points under the second's


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"show": 5}, "show must be a function"),
        ({"finish_on_train_end": "no"}, "finish_on_train_end must be True or False"),
    ],
)
def test_the_live_chart_checks_its_arguments(settings, message):
    with pytest.raises(ValueError, match=message):
        mnist_cnn.LiveCurves(**settings)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: mnist_cnn.plot_history("x"), ValueError, "history must be what train"),
        (lambda: mnist_cnn.plot_history(None), ValueError, "history must be what train"),
        (
            lambda: mnist_cnn.plot_history({"loss": [1, 2], "accuracy": [0.5]}),
            ValueError,
            "equally",
        ),
        (lambda: mnist_cnn.layer_table(None), TypeError, "model must be a Keras model"),
        (lambda: mnist_cnn.plot_layer_shapes([]), ValueError, r"layer_table\(model\)"),
        (lambda: mnist_cnn.plot_layer_shapes(build_cnn()), ValueError, "got a model"),
        (lambda: build_cnn(PRESETS["tutorial"]), TypeError, r"\.model"),
    ],
)
def test_figures_and_tables_name_a_wrong_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_widgets_and_figures_refuse_what_they_would_draw_wrong(sample):
    images, labels = sample
    digit, five = images[0], np.eye(10)[labels][:, :5]  # five columns of probabilities
    plot_drawing = mnist_cnn.plot_drawing_and_prediction
    cases = [
        (lambda: mnist_cnn.drawing_pad(scale=0), "scale must be a positive"),
        (lambda: plot_drawing(np.zeros((0, 0)), digit, np.full(10, 0.1)), "not empty"),
        (lambda: plot_drawing(digit, digit, np.full(10, 0.5)), "sum to 1"),
        (lambda: plot_drawing(digit, digit, np.full(9, 0.1)), "10 numbers"),
        (lambda: mnist_cnn.plot_weight_sharing(digit, np.zeros(784), np.zeros(5)), "conv_filter"),
        (lambda: mnist_cnn.plot_weight_sharing(digit, np.zeros(100), np.zeros((5, 5))), "784"),
        (lambda: mnist_cnn.plot_digits(images, labels, columns=0), "columns"),
        (lambda: mnist_cnn.plot_time_to_accuracy({}), "results must be"),
        (lambda: mnist_cnn.plot_filters(None), "conv_filters"),
        (lambda: mnist_cnn.mistakes_browser(images, labels, labels, five), r"\(300, 10\)"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message):
            call()


def test_the_pad_names_pixels_it_cannot_hold():
    pad = mnist_cnn.drawing_pad()
    pad.pixels = [300] * 784
    with pytest.raises(ValueError, match="pixels must be 784 values from 0 to 255"):
        print(pad.image)
    with pytest.raises(ValueError, match="image: a digit must have shape"):
        pad.image = None


def test_export_weights_refuses_a_reshape_the_page_cannot_read():
    from mnist_cnn.webexport import export_weights

    model = keras.Sequential(
        [
            keras.Input((28, 28)),
            layers.Rescaling(1 / 255),
            layers.Reshape((14, 56, 1)),
            layers.Conv2D(4, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ]
    )
    with pytest.raises(ValueError, match=r"Reshape to \(14, 56, 1\) cannot run in the browser"):
        export_weights(model)
    export_weights(build_cnn(seed=0))  # the page's own model still exports


def test_the_layer_table_of_an_unbuilt_model_says_to_build_it():
    with pytest.raises(ValueError, match="not been built"):
        mnist_cnn.layer_table(Subclassed())


# -- reading digits, evaluating ----------------------------------------------------------------


def test_predict_digit_and_evaluate_refuse_logits_and_missing_labels(sample):
    images, labels = sample
    with pytest.raises(ValueError, match="not probabilities.*softmax"):
        mnist_cnn.predict_digit(logits_model(), images[0])
    with pytest.raises(ValueError, match="labels must be given"):
        mnist_cnn.evaluate(build_cnn(seed=0), images, None)


def test_infinite_labels_are_not_called_fractions():
    from mnist_cnn.checks import check_labels

    with pytest.raises(ValueError, match="got infinite values") as error:
        check_labels(np.array([1.0, np.inf]))
    assert "fraction" not in str(error.value)


def test_evaluate_cannot_tell_unseen_after_model_fit_and_says_so(trained, sample):
    images, labels = sample
    from mnist_cnn.provenance import attach

    model = keras.models.clone_model(trained)
    model.set_weights(trained.get_weights())
    attach(model, mnist_cnn.model_record(trained))  # the same record, the same weights
    known = mnist_cnn.evaluate(model, images, labels, warn_if_seen=False).seen_in_training
    assert known == 270  # trained on 90% of the 300 (10% held out for validation)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(images[-20:], labels[-20:], epochs=1, verbose=0)  # not recorded
    with pytest.warns(UserWarning, match="cannot tell whether the model has seen"):
        result = mnist_cnn.evaluate(model, images[-20:], labels[-20:])
    assert result.seen_in_training is None and "cannot be told" in str(result)


# -- saving: nothing lost ----------------------------------------------------------------------


def damage_record(path):
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    entries["mnist_cnn_record.json"] = b"{not json"
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)


@pytest.mark.parametrize("how", ["keras", "damaged"])
def test_a_model_whose_record_is_missing_or_damaged_is_not_replaced_silently(
    trained, tmp_path, how
):
    path = tmp_path / "m.keras"
    if how == "keras":
        trained.save(path)  # Keras' own save: no record
    else:
        mnist_cnn.save_model(trained, path)
        damage_record(path)
    saved = path.read_bytes()
    with pytest.raises(FileExistsError, match="record.*overwrite=True") as error:
        mnist_cnn.save_model(build_cnn(seed=1), path)
    assert str(path) in str(error.value) and "no record of training" in str(error.value)
    assert path.read_bytes() == saved
    mnist_cnn.save_model(build_cnn(seed=1), path, overwrite=True)
    assert path.read_bytes() != saved


def test_a_model_saved_untrained_can_be_replaced_by_a_trained_one(trained, tmp_path):
    path = mnist_cnn.save_model(build_cnn(seed=1), tmp_path / "m.keras")
    assert mnist_cnn.model_record(mnist_cnn.load_model(path)) is None
    mnist_cnn.save_model(trained, path)
    assert mnist_cnn.model_record(mnist_cnn.load_model(path)).epochs == 1


@pytest.mark.parametrize("setting", [{"data": 5}, {"preset": ["tutorial"]}, {"test_data": b"x"}])
def test_save_model_refuses_descriptions_that_are_not_text(trained, tmp_path, setting):
    with pytest.raises(ValueError, match=f"{next(iter(setting))} must be text"):
        mnist_cnn.save_model(trained, tmp_path / "m.keras", **setting)
    assert list(tmp_path.iterdir()) == []


def written_partial(folder):
    """Whether the save in `folder` has begun to write its model (the destination check's
    own temporary file stays empty)."""
    for path in folder.glob("*.partial.keras"):
        try:
            yield path.stat().st_size > 0
        except FileNotFoundError:
            continue


@pytest.mark.skipif(sys.platform == "win32", reason="no flock on Windows (documented)")
def test_a_save_checks_again_just_before_it_replaces_the_file(trained, sample, tmp_path):
    """A save that passed its first check while another process saved a model trained more
    is refused at the last moment: the check is made again under the folder's lock."""
    import fcntl

    images, labels = sample
    more = build_cnn(seed=0)
    quiet(more, images, labels, epochs=2)
    staged = mnist_cnn.save_model(more, tmp_path / "staged" / "more.keras")
    path, errors = tmp_path / "m.keras", []

    def save_less():
        try:
            mnist_cnn.save_model(trained, path)
        except FileExistsError as error:
            errors.append(error)

    folder = os.open(tmp_path, os.O_RDONLY)
    fcntl.flock(folder, fcntl.LOCK_EX)  # as another process holding it to rename its file
    saver = threading.Thread(target=save_less)
    saver.start()
    while not any(written_partial(tmp_path)):
        saver.join(timeout=0.01)  # the first check passed (no file yet): the save writes
    os.replace(staged, path)  # meanwhile "the other process" put a 2-epoch model there
    os.close(folder)
    saver.join(timeout=60)
    assert errors and "trained for 2 epoch(s)" in str(errors[0])
    assert mnist_cnn.model_record(mnist_cnn.load_model(path)).epochs == 2


def test_the_command_line_does_not_replace_a_model_without_a_record(trained, tmp_path, capsys):
    from mnist_cnn.__main__ import main

    output = tmp_path / "m.keras"
    trained.save(output)  # Keras' own save: no record
    saved = output.read_bytes()
    assert main(["train", "--sample-size", "100", "--output", str(output)]) == 2
    error = capsys.readouterr().err
    assert "no record" in error and "--overwrite" in error and output.read_bytes() == saved


SAVE_LOOP = """
import sys
import mnist_cnn
model = mnist_cnn.build_cnn(seed=0)
print("ready", flush=True)
while True:
    mnist_cnn.save_model(model, sys.argv[1], overwrite=True)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is not a signal on Windows")
@pytest.mark.parametrize("delay", [0.05, 0.13, 0.21])
def test_sigterm_during_a_loop_of_real_saves_ends_the_process(tmp_path, delay):
    """Wherever SIGTERM lands in a save (in h5py's writing too, which swallows exceptions
    raised in its callbacks), the process ends with 143 and leaves a whole file."""
    import time

    path = tmp_path / "m.keras"
    process = subprocess.Popen(
        [sys.executable, "-c", SAVE_LOOP, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout.readline().strip() == "ready"
    time.sleep(0.5 + delay)
    process.send_signal(signal.SIGTERM)
    try:
        _, error = process.communicate(timeout=60)
    finally:
        process.kill()
    # 143: it came during a save (ended through Python); -15: between saves (default action)
    assert process.returncode in (143, -signal.SIGTERM), error[-2000:]
    assert [p.name for p in tmp_path.iterdir()] in (["m.keras"], [])  # no partial file
    if path.exists():  # a save had ended before the signal: the file is whole
        assert mnist_cnn.load_model(path).count_params() == build_cnn().count_params()


# -- the command line's signals ----------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_signals_during_evaluation_and_saving_are_held_then_read():
    from mnist_cnn.__main__ import _signals_held

    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with _signals_held() as received:
        os.kill(os.getpid(), signal.SIGINT)  # would raise KeyboardInterrupt mid-save
        os.kill(os.getpid(), signal.SIGTERM)
    assert received == [signal.SIGINT, signal.SIGTERM]
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_while_the_command_line_saves_keeps_the_file_and_says_so(tmp_path):
    output = tmp_path / "m.keras"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mnist_cnn",
            "train",
            "--preset",
            "fast",
            "--sample-size",
            "300",
            "--output",
            str(output),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    printed = ""
    for line in process.stdout:
        printed += line
        if line.startswith("test:"):
            process.send_signal(signal.SIGINT)  # evaluation done, saving starts
    error = process.stderr.read()
    process.wait(timeout=300)
    assert "Traceback" not in error, error[-2000:]
    if "stopped before saving" in error:  # it came during the evaluation's last steps
        assert process.returncode == 130 and not output.exists(), (printed, error)
        return
    if process.returncode == 130:  # it came while saving: the save ends whole, then it says
        assert "saved to" in printed and "interrupted while saving" in error, (printed, error)
    else:  # it came after the file was written: nothing to do
        assert process.returncode == 0 and "saved to" in printed, (printed, error)
    saved = mnist_cnn.model_record(mnist_cnn.load_model(output))
    assert saved.epochs == PRESETS["fast"].training.epochs  # whole, fully trained


SIGTERM_DURING_IMPORT = """
import signal, sys
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # as the command line does
print("importing", flush=True)
import mnist_cnn._tensorflow
print("imported", flush=True)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_during_the_tensorflow_import_ends_the_process_cleanly():
    import time

    process = subprocess.Popen(
        [sys.executable, "-c", SIGTERM_DURING_IMPORT],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout.readline().strip() == "importing"
    time.sleep(0.5)  # TensorFlow's import takes seconds: this lands inside it
    process.send_signal(signal.SIGTERM)
    printed, error = process.communicate(timeout=120)
    assert process.returncode == 143, error[-2000:]
    assert "Traceback" not in error and "TensorFlow is installed" not in error, error[-2000:]


# -- the book ----------------------------------------------------------------------------------


def load_build(tmp_path):
    import importlib.util

    sys.path.insert(0, str(ROOT / "book"))  # build.py imports its neighbours
    spec = importlib.util.spec_from_file_location("book_build_17", ROOT / "book" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    build.EXECUTED = tmp_path / "executed"
    return build


@pytest.mark.parametrize("problem", ["no folder", "orphan", "empty"])
def test_skip_execute_refuses_a_set_of_executed_notebooks_it_cannot_use(tmp_path, problem):
    build = load_build(tmp_path)
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if problem != "no folder":
        build.EXECUTED.mkdir()
        for notebook in notebooks:
            (build.EXECUTED / notebook.name).write_text(notebook.read_text())
        if problem == "orphan":
            (build.EXECUTED / "99_removed.ipynb").write_text(notebooks[0].read_text())
        else:
            (build.EXECUTED / notebooks[1].name).write_text("")
    with pytest.raises(SystemExit, match="--skip-execute needs") as error:
        build.check_executed(notebooks)
    word = {"no folder": "not executed", "orphan": "99_removed", "empty": "unreadable"}[problem]
    assert word in str(error.value)


def test_skip_execute_without_an_executed_folder_stops_before_executing(tmp_path, monkeypatch):
    build = load_build(tmp_path)

    def execute(notebook, destination):  # what a full build would do next: not this time
        raise AssertionError(f"--skip-execute went on to execute {notebook.name}")

    monkeypatch.setattr(build, "execute", execute)
    monkeypatch.setattr(sys, "argv", ["build.py", "--skip-execute"])
    with pytest.raises(SystemExit, match="--skip-execute needs.*not executed"):
        build.main()


def test_skip_execute_accepts_a_complete_fresh_set(tmp_path):
    build = load_build(tmp_path)
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    build.EXECUTED.mkdir()
    for notebook in notebooks:
        (build.EXECUTED / notebook.name).write_text(notebook.read_text())
    build.check_executed(notebooks)  # no exit
    assert json.loads((build.EXECUTED / notebooks[0].name).read_text())["cells"]
