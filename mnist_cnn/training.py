"""Train the CNN: `train()` wraps `model.fit` with live Plotly curves and a Stop button."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ._tensorflow import keras
from .data import check_images, check_positive_int, weights_are_finite
from .live_chart import LiveCurves
from .split import train_test_split

SCHEDULES = ("constant", "cosine", "one_cycle")


def learning_rate_schedule(schedule: str, learning_rate: float, steps: int):
    """The learning rate, or a Keras schedule of it over `steps` training steps."""
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, got {schedule!r}.")
    if (
        isinstance(learning_rate, bool)
        or not isinstance(learning_rate, (int, float, np.integer, np.floating))
        or not 0 < learning_rate < math.inf
    ):
        raise ValueError(f"learning_rate must be a positive number, got {learning_rate!r}.")
    learning_rate = float(learning_rate)
    if schedule == "constant":
        return learning_rate
    if schedule == "cosine":
        return keras.optimizers.schedules.CosineDecay(learning_rate, max(steps, 1))
    warmup = max(1, int(0.15 * steps))
    return keras.optimizers.schedules.CosineDecay(
        learning_rate / 20, max(steps - warmup, 1), warmup_target=learning_rate, warmup_steps=warmup
    )


class TrainingDivergedError(RuntimeError):
    """The loss became NaN or infinite: the weights are no longer usable numbers."""


class _StopOnNaN(keras.callbacks.Callback):
    """End training at the first batch whose loss is not a finite number, and say where."""

    def __init__(self):
        super().__init__()
        self.where: str | None = None
        self.began = False
        self._epoch = 0

    def on_train_begin(self, logs=None) -> None:
        self.began = True

    def on_epoch_begin(self, epoch, logs=None) -> None:
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)) and self.where is None:
            self.where = f"became {float(loss)} at epoch {self._epoch + 1}, batch {batch + 1}"
            self.model.stop_training = True


def _check_callbacks(callbacks) -> list:
    callbacks = [] if callbacks is None else list(callbacks)
    for callback in callbacks:
        if not isinstance(callback, keras.callbacks.Callback):
            raise ValueError(
                f"callbacks must be Keras callbacks (e.g. keras.callbacks.EarlyStopping(...)), "
                f"got {type(callback).__name__} {callback!r}."
            )
    return callbacks


def _check_optimizer_settings(model, learning_rate, optimizer, schedule, steps_per_execution):
    """Check the optimizer settings; refuse those a compiled model would ignore."""
    if optimizer is not None and not isinstance(optimizer, (str, keras.optimizers.Optimizer)):
        raise ValueError(
            f'optimizer must be "adam", "sgd" (or another Keras optimizer name) or a '
            f"keras.optimizers object, got {type(optimizer).__name__} {optimizer!r}."
        )
    if isinstance(optimizer, str):
        try:
            keras.optimizers.get(optimizer)
        except ValueError:
            raise ValueError(
                f'optimizer must be "adam", "sgd" (or another Keras optimizer name) or a '
                f"keras.optimizers object, got {optimizer!r}."
            ) from None
    learning_rate_schedule(
        schedule or "constant", 1e-3 if learning_rate is None else learning_rate, 1
    )
    if steps_per_execution is not None:
        check_positive_int(steps_per_execution, "steps_per_execution")
    if not getattr(model, "compiled", False) or model.optimizer is None:
        return
    current = model.optimizer
    ignored = []
    if isinstance(optimizer, str) and optimizer.lower() != type(current).__name__.lower():
        ignored.append(f"optimizer={optimizer!r}")
    elif isinstance(optimizer, keras.optimizers.Optimizer) and optimizer is not current:
        ignored.append("optimizer=<another optimizer>")
    if learning_rate is not None:
        rate = float(np.asarray(current.learning_rate))
        if not math.isclose(rate, learning_rate, rel_tol=1e-6):
            ignored.append(f"learning_rate={learning_rate:g} (it uses {rate:g})")
    if schedule not in (None, "constant"):
        ignored.append(f"schedule={schedule!r}")
    if steps_per_execution not in (None, getattr(model, "steps_per_execution", 1)):
        ignored.append(f"steps_per_execution={steps_per_execution}")
    if ignored:
        raise ValueError(
            f"model is already compiled with its own {type(current).__name__} optimizer, so "
            f"{', '.join(ignored)} would be ignored. Build a fresh model (build_cnn()) to "
            f"train with other settings, or leave them out to go on training as before."
        )


def train(
    model: keras.Model,
    train_images: np.ndarray,
    train_labels: np.ndarray,
    *,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    validation_fraction: float = 0.1,
    epochs: int = 10,
    batch_size: int = 64,
    seed: int | None = 0,
    learning_rate: float | None = None,
    optimizer: str | keras.optimizers.Optimizer | None = None,
    schedule: str | None = None,
    steps_per_execution: int | None = None,
    live_plot: bool = True,
    callbacks: Sequence[keras.callbacks.Callback] | None = (),
    verbose: int | None = None,
    keep_on_interrupt: bool = True,
) -> keras.callbacks.History:
    """Train `model` on MNIST images and return the Keras `History`.

    Args:
        model: a model from `build_cnn()`; compiled here with `optimizer`, sparse categorical
            cross-entropy and accuracy, unless it is compiled already.
        train_images, train_labels: (N, 28, 28) images, uint8 0-255 or floats 0-1 (see
            `check_images`), and their (N,) labels, whole numbers 0-9.
        validation_data: `(images, labels)` to check on after every epoch. When None,
            `validation_fraction` of the training images is held out (stratified, seeded).
        validation_fraction: share held out for validation when no validation_data is given;
            0 trains on everything without validation.
        epochs, batch_size: how long to train, and how many images per weight update.
        seed: makes shuffling and the validation split repeatable (with `build_cnn(seed=...)`,
            two runs give the same metrics up to float rounding); None for fresh randomness.
        learning_rate: step size of the optimizer when `optimizer` is given by name (the
            peak step size with a schedule); 1e-3 when not given.
        optimizer: "adam" (default), "sgd", or a Keras optimizer object.
        schedule: how the step size changes during training: "constant" (default); "cosine" (falls
            from `learning_rate` to 0 along a cosine); or "one_cycle" (rises from
            `learning_rate / 20` to `learning_rate` over the first 15% of the steps, then
            falls along a cosine to 0).
        steps_per_execution: batches run per call into TensorFlow (default 1); more is faster
            for small models, but the live chart and the Stop button then act every that many
            batches.
            A model that is compiled already (by `model.compile` or an earlier `train`) keeps
            its optimizer: giving any of these four settings different from its own is
            refused rather than silently ignored.
        live_plot: in a notebook, show live curves and a Stop button (and train quietly).
        callbacks: more Keras callbacks.
        verbose: Keras' verbosity; by default 0 with the live chart, else one line per epoch.
        keep_on_interrupt: on Ctrl-C (Kernel > Interrupt), end training and return the
            history so far, the model keeping its weights; False lets `KeyboardInterrupt`
            through (what the command line wants).

    Returns:
        The `History`: `history.history["loss"]` etc. hold one value per finished epoch.
        The model also remembers what it was trained on (`model_record(model)`), which
        `save_model` stores and `evaluate` checks.

    Raises:
        ValueError: images, labels or settings outside the input contract, each named.
        TrainingDivergedError: the loss became NaN or infinite (training stops at once).
    """
    from .data import check_model, check_seed
    from .provenance import note_training
    from .split import SplitError, check_fraction, split_indices

    check_model(model)
    train_images, train_labels = check_images(
        train_images, train_labels, name="train_images", labels_name="train_labels"
    )
    if len(train_images) == 0:
        raise ValueError("train_images is empty: there is nothing to train on.")
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    seed = check_seed(seed)
    callbacks = _check_callbacks(callbacks)
    _check_optimizer_settings(model, learning_rate, optimizer, schedule, steps_per_execution)
    learning_rate = 1e-3 if learning_rate is None else learning_rate
    optimizer = "adam" if optimizer is None else optimizer
    schedule = "constant" if schedule is None else schedule
    steps_per_execution = 1 if steps_per_execution is None else steps_per_execution
    fraction = check_fraction(validation_fraction, "validation_fraction", allow_zero=True)
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError(
                "validation_data must be a pair (images, labels), got "
                f"{type(validation_data).__name__}."
            )
        validation_data = check_images(
            *validation_data, name="validation_data images", labels_name="validation_data labels"
        )
    else:
        if fraction:
            try:
                keep, held_out = split_indices(
                    train_labels, round(len(train_labels) * (1 - fraction)), seed
                )
            except SplitError as error:
                part = "validation" if error.part == "test" else "training"
                raise SplitError(
                    f"validation_fraction={fraction} of {len(train_labels):,} training images "
                    f"leaves {'no images' if error.empty else f'no {error.lacking}s'} in the "
                    f"{part} part; use more training images, a validation_fraction closer to "
                    f"0.1-0.2, validation_fraction=0 for no validation, or validation_data.",
                    part,
                    error.lacking,
                    error.empty,
                ) from None
            validation_data = (train_images[held_out], train_labels[held_out])
            train_images, train_labels = train_images[keep], train_labels[keep]

    if seed is not None:
        keras.utils.set_random_seed(seed)
    named_rate = isinstance(optimizer, str) and not getattr(model, "compiled", False)
    if not getattr(model, "compiled", False):
        if isinstance(optimizer, str):
            steps = math.ceil(len(train_images) / batch_size) * epochs
            rate = learning_rate_schedule(schedule, learning_rate, steps)
            optimizer = keras.optimizers.get(
                {"class_name": optimizer, "config": {"learning_rate": rate}}
            )
        model.compile(
            optimizer=optimizer,
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
            steps_per_execution=steps_per_execution,
        )

    live = LiveCurves(title=f"Training {model.name}") if live_plot else None
    guard = _StopOnNaN()
    if verbose is None:
        verbose = 0 if live is not None and live.visible else 2
    all_callbacks = [guard, *callbacks, *([live] if live is not None else [])]
    interrupted = False
    try:
        history = model.fit(
            train_images,
            train_labels,
            validation_data=validation_data,
            epochs=epochs,
            batch_size=batch_size,
            callbacks=all_callbacks,
            verbose=verbose,
        )
    except KeyboardInterrupt:
        if not keep_on_interrupt:
            raise
        interrupted = True
        # Keras keeps the History of the run in progress, once the run has begun (before,
        # model.history is missing, or left over from an earlier run).
        history = getattr(model, "history", None) if guard.began else None
        if not isinstance(history, keras.callbacks.History):
            history = keras.callbacks.History()
        done = len(history.history.get("loss", []))
        print(f"Training interrupted after {done} finished epoch(s); the model keeps its weights.")
        if live is not None:
            live.finish(interrupted=True)
    done = len(history.history.get("loss", []))
    stopped = (
        "interrupted"
        if interrupted
        else (live.stopped_because if live is not None else None)
        or (f"a callback, after {done} of {epochs} epochs" if done < epochs else None)
    )
    note_training(
        model,
        train_images,
        validated_on=0 if validation_data is None else len(validation_data[0]),
        seed=seed,
        epochs=done,
        stopped=stopped,
    )
    losses = history.history.get("loss", [])
    if guard.where or not all(map(math.isfinite, losses)) or not weights_are_finite(model):
        what = f"the loss {guard.where}" if guard.where else "the weights became NaN"
        rate = (
            f"learning_rate ({learning_rate:g}) is too high: train a fresh model (build_cnn()) "
            f"with a smaller learning_rate, e.g. {learning_rate / 10:g}."
            if named_rate
            else "learning rate is too high: train a fresh model with a smaller one."
        )
        raise TrainingDivergedError(
            f"Training stopped: {what}, so the weights are no longer usable numbers and this "
            f"model cannot be used. This usually means the {rate}"
        )
    return history


#: The data the notebooks use: a 10,000-image sample of MNIST's training set, split 80/20.
NOTEBOOK_SAMPLE_SIZE = 10_000


def load_or_train(path=None, *, seed: int = 0) -> keras.Model:
    """The model notebook 03 saved or, when there is none, the same recipe trained here.

    Lets every notebook after 03 run on its own: training the tutorial preset on the
    10,000-image sample takes about 15 seconds. A saved model is used only if its file
    says what it was trained on and none of those images are in the notebooks' test part
    (with this `seed`), so the test accuracy notebook 04 reports is on unseen images.
    """
    from .data import load_sample
    from .model import build_cnn, load_model
    from .presets import PRESETS
    from .provenance import record_of

    images, labels = load_sample(NOTEBOOK_SAMPLE_SIZE, seed=seed)
    (train_images, train_labels), (test_images, _) = train_test_split(images, labels, seed=seed)
    try:
        model = load_model(path)
        record = record_of(model)
        if record is None:
            print(
                "the saved model does not say what it was trained on (it was saved by an older "
                "version), so its test accuracy could not be trusted; training one here instead"
            )
        elif (seen := record.overlap(test_images)) > 0:
            print(
                f"the saved model was trained on {seen:,} of the {len(test_images):,} test "
                f"images these notebooks use ({record.data}), so its test accuracy would not "
                f"be on unseen images; training one here instead (the saved file is unchanged)"
            )
        else:
            print("loaded the model saved by notebook 03")
            return model
    except FileNotFoundError as reason:
        print(f"training a model here, as notebook 03 does ({reason})")
    settings = PRESETS["tutorial"].training
    model = build_cnn(PRESETS["tutorial"].model, seed=seed)
    train(
        model,
        train_images,
        train_labels,
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        learning_rate=settings.learning_rate,
        seed=seed,
        live_plot=False,
        verbose=0,
    )
    return model
