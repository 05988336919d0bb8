"""The pipeline without a notebook: `python -m mnist_cnn train` and `python -m mnist_cnn evaluate`.

python -m mnist_cnn train                       # the tutorial's CNN on the 10,000-image sample
python -m mnist_cnn train --preset fast --full  # the fast recipe on all of MNIST
python -m mnist_cnn evaluate models/fast.keras  # loss, accuracy and confusion matrix
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from .data import NUM_CLASSES, load_mnist, load_sample
from .presets import PRESETS
from .split import train_test_split


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if math.isnan(value) or not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be strictly between 0 and 1, got {text}")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _sample_size(text: str) -> int:
    value = _positive(text)
    if not 10 <= value <= 60_000:
        raise argparse.ArgumentTypeError(f"must be from 10 to 60000, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mnist_cnn",
        description="Train and evaluate the MNIST CNN without a notebook.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = commands.add_parser("train", help="train a CNN, print its metrics, save it")
    train.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default="tutorial",
        help="model and training recipe (default: tutorial)",
    )
    train.add_argument("--epochs", type=_positive, help="override the preset's epochs")
    data = train.add_mutually_exclusive_group()
    data.add_argument(
        "--sample-size",
        type=_sample_size,
        default=10_000,
        help="train and test on a stratified sample of this size (default 10000)",
    )
    data.add_argument(
        "--full",
        action="store_true",
        help="train on all 60,000 training images, test on the official 10,000",
    )
    train.add_argument(
        "--train-fraction",
        type=_fraction,
        default=0.8,
        help="share of the sample used for training (default 0.8)",
    )
    train.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    train.add_argument(
        "--output", type=Path, help="where to save (default models/<model name>.keras)"
    )

    evaluate = commands.add_parser("evaluate", help="evaluate a saved model on the MNIST test set")
    evaluate.add_argument("path", type=Path, help="a .keras file saved by `train`")
    return parser


def _print_confusion(matrix) -> None:
    print("confusion matrix (rows: actual digit, columns: predicted digit)")
    print("actual\\pred " + "".join(f"{digit:>6}" for digit in range(NUM_CLASSES)))
    for actual, row in enumerate(matrix):
        print(f"{actual:>11} " + "".join(f"{count:>6}" for count in row))


def run_train(arguments) -> int:
    from ._tensorflow import keras
    from .evaluation import evaluate
    from .model import build_cnn, save_model
    from .training import train

    preset = PRESETS[arguments.preset]
    settings = preset.training
    epochs = arguments.epochs or settings.epochs
    if arguments.full:
        (train_images, train_labels), (test_images, test_labels) = load_mnist()
        where = "all 60,000 training images; test: the official 10,000"
    else:
        images, labels = load_sample(arguments.sample_size, seed=arguments.seed)
        (train_images, train_labels), (test_images, test_labels) = train_test_split(
            images, labels, arguments.train_fraction, seed=arguments.seed
        )
        where = (
            f"{len(train_images):,} of a {len(images):,}-image sample; "
            f"test: the other {len(test_images):,}"
        )
    model = build_cnn(preset.model, seed=arguments.seed)
    print(
        f"preset {arguments.preset}: {model.count_params():,} parameters, {epochs} epochs, "
        f"batch {settings.batch_size}; training on {where}"
    )

    started = time.perf_counter()

    class EpochLine(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            print(
                f"epoch {epoch + 1:>3}/{epochs}  loss {logs.get('loss', math.nan):.4f}  "
                f"accuracy {logs.get('accuracy', math.nan):.4f}  "
                f"val_loss {logs.get('val_loss', math.nan):.4f}  "
                f"val_accuracy {logs.get('val_accuracy', math.nan):.4f}  "
                f"{time.perf_counter() - started:6.1f} s",
                flush=True,
            )

    train(
        model,
        train_images,
        train_labels,
        epochs=epochs,
        batch_size=settings.batch_size,
        learning_rate=settings.learning_rate,
        schedule=settings.schedule,
        steps_per_execution=settings.steps_per_execution,
        validation_fraction=settings.validation_fraction,
        seed=arguments.seed,
        live_plot=False,
        callbacks=[EpochLine()],
        verbose=0,
    )
    result = evaluate(model, test_images, test_labels)
    print(f"test: {result}")
    path = save_model(model, arguments.output)  # default: models/<model name>.keras
    print(f"saved to {path}")
    return 0


def run_evaluate(arguments) -> int:
    from .evaluation import confusion_matrix, evaluate, predict
    from .model import load_model

    try:
        model = load_model(arguments.path)
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    _, (test_images, test_labels) = load_mnist()
    result = evaluate(model, test_images, test_labels)
    print(f"{arguments.path}: official MNIST test set: {result}")
    predicted, _ = predict(model, test_images)
    _print_confusion(confusion_matrix(test_labels, predicted))
    return 0


def main(argv: list[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    try:
        if arguments.command == "train":
            return run_train(arguments)
        return run_evaluate(arguments)
    except (FileNotFoundError, ValueError) as error:  # bad data or files: one line, no traceback
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
