"""`python -m mnist_cnn`: argument errors, a tiny training run, evaluation and its errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mnist_cnn.__main__ import build_parser, main
from mnist_cnn.config import PRESETS


def run_cli(*arguments, env=None):
    return subprocess.run(
        [sys.executable, "-m", "mnist_cnn", *arguments],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["train", "--preset", "nope"], "invalid choice"),
        (["train", "--epochs", "0"], "must be at least 1"),
        (["train", "--epochs", "two"], "not a whole number"),
        (["train", "--train-fraction", "1"], "strictly between 0 and 1"),
        (["train", "--train-fraction", "nan"], "strictly between 0 and 1"),
        (["train", "--sample-size", "5"], "from 10 to 60000"),
        (["train", "--full", "--sample-size", "100"], "not allowed with argument"),
        (["evaluate"], "the following arguments are required: path"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_bad_arguments_exit_with_status_2(arguments, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(arguments)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_every_preset_builds_a_model_with_ten_outputs():
    from mnist_cnn import build_cnn

    for name, preset in PRESETS.items():
        model = build_cnn(preset.model)
        assert model.output_shape == (None, 10), name
        assert preset.training.epochs >= 1 and preset.training.batch_size >= 1


def test_the_tutorial_preset_is_the_tutorial_cnn_wider_with_augmentation():
    import dataclasses

    from mnist_cnn import CNNConfig, build_cnn
    from mnist_cnn.config import TUTORIAL_AUGMENTATION, TUTORIAL_FILTERS

    model = build_cnn(PRESETS["tutorial"].model)
    assert model.count_params() == 18_378
    assert f"{model.count_params():,} parameters" in PRESETS["tutorial"].description
    # The CNN's defaults are the tutorial's CNN; the preset widens it and adds augmentation.
    assert TUTORIAL_FILTERS == tuple(2 * f for f in CNNConfig().filters)
    without_augmentation = {name: 0 for name in TUTORIAL_AUGMENTATION}
    assert (
        dataclasses.replace(
            PRESETS["tutorial"].model, filters=CNNConfig().filters, **without_augmentation
        )
        == CNNConfig()
    )
    assert all(getattr(PRESETS["tutorial"].model, name) > 0 for name in TUTORIAL_AUGMENTATION)


def test_evaluating_a_missing_model_is_one_line_and_status_1(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "missing.keras")]) == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: no saved model at") and "\n" not in error


def test_evaluating_a_corrupt_model_is_one_line_and_status_1(tmp_path, capsys):
    path = tmp_path / "broken.keras"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    assert main(["evaluate", str(path)]) == 1
    error = capsys.readouterr().err.strip()
    assert "not a readable Keras model" in error and "Traceback" not in error


@pytest.mark.slow
def test_train_then_evaluate(tmp_path):
    output = tmp_path / "tiny.keras"
    trained = run_cli("train", "--epochs", "2", "--sample-size", "500", "--output", str(output))
    assert trained.returncode == 0, trained.stderr[-2000:]
    lines = trained.stdout.splitlines()
    assert sum(line.startswith("epoch ") for line in lines) == 2  # one line per epoch
    assert any(line.startswith("test: loss") for line in lines) and output.is_file()
    evaluated = run_cli("evaluate", str(output))
    assert evaluated.returncode == 0, evaluated.stderr[-2000:]
    assert "official MNIST test set" in evaluated.stdout
    assert "rows: actual digit, columns: predicted digit" in evaluated.stdout


# -- off the happy path (issue 10) -----------------------------------------------------------


def test_a_negative_seed_is_an_argument_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["train", "--seed", "-1"])
    assert exit_info.value.code == 2 and "--seed" in capsys.readouterr().err


@pytest.mark.parametrize(
    "output, message",
    [("folder", "is a folder"), ("model.h5", "must end in .keras"), ("file/m.keras", "cannot")],
)
def test_a_bad_output_is_refused_before_training(tmp_path, capsys, output, message):
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("a file, not a folder")
    status = main(["train", "--sample-size", "100", "--output", str(tmp_path / output)])
    captured = capsys.readouterr()
    assert status == 2 and "epoch" not in captured.out  # found before any training
    assert captured.err.startswith("error: --output:") and message in captured.err


def test_a_small_sample_is_explained_in_the_clis_words(capsys):
    status = main(["train", "--sample-size", "50", "--train-fraction", "0.9"])
    error = capsys.readouterr().err
    assert status == 2 and "--sample-size 50" in error and "--train-fraction" in error
    assert "stratify" not in error and "train_fraction=" not in error


def quick_preset(monkeypatch, **training):
    """The command line's tutorial preset, trained as `training` says (PRESETS itself
    cannot be changed)."""
    from mnist_cnn import __main__ as cli
    from mnist_cnn.config import Preset, TrainingConfig

    preset = Preset(PRESETS["tutorial"].model, TrainingConfig(**training))
    monkeypatch.setattr(cli, "PRESETS", {**PRESETS, "tutorial": preset})


def test_a_nan_loss_saves_nothing_and_fails(tmp_path, monkeypatch, capsys):
    quick_preset(monkeypatch, epochs=3, learning_rate=1e10)
    output = tmp_path / "m.keras"
    status = main(["train", "--sample-size", "300", "--output", str(output)])
    error = capsys.readouterr().err
    assert status == 1 and not output.exists()
    assert "the loss became nan" in error and "Nothing was saved" in error


def test_a_failed_save_keeps_the_model_elsewhere(tmp_path, monkeypatch, capsys):
    import errno

    from mnist_cnn import saving as model_module

    quick_preset(monkeypatch, epochs=1)
    real_save, calls = model_module.save_model, []

    def disk_full_once(model, path=None, **record):
        calls.append(path)
        if len(calls) == 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_save(model, path, **record)

    monkeypatch.setattr(model_module, "save_model", disk_full_once)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    status = main(["train", "--sample-size", "300", "--output", str(tmp_path / "m.keras")])
    error = capsys.readouterr().err
    assert status == 0 and "No space left on device" in error and "Traceback" not in error
    saved = list((tmp_path / "tmp").glob("m-*.keras"))
    assert len(saved) == 1 and f"saved the trained model to {saved[0]}" in error


def wait_for_line(process, prefix: str, timeout: float = 300) -> list[str]:
    """Read the process's output until a line starts with `prefix`."""
    import time

    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith(prefix):
            return lines
    raise AssertionError(f"no line starting with {prefix!r} in {lines}")


@pytest.mark.slow
@pytest.mark.parametrize("when", [0.6, 1.5, 3.0, "before the first epoch", "during training"])
def test_ctrl_c_keeps_the_old_model_and_exits_130(tmp_path, when):
    """Ctrl-C at any moment: loading data, importing TensorFlow (seconds after the start),
    before the first epoch or during training."""
    import signal
    import time

    output = tmp_path / "model.keras"
    output.write_bytes(b"the model trained yesterday")
    process = subprocess.Popen(
        [sys.executable, "-m", "mnist_cnn", "train", "--epochs", "50", "--output", str(output)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C as in a terminal: a test run in the background (e.g. `cmd &` in a script)
        # would hand down SIGINT ignored, and Python then keeps ignoring it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        if isinstance(when, float):
            time.sleep(when)
        else:
            wait_for_line(process, "preset" if when == "before the first epoch" else "epoch   1/")
        process.send_signal(signal.SIGINT)
        _, error = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 130, error[-2000:]
    assert "Traceback" not in error and error.strip().startswith("interrupted")
    assert len(error.strip().splitlines()) == 1
    assert output.read_bytes() == b"the model trained yesterday"


SAVE_REPEATEDLY = """
import pathlib, sys, time
import mnist_cnn
model = mnist_cnn.build_cnn(seed=int(sys.argv[2]))
print("ready", flush=True)
go = pathlib.Path(sys.argv[3])
while not go.exists():  # start together, so that the saves overlap
    time.sleep(0.01)
for _ in range(15):
    mnist_cnn.save_model(model, sys.argv[1])
"""


@pytest.mark.slow
def test_two_processes_saving_to_one_path_never_break_it(tmp_path):
    path, go = tmp_path / "shared.keras", tmp_path.parent / f"{tmp_path.name}-go"
    savers = [
        subprocess.Popen(
            [sys.executable, "-c", SAVE_REPEATEDLY, str(path), str(seed), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in (1, 2)
    ]
    for saver in savers:
        assert saver.stdout.readline().strip() == "ready"
    go.touch()
    for saver in savers:
        _, error = saver.communicate(timeout=300)
        assert saver.returncode == 0, error[-2000:]
    from mnist_cnn import load_model

    assert load_model(path).count_params() == 5_994  # a whole file, readable
    assert [p.name for p in tmp_path.iterdir()] == ["shared.keras"]  # no temporary file left
