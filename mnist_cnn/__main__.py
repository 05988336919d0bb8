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
import warnings
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


def _seed(text: str) -> int:
    from .data import MAX_SEED

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be from 0 to {MAX_SEED}, got {value}")
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
    train.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
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


def _save_somewhere(model, path: Path, **record) -> Path:
    """Save `model` to `path`; if that fails, to a temporary folder, so training is not lost."""
    import tempfile

    from .model import save_model

    try:
        return save_model(model, path, **record)
    except OSError as error:
        fallback = (
            Path(tempfile.gettempdir()) / f"{path.stem}-{time.strftime('%Y%m%d-%H%M%S')}.keras"
        )
        print(f"error: could not save to {path}: {error}", file=sys.stderr)
        saved = save_model(model, fallback, **record)
        print(
            f"saved the trained model to {saved} instead; move it where you want it, or train "
            f"again with --output pointing at a folder you can write to.",
            file=sys.stderr,
        )
        return saved


def run_train(arguments) -> int:
    from ._tensorflow import keras
    from .evaluation import evaluate
    from .model import build_cnn, check_destination
    from .split import SplitError
    from .training import TrainingDivergedError, train

    preset = PRESETS[arguments.preset]
    settings = preset.training
    epochs = arguments.epochs or settings.epochs
    # Check where the model will go before spending minutes training it.
    try:
        destination = check_destination(arguments.output, preset.model.name)
    except (ValueError, OSError) as error:
        print(f"error: --output: {error}", file=sys.stderr)
        return 2
    if arguments.full:
        (train_images, train_labels), (test_images, test_labels) = load_mnist()
        where = "all 60,000 training images; test: the official 10,000"
        data, test_data = "all of MNIST's training set", "the official MNIST test set"
    else:
        images, labels = load_sample(arguments.sample_size, seed=arguments.seed)
        try:
            (train_images, train_labels), (test_images, test_labels) = train_test_split(
                images, labels, arguments.train_fraction, seed=arguments.seed
            )
        except SplitError as error:
            print(
                f"error: --sample-size {arguments.sample_size} with --train-fraction "
                f"{arguments.train_fraction} leaves digit(s) {error.lacking} out of the "
                f"{error.part} part; use a larger --sample-size or a --train-fraction closer "
                f"to 0.5.",
                file=sys.stderr,
            )
            return 2
        where = (
            f"{len(train_images):,} of a {len(images):,}-image sample; "
            f"test: the other {len(test_images):,}"
        )
        data = (
            f"{len(images):,}-image sample of MNIST's training set (seed {arguments.seed}), "
            f"{arguments.train_fraction:.0%} part"
        )
        test_data = f"the other {1 - arguments.train_fraction:.0%} of that sample"
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

    try:
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
            keep_on_interrupt=False,
        )
    except KeyboardInterrupt:
        kept = f"; {destination} is unchanged" if destination.exists() else ""
        print(f"interrupted: training stopped, nothing saved{kept}.", file=sys.stderr)
        return 130
    except SplitError as error:
        print(
            f"error: the validation hold-out ({settings.validation_fraction:.0%} of the "
            f"{len(train_images):,} training images) would lack digit(s) {error.lacking}; use "
            f"a larger --sample-size.",
            file=sys.stderr,
        )
        return 2
    except TrainingDivergedError as error:
        print(f"error: {error} Nothing was saved.", file=sys.stderr)
        return 1
    result = evaluate(model, test_images, test_labels)
    print(f"test: {result}")
    path = _save_somewhere(
        model, destination, data=data, preset=arguments.preset, test=result, test_data=test_data
    )
    print(f"saved to {path}")
    return 0


def run_evaluate(arguments) -> int:
    from .evaluation import confusion_matrix, evaluate, predict
    from .model import load_model
    from .provenance import record_of

    model = load_model(arguments.path)
    record = record_of(model)
    print(f"{arguments.path}")
    if record is None:
        print("  (no record of what it was trained on: saved by an older version)")
    else:
        print("\n".join(f"  {line}" for line in str(record).splitlines()))
    _, (test_images, test_labels) = load_mnist()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the result itself says when images were seen
        result = evaluate(model, test_images, test_labels)
    print(f"official MNIST test set: {result}")
    predicted, _ = predict(model, test_images)
    _print_confusion(confusion_matrix(test_labels, predicted))
    return 0


def main(argv: list[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    try:
        if arguments.command == "train":
            return run_train(arguments)
        return run_evaluate(arguments)
    except (OSError, ValueError, TypeError) as error:  # bad data or files: one line, no traceback
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing saved.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
