"""Exercises of notebook 05, Inside the CNN."""

from __future__ import annotations

import numpy as np

from ..checks import check_digit
from . import (
    Exercise,
    Keyword,
    Wrong,
    as_array,
    as_choice,
    as_whole_number,
    given,
    given_model,
)

MODEL = Keyword("model", "model", "the trained model")
IMAGE = Keyword("image", "image", "the digit the saliency cell used")


def _check_filter_weights(answer) -> str:
    count = as_whole_number(answer, why="it counts weights")
    if count == 5 * 5 * 8:
        return (
            "5 x 5 x 8 = 200: one 5x5 slice for each of the 8 feature maps conv1 makes. The "
            "picture averages the 8 slices into one square, so it shows only part of what a "
            "filter does."
        )
    if count == 25:
        raise Wrong(
            "25 is one 5x5 slice; a conv2 filter reads all 8 feature maps of the layer "
            "before, with one slice for each."
        )
    if count == 201:
        raise Wrong("the question asks for the weights only, without the bias.")
    if count in (3_216, 3_200):
        raise Wrong("that is the whole layer (16 filters); the question asks for one filter.")
    if count in (5 * 5 * 16, 5 * 5 * 16 * 8):
        raise Wrong(
            "the 16 is the number of filters of conv2 (its output channels); one filter "
            "reads the 8 input channels."
        )
    raise Wrong(
        f"{count:,} is not it: height x width x input channels; conv2's input is "
        "conv1's output after pooling, 12 x 12 x 8."
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
    probabilities = np.asarray(model(image[None].astype(np.float32), training=False))[0]
    digit = int(np.argmax(probabilities))
    covered = []
    for row in range(0, 28, 4):
        for column in range(0, 28, 4):
            copy = image.copy()
            copy[row : row + 4, column : column + 4] = 0
            covered.append(copy)
    after = np.asarray(model(np.stack(covered).astype(np.float32), training=False))[:, digit]
    return digit, (probabilities[digit] - after).reshape(7, 7)


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


q1 = Exercise(
    "ex05.q1",
    "compute",
    "weights_per_filter",
    _check_filter_weights,
    hint="A conv2 filter is 5x5, and it reads every channel of its input at once. How many "
    "channels does conv2's input have?",
    solution="weights_per_filter = 5 * 5 * 8",
    explanation="Check it: conv_layer.get_weights()[0].shape is (5, 5, 8, 16) for conv2: "
    "height, width, input channels, filters.",
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
