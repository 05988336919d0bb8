"""Save and load trained models: atomic `.keras` files that keep the model's record.

No TensorFlow import until a model is loaded, so the command line checks `--output`
before it starts TensorFlow.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import sys
import tempfile
import threading
import zipfile
from pathlib import Path

from .checks import check_model, check_path
from .provenance import RECORD_ENTRY, ModelRecord, attach, read_record, record_of

#: Environment variable that moves the models folder (the browser tests use a temporary one).
MODELS_DIR_VARIABLE = "MNIST_CNN_MODELS"


def models_dir() -> Path:
    """Where trained models are kept: `$MNIST_CNN_MODELS`, else `models/` in the repository
    (ignored by git), else `mnist-cnn/models` in the working folder."""
    if os.environ.get(MODELS_DIR_VARIABLE):
        return check_path(
            os.environ[MODELS_DIR_VARIABLE], f"the environment variable {MODELS_DIR_VARIABLE}"
        )
    repository = Path(__file__).resolve().parent.parent
    if (repository / "pyproject.toml").is_file():
        return repository / "models"
    return Path.cwd() / "mnist-cnn" / "models"


@contextlib.contextmanager
def _partial_file(path: Path):
    """A new, uniquely named hidden file beside `path`, removed on leaving unless renamed.

    A save writes here, then renames the whole file into place, so an interrupted save
    never leaves a broken model and two concurrent saves never write into one file. While
    it exists, SIGTERM ends the process through Python (SystemExit), so it is removed then
    too. Code the exit is raised in may swallow it (h5py's file callbacks print it and go on,
    or turn it into an OSError): the signal is noted as well, and the process ends once the
    block ends, whatever happened inside.
    """
    handle, name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.stem[:40]}.", suffix=".partial.keras"
    )
    os.close(handle)
    partial = Path(name)
    terminate = signal.getsignal(signal.SIGTERM)
    catch = threading.current_thread() is threading.main_thread() and terminate == signal.SIG_DFL
    received = []

    def end(number, frame):
        received.append(number)
        sys.exit(128 + number)

    if catch:
        signal.signal(signal.SIGTERM, end)
    try:
        yield partial
    except BaseException:
        if received:  # whatever the exit became on its way out: end as SIGTERM asked
            raise SystemExit(128 + signal.SIGTERM) from None
        raise
    finally:
        partial.unlink(missing_ok=True)
        if catch:
            signal.signal(signal.SIGTERM, terminate)
    if received:  # the exit was swallowed inside the block: end now
        raise SystemExit(128 + signal.SIGTERM)


def check_destination(path: str | os.PathLike | None, model_name: str = "tutorial_cnn") -> Path:
    """Where `save_model` would write, checked now: a `.keras` name in a folder that exists
    (or can be made) and where the save's own temporary file can be written. Call it before
    training, so a bad destination is found before the work, not after.

    Raises:
        ValueError: the name does not end in `.keras`, names a folder, or starts with the
            home folder of an unknown user.
        PermissionError, OSError: the folder cannot be made or written to.
    """
    name = f"{model_name}.keras"
    path = models_dir() / name if path is None else check_path(path, "path")
    if path.is_dir():
        raise ValueError(f"{path} is a folder; give a file name in it, e.g. {path / name}.")
    if path.name == ".keras":
        raise ValueError(
            f"the file name {path.name!r} is only the suffix; give the model a name before it, "
            f"e.g. {path.with_name(name)}."
        )
    if path.suffix != ".keras":
        raise ValueError(
            f"the file name must end in .keras, got {path.name!r}; e.g. "
            f"{path.with_suffix('.keras').name}."
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _partial_file(path):  # the very file a save writes first
            pass
    except OSError as error:
        raise type(error)(
            f"cannot save a model in {path.parent} ({error.strerror or error}); choose a "
            f"folder you can write to, e.g. {Path.home() / 'mnist-cnn-models' / path.name}."
        ) from None
    return path


@contextlib.contextmanager
def _folder_lock(folder: Path):
    """Hold an exclusive lock on `folder` (POSIX `flock`) for the block: two processes
    saving into one folder take turns between their last check and their rename. On
    Windows, which has no `flock`, there is no lock: two saves to one path at the same
    moment may still both pass the check, and the later rename wins."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def saved_record(path: Path) -> tuple[ModelRecord | None, str | None]:
    """The record in the file at `path`, and why it cannot say how trained that model is
    (None when it can, or when there is no file). A file saved by `save_model` from a model
    never trained with `train()` has an empty record: `(None, None)`."""
    if not path.is_file():
        return None, None
    try:
        with zipfile.ZipFile(path) as archive:
            if RECORD_ENTRY not in archive.namelist():
                return None, "has no record of its training (saved by Keras or an older version)"
            text = archive.read(RECORD_ENTRY).decode()
        if text.strip() == "null":
            return None, None
        return ModelRecord.from_json(text), None
    except zipfile.BadZipFile:  # not a model at all: no training to lose
        return None, None
    except Exception as error:  # a damaged entry, JSON or field: no usable record
        return None, f"has a damaged record of its training ({type(error).__name__}: {error})"


def _refuse_losing_training(model, path: Path) -> None:
    """Refuse to replace a saved model with one trained less (by their records), or one
    whose training cannot be told (its record missing or damaged)."""
    old, problem = saved_record(path)
    if problem is None and (old is None or old.epochs == 0):
        return
    new = record_of(model)
    if problem is None and new is not None and new.epochs >= old.epochs:
        return
    this = (
        f"this model was trained for {new.epochs} epoch(s) on {new.trained_on:,} images"
        if new is not None
        else "this model has no record of training with train()"
    )
    other = path.with_name(f"{path.stem}_2.keras")
    fix = (
        f"Save this one under another name, e.g. save_model(model, {str(other)!r}), or pass "
        f"overwrite=True to replace it."
    )
    if problem:
        raise FileExistsError(
            f"{path} {problem}, so it cannot be told whether the model it holds is trained "
            f"more than this one ({this}), and saving would replace it. {fix}"
        )
    raise FileExistsError(
        f"{path} holds a model trained for {old.epochs} epoch(s) on {old.trained_on:,} images "
        f"({old.data}); {this}, so saving would replace it with one trained less. {fix}"
    )


def save_model(
    model,
    path: str | os.PathLike | None = None,
    *,
    overwrite: bool = False,
    data: str | None = None,
    preset: str | None = None,
    test=None,
    test_data: str | None = None,
) -> Path:
    """Save a trained model as a `.keras` file; by default `models/<model name>.keras`.

    The file also keeps the model's record (`model_record`): what it was trained on, and
    how it tested. The save is atomic: the file appears whole or not at all, and two
    processes saving to the same path never write into each other's file. The check
    against a model trained more is made again just before the file is renamed into
    place, under a lock on the folder (POSIX only: on Windows two saves at the same
    moment may both pass it).

    Args:
        overwrite: replace a saved model even when this one was trained less (fewer epochs,
            by the two records), or when the saved one's record is missing or damaged (so
            that cannot be told); without it that is refused, so no training is lost.
        data: a description of the training data, e.g. "10,000-image sample (seed 0)".
        preset: the name of the recipe used, if one of `PRESETS`.
        test: an `Evaluation` of the trained model on its test images.
        test_data: a description of those test images, e.g. "the official test set".

    Returns:
        The path written.

    Raises:
        FileExistsError: `path` holds a model trained more, and `overwrite` is False.
        ValueError, OSError: see `check_destination`; OSError also for a full disk.
    """
    from .evaluation import Evaluation

    check_model(model)
    if not isinstance(overwrite, bool):
        raise ValueError(f"overwrite must be True or False, got {overwrite!r}.")
    if test is not None and not isinstance(test, Evaluation):
        raise ValueError(
            f"test must be the result of evaluate(model, test_images, test_labels), got "
            f"{type(test).__name__} {test!r}."
        )
    for name, text in (("data", data), ("preset", preset), ("test_data", test_data)):
        if text is not None and not isinstance(text, str):
            raise ValueError(
                f"{name} must be text (a str) that describes it, or None, got "
                f'{type(text).__name__} {text!r}; e.g. {name}="10,000-image sample".'
            )
    path = check_destination(path, model.name)
    if not overwrite:
        _refuse_losing_training(model, path)
    record = record_of(model)
    if record is not None:  # a copy: the model's own record changes only once the file is saved
        record = dataclasses.replace(
            record, data=data or record.data, preset=preset or record.preset
        )
        if test is not None:
            record.test = {
                "accuracy": test.accuracy,
                "loss": test.loss,
                "count": test.count,
                "data": test_data or "images given to evaluate()",
            }
    with _partial_file(path) as partial:
        model.save(partial)
        with zipfile.ZipFile(partial, "a") as archive:  # "null": saved here, no record
            archive.writestr(RECORD_ENTRY, "null" if record is None else record.to_json())
        with _folder_lock(path.parent):
            if not overwrite:  # again: another process may have saved there meanwhile
                _refuse_losing_training(model, path)
            os.replace(partial, path)
    attach(model, record)
    return path


def load_model(path: str | os.PathLike | None = None):
    """Load a model saved by `save_model`; by default `models/tutorial_cnn.keras`.

    The model's record, if the file has one, is available as `model_record(model)`; a
    damaged record is warned about and left out, and the model still loads.

    Raises:
        FileNotFoundError: no file at `path`, with the notebook or command that makes one.
        ValueError: the file is not a readable `.keras` model.
    """
    path = models_dir() / "tutorial_cnn.keras" if path is None else check_path(path, "path")
    if path.is_dir():
        raise IsADirectoryError(
            f"{path} is a folder; give the .keras file in it, e.g. {path / 'tutorial_cnn.keras'}."
        )
    if not path.is_file():
        raise FileNotFoundError(
            f"no saved model at {path}. Train and save one first: run notebook "
            f"03_train_the_cnn.ipynb, or `python -m mnist_cnn train --output {path}`."
        )
    # Saved models may hold the augmentation layers and the smoothed loss: register them.
    from . import augmentation, training  # noqa: F401
    from ._tensorflow import keras

    try:
        model = keras.saving.load_model(path)
    except PermissionError:
        raise PermissionError(f"cannot read {path}: permission denied.") from None
    except Exception as error:  # zip, h5 and JSON errors all mean the same thing here
        text = str(error).splitlines()[0] if str(error) else ""
        fix = (
            "It holds a class of your own: define it with @keras.saving."
            "register_keras_serializable() before loading, or load it with "
            "keras.saving.load_model(path, custom_objects={'Name': Name})"
            if "Could not locate" in text
            else "Check that it is a .keras file saved by save_model; if it is one that got "
            "damaged, train the model again"
        )
        raise ValueError(
            f"{path} is not a readable Keras model ({type(error).__name__}: {text[:160]}). {fix}."
        ) from None
    attach(model, read_record(path))
    return model


def model_record(model) -> ModelRecord | None:
    """What `model` was trained on (see `ModelRecord`), or None if that is not known."""
    if not hasattr(model, "layers"):
        raise TypeError(
            f"model must be a Keras model (from build_cnn() or load_model()), got "
            f"{type(model).__name__}."
        )
    return record_of(model)
