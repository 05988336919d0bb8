"""Train the CNN: `train()` wraps `model.fit` with live Plotly curves and a Stop button."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ._tensorflow import keras
from .data import check_images
from .live_chart import LiveCurves
from .split import train_test_split

SCHEDULES = ("constant", "cosine", "one_cycle")


def learning_rate_schedule(schedule: str, learning_rate: float, steps: int):
    """The learning rate, or a Keras schedule of it over `steps` training steps."""
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, got {schedule!r}.")
    if not (isinstance(learning_rate, (int, float)) and 0 < learning_rate < math.inf):
        raise ValueError(f"learning_rate must be a positive number, got {learning_rate!r}.")
    if schedule == "constant":
        return learning_rate
    if schedule == "cosine":
        return keras.optimizers.schedules.CosineDecay(learning_rate, max(steps, 1))
    warmup = max(1, int(0.15 * steps))
    return keras.optimizers.schedules.CosineDecay(
        learning_rate / 20, max(steps - warmup, 1), warmup_target=learning_rate, warmup_steps=warmup
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
    learning_rate: float = 1e-3,
    optimizer: str | keras.optimizers.Optimizer = "adam",
    schedule: str = "constant",
    steps_per_execution: int = 1,
    live_plot: bool = True,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: int | None = None,
) -> keras.callbacks.History:
    """Train `model` on uint8 images and return the Keras `History`.

    Args:
        model: a model from `build_cnn()`; compiled here with `optimizer`, sparse categorical
            cross-entropy and accuracy, unless it is compiled already.
        train_images, train_labels: (N, 28, 28) uint8 images and their (N,) labels.
        validation_data: `(images, labels)` to check on after every epoch. When None,
            `validation_fraction` of the training images is held out (stratified, seeded).
        validation_fraction: share held out for validation when no validation_data is given;
            0 trains on everything without validation.
        epochs, batch_size: how long to train, and how many images per weight update.
        seed: makes shuffling and the validation split repeatable (with `build_cnn(seed=...)`,
            two runs give the same metrics up to float rounding); None for fresh randomness.
        learning_rate: step size of the optimizer when `optimizer` is given by name (the
            peak step size with a schedule).
        optimizer: "adam" (default), "sgd", or a Keras optimizer object.
        schedule: how the step size changes during training: "constant"; "cosine" (falls
            from `learning_rate` to 0 along a cosine); or "one_cycle" (rises from
            `learning_rate / 20` to `learning_rate` over the first 15% of the steps, then
            falls along a cosine to 0).
        steps_per_execution: batches run per call into TensorFlow; more is faster for small
            models, but the live chart and the Stop button then act every that many batches.
        live_plot: in a notebook, show live curves and a Stop button (and train quietly).
        callbacks: more Keras callbacks.
        verbose: Keras' verbosity; by default 0 with the live chart, else one line per epoch.

    Returns:
        The `History`: `history.history["loss"]` etc. hold one value per finished epoch. If
        training is stopped or interrupted (Ctrl-C, Kernel > Interrupt), the history so far
        is returned and the model keeps its weights.
    """
    check_images(train_images, train_labels)
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive whole number, got {value!r}.")
    if validation_data is None and validation_fraction:
        (train_images, train_labels), validation_data = train_test_split(
            train_images, train_labels, train_fraction=1 - validation_fraction, seed=seed
        )
    elif validation_data is not None:
        check_images(*validation_data)

    if seed is not None:
        keras.utils.set_random_seed(seed)
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
    if verbose is None:
        verbose = 0 if live is not None and live.visible else 2
    all_callbacks = [*callbacks, *([live] if live is not None else [])]
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
        history = model.history  # Keras keeps the History of the run in progress
        done = len(history.history.get("loss", []))
        print(f"Training interrupted after {done} finished epoch(s); the model keeps its weights.")
        if live is not None:
            live.finish(interrupted=True)
    return history


def load_or_train(path=None, *, seed: int = 0) -> keras.Model:
    """The model notebook 03 saved or, when there is none, the same recipe trained here.

    Lets every notebook after 03 run on its own: training the tutorial preset on the
    10,000-image sample takes about 15 seconds.
    """
    from .data import load_sample
    from .model import build_cnn, load_model
    from .presets import PRESETS

    try:
        model = load_model(path)
        print("loaded the model saved by notebook 03")
        return model
    except FileNotFoundError as reason:
        print(f"training a model here, as notebook 03 does ({reason})")
    images, labels = load_sample(10_000, seed=seed)
    (train_images, train_labels), _ = train_test_split(images, labels, seed=seed)
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
