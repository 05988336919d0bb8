"""Train the CNN: `train()` runs one `TrainingConfig` on a model, with live curves and a Stop
button, and can be called again on the same model to train it further."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np

from ._tensorflow import keras
from .checks import (
    check_images,
    check_labels,
    check_model,
    check_outputs,
    weights_are_finite,
)
from .config import PRESETS, TrainingConfig, replace
from .live_chart import LiveCurves
from .split import SplitError, split_indices, train_test_split

#: The name of the optimizer `train()` compiles a model with (saved with the model, so it
#: holds after `load_model` too); a model whose optimizer has another name was compiled by
#: the learner, and keeps that compile.
_OWN_OPTIMIZER = "mnist_cnn_train"
#: The settings of a `TrainingConfig` that a learner's own compile replaces.
_OPTIMIZER_SETTINGS = (
    "optimizer",
    "learning_rate",
    "schedule",
    "steps_per_execution",
    "label_smoothing",
)

#: What a schedule of the learning rate is (a learning rate that changes at every step).
_Schedule = keras.optimizers.schedules.LearningRateSchedule


class TrainingDivergedError(RuntimeError):
    """The loss became NaN or infinite; the model's weights were put back as they were."""


def learning_rate_schedule(schedule: str, learning_rate: float, steps: int):
    """The learning rate, or a Keras schedule of it over `steps` training steps.

    "cosine" falls from `learning_rate` to 0 along a cosine; "one_cycle" rises from
    `learning_rate / 20` over the first 15% of the steps, then falls along a cosine to 0.
    """
    if schedule == "constant":
        return learning_rate
    if schedule == "cosine":
        return keras.optimizers.schedules.CosineDecay(learning_rate, max(steps, 1))
    warmup = max(1, int(0.15 * steps))
    return keras.optimizers.schedules.CosineDecay(
        learning_rate / 20, max(steps - warmup, 1), warmup_target=learning_rate, warmup_steps=warmup
    )


@keras.saving.register_keras_serializable(package="mnist_cnn")
class SmoothedCrossentropy(keras.losses.Loss):
    """Cross-entropy against digit labels 0-9 smoothed by `label_smoothing`.

    The target of each image is `1 - label_smoothing` on its digit plus `label_smoothing`
    spread evenly over all ten (as `keras.losses.CategoricalCrossentropy(label_smoothing=...)`
    with one-hot labels, which `train()` does not use): the model is taught to be a little
    less sure, which makes training at high learning rates steadier.
    """

    def __init__(
        self,
        label_smoothing: float = 0.1,
        name: str = "sparse_categorical_crossentropy_smoothed",
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true, y_pred):
        ops = keras.ops
        log_probabilities = ops.log(ops.clip(y_pred, 1e-7, 1 - 1e-7))  # Keras' own clipping
        labels = ops.cast(ops.reshape(y_true, (-1, 1)), "int32")
        right = -ops.take_along_axis(log_probabilities, labels, axis=-1)[:, 0]
        spread = -ops.mean(log_probabilities, axis=-1)
        return (1 - self.label_smoothing) * right + self.label_smoothing * spread

    def get_config(self):
        return {**super().get_config(), "label_smoothing": self.label_smoothing}


class NaNGuard(keras.callbacks.Callback):
    """End training at the first batch whose loss is not a finite number, and say where."""

    def __init__(self):
        super().__init__()
        self.where: str | None = None
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None) -> None:
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None) -> None:
        loss = (logs or {}).get("loss")
        if self.where is None and loss is not None and not math.isfinite(float(loss)):
            # Keras reports once per `steps_per_execution` batches: name the whole group.
            group = int(getattr(self.model, "steps_per_execution", 1) or 1)
            batches = (
                f"batch {batch + 1}"
                if group == 1
                else f"batches {max(batch + 2 - group, 1)}-{batch + 1} (checked every {group})"
            )
            self.where = f"the loss became {float(loss)} at epoch {self._epoch + 1}, {batches}"
            self.model.stop_training = True


def _compiled_by_learner(model) -> bool:
    optimizer = getattr(model, "optimizer", None) if getattr(model, "compiled", False) else None
    return optimizer is not None and getattr(optimizer, "name", None) != _OWN_OPTIMIZER


def _keep_learners_compile(model, config: TrainingConfig, explicit: set[str], steps: int) -> None:
    """Check that the learner's own compile can train: settings train() would ignore, a
    learning rate that its schedule has taken to 0 (or will, before this run's `steps`
    end), or a loss that does not read digits, are refused."""
    optimizer = model.optimizer
    kind = type(optimizer).__name__
    rate = float(np.asarray(optimizer.learning_rate))
    ignored = [
        f"{name}={getattr(config, name)!r}" for name in _OPTIMIZER_SETTINGS if name in explicit
    ]
    if ignored:
        raise ValueError(
            f"model was compiled by model.compile (a {kind} with learning rate {rate:g}), and "
            f"train() keeps a compile of yours, so {', '.join(ignored)} would be ignored. Leave "
            f"{'them' if len(ignored) > 1 else 'it'} out to train with your compile, or compile "
            f"the model again with the optimizer you want."
        )
    if rate <= 0:
        scheduled = isinstance(getattr(optimizer, "_learning_rate", None), _Schedule)
        why = (
            f"its schedule ended after {int(optimizer.iterations):,} steps"
            if scheduled
            else "it was compiled with learning_rate=0"
        )
        raise ValueError(
            f"model's {kind} optimizer now has learning rate 0 ({why}), so training would "
            f"change nothing; compile the model again (model.compile(...)) with a learning "
            f"rate above 0 to train it further."
        )
    schedule, start = getattr(optimizer, "_learning_rate", None), int(optimizer.iterations)
    if isinstance(schedule, _Schedule) and float(schedule(start + steps - 1)) <= 0:
        raise ValueError(
            f"model's {kind} optimizer has a learning-rate schedule that reaches 0 before this "
            f"run ends: it is at step {start:,}, and this run takes {steps:,} steps "
            f"({config.epochs} epoch(s)), the last ones at learning rate 0, changing nothing. "
            f"Train fewer epochs, or compile the model again with a longer schedule."
        )
    loss = getattr(model, "loss", None)
    name = loss if isinstance(loss, str) else getattr(loss, "name", getattr(loss, "__name__", ""))
    if "sparse_categorical_crossentropy" not in str(name):
        raise ValueError(
            f"model was compiled with loss={loss!r}, but train() gives labels as digits 0-9, "
            f"which need loss='sparse_categorical_crossentropy'; compile it with that loss."
        )


def _compile(model, config: TrainingConfig, steps: int) -> None:
    """A fresh optimizer for this run, its schedule spread over `steps` weight updates."""
    rate = learning_rate_schedule(config.schedule, config.learning_rate, steps)
    optimizer = keras.optimizers.get(
        {"class_name": config.optimizer, "config": {"learning_rate": rate, "name": _OWN_OPTIMIZER}}
    )
    model.compile(
        optimizer=optimizer,
        loss=(
            SmoothedCrossentropy(config.label_smoothing)
            if config.label_smoothing
            else "sparse_categorical_crossentropy"
        ),
        metrics=["accuracy"],
        steps_per_execution=config.steps_per_execution,
    )


def _hold_out(images, labels, config: TrainingConfig):
    """Split `config.validation_fraction` of the training images off for validation."""
    fraction = config.validation_fraction
    if not fraction:
        return (images, labels), None
    try:
        keep, held_out = split_indices(labels, round(len(labels) * (1 - fraction)), config.seed)
    except SplitError as error:
        part = "validation" if error.part == "test" else "training"
        lacking = "no images" if error.empty else f"no {error.lacking}s"
        raise SplitError(
            f"validation_fraction={fraction} of {len(labels):,} training images leaves "
            f"{lacking} in the {part} part; use more training images, a validation_fraction "
            f"closer to 0.1-0.2, validation_fraction=0 for no validation, or validation_data.",
            part,
            error.lacking,
            error.empty,
        ) from None
    return (images[keep], labels[keep]), (images[held_out], labels[held_out])


def _check_run(model, images, labels, validation_data, callbacks, live_plot, verbose):
    check_model(model)
    images, _ = check_images(images, name="train_images")
    labels = check_labels(labels, "train_labels", count=len(images))  # None: "must be given"
    if len(images) == 0:
        raise ValueError("train_images is empty: there is nothing to train on.")
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError(
                "validation_data must be a pair (images, labels), got "
                f"{type(validation_data).__name__}."
            )
        name = "validation_data images"
        held_out, _ = check_images(validation_data[0], name=name)
        validation_data = (
            held_out,
            check_labels(validation_data[1], "validation_data labels", count=len(held_out)),
        )
        if len(held_out) == 0:
            raise ValueError(
                "validation_data holds no images (an empty pair), so there would be nothing to "
                "validate on; pass some (images, labels), or leave validation_data out to hold "
                "out validation_fraction of the training images."
            )
    if isinstance(callbacks, keras.callbacks.Callback) or not isinstance(
        callbacks, (list, tuple, type(None))
    ):
        raise ValueError(
            f"callbacks must be a list of Keras callbacks, got {type(callbacks).__name__} "
            f"{callbacks!r}; for one callback write callbacks=[{type(callbacks).__name__}(...)]."
        )
    callbacks = list(callbacks or ())
    for callback in callbacks:
        if not isinstance(callback, keras.callbacks.Callback):
            raise ValueError(
                f"callbacks must be Keras callbacks (e.g. keras.callbacks.EarlyStopping(...)), "
                f"got {type(callback).__name__} {callback!r}."
            )
    if not isinstance(live_plot, (bool, np.bool_)):
        raise ValueError(f"live_plot must be True or False, got {live_plot!r}.")
    if verbose not in (None, 0, 1, 2) or isinstance(verbose, bool):
        raise ValueError(f"verbose must be 0, 1, 2 or None (chosen for you), got {verbose!r}.")
    return images, labels, validation_data, callbacks


def _check_recipe(model, images, config, callbacks, own_compile: bool) -> None:
    """Refuse what would train silently wrong: a model that gives logits trained with a
    loss that reads probabilities, and a callback that sets the learning rate (which a
    schedule owns) together with a schedule."""
    loss = getattr(model, "loss", None) if own_compile else None
    from_logits = bool(getattr(loss, "get_config", dict)().get("from_logits", False))
    outputs = model(images[:32].astype(np.float32), training=False)  # builds it, if need be
    if not from_logits:
        check_outputs(
            keras.ops.convert_to_numpy(outputs),
            fix=" train() trains with a loss that reads probabilities; for a model that "
            "gives logits on purpose, compile it yourself first, with "
            "loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True).",
        )
    setters = [
        type(callback).__name__
        for callback in callbacks
        if isinstance(
            callback,
            (keras.callbacks.ReduceLROnPlateau, keras.callbacks.LearningRateScheduler),
        )
    ]
    rate = getattr(getattr(model, "optimizer", None), "_learning_rate", None)
    scheduled = isinstance(rate, _Schedule) if own_compile else config.schedule != "constant"
    if setters and scheduled:
        given = (
            "your optimizer's learning-rate schedule"
            if own_compile
            else (f"schedule={config.schedule!r}")
        )
        fix = (
            "compile with a plain number as learning rate"
            if own_compile
            else 'pass schedule="constant" (then the callback sets the learning rate)'
        )
        raise ValueError(
            f"callbacks holds {', '.join(setters)}, which sets the learning rate, but "
            f"{given} sets it at every step: the two cannot both decide. Leave the "
            f"callback out, or {fix}."
        )


def train(
    model: keras.Model,
    train_images: np.ndarray,
    train_labels: np.ndarray,
    config: TrainingConfig = PRESETS["tutorial"].training,
    *,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    live_plot: bool = True,
    verbose: int | None = None,
    **overrides,
) -> keras.callbacks.History:
    """Train `model` on MNIST images as `config` describes, and return the Keras `History`.

    Args:
        model: a Keras model that reads (N, 28, 28) images into 10 probabilities, e.g. from
            `build_cnn()`. Each call compiles it with a fresh optimizer from `config` (so a
            second call trains further with a fresh schedule), unless you compiled it
            yourself with `model.compile`: then your optimizer and loss are kept. After a
            "cosine" or "one_cycle" run the optimizer is left where its schedule ends, at
            learning rate 0: your own `model.fit` would then change nothing (Keras keeps the
            schedule), so train further with `train()`, or `model.compile(...)` first.
        train_images, train_labels: (N, 28, 28) images, uint8 0-255 or floats 0-1, and their
            (N,) labels, whole numbers 0-9.
        config: the run (epochs, batch size, optimizer, learning rate, schedule, validation
            share, seed); the tutorial's recipe by default.
        validation_data: `(images, labels)` to check on after every epoch; when None,
            `config.validation_fraction` of the training images is held out (stratified).
        callbacks: more Keras callbacks, e.g. `keras.callbacks.EarlyStopping(...)`.
        live_plot: in a notebook, show live curves and a Stop button.
        verbose: Keras' verbosity; by default 0 with the live chart, else a line per epoch.
        **overrides: settings of `config` to change for this run, e.g. `epochs=3`.

    Returns:
        The `History` of this run: `history.history["loss"]` etc. hold one value per finished
        epoch, `history.config` is the `TrainingConfig` run and `history.stopped` says why it
        ended early (None when it ran every epoch), and `history.seconds` how long the
        training took (wall-clock, validation included). Ctrl-C (Kernel > Interrupt) ends training
        and returns the history so far, the model keeping its weights.

    Raises:
        ValueError, TypeError: images, labels or settings outside the input contract, each named.
        TrainingDivergedError: the loss became NaN or infinite; the weights are put back.
    """
    default = PRESETS["tutorial"].training
    given = {
        name
        for name in _OPTIMIZER_SETTINGS
        if getattr(config, name, None) != getattr(default, name)
    }
    config = replace(config, overrides)
    images, labels, validation_data, callbacks = _check_run(
        model, train_images, train_labels, validation_data, callbacks, live_plot, verbose
    )
    if validation_data is not None and "validation_fraction" in overrides:
        raise ValueError(
            f"validation_fraction={config.validation_fraction!r} and validation_data were both "
            f"given, but only one can say what to validate on; leave validation_fraction out "
            f"to validate on validation_data, or validation_data out to hold out that share."
        )
    if validation_data is None:
        (images, labels), validation_data = _hold_out(images, labels, config)
    own_compile = _compiled_by_learner(model)
    _check_recipe(model, images, config, callbacks, own_compile)
    steps = math.ceil(len(images) / config.batch_size) * config.epochs
    if own_compile:
        explicit = given | (set(overrides) & set(_OPTIMIZER_SETTINGS))
        _keep_learners_compile(model, config, explicit, steps)
    else:
        _compile(model, config, steps)
    if config.seed is not None:
        keras.utils.set_random_seed(config.seed)
    before = model.get_weights()
    started = time.perf_counter()
    history, guard, live, interrupted = _fit(
        model, images, labels, config, validation_data, callbacks, live_plot, verbose
    )
    history.seconds = time.perf_counter() - started
    return _end_run(
        model, history, config, guard, live, interrupted, before, images, validation_data
    )


def _fit(model, images, labels, config, validation_data, callbacks, live_plot, verbose):
    """`model.fit` with the NaN guard and, if asked, the live chart. Ctrl-C (anywhere, the
    chart's making included) ends it, keeping the epochs Keras finished.

    Returns:
        `(history, guard, live, interrupted)`.
    """
    guard, live, history = NaNGuard(), None, keras.callbacks.History()
    try:
        if live_plot:
            live = LiveCurves(title=f"Training {model.name}", finish_on_train_end=False)
        history = model.fit(
            images,
            labels,
            validation_data=validation_data,
            epochs=config.epochs,
            batch_size=config.batch_size,
            callbacks=[guard, *callbacks, *([live] if live else [])],
            verbose=(0 if live and live.visible else 2) if verbose is None else verbose,
        )
        return history, guard, live, False
    except KeyboardInterrupt:
        if guard.model is model and isinstance(getattr(model, "history", None), type(history)):
            history = model.history  # the run in progress, once Keras has begun it
        return history, guard, live, True


def _end_run(model, history, config, guard, live, interrupted, before, images, validation_data):
    """Say why the run ended, note it in the model's record, and refuse a diverged model."""
    from .provenance import note_training

    done = len(history.history.get("loss", []))
    losses = history.history.get("loss", [])
    diverged = guard.where or (
        "the weights became NaN"
        if not all(map(math.isfinite, losses)) or not weights_are_finite(model)
        else None
    )
    stopped = (
        diverged
        or ("interrupted (Ctrl-C)" if interrupted else None)
        or (live.stopped_because if live else None)
        or (f"a callback, after {done} of {config.epochs} epochs" if done < config.epochs else None)
    )
    history.config, history.stopped = config, stopped
    if live:
        live.finish(stopped)
    if interrupted:
        print(f"Training interrupted after {done} finished epoch(s); the model keeps its weights.")
    if diverged:
        model.set_weights(before)
        rate = (
            "the learning rate of your optimizer is too high: compile with a smaller one"
            if _compiled_by_learner(model)
            else f"learning_rate={config.learning_rate:g} is too high: try "
            f"train(..., learning_rate={config.learning_rate / 10:g})"
        )
        raise TrainingDivergedError(
            f"Training stopped: {diverged}, so the weights were no longer usable numbers; the "
            f"model's weights are back to what they were before this call. This usually means "
            f"{rate}."
        )
    if all(map(np.array_equal, before, model.get_weights())):
        return history  # stopped before a single step: nothing to note
    note_training(
        model,
        images,
        validated_on=0 if validation_data is None else len(validation_data[0]),
        seed=config.seed,
        epochs=done,
        stopped=stopped,
        seconds=history.seconds,
    )
    return history


#: The data the notebooks use: a 10,000-image sample of MNIST's training set, split 80/20.
NOTEBOOK_SAMPLE_SIZE = 10_000


def load_or_train(path=None, *, seed: int = 0) -> keras.Model:
    """The model notebook 03 saved or, when there is none, the tutorial preset trained here.

    Lets every notebook after 03 run on its own: training the tutorial preset on the
    10,000-image sample takes about 15 seconds. A saved model is used only if its file
    says what it was trained on and none of those images are in the notebooks' test part
    (with this `seed`), so the test accuracy notebook 04 reports is on unseen images.
    """
    from .data import load_sample
    from .model import build_cnn
    from .provenance import record_of, trained_elsewhere
    from .saving import load_model

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
        elif trained_elsewhere(model):
            print(
                "the saved model was also trained outside train() (its weights are not the "
                "ones its record describes), so which images it has seen is not known; "
                "training one here instead (the saved file is unchanged)"
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
    preset = PRESETS["tutorial"]
    model = build_cnn(preset.model, seed=seed)
    train(model, train_images, train_labels, preset.training, seed=seed, live_plot=False, verbose=0)
    return model
