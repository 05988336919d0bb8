"""Exercises of notebook 02, Build the CNN."""

from __future__ import annotations

import numpy as np

from . import Exercise, Wrong, as_number


def _edge_responses(kernel: np.ndarray) -> dict[str, float]:
    """The strongest answer of a 3x3 kernel to a straight ink edge of each direction.

    Each edge is drawn in a 9x9 picture (ink on one side, background on the other, either
    way round), and the kernel is slid over it; we keep the largest absolute answer.
    """
    from numpy.lib.stride_tricks import sliding_window_view

    rows, columns = np.mgrid[0:9, 0:9]
    edges = {
        "vertical": columns >= 4,
        "horizontal": rows >= 4,
        "diagonal": rows + columns >= 8,
        "other diagonal": rows >= columns,
    }
    responses = {}
    for name, ink in edges.items():
        picture = ink.astype(float)
        patches = sliding_window_view(picture, kernel.shape)
        responses[name] = float(np.abs(np.einsum("ijkl,kl->ij", patches, kernel)).max())
    return responses


def _check_diagonal_filter(answer) -> str:
    try:
        kernel = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        raise Wrong(
            "a filter is a grid of numbers, e.g. a list of 3 lists of 3 numbers, or "
            "np.array([[...], [...], [...]])."
        ) from None
    if kernel.shape != (3, 3):
        raise Wrong(
            f"your filter has shape {kernel.shape}; the question asks for a 3x3 filter "
            "like `vertical_edge`: 3 rows of 3 numbers."
        )
    if not np.isfinite(kernel).all():
        raise Wrong("your filter holds a NaN or infinite number; use ordinary numbers.")
    if np.abs(kernel).max() == 0:
        raise Wrong("your filter is all zeros: it answers 0 everywhere.")
    if abs(kernel.sum()) > 1e-6 * np.abs(kernel).sum():
        raise Wrong(
            f"your filter's numbers add up to {kernel.sum():g}, not 0, so it also answers "
            "on plain ink with no edge at all (a patch full of ink gives that sum). Make "
            "the positive and negative numbers balance, as in `vertical_edge`."
        )
    responses = _edge_responses(kernel)
    diagonal = max(responses["diagonal"], responses["other diagonal"])
    straight = max(responses["vertical"], responses["horizontal"])
    if diagonal <= straight:
        strongest = max(responses, key=responses.get)
        raise Wrong(
            f"your filter answers {responses[strongest]:.3g} to a {strongest} edge but "
            f"only {diagonal:.3g} to a diagonal one; a diagonal edge filter must answer "
            "most to diagonal edges. Put the positive numbers in one corner and the "
            "negative ones in the opposite corner."
        )
    return (
        f"it answers {diagonal:.3g} to a diagonal edge and at most {straight:.3g} to a "
        "vertical or horizontal one. Run the next cell to see its feature map."
    )


def _check_conv_parameters(answer) -> str:
    value = as_number(answer)
    weights, biases = 16 * 3 * 3 * 8, 16
    if value == weights + biases:
        return "16 filters x (3 x 3 x 8 weights) + 16 biases = 1,168."
    if value == weights:
        raise Wrong(
            "you counted the weights (1,152) but not the biases: each filter also has one "
            "bias, added to its sum."
        )
    if value in (16 * 3 * 3 + 16, 16 * 3 * 3):
        raise Wrong(
            "each filter looks at all 8 input channels at once, so it holds 3 x 3 x 8 "
            "weights, not 3 x 3."
        )
    if value in (3 * 3 * 8 + 1, 3 * 3 * 8):
        raise Wrong("that is one filter; the layer has 16 of them.")
    if value in (16 * 3 * 3 * 8 * 28 * 28, 16 * 3 * 3 * 26 * 26):
        raise Wrong(
            "the parameters do not depend on the image size: the same filter is used at "
            "every position (weight sharing)."
        )
    raise Wrong(
        f"{value:,.0f} is not it: count the weights of one filter (height x width x input "
        "channels), times the number of filters, plus one bias per filter."
    )


def _check_output_shape(answer) -> str:
    try:
        shape = tuple(int(d) for d in answer)
    except TypeError:
        raise Wrong("give the shape as a tuple of whole numbers, e.g. (20, 20, 4).") from None
    truth = (13, 13, 16)
    if shape == truth:
        return (
            "3x3 'valid' trims 1 pixel on each side (28 -> 26), 2x2 pooling halves it "
            "(26 -> 13), and 16 filters make 16 channels."
        )
    if len(shape) == 2:
        raise Wrong(
            "a feature map stack has three axes: height, width and channels (one per filter)."
        )
    if len(shape) == 4:
        raise Wrong("leave out the batch axis: give (height, width, channels) for one image.")
    if len(shape) != 3:
        raise Wrong(f"{shape} has {len(shape)} axes; give (height, width, channels).")
    height, width, channels = shape
    if channels != 16:
        raise Wrong(f"the channels are one per filter, so 16, not {channels}.")
    if (height, width) == (26, 26):
        raise Wrong("26 x 26 is the size after the convolution; the 2x2 pooling then halves it.")
    if (height, width) == (14, 14):
        raise Wrong("14 would be 28 / 2: 'valid' padding first trims 1 pixel on each side.")
    if (height, width) == (12, 12):
        raise Wrong("12 x 12 is what a 5x5 filter gives (28 -> 24 -> 12); this one is 3x3.")
    raise Wrong(
        f"{height} x {width} is not it: a 3x3 'valid' convolution gives 28 - 3 + 1, and "
        "the pooling halves that (rounding down)."
    )


def _check_dense_model(answer) -> str:
    from .._tensorflow import keras

    if not isinstance(answer, keras.Model):
        raise Wrong(f"`dense_model` is a {type(answer).__name__}; build a keras.Sequential model.")
    if not answer.built or not answer.inputs:
        raise Wrong("the model has no input shape yet: start it with keras.Input(shape=(28, 28)).")
    if tuple(answer.inputs[0].shape[1:]) != (28, 28):
        raise Wrong(
            f"the model takes inputs of shape {tuple(answer.inputs[0].shape[1:])}; give "
            "it keras.Input(shape=(28, 28)) so it reads the same raw images as the CNN."
        )
    kinds = [type(layer).__name__ for layer in answer.layers]
    if any("Conv" in kind for kind in kinds):
        raise Wrong("the model has a convolution; the point is a model of Dense layers only.")
    dense = [layer for layer in answer.layers if isinstance(layer, keras.layers.Dense)]
    if not dense:
        raise Wrong("the model has no Dense layer.")
    if "Flatten" not in kinds and "Reshape" not in kinds:
        raise Wrong(
            "a Dense layer on a (28, 28) input works row by row: add layers.Flatten() "
            "first, so each unit sees all 784 pixels."
        )
    output = tuple(answer.outputs[0].shape[1:])
    if output != (10,):
        raise Wrong(f"the model outputs shape {output}; it needs one probability per digit: 10.")
    last = dense[-1]
    if getattr(last.activation, "__name__", "") != "softmax":
        raise Wrong(
            "the last Dense layer should use activation='softmax', so the ten outputs are "
            "probabilities adding up to 1."
        )
    if "Rescaling" not in kinds:
        raise Wrong(
            "add layers.Rescaling(1 / 255) at the start, as in the CNN: without it the "
            "model gets pixel values 0-255 and trains badly."
        )
    parameters = answer.count_params()
    if parameters > 6_000:
        raise Wrong(
            f"the model has {parameters:,} parameters; the budget is the CNN's, at most "
            "6,000. A hidden layer of n units on 784 pixels costs 785 x n."
        )
    if len(dense) < 2:
        raise Wrong(
            "the model has no hidden layer: add a Dense layer with activation='relu' "
            "between Flatten and the output."
        )
    return f"a dense-only model with {parameters:,} parameters, as many as the CNN's 5,994."


def _check_receptive_field(answer) -> str:
    if isinstance(answer, (tuple, list)) and len(answer) == 2 and answer[0] == answer[1]:
        answer = answer[0]
    value = as_number(answer)
    if value == 16:
        return (
            "5 pixels for conv1, 6 after pool1 (2 neighbours, 1 pixel apart), 6 + 4 x 2 = 14 "
            "after conv2 (4 more pool1 cells, 2 pixels apart), 14 + 2 = 16 after pool2."
        )
    if value == 10:
        raise Wrong(
            "5 + 5 forgets that after pooling one step is 2 pixels: conv2's 5x5 window "
            "covers 5 pool1 cells, each 2 pixels apart."
        )
    if value == 9:
        raise Wrong(
            "5 + 5 - 1 stacks two 5x5 convolutions directly; the pooling between them "
            "doubles the step of the second one."
        )
    if value == 14:
        raise Wrong(
            "that is right up to conv2; the last 2x2 pooling adds one more conv2 position, "
            "2 pixels further."
        )
    if value == 28:
        raise Wrong(
            "the whole image is seen only by the dense layer; one value of pool2 sees a "
            "square part of it."
        )
    raise Wrong(
        f"{value:g} is not it: grow the window layer by layer. A 5x5 convolution adds "
        "4 steps, a 2x2 pooling adds 1 step, and each pooling doubles the step size."
    )


q1 = Exercise(
    "ex02.q1",
    "code",
    "diagonal_edge",
    _check_diagonal_filter,
    hint="Turn `vertical_edge` by 45 degrees: the largest positive numbers in one corner, the "
    "largest negative ones in the opposite corner, zeros along the diagonal between them.",
    solution="""
    diagonal_edge = np.array(
        [
            [0, 1, 2],
            [-1, 0, 1],
            [-2, -1, 0],
        ],
        dtype=np.float32,
    )
    """,
    explanation="Its numbers add up to 0, so plain ink or plain background gives 0; ink on the "
    "upper right with background on the lower left gives a large positive answer.",
)

q4 = Exercise(
    "ex02.q4",
    "compute",
    "parameters",
    _check_conv_parameters,
    hint="One filter spans 3 x 3 pixels and all 8 input channels, and has one bias.",
    solution="parameters = 16 * (3 * 3 * 8 + 1)",
    explanation="Check it with keras: build keras.Sequential([keras.Input((26, 26, 8)), "
    "layers.Conv2D(16, 3)]) and call .count_params().",
)

q2 = Exercise(
    "ex02.q2",
    "predict",
    "output_shape",
    _check_output_shape,
    hint="'valid' padding: output = input - kernel + 1. Pooling 2x2: output = input // 2. "
    "Channels: one per filter.",
    solution="output_shape = (13, 13, 16)",
    explanation="Check it: keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(16, 3), "
    "layers.MaxPooling2D(2)]).output_shape",
)

q5 = Exercise(
    "ex02.q5",
    "code",
    "dense_model",
    _check_dense_model,
    hint="keras.Input(shape=(28, 28)), layers.Rescaling(1 / 255), layers.Flatten(), then a "
    "Dense hidden layer with activation='relu' and a Dense(10, activation='softmax'). "
    "784 x n + n + 10 x n + 10 must stay below 6,000.",
    solution="""
    dense_model = keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            layers.Rescaling(1 / 255),
            layers.Flatten(),
            layers.Dense(7, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )
    """,
    explanation="Seven hidden units already cost 784 x 7 + 7 = 5,495 parameters: a dense layer "
    "pays for every pixel separately, so on the CNN's budget it can only afford a handful of "
    "units.",
)

q3 = Exercise(
    "ex02.q3",
    "compute",
    "receptive_field",
    _check_receptive_field,
    hint="Work upwards: one pool2 value covers 2x2 conv2 values; those cover 6x6 pool1 values "
    "(5 + 1); each pool1 value covers 2x2 conv1 values, and so on. Or: start at 1 and, layer "
    "by layer, add (window - 1) x step, where the step doubles after each pooling.",
    solution="receptive_field = 16  # 1 + 4x1 (conv1) + 1x1 (pool1) + 4x2 (conv2) + 1x2 (pool2)",
    explanation="So each of the 4 x 4 = 16 positions of the last feature maps sees a 16 x 16 "
    "square of the 28 x 28 digit: big enough for a loop or a stroke end.",
)
