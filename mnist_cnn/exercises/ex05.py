"""Exercises of notebook 05, Inside the CNN."""

from __future__ import annotations

import numpy as np

from ..checks import check_digit
from . import (
    Exercise,
    Keyword,
    Unchecked,
    Wrong,
    as_array,
    as_choice,
    as_whole_number,
    given,
    given_history,
    given_model,
    plural,
)

MODEL = Keyword("model", "model", "the trained model")
IMAGE = Keyword("image", "image", "the digit the saliency cell used")


#: The targets of the "build your own CNN" challenge: accuracy on the checker's own held
#: images, at most this many parameters, trained in at most this many seconds. Issue 16
#: suggested 98.5%; on 2 CPU cores no run from the sample's 8,000 training images reached it
#: within a minute (measured on the held images, seeds 0-1: the tutorial CNN 97.1%; 16-24
#: 3x3 filters with batch normalisation 97.5-97.8%, 98.2% with shifts; the solution below
#: 98.2-98.5% in 23-30 s, 98.2-98.4% with 20 epochs in 38-43 s), so the target is 98.0%:
#: a point above the tutorial CNN, reached by several designs.
TARGET_ACCURACY = 0.98
MAX_PARAMETERS = 10_000
MAX_SECONDS = 60.0
#: The checker's validation split: MNIST training images outside the notebooks' sample
#: (never the test set), seeded; images the model was trained on are left out of it.
HELD_COUNT = 5_000
HELD_SEED = 2024
_held: dict = {}


def _check_filter_weights(answer, *, model) -> str:
    model = given_model(model, "model")
    try:
        kernel = tuple(model.get_layer("conv2").kernel.shape)
    except (ValueError, AttributeError):
        raise Unchecked(
            "model= has no convolution named conv2; pass the model this notebook loaded."
        ) from None
    height, width, inputs, filters = kernel
    truth = height * width * inputs
    count = as_whole_number(answer, why="it counts weights")
    maps = f"{inputs} feature map{'s' * (inputs != 1)}"
    if count == truth:
        return (
            f"{height} x {width} x {inputs} = {truth:,}: one {height}x{width} slice for each of "
            f"the {maps} conv1 makes. The picture averages the {inputs} slices into one square, "
            "so it shows only part of what a filter does."
        )
    if count == height * width:
        raise Wrong(
            f"{count} is one {height}x{width} slice; a conv2 filter reads all {maps} of the "
            "layer before, with one slice for each."
        )
    if count == truth + 1:
        raise Wrong("the question asks for the weights only, without the bias.")
    if count in (truth * filters, (truth + 1) * filters):
        raise Wrong(
            f"that is the whole layer ({filters} filters); the question asks for one filter."
        )
    if filters != inputs and count == height * width * filters:
        raise Wrong(
            f"the {filters} is the number of filters of conv2 (its output channels); one "
            f"filter reads the {inputs} input channels."
        )
    reads = " x ".join(str(size) for size in model.get_layer("conv2").input.shape[1:])
    raise Wrong(
        f"{count:,} is not it: height x width x input channels; conv2's input is conv1's "
        f"output after pooling, {reads}."
    )


_SHIFT_CHOICES = {
    "same": "the feature maps stay where they were",
    "shift": "the feature maps move 3 pixels right too",
    "different": "the feature maps change into different patterns",
}


def _check_shift(answer) -> str:
    choice = as_choice(answer, _SHIFT_CHOICES)
    if choice == "shift":
        return (
            "every position is scored by the same filter (weight sharing), so the same "
            "strokes give the same answers, 3 pixels further right. Run the next cell."
        )
    if choice == "same":
        raise Wrong(
            "a feature map is a picture of *where* the filter found its pattern; if the "
            "strokes move, where they are found moves with them."
        )
    raise Wrong(
        "the filter is the same at every position, so the strokes it finds are scored "
        "the same wherever they are; only their place changes."
    )


def _logits(model, image: np.ndarray) -> np.ndarray:
    """The model's ten scores before softmax, for one image."""
    from .._tensorflow import keras

    features = keras.Model(model.inputs[0], model.layers[-2].output)
    output_layer = model.layers[-1]
    batch = image[None].astype(np.float32)
    return np.asarray(features(batch, training=False) @ output_layer.kernel + output_layer.bias)[0]


def _check_second_choice_gradient(answer, *, model, image) -> str:
    from ..inside import logit_gradient

    model = given_model(model, "model")
    image = given("image", check_digit, image, "image")
    gradient = np.squeeze(as_array(answer, "gradient_of_second", "tape.gradient(...)[0].numpy()"))
    if gradient.shape != (28, 28):
        raise Wrong(
            f"the gradient has shape {gradient.shape}; it should have one value per "
            "pixel, (28, 28). Take the first (only) image of the batch: [0]."
        )
    gradient = gradient.astype(float)
    order = np.argsort(_logits(model, image))[::-1]  # digits, the model's first choice first
    first, second = int(order[0]), int(order[1])
    truth = logit_gradient(model, image, second)
    scale = np.abs(truth).max() or 1.0

    def same(a, b):
        return np.allclose(a, b, atol=1e-3 * scale, rtol=1e-3)

    if same(gradient, truth):
        return (
            f"the model's second choice for this {first} is {second}: where the picture is "
            f"red, more ink would make it more of a {second}; blue, less."
        )
    # A multiple of the right gradient: the sign or the scale slipped.
    size = float(np.vdot(truth, truth))
    factor = float(np.vdot(gradient, truth)) / size if size else 0.0
    if factor and same(gradient / factor, truth):
        if factor < 0:
            raise Wrong(
                "the sign is flipped: this is minus the gradient"
                + ("" if np.isclose(factor, -1, rtol=1e-3) else f", times {-factor:.3g}")
                + f". Take the gradient of logits[0, {second}] itself (not of minus it, nor "
                "of a loss), so that red means more ink raises the score."
            )
        if np.isclose(factor, 255, rtol=1e-3) or np.isclose(factor, 1 / 255, rtol=1e-3):
            raise Wrong(
                "the gradient is scaled by 255: compute it with respect to the raw pixel "
                "values 0-255 the model takes, without dividing or multiplying."
            )
        raise Wrong(
            f"the pattern is right but scaled by {factor:,.4g}: did you divide it by its "
            "largest value, as the saliency map does? The question asks for the gradient "
            "itself, in score per unit of pixel value."
        )
    if same(gradient, np.abs(truth)):
        raise Wrong(
            "these are the sizes of the gradient (np.abs); this question wants its sign "
            "too, to show where ink helps and where it hurts."
        )
    if same(gradient, logit_gradient(model, image, first)):
        raise Wrong(
            f"this is the gradient of the logit of {first}, the model's *first* choice: the "
            f"saliency cell's `gradient`. The question asks for its second choice, {second}, "
            "the digit with the second-largest logit."
        )
    for rank, other in enumerate(order[2:], start=3):
        if same(gradient, logit_gradient(model, image, int(other))):
            raise Wrong(
                f"this is the gradient of the logit of {other}, the model's choice number "
                f"{rank}; the second-largest logit is {second}'s."
            )
    raise Wrong(
        f"this is not the gradient of the logit of {second}. Did you take the gradient of "
        "the softmax probability (model(pixels)) instead of the logit (features(pixels) "
        "@ kernel + bias)? For a confident model the probability's gradient is nearly 0."
    )


def _occlusion_truth(model, image: np.ndarray) -> tuple[int, np.ndarray]:
    from ..inside import occlusion_map

    return occlusion_map(model, image, size=4)


def _check_occlusion(answer, *, model, image) -> str:
    if not callable(answer):
        raise Wrong("`occlusion_map` should be a function: def occlusion_map(model, image): ...")
    model = given_model(model, "model")
    image = np.asarray(given("image", check_digit, image, "image"))
    # The image and the same digit moved: a function that ignores its image cannot pass.
    moved = np.roll(image, 2, axis=1)
    for name, picture in (("image", image), ("the image moved 2 pixels right", moved)):
        digit, truth = _occlusion_truth(model, picture)
        given_picture = picture.copy()
        result = as_array(answer(model, given_picture), f"occlusion_map(model, {name})")
        if not np.array_equal(given_picture, picture):
            raise Wrong(
                "occlusion_map changed the image it was given: cover the squares in a copy "
                "(covered = image.copy()), one square at a time."
            )
        if result.shape != (7, 7):
            raise Wrong(
                f"occlusion_map returned shape {result.shape}; covering 4x4 squares of a "
                "28x28 image, 7 across and 7 down, gives a (7, 7) map."
            )
        if np.allclose(result, -truth, atol=1e-4) and np.abs(truth).max() > 1e-4:
            raise Wrong("the sign is flipped: give the *drop* in probability, before minus after.")
        if not np.allclose(result, truth, atol=1e-4):
            raise Wrong(
                f"for {name}, your map differs from the drop in the probability of {digit} by "
                f"up to {np.abs(result - truth).max():.3g}. Cover each square with 0 "
                "(background), one at a time."
            )
    digit, truth = _occlusion_truth(model, image)
    top = np.unravel_index(np.argmax(truth), truth.shape)
    return (
        f"covering the square at rows {4 * top[0]}-{4 * top[0] + 3}, columns "
        f"{4 * top[1]}-{4 * top[1] + 3} costs the most: {truth[top]:.1%}. Does the saliency "
        "map agree?"
    )


def held_split() -> tuple[np.ndarray, np.ndarray]:
    """The checker's own validation images: `HELD_COUNT` MNIST training images, stratified
    and seeded, none of them in the notebooks' 10,000-image sample (cached)."""
    if "images" not in _held:
        from ..data import load_mnist, load_sample
        from ..provenance import _digests as digests
        from ..provenance import fingerprints
        from ..split import stratified_choice
        from ..training import NOTEBOOK_SAMPLE_SIZE

        (images, labels), _ = load_mnist()
        sample, _ = load_sample(NOTEBOOK_SAMPLE_SIZE, seed=0)
        outside = np.flatnonzero(~np.isin(digests(images), fingerprints(sample)))
        chosen, _ = stratified_choice(labels[outside], HELD_COUNT, np.random.default_rng(HELD_SEED))
        _held["images"], _held["labels"] = images[outside[chosen]], labels[outside[chosen]]
    return _held["images"], _held["labels"]


def _given_run(model, history):
    """The learner's model, its training time and its record, or `Unchecked`."""
    from .._tensorflow import keras
    from ..provenance import record_of

    model = given_model(model, "model")
    given_history(history, "history", needs=("loss",))
    seconds = getattr(history, "seconds", None)
    record = record_of(model)
    if seconds is None or record is None:
        raise Unchecked(
            "train the model with mnist_cnn.train(...) (it may keep a compile of yours): it "
            "times the run and notes which images the model learned from, which the checker "
            "needs; model.fit does neither"
        )
    if not any(isinstance(layer, keras.layers.Conv2D) for layer in model.layers):
        raise Unchecked(
            "model= has no convolution layer: this challenge is to build a CNN (e.g. with "
            "mnist_cnn.build_cnn(mnist_cnn.CNNConfig(...)))"
        )
    return model, max(float(seconds), float(record.seconds)), record


def _ideas(model, history) -> str:
    """What the learner's run did not try yet, read from their model and training config."""
    from .._tensorflow import keras

    config = getattr(history, "config", None)
    kinds = [type(layer) for layer in model.layers]
    ideas = ["more epochs"]
    if config is None or config.schedule != "one_cycle":
        ideas.append("a one-cycle learning rate schedule (schedule='one_cycle')")
    if config is None or config.validation_fraction > 0:
        ideas.append(
            "validation_fraction=0 (learn from every image you give train(): the checker "
            "holds its own)"
        )
    if keras.layers.BatchNormalization not in kinds:
        ideas.append("batch normalisation (batch_norm=True)")
    if not any(kind.__name__.startswith("Random") for kind in kinds):
        ideas.append("random shifts and zooms (shift=..., zoom=...)")
    if sum(issubclass(kind, keras.layers.Conv2D) for kind in kinds) < 3:
        ideas.append("a third convolution block (padding='same' leaves room for it)")
    return ", ".join(ideas[:-1]) + " or " + ideas[-1]


def _check_own_cnn(*, model, history) -> str:
    from ..evaluation import predict

    model, seconds, record = _given_run(model, history)
    images, labels = held_split()
    unseen = ~record.was_seen(images)
    if unseen.sum() < HELD_COUNT // 2:
        raise Unchecked(
            f"model= was trained on {HELD_COUNT - int(unseen.sum()):,} of the checker's "
            f"{HELD_COUNT:,} held images, so it cannot be measured on unseen ones: train it on "
            "the sample's train_images"
        )
    predicted, _ = predict(model, images[unseen])
    accuracy = float(np.mean(predicted == labels[unseen]))
    parameters = int(model.count_params())
    measured = (
        f"{accuracy:.2%} on the checker's {plural(int(unseen.sum()), 'held image')} (target "
        f"{TARGET_ACCURACY:.1%}), {parameters:,} parameters (at most {MAX_PARAMETERS:,}), "
        f"{seconds:.1f} s of training (at most {MAX_SECONDS:.0f} s)"
    )
    missed = []
    if parameters > MAX_PARAMETERS:
        largest = max(model.layers, key=lambda layer: layer.count_params())
        missed.append(
            f"too many parameters: your largest layer, {largest.name}, holds "
            f"{largest.count_params():,} of them; fewer filters, a smaller kernel, or one more "
            "pooling before Flatten (which shrinks the Dense layer after it) cut them"
        )
    if seconds > MAX_SECONDS:
        missed.append("too slow: fewer epochs, larger batches, or fewer filters in the first layer")
    if accuracy < TARGET_ACCURACY:
        missed.append(f"not accurate enough: {_ideas(model, history)} may help")
    if missed:
        said = "; ".join(missed)  # str.capitalize would lowercase the names in it
        raise Wrong(f"{measured}. {said[0].upper()}{said[1:]}.")
    return f"{measured}: every target met. Compare your choices with the tutorial CNN's."


q1 = Exercise(
    "ex05.q1",
    "compute",
    "weights_per_filter",
    _check_filter_weights,
    hint="A conv2 filter is 5x5, and it reads every channel of its input at once. How many "
    "channels does conv2's input have? The cell above the pictures printed it.",
    solution='weights_per_filter = 5 * 5 * model.get_layer("conv1").filters  # conv1\'s maps',
    explanation="Each of conv1's filters makes one feature map, and pooling keeps them all, so "
    "conv2 reads as many maps as conv1 has filters. Check it: "
    'model.get_layer("conv2").kernel.shape is (height, width, input channels, filters).',
    keywords=(MODEL,),
)

q2 = Exercise(
    "ex05.q2",
    "predict",
    "prediction",
    _check_shift,
    hint="Every position of a feature map is the same filter applied to the patch under it. "
    "Answer 'same', 'shift' or 'different'.",
    solution='prediction = "shift"',
    explanation="This is why a CNN reads a shifted digit: the first layers' answers move with "
    "the digit, and pooling then forgets a pixel or two of where.",
)

q3 = Exercise(
    "ex05.q3",
    "code",
    "gradient_of_second",
    _check_second_choice_gradient,
    hint="Start from the saliency cell above. Which digit has the second-largest logit "
    "(np.argsort sorts from smallest to largest)? Take the gradient of that logit, and keep "
    "its sign.",
    solution="""
    pixels = tf.Variable(image[None].astype("float32"))
    with tf.GradientTape() as tape:
        logits = features(pixels) @ output_layer.kernel + output_layer.bias
        second = int(np.argsort(logits[0])[-2])  # the second-largest logit
        score = logits[0, second]
    gradient_of_second = tape.gradient(score, pixels)[0].numpy()
    """,
    explanation="The second choice is usually the digit this one most resembles; the red "
    "places are the strokes that would turn it into that digit.",
    keywords=(MODEL, IMAGE),
)

challenge = Exercise(
    "ex05.challenge",
    "challenge",
    "occlusion_map",
    _check_occlusion,
    hint="For each 4x4 square (rows and columns 0, 4, ..., 24), copy the image, set the square "
    "to 0, and measure how much the probability of the model's digit drops.",
    solution='''
    def occlusion_map(model, image):
        """How much covering each 4x4 square lowers the probability of the digit read."""
        probabilities = model(image[None].astype("float32")).numpy()[0]
        digit = probabilities.argmax()
        drops = np.zeros((7, 7))
        for row in range(7):
            for column in range(7):
                covered = image.copy()
                covered[4 * row : 4 * row + 4, 4 * column : 4 * column + 4] = 0
                after = model(covered[None].astype("float32")).numpy()[0, digit]
                drops[row, column] = probabilities[digit] - after
        return drops
    ''',
    explanation="Occlusion asks the model directly ('what if this part were missing?') where "
    "saliency asks about tiny changes; where both agree you can trust the picture more.",
    keywords=(MODEL, IMAGE),
)

e1 = Exercise(
    "ex05.e1",
    "experiment",
    None,
    _check_own_cnn,
    hint="See where the parameters sit: for layer in my_model.layers: print(layer.name, "
    "layer.count_params()). 3x3 filters cost about a third of 5x5 ones, and a third "
    "convolution block (padding='same' leaves room for it) shrinks what the Dense layer "
    "reads. Batch normalisation (batch_norm=True) lets a small model learn fast at a high "
    "learning rate, and random shifts and zooms (shift=..., zoom=...) give 8,000 images more "
    "variety. Keep an eye on my_history.seconds.",
    solution="""
    my_model = mnist_cnn.build_cnn(
        mnist_cnn.CNNConfig(
            filters=(8, 16, 32), kernel_size=3, padding="same", batch_norm=True,
            shift=0.1, zoom=0.1,
        ),
        seed=SEED,
    )
    my_history = mnist_cnn.train(
        my_model, train_images, train_labels, epochs=15, batch_size=128, learning_rate=0.02,
        schedule="one_cycle", validation_fraction=0,
    )
    """,
    explanation="One of many answers (8,946 parameters). Three blocks of small 3x3 filters see "
    "as far as two of 5x5 ones for fewer weights and leave a 3x3 map for the Dense layer; "
    "batch normalisation keeps training steady at a high learning rate; random shifts and "
    "zooms make the 8,000 images go further; the one-cycle schedule ends with small steps "
    "that settle the weights.",
    keywords=(
        Keyword("model", "my_model", "the CNN you built and trained", answer=True),
        Keyword("history", "my_history", "what mnist_cnn.train returned", answer=True),
    ),
)
