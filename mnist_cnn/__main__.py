"""The pipeline without a notebook: `python -m mnist_cnn train` and `python -m mnist_cnn evaluate`.

python -m mnist_cnn train                       # the tutorial preset on the 10,000-image sample
python -m mnist_cnn train --preset fast --full  # the fast recipe on all of MNIST
python -m mnist_cnn evaluate models/fast.keras  # loss, accuracy and confusion matrix
"""

from __future__ import annotations

import argparse
import contextlib
import math
import signal
import sys
import threading
import time
import warnings
from pathlib import Path

from .checks import MAX_SEED, NUM_CLASSES
from .config import PRESETS, replace
from .data import load_mnist, load_sample
from .split import SplitError, train_test_split


def _argument(kind: type, allowed, words: str):
    """An argparse type: text read as `kind` (int or float), refused unless `allowed`."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"not a {'whole ' * (kind is int)}number: {text!r}"
            ) from None
        if not allowed(value):  # NaN fails every comparison, so it is refused too
            raise argparse.ArgumentTypeError(f"must be {words}, got {text}")
        return value

    return parse


_positive = _argument(int, lambda value: value >= 1, "at least 1")
_fraction = _argument(float, lambda value: 0 < value < 1, "strictly between 0 and 1")
_seed = _argument(int, lambda value: 0 <= value <= MAX_SEED, f"from 0 to {MAX_SEED}")
_sample_size = _argument(int, lambda value: 10 <= value <= 60_000, "from 10 to 60000")


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
    train.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the --output model even if it was trained for more epochs",
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

    from .saving import save_model

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


def _load_data(arguments):
    """The training and test parts the arguments ask for, and three descriptions: where the
    run trains, the training data, the test data."""
    if arguments.full:
        train_part, test = load_mnist()
        return (
            train_part,
            test,
            (
                "all 60,000 training images; test: the official 10,000",
                "all of MNIST's training set",
                "the official MNIST test set",
            ),
        )
    images, labels = load_sample(arguments.sample_size, seed=arguments.seed)
    share = arguments.train_fraction
    try:
        train_part, test = train_test_split(images, labels, share, seed=arguments.seed)
    except SplitError as error:
        raise _UsageError(
            f"--sample-size {arguments.sample_size} with --train-fraction {share} leaves "
            f"digit(s) {error.lacking} out of the {error.part} part; use a larger "
            f"--sample-size or a --train-fraction closer to 0.5."
        ) from None
    size, sample = len(images), f"sample of MNIST's training set (seed {arguments.seed})"
    return (
        train_part,
        test,
        (
            f"{len(train_part[0]):,} of a {size:,}-image sample; test: the other {len(test[0]):,}",
            f"{size:,}-image {sample}, {share:.0%} part",
            f"the other {1 - share:.0%} of that sample",
        ),
    )


class _UsageError(ValueError):
    """Arguments that cannot work together: exit 2, as argparse does."""


def _check_output(arguments, preset, epochs: int) -> Path:
    """The --output path, checked before training: writable, and not a model trained more."""
    from .saving import check_destination, saved_record

    try:
        destination = check_destination(arguments.output, preset.model.name)
    except (ValueError, OSError) as error:
        raise _UsageError(f"--output: {error}") from None
    old, problem = saved_record(destination)
    if problem and not arguments.overwrite:
        raise _UsageError(
            f"--output: {destination} {problem}, so it cannot be told whether this run "
            f"({epochs} epochs) trains less than the model it holds, and saving would replace "
            f"that one. Give another --output, or add --overwrite to replace it."
        )
    if old is not None and old.epochs > epochs and not arguments.overwrite:
        raise _UsageError(
            f"--output: {destination} holds a model trained for {old.epochs} epochs "
            f"({old.data}); this run trains {epochs}, so saving would replace it with one "
            f"trained less. Give another --output, or add --overwrite to replace it."
        )
    return destination


def run_train(arguments) -> int:
    preset = PRESETS[arguments.preset]
    epochs = {"epochs": arguments.epochs} if arguments.epochs else {}
    config = replace(preset.training, {"seed": arguments.seed, **epochs})
    # What can be checked without TensorFlow is checked before it starts (a few seconds).
    destination = _check_output(arguments, preset, config.epochs)
    (train_images, train_labels), (test_images, test_labels), described = _load_data(arguments)
    where, data, test_data = described
    from ._tensorflow import keras
    from .evaluation import evaluate
    from .model import build_cnn
    from .training import TrainingDivergedError, train

    model = build_cnn(preset.model, seed=arguments.seed)
    print(
        f"preset {arguments.preset}: {model.count_params():,} parameters, {config.epochs} epochs, "
        f"batch {config.batch_size}; training on {where}"
    )
    started = time.perf_counter()

    # From here on Ctrl-C and SIGTERM are noted, not raised inside TensorFlow (which could
    # leave its threads mid-step: a crash at exit): training stops after the current batch,
    # evaluation and saving end whole, and then the signal decides the exit status.
    with _signals_held() as received:

        class EpochLine(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                self.model.stop_training = self.model.stop_training or bool(received)

            def on_epoch_end(self, epoch, logs=None):
                if received:
                    return  # a cut-off epoch: no line
                values = "  ".join(
                    f"{key} {(logs or {}).get(key, math.nan):.4f}"
                    for key in ("loss", "accuracy", "val_loss", "val_accuracy")
                )
                seconds = time.perf_counter() - started
                print(
                    f"epoch {epoch + 1:>3}/{config.epochs}  {values}  {seconds:6.1f} s", flush=True
                )

        try:
            history = train(
                model,
                train_images,
                train_labels,
                config,
                live_plot=False,
                callbacks=[EpochLine()],
                verbose=0,
            )
        except SplitError as error:
            raise _UsageError(
                f"the validation hold-out ({config.validation_fraction:.0%} of the "
                f"{len(train_images):,} training images) would lack digit(s) {error.lacking}; "
                f"use a larger --sample-size."
            ) from None
        except TrainingDivergedError as error:
            print(f"error: {error} Nothing was saved.", file=sys.stderr)
            return 1
        kept = f"; {destination} is unchanged" if destination.exists() else ""
        if received or (history.stopped or "").startswith("interrupted"):
            print(f"interrupted: training stopped, nothing saved{kept}.", file=sys.stderr)
            return 128 + (received or [signal.SIGINT])[0]
        result = evaluate(model, test_images, test_labels)
        print(f"test: {result}", flush=True)
        if received:
            print(f"interrupted: stopped before saving, nothing saved{kept}.", file=sys.stderr)
            return 128 + received[0]
        # overwrite: checked before training, against the epochs this run would train
        record = dict(data=data, preset=arguments.preset, test=result, test_data=test_data)
        path = _save_somewhere(model, destination, overwrite=True, **record)
        print(f"saved to {path}", flush=True)
        if received:
            print(f"interrupted while saving: the model was saved first ({path}).", file=sys.stderr)
            return 128 + received[0]
    return 0


@contextlib.contextmanager
def _signals_held():
    """For the block, SIGINT and SIGTERM are noted (in the list it yields), not acted on:
    evaluation and saving end whole, and the caller decides what a signal means.

    Run as `python -m mnist_cnn` they stay noted until the process ends, so a signal during
    TensorFlow's shutdown prints no traceback, and one that comes after the file is saved
    changes nothing. Called in-process (`main()` from a test), the handlers are put back.
    """
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received  # signal handlers can only be set from the main thread
        return
    previous = {
        number: signal.signal(number, lambda number, frame: received.append(number))
        for number in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield received
    finally:
        if __name__ != "__main__":
            for number, handler in previous.items():
                signal.signal(number, handler)


def run_evaluate(arguments) -> int:
    from .evaluation import confusion_matrix, evaluate, predict
    from .provenance import record_of
    from .saving import load_model

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
    if threading.current_thread() is threading.main_thread():
        # SIGTERM ends the run through Python, so a half-written file is removed on the way.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    try:
        if arguments.command == "train":
            return run_train(arguments)
        return run_evaluate(arguments)
    except _UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (OSError, ValueError, TypeError) as error:  # bad data or files: one line, no traceback
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing saved.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
