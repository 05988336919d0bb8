"""`python -m mnist_cnn`: argument errors, a tiny training run, evaluation and its errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mnist_cnn.__main__ import build_parser, main
from mnist_cnn.presets import PRESETS


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


def test_the_tutorial_preset_is_the_tutorial_cnn():
    from mnist_cnn import CNNConfig, build_cnn

    assert build_cnn(PRESETS["tutorial"].model).count_params() == 5_994
    assert CNNConfig.tutorial() == PRESETS["tutorial"].model
    assert CNNConfig.fast() == PRESETS["fast"].model


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
