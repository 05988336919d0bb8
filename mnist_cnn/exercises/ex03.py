"""Exercises of notebook 03, Train the CNN."""

from __future__ import annotations

import math

import numpy as np

from . import (
    Exercise,
    Keyword,
    Wrong,
    as_choice,
    as_number,
    given_history,
    given_number,
    isclose,
    plural,
    whole_number,
)

_HILL_CHOICES = {
    "crawl": "creeps towards the bottom in tiny steps",
    "settle": "reaches the bottom in a few steps",
    "bounce": "jumps from side to side, closing in on the bottom",
    "diverge": "jumps from side to side, further out each time",
}


def _check_learning_rate(answer) -> str:
    choice = as_choice(answer, _HILL_CHOICES)
    # One step: w - 2 becomes (1 - 2 x rate)(w - 2); |1 - 2.4| = 1.4 > 1.
    if choice == "diverge":
        return (
            "each step multiplies the distance to the bottom by 1 - 2 x 1.2 = -1.4: the sign "
            "flips (a bounce) and the distance grows by 40%. Run the next cell and see."
        )
    if choice == "bounce":
        raise Wrong(
            "it does jump from side to side, but does it close in? One step multiplies "
            "the distance to the bottom, w - 2, by 1 - 2 x 1.2. What is its size?"
        )
    if choice == "crawl":
        raise Wrong(
            "small learning rates crawl (0.05 in the picture); 1.2 is 24 times larger "
            "and larger than any of the three shown."
        )
    raise Wrong(
        "0.3 settled in a few steps; 1.2 is larger than 0.9, which was already "
        "bouncing. Work out where the first step from w = -2 lands."
    )


def _check_steps_per_epoch(answer, *, training_images, batch_size) -> str:
    from ..config import PRESETS

    training_images = given_number(training_images, "training_images", whole=True, minimum=1)
    batch_size = given_number(batch_size, "batch_size", whole=True, minimum=1)
    recipe = PRESETS["tutorial"].training
    value = as_number(answer)
    truth = math.ceil(training_images / batch_size)
    steps = whole_number(value)
    if steps == truth:
        last = training_images - (truth - 1) * batch_size
        return (
            f"{training_images:,} / {batch_size} = {training_images / batch_size:.2f}, "
            f"rounded up: the last batch holds the remaining {last} images."
        )
    if steps is None and isclose(value, training_images / batch_size, abs_tol=0.01):
        raise Wrong("a step is one whole batch, so the count is a whole number: round up.")
    if steps is None:
        raise Wrong(f"{value:g} is not a whole number of steps.")
    if steps == training_images // batch_size:
        raise Wrong(
            f"{training_images:,} / {batch_size} is not a whole number: the images left "
            "over after the full batches make one more, smaller batch. Round up."
        )
    if steps == truth * recipe.epochs:
        raise Wrong(
            f"that is the steps of all {recipe.epochs} epochs; the question asks for one epoch."
        )
    before_validation = training_images / (1 - recipe.validation_fraction)
    if steps in (math.ceil(before_validation / batch_size), round(before_validation) // batch_size):
        raise Wrong(
            "that counts the validation images too; the model only steps on the "
            "images it trains on."
        )
    raise Wrong(
        f"{steps:,} is not it: one step per batch of {batch_size}, over "
        f"{training_images:,} training images."
    )


def _check_initial_loss(answer) -> str:
    value = as_number(answer)
    truth = math.log(10)
    if isclose(value, truth, abs_tol=0.01):
        return (
            "-ln(1/10) = ln(10) = 2.30: at the start of training the loss should be near "
            "this, and the first loss Keras prints is."
        )
    if isclose(value, 0.1):
        raise Wrong("0.1 is the probability of the right digit; the loss is minus its logarithm.")
    if isclose(value, -truth, abs_tol=0.01):
        raise Wrong("the sign is wrong: the loss is *minus* the logarithm, and log(0.1) < 0.")
    if isclose(value, 1, abs_tol=0.01):
        raise Wrong(
            "that is the base-10 logarithm; the cross-entropy uses the natural one (np.log)."
        )
    if isclose(value, 0.9):
        raise Wrong(
            "0.9 is the probability of the wrong digits; the loss only looks at the "
            "probability of the right one."
        )
    raise Wrong(
        f"{value:g} is not it: the loss is -log(probability of the right digit), and "
        "an untrained model gives each of the 10 digits about the same probability."
    )


def _check_best_epoch(answer, *, history) -> str:
    values = given_history(history, "history", needs=("val_loss",))
    validation_loss = np.asarray(values["val_loss"])
    lowest = float(validation_loss.min())
    best = [epoch + 1 for epoch, loss in enumerate(validation_loss) if isclose(loss, lowest)]
    value = as_number(answer)
    epoch = whole_number(value)
    last = len(validation_loss)
    if epoch in best:
        if epoch == last:
            return (
                f"epoch {epoch}, the last one: in your run the validation loss was still "
                "falling, so more epochs might still help."
            )
        tie = (
            f" (tied with epoch {', '.join(str(e) for e in best if e != epoch)})"
            if len(best) > 1
            else ""
        )
        return (
            f"epoch {epoch} ({lowest:.3f}){tie}; by epoch {last} it had risen to "
            f"{validation_loss[-1]:.3f}. The epochs after {best[-1]} made the model worse on "
            "new images."
        )
    if epoch is None:
        raise Wrong(f"{value:g} is not an epoch: epochs are counted 1, 2, 3, ...")
    if epoch + 1 in best:
        raise Wrong(
            f"Python counts positions from 0, so np.argmin gave {epoch}; the chart "
            "and Keras count epochs from 1. Add 1."
        )
    if "loss" in values and values["loss"] and epoch == int(np.argmin(values["loss"])) + 1:
        raise Wrong(
            f"epoch {epoch} is where the *training* loss is lowest; the question is "
            "about the validation loss (history.history['val_loss'])."
        )
    if values.get("val_accuracy") and epoch == int(np.argmax(values["val_accuracy"])) + 1:
        raise Wrong(
            f"epoch {epoch} has the best validation *accuracy*; the question asks "
            "about the validation loss, which shows overfitting earlier."
        )
    if not 1 <= epoch <= last:
        raise Wrong(f"your run has epochs 1 to {last}; {epoch} is outside them.")
    raise Wrong(
        f"at epoch {epoch} the validation loss was {validation_loss[epoch - 1]:.3f}; "
        "it was lower in another epoch. Look for the smallest value of "
        "history.history['val_loss']."
    )


def _check_early_stopping(answer) -> str:
    from .._tensorflow import keras

    if not isinstance(answer, keras.callbacks.EarlyStopping):
        raise Wrong(
            f"`early_stopping` is a {type(answer).__name__}; make one with "
            "keras.callbacks.EarlyStopping(...)."
        )
    if answer.monitor != "val_accuracy":
        what = (
            "the training accuracy, which keeps rising"
            if answer.monitor == "accuracy"
            else (f"{answer.monitor!r}")
        )
        raise Wrong(
            f"it watches {what}; the challenge is to watch the validation accuracy: "
            "monitor='val_accuracy'."
        )
    if not isclose(float(answer.patience), 2):
        raise Wrong(
            f"patience is {answer.patience}; the challenge asks to stop after 2 epochs "
            "without improvement."
        )
    if not answer.restore_best_weights:
        raise Wrong(
            "without restore_best_weights=True the model keeps the weights of the last "
            "epoch, which are worse than the best ones."
        )
    if getattr(answer, "mode", "auto") == "min":
        raise Wrong(
            "mode='min' would count a *falling* accuracy as an improvement; leave mode "
            "out (Keras picks 'max' for an accuracy) or set mode='max'."
        )
    return (
        "now train with callbacks=[early_stopping] and compare the epoch it stops at with "
        "the validation-loss one."
    )


q3 = Exercise(
    "ex03.q3",
    "predict",
    "prediction",
    _check_learning_rate,
    hint="From w = -2, the first step is w - 1.2 x slope(w), with slope(-2) = -8. Where does it "
    "land, and is that closer to the bottom at w = 2 than -2 was? Answer with one word: "
    + ", ".join(repr(key) for key in _HILL_CHOICES)
    + ".",
    solution='prediction = "diverge"',
    explanation="From -2 the first step lands at 7.6 (5.6 past the bottom, where -2 was 4 "
    "before it), then at -5.84, and so on: every step overshoots by more than the last. "
    "Any learning rate above 1 does this on this hill; on a real loss the run ends in NaN.",
)

q1 = Exercise(
    "ex03.q1",
    "compute",
    "steps_per_epoch",
    _check_steps_per_epoch,
    hint="Each step uses one batch; how many batches of BATCH_SIZE does it take to cover "
    "len(fit_images) images, if the last batch may be smaller?",
    solution="steps_per_epoch = math.ceil(len(fit_images) / BATCH_SIZE)",
    keywords=(
        Keyword("training_images", "len(fit_images)", "how many images the model trains on"),
        Keyword("batch_size", "BATCH_SIZE", "the images per batch"),
    ),
)

q2 = Exercise(
    "ex03.q2",
    "predict",
    "first_loss",
    _check_initial_loss,
    hint="Untrained, the model gives every digit a probability of about 1/10. The loss is "
    "-log(probability of the right digit), with the natural logarithm.",
    solution="first_loss = -np.log(1 / 10)",
    explanation="If a run starts far above 2.3, the starting weights are badly scaled; if the "
    "loss stays at 2.3, the model is not learning at all.",
)

q4 = Exercise(
    "ex03.q4",
    "read your results",
    "best_epoch",
    _check_best_epoch,
    hint="history.history['val_loss'] holds one value per epoch; np.argmin gives the position "
    "of the smallest, counted from 0.",
    solution="best_epoch = int(np.argmin(history.history['val_loss'])) + 1",
    keywords=(Keyword("history", "history", "the History your training run returned"),),
)

challenge = Exercise(
    "ex03.challenge",
    "challenge",
    "early_stopping",
    _check_early_stopping,
    hint="keras.callbacks.EarlyStopping takes monitor=, patience= and restore_best_weights=.",
    solution="""
    early_stopping = keras.callbacks.EarlyStopping(
        monitor="val_accuracy", patience=2, restore_best_weights=True
    )
    """,
    explanation="Then rebuild the model with build_cnn(seed=SEED) and train it with "
    "callbacks=[early_stopping]. Accuracy moves in steps of one image, so it often stalls "
    "for an epoch or two by chance: it tends to stop earlier, or later, than the loss does.",
)


# ---- one training step written by hand (ex03.step) ------------------------------------------

#: The optimizer settings both steps use: plain SGD, so every slip changes the step.
_STEP_LEARNING_RATE = 0.1
#: How far the learner's step may be from fit's, relative to the size of fit's step (float32
#: sums in another order differ by about 1e-6 of it).
_STEP_TOLERANCE = 1e-3


def _clone(model):
    """A copy of `model` with the same weights; the learner's model is never touched."""
    from .._tensorflow import keras

    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    return copy


def _batch_loss(model, images, labels) -> float:
    probabilities = np.asarray(model(images, training=False), dtype=float)
    right = probabilities[np.arange(len(labels)), labels]
    return float(-np.log(np.clip(right, 1e-7, 1)).mean())


def _flat(weights) -> np.ndarray:
    return np.concatenate([np.ravel(w) for w in weights]).astype(float)


def _sgd_step(model, images, labels, loss) -> np.ndarray:
    """The change one SGD step with `loss(labels, probabilities)` makes to `model`'s weights
    (a slip's step, to recognise it)."""
    from .._tensorflow import tf

    with tf.GradientTape() as tape:
        value = loss(labels, model(images, training=True))
    gradients = tape.gradient(value, model.trainable_variables)
    order = {id(v): i for i, v in enumerate(model.trainable_variables)}
    flat = [None] * len(model.weights)
    for index, variable in enumerate(model.weights):
        i = order.get(id(variable))
        flat[index] = (
            np.zeros(variable.shape) if i is None else -_STEP_LEARNING_RATE * gradients[i].numpy()
        )
    return _flat(flat)


def _fit_step(model, images, labels) -> np.ndarray:
    """The weights after one step of `model.fit` on the batch, on a clone."""
    from .._tensorflow import keras

    reference = _clone(model)
    reference.compile(
        optimizer=keras.optimizers.SGD(learning_rate=_STEP_LEARNING_RATE),
        loss="sparse_categorical_crossentropy",
    )
    reference.fit(images, labels, batch_size=len(images), epochs=1, shuffle=False, verbose=0)
    return _flat(reference.get_weights())


def _check_train_step(answer, *, model, images, labels) -> str:
    import inspect

    from .._tensorflow import keras
    from ..checks import check_images
    from . import Unchecked, given, given_model

    model = given_model(model)
    images, labels = given("images", check_images, images, labels, name="images")
    if not 1 <= len(images) <= 512:
        raise Unchecked(f"images= holds {len(images):,} images; pass one batch (1 to 512).")
    if not callable(answer) or isinstance(answer, type):
        raise Wrong(
            f"`train_step` is {type(answer).__name__} {answer!r:.60}; define a function: "
            "def train_step(model, optimizer, images, labels): ..."
        )
    try:
        inspect.signature(answer).bind(model, None, images, labels)
    except (TypeError, ValueError):
        raise Wrong(
            "train_step must take four arguments, in this order: "
            "def train_step(model, optimizer, images, labels)."
        ) from None
    # Dropout and augmentation layers draw random numbers: both copies must draw the same
    # ones (reseeding changes the session's random state, so only when it matters).
    random = any(
        isinstance(value, keras.random.SeedGenerator)
        for layer in model.layers
        for value in vars(layer).values()
    )
    if random:
        keras.utils.set_random_seed(0)
    learners = _clone(model)
    optimizer = keras.optimizers.SGD(learning_rate=_STEP_LEARNING_RATE)
    start = _flat(learners.get_weights())
    loss_before = _batch_loss(learners, images, labels)
    try:
        answer(learners, optimizer, images, labels)
    except Exception as error:
        raise Wrong(_step_error(error)) from None
    learned = _flat(learners.get_weights()) - start
    if random:
        keras.utils.set_random_seed(0)
    fitted = _fit_step(model, images, labels) - start
    size = float(np.linalg.norm(fitted))
    gap = float(np.linalg.norm(learned - fitted)) / size
    loss_after = _batch_loss(learners, images, labels)
    if gap <= _STEP_TOLERANCE and loss_after < loss_before:
        return (
            f"your step lowered the loss on this batch of {len(images)} from {loss_before:.4f} "
            f"to {loss_after:.4f}, and it changed the {start.size:,} weights as one step of "
            f"model.fit does (they differ by {gap:.0e} of the step's size, float rounding). "
            "That is what fit does for every batch."
        )
    raise Wrong(_step_slip(learners, optimizer, images, labels, learned, fitted, model))


def _step_error(error: Exception) -> str:
    text = f"{type(error).__name__}: {str(error).strip().splitlines()[0][:160]}"
    if "No gradients provided" in str(error) or "NoneType" in str(error):
        return (
            f"your step failed ({text}). The tape found no path from the weights to the "
            "loss: compute the probabilities with model(images, training=True) *inside* "
            "`with tf.GradientTape() as tape:` (model.predict returns plain numbers the tape "
            "cannot follow), and the loss inside it too."
        )
    if "categorical" in str(error).lower() or "shape" in str(error).lower():
        return (
            f"your step failed ({text}). The labels are digits 0-9, one per image: the loss "
            "for them is keras.losses.SparseCategoricalCrossentropy() (CategoricalCrossentropy "
            "wants one-hot rows of 10)."
        )
    return f"your step failed ({text}). `ex03.step.hint()` lists the four steps."


def _step_slip(learners, optimizer, images, labels, learned, fitted, model) -> str:
    """What a step that is not fit's did wrong, in words."""
    from .._tensorflow import tf

    steps = int(optimizer.iterations.numpy()) if optimizer.built else 0
    if not np.any(learned):
        if steps:
            return (
                "optimizer.apply_gradients ran, but the weights of the model passed to "
                "train_step did not change: your step updated another model (one from outside "
                "the function?). Use the `model` argument everywhere in train_step."
            )
        return (
            "the weights did not change: computing gradients is not a step. End with "
            "optimizer.apply_gradients(zip(gradients, model.trainable_variables))."
        )
    size = float(np.linalg.norm(fitted))
    cosine = float(learned @ fitted) / (float(np.linalg.norm(learned)) * size)
    scale = float(np.linalg.norm(learned)) / size
    if cosine < -0.999:
        return (
            "your step went uphill, the opposite way to fit's: it raised the loss. Give "
            "apply_gradients the gradients of the loss itself (it steps against them)."
        )
    if cosine > 0.999:
        if not steps:
            return (
                f"your step points the right way but is {scale:.3g} times the size of fit's: "
                "use the optimizer passed to train_step, not another one."
            )
        if isclose(scale, len(images), rel_tol=0.01):
            return (
                f"your step is {len(images)} times fit's: your loss is the *sum* over the "
                "batch; fit uses the mean (what SparseCategoricalCrossentropy() gives)."
            )
        return f"your step points the right way but is {scale:.3g} times the size of fit's."
    # Softmax applied twice: the probabilities read as logits (Keras' own losses undo this
    # slip for a softmax output; tf.nn's do not).
    logits = _sgd_step(
        _clone(model),
        images,
        labels,
        lambda y, p: tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, p)),
    )
    if np.linalg.norm(learned - logits) <= 0.01 * np.linalg.norm(logits):
        return (
            "your loss treats the probabilities as logits (scores before the softmax), but "
            "the model already ends in a softmax: the step barely moves. Use "
            "keras.losses.SparseCategoricalCrossentropy(), which takes probabilities, as "
            "compile does."
        )
    return (
        f"your step moved the weights in another direction than fit's (cosine similarity "
        f"{cosine:.3f}, where 1 is the same direction), so it followed the slopes of another "
        "loss: take the gradients of loss_function(labels, probabilities), the cross-entropy "
        "compile uses, with respect to model.trainable_variables."
    )


step = Exercise(
    "ex03.step",
    "code",
    "train_step",
    _check_train_step,
    hint="Four lines, in order: inside the tape's `with` block, run the model on the "
    "images (training=True) and compute the loss from the labels and the probabilities; then "
    "ask the tape for the gradient of the loss with respect to model.trainable_variables; "
    "then give the optimizer the pairs (gradient, variable).",
    solution="""
    def train_step(model, optimizer, images, labels):
        with tf.GradientTape() as tape:
            probabilities = model(images, training=True)  # 1. forward pass
            loss = loss_function(labels, probabilities)  # 2. how wrong
        gradients = tape.gradient(loss, model.trainable_variables)  # 3. the slopes
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))  # 4. one step
        return loss
    """,
    explanation="The tape records every operation from the weights to the loss, so it can "
    "work backwards to the slope of the loss for each weight (backpropagation). "
    "apply_gradients then moves each weight by -learning_rate x its slope (for SGD). "
    "model.fit runs exactly this for every batch, plus the metrics and the callbacks.",
    keywords=(
        Keyword("model", "mnist_cnn.build_cnn(seed=SEED)", "a model to copy and step"),
        Keyword("images", "batch_images", "one batch of images"),
        Keyword("labels", "batch_labels", "their labels"),
    ),
)


# ---- experiment 1: make the validation loss stop rising by epoch 15 -------------------------

#: The overfitting run of the notebook, which the experiment starts from: the tutorial's CNN
#: without augmentation, on the first `SMALL_PART` of the images it learns from, for
#: `EPOCHS_TO_BEAT` epochs at a constant learning rate.
SMALL_PART = 1_000
EPOCHS_TO_BEAT = 15
BASELINE_SETTINGS = {"epochs": EPOCHS_TO_BEAT, "schedule": "constant", "batch_size": 32}
#: The last epochs, over which the trend of the validation loss is read (one epoch's value
#: moves by 5-10% by chance on 800 validation images; a straight line through 8 does not).
_TREND_EPOCHS = 8
#: Rising: the validation loss grows by more than this share per epoch over those epochs.
_RISING = 0.005
#: A model whose validation loss is within this share of its run's lowest is at its best
#: epoch (early stopping went back to it).
_AT_BEST = 0.02
_baseline_cache: dict = {}


def notebook_split(seed: int = 0):
    """The images notebook 03 learns from and validates on, made as its Setup makes them:
    `((fit_images, fit_labels), (validation_images, validation_labels))`."""
    from ..data import load_sample
    from ..split import train_test_split
    from ..training import NOTEBOOK_SAMPLE_SIZE

    images, labels = load_sample(NOTEBOOK_SAMPLE_SIZE, seed=seed)
    (train_images, train_labels), _ = train_test_split(images, labels, seed=seed)
    fraction = 1 - _recipe().validation_fraction
    return train_test_split(train_images, train_labels, train_fraction=fraction, seed=seed)


def _recipe():
    from ..config import PRESETS

    return PRESETS["tutorial"].training


def baseline_run(seed: int = 0) -> dict:
    """The overfitting run the experiment is judged against, trained here once (a few
    seconds) and then cached: `{"val_loss": [...], "final": the final model's validation
    loss, "validation": (images, labels)}`."""
    if seed in _baseline_cache:
        return _baseline_cache[seed]
    from ..model import build_cnn
    from ..training import train

    (fit_images, fit_labels), validation = notebook_split(seed)
    model = build_cnn(seed=seed)
    history = train(
        model,
        fit_images[:SMALL_PART],
        fit_labels[:SMALL_PART],
        _recipe(),
        validation_data=validation,
        live_plot=False,
        verbose=0,
        seed=seed,
        **BASELINE_SETTINGS,
    )
    _baseline_cache[seed] = {
        "val_loss": [float(v) for v in history.history["val_loss"]],
        "final": validation_loss(model, *validation),
        "validation": validation,
    }
    return _baseline_cache[seed]


def validation_loss(model, images, labels) -> float:
    """The cross-entropy of `model` on `images` as Keras computes `val_loss` (from the logits
    under a softmax output, so very wrong answers are not capped as clipped probabilities
    would cap them): the same number the History holds for the same weights."""
    from .._tensorflow import keras

    probabilities = model(images, training=False)
    losses = keras.losses.sparse_categorical_crossentropy(labels, probabilities)
    return float(np.mean(keras.ops.convert_to_numpy(losses)))


def trend(val_loss: list[float]) -> float:
    """How fast the validation loss changes over the last `_TREND_EPOCHS` epochs: the slope
    of a straight line through its logarithm, as a share per epoch (0.02: +2% per epoch)."""
    tail = np.log(np.asarray(val_loss[-_TREND_EPOCHS:], dtype=float))
    if len(tail) < 2:
        return 0.0
    slope = np.polyfit(np.arange(len(tail)), tail, 1)[0]
    return float(np.expm1(slope))


def _summary(val_loss: list[float], final: float) -> dict:
    lowest = min(val_loss)
    return {
        "epochs": len(val_loss),
        "best": val_loss.index(lowest) + 1,
        "lowest": lowest,
        "final": final,
        "trend": trend(val_loss),
        "at_best": final <= lowest * (1 + _AT_BEST),
    }


def _describe(name: str, run: dict) -> str:
    first = run["epochs"] - _TREND_EPOCHS + 1
    how = (
        f"over epochs {first}-{run['epochs']} it changed by {run['trend']:+.1%} per epoch"
        if run["epochs"] >= EPOCHS_TO_BEAT
        else f"the run stopped after epoch {run['epochs']}"
    )
    return (
        f"{name}: lowest validation loss {run['lowest']:.3f} at epoch {run['best']}; {how}; "
        f"the final model's is {run['final']:.3f} ({run['final'] / run['lowest'] - 1:+.0%} "
        "above the lowest)"
    )


def _check_overfitting_experiment(*, history, model) -> str:
    from . import Unchecked, given_model

    val_loss = given_history(history, "history", needs=("val_loss",))["val_loss"]
    model = given_model(model)
    asked = (getattr(history, "params", None) or {}).get("epochs") or len(val_loss)
    if asked != EPOCHS_TO_BEAT:
        raise Wrong(
            f"your run was asked for {asked} epochs; the question is about epoch "
            f"{EPOCHS_TO_BEAT}, as in the overfitting run: keep epochs={EPOCHS_TO_BEAT} and "
            "change something else."
        )
    stopped = getattr(history, "stopped", None)  # set by mnist_cnn.train
    if stopped and not stopped.startswith("a callback"):
        raise Wrong(
            f"your run ended early ({stopped}) after {plural(len(val_loss), 'epoch')}: run it "
            f"again to the end, all {EPOCHS_TO_BEAT} epochs, so the checker can see them."
        )
    baseline = baseline_run()
    final = validation_loss(model, *baseline["validation"])
    if not any(
        isclose(final, v, rel_tol=0.02, abs_tol=1e-3) for v in (val_loss[-1], min(val_loss))
    ):
        raise Unchecked(
            f"model= has validation loss {final:.3f} on validation_images, but history= ends "
            f"at {val_loss[-1]:.3f} (lowest {min(val_loss):.3f}): pass the model that made "
            "this history, trained with validation_data=(validation_images, validation_labels)"
        )
    yours = _summary(val_loss, final)
    before = _summary(baseline["val_loss"], baseline["final"])
    stopped_early = len(val_loss) < asked
    comparison = f"{_describe('Overfitting run', before)}. {_describe('Yours', yours)}."
    if stopped_early and not yours["at_best"]:
        raise Wrong(
            f"{comparison} Early stopping ended your run after epoch {len(val_loss)} but the "
            "model kept the weights of that last epoch, not of the best one: add "
            "restore_best_weights=True."
        )
    if not yours["at_best"] and yours["trend"] > _RISING:
        raise Wrong(
            f"{comparison} Your validation loss still rises after epoch {yours['best']}. Try "
            "dropout, shifted images, a lower learning rate or early stopping, one change at "
            "a time."
        )
    if final > before["final"]:
        raise Wrong(
            f"{comparison} It no longer rises, but your final model is worse on the "
            "validation images than the overfitted one: it has not learned enough in "
            f"{EPOCHS_TO_BEAT} epochs (a learning rate too low, or too much dropout?)."
        )
    how = (
        f"early stopping ended the run after epoch {len(val_loss)} and went back to the "
        f"weights of epoch {yours['best']}"
        if stopped_early and yours["at_best"]
        else "your validation loss no longer rises"
    )
    return (
        f"{comparison} So {how}, and your final model's validation loss is "
        f"{1 - final / before['final']:.0%} lower than the overfitted one's."
    )


e1 = Exercise(
    "ex03.e1",
    "experiment",
    None,
    _check_overfitting_experiment,
    hint="Change one thing in the run and train again: dropout=0.25 in the CNNConfig, "
    "shift=0.15 (random shifts of the images), a learning rate 10 times lower, or "
    "callbacks=[keras.callbacks.EarlyStopping(...)] with restore_best_weights=True.",
    solution="""
    model = mnist_cnn.build_cnn(mnist_cnn.CNNConfig(shift=0.15), seed=SEED)
    history = mnist_cnn.train(
        model, few_images, few_labels, RECIPE,
        validation_data=(validation_images, validation_labels),
        epochs=15, schedule="constant", batch_size=32, live_plot=False,
    )
    """,
    explanation="Shifting each image by a few pixels at random makes every epoch show the "
    "model slightly different digits, so it cannot memorise the 1,000 images; dropout does "
    "the same to the model's own features. Early stopping does not prevent the rise, it keeps "
    "the weights from before it.",
    keywords=(
        Keyword("history", "history", "the History your run returned", answer=True),
        Keyword("model", "model", "the model your run trained", answer=True),
    ),
)
