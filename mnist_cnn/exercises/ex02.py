"""Exercises of notebook 02, Build the CNN."""

from __future__ import annotations

import functools
import math

import numpy as np

from . import (
    Exercise,
    Keyword,
    Unchecked,
    Wrong,
    as_array,
    as_number,
    as_numbers,
    as_whole_number,
    as_whole_numbers,
    isclose,
    plural,
    whole_number,
)

#: The parameter budget of exercise 5: the tutorial CNN's 5,994, rounded up.
BUDGET = 6_000

_EDGES = {
    "vertical": lambda rows, columns: columns >= 4,
    "horizontal": lambda rows, columns: rows >= 4,
    "diagonal": lambda rows, columns: rows + columns >= 8,
    "other diagonal": lambda rows, columns: rows >= columns,
}


def _edge_responses(kernel: np.ndarray) -> dict[str, tuple[float, float]]:
    """How a 3x3 kernel answers a straight ink edge of each direction.

    Each edge is drawn in a 9x9 picture (ink on one side, background on the other) and the
    kernel is slid over it. Returns, per direction, the largest positive and the largest
    negative answer (as a positive number). An edge filter answers with one sign along an
    edge (the other sign when ink and background swap sides); a Laplacian, a line detector
    or a checkerboard answers with both signs, one on each side of the edge.
    """
    from numpy.lib.stride_tricks import sliding_window_view

    rows, columns = np.mgrid[0:9, 0:9]
    responses = {}
    for name, edge in _EDGES.items():
        picture = edge(rows, columns).astype(float)
        answers = np.einsum("ijkl,kl->ij", sliding_window_view(picture, kernel.shape), kernel)
        responses[name] = (max(float(answers.max()), 0.0), max(-float(answers.min()), 0.0))
    return responses


def _check_diagonal_filter(answer) -> str:
    kernel = as_array(answer, "your filter", "np.array([[0, 1, 2], [-1, 0, 1], [-2, -1, 0]])")
    if kernel.shape != (3, 3):
        raise Wrong(
            f"your filter has shape {kernel.shape}; the question asks for a 3x3 filter "
            "like `vertical_edge`: 3 rows of 3 numbers."
        )
    kernel = kernel.astype(float)
    if np.abs(kernel).max() == 0:
        raise Wrong("your filter is all zeros: it answers 0 everywhere.")
    if not isclose(kernel.sum(), 0, abs_tol=1e-6 * np.abs(kernel).sum()):
        raise Wrong(
            f"your filter's numbers add up to {kernel.sum():g}, not 0, so it also answers "
            "on plain ink with no edge at all (a patch full of ink gives that sum). Make "
            "the positive and negative numbers balance, as in `vertical_edge`."
        )
    responses = _edge_responses(kernel)
    strength = {name: max(answers) for name, answers in responses.items()}
    diagonal_name = max(("diagonal", "other diagonal"), key=strength.get)
    straight_name = max(("vertical", "horizontal"), key=strength.get)
    diagonal, straight = strength[diagonal_name], strength[straight_name]
    if isclose(diagonal, straight, rel_tol=0.05):
        every = all(isclose(value, diagonal, rel_tol=0.05) for value in strength.values())
        raise Wrong(
            f"your filter answers as strongly to a {straight_name} edge as to a diagonal one "
            f"({diagonal:.3g})"
            + (", and the same to edges of every direction, like a Laplacian" if every else "")
            + ": it cannot tell a diagonal edge from a straight one. Put the positive numbers "
            "in one corner and the negative ones in the opposite corner."
        )
    if diagonal < straight:
        raise Wrong(
            f"your filter answers {straight:.3g} to a {straight_name} edge but only "
            f"{diagonal:.3g} to a diagonal one; a diagonal edge filter must answer most to "
            "diagonal edges. Put the positive numbers in one corner and the negative ones in "
            "the opposite corner."
        )
    positive, negative = responses[diagonal_name]
    if min(positive, negative) > 0.25 * max(positive, negative):
        raise Wrong(
            f"along a diagonal edge your filter answers +{positive:.3g} on one side and "
            f"-{negative:.3g} on the other, as a Laplacian, a line detector or a "
            "checkerboard does: those find thin lines and spots, not which side of an edge "
            "the ink is on. An edge filter answers with one sign along the edge: positive "
            "numbers on one side of the diagonal, negative ones on the other."
        )
    return (
        f"it answers {diagonal:.3g} to a diagonal edge, with one sign all along it, and at "
        f"most {straight:.3g} to a vertical or horizontal one. Run the next cell to see its "
        "feature map."
    )


def _check_conv_parameters(answer) -> str:
    weights, biases = 16 * 3 * 3 * 8, 16
    count = as_whole_number(answer, why="it counts parameters")
    if count == weights + biases:
        return "16 filters x (3 x 3 x 8 weights) + 16 biases = 1,168."
    if count == weights:
        raise Wrong(
            "you counted the weights (1,152) but not the biases: each filter also has one "
            "bias, added to its sum."
        )
    if count in (16 * 3 * 3 + 16, 16 * 3 * 3):
        raise Wrong(
            "each filter looks at all 8 input channels at once, so it holds 3 x 3 x 8 "
            "weights, not 3 x 3."
        )
    if count in (3 * 3 * 8 + 1, 3 * 3 * 8):
        raise Wrong("that is one filter; the layer has 16 of them.")
    if count in (16 * 3 * 3 * 8 * 28 * 28, 16 * 3 * 3 * 26 * 26):
        raise Wrong(
            "the parameters do not depend on the image size: the same filter is used at "
            "every position (weight sharing)."
        )
    raise Wrong(
        f"{count:,} is not it: count the weights of one filter (height x width x input "
        "channels), times the number of filters, plus one bias per filter."
    )


def _check_output_shape(answer) -> str:
    if isinstance(answer, (tuple, list)) and any(axis is None for axis in answer):
        raise Wrong(
            "leave out the batch axis (the None Keras prints for 'any number of images'): "
            "give (height, width, channels) for one image."
        )
    shape = as_whole_numbers(
        answer, "your shape", "(20, 20, 4)", why="a shape counts pixels and channels"
    )
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


def _activation_after(model_layers: list, index: int) -> str:
    """The activation applied to the output of the Dense layer at `index`: its own, or a
    ReLU/Activation/Softmax layer after it (before the next Dense); "linear" if none."""
    from .._tensorflow import keras

    layer = model_layers[index]
    name = getattr(layer.activation, "__name__", "linear")
    if name != "linear":
        return name
    for after in model_layers[index + 1 :]:
        if isinstance(after, keras.layers.Dense):
            break
        if isinstance(after, keras.layers.ReLU):
            return "relu"
        if isinstance(after, keras.layers.Softmax):
            return "softmax"
        if isinstance(after, keras.layers.Activation):
            return getattr(after.activation, "__name__", "linear")
    return "linear"


def _dense_structure(answer, keras) -> tuple[list, list]:
    """The model's layers and its Dense layers, after the checks of what a dense-only model
    on raw (28, 28) images must be: Rescaling to 0-1 first, Flatten before any Dense."""
    model_layers = [
        layer for layer in answer.layers if not isinstance(layer, keras.layers.InputLayer)
    ]
    kinds = [type(layer).__name__ for layer in model_layers]
    if any("Conv" in kind for kind in kinds):
        raise Wrong("the model has a convolution; the point is a model of Dense layers only.")
    dense = [layer for layer in model_layers if isinstance(layer, keras.layers.Dense)]
    if not dense:
        raise Wrong("the model has no Dense layer.")
    for layer in dense:
        if len(layer.input.shape) != 2:
            raise Wrong(
                f"Dense({layer.units}) gets inputs of shape {tuple(layer.input.shape[1:])}: "
                "on a (28, 28) input a Dense layer works row by row, each unit seeing 28 "
                "pixels, not 784. Put layers.Flatten() before the first Dense layer."
            )
    rescaling = [layer for layer in model_layers if isinstance(layer, keras.layers.Rescaling)]
    first_dense = model_layers.index(dense[0])
    if not rescaling or model_layers.index(rescaling[0]) > first_dense:
        raise Wrong(
            "start with layers.Rescaling(1 / 255), as the CNN does: without it the Dense "
            "layers get pixel values 0-255 and train badly."
        )
    low, high = 0.0, 255.0  # what the pixel values become, layer after layer
    for layer in rescaling:
        scale, offset = float(np.asarray(layer.scale)), float(np.asarray(layer.offset))
        low, high = sorted((low * scale + offset, high * scale + offset))
    if not (
        (isclose(low, 0, abs_tol=1e-6) and isclose(high, 1, rel_tol=1e-3))
        or (isclose(low, -1, rel_tol=1e-3) and isclose(high, 1, rel_tol=1e-3))
    ):
        raise Wrong(
            f"your Rescaling turns pixel values 0-255 into {low:,g} to {high:,g}; the point is "
            "small numbers, 0 to 1: layers.Rescaling(1 / 255) divides by 255."
        )
    return model_layers, dense


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
    model_layers, dense = _dense_structure(answer, keras)
    output = tuple(answer.outputs[0].shape[1:])
    if output != (10,) or dense[-1].units != 10:
        raise Wrong(f"the model outputs shape {output}; it needs one probability per digit: 10.")
    pixels = np.random.default_rng(0).integers(0, 256, (4, 28, 28)).astype(np.float32)
    outputs = np.asarray(answer(pixels, training=False))
    if (outputs < 0).any() or not np.allclose(outputs.sum(axis=1), 1, atol=1e-4):
        raise Wrong(
            "the ten outputs are not probabilities (they do not add up to 1): give the last "
            "Dense layer activation='softmax', or put layers.Softmax() after it."
        )
    hidden = dense[:-1]
    parameters = answer.count_params()
    if parameters > BUDGET:
        raise Wrong(
            f"the model has {parameters:,} parameters; the budget is the CNN's, at most "
            f"{BUDGET:,}. A hidden layer of n units on 784 pixels costs 785 x n, and its "
            "outputs 10 x n more."
        )
    if not hidden:
        raise Wrong(
            "the model has no hidden layer: add a Dense layer with activation='relu' "
            "between Flatten and the output."
        )
    if len(hidden) > 1:
        raise Wrong(
            f"the model has {len(hidden)} hidden Dense layers; the question asks for one, "
            "as large as the budget allows."
        )
    (layer,) = hidden
    activation = _activation_after(model_layers, model_layers.index(layer))
    if activation == "linear":
        raise Wrong(
            "the hidden layer has no activation: two Dense layers in a row without one are a "
            "single linear map. Give it activation='relu'."
        )
    if activation != "relu":
        raise Wrong(
            f"the hidden layer uses {activation}; the question asks for ReLU, as in the CNN."
        )
    units, inputs = layer.units, int(layer.input.shape[-1])
    per_unit = layer.count_params() // units + dense[-1].units  # its weights, bias, outputs
    if parameters + per_unit <= BUDGET:
        raise Wrong(
            f"it fits, with {parameters:,} parameters, but you can afford more: "
            f"{units + 1} hidden units would cost {parameters + per_unit:,}, still within "
            f"{BUDGET:,}. The question asks for the largest hidden layer that fits."
        )
    return (
        f"{plural(units, 'hidden unit')}, the most that fit: {parameters:,} parameters, of "
        f"which {layer.count_params():,} in the hidden layer ({inputs} inputs x {units} + "
        f"{units} biases); one more unit would cost {per_unit} more, "
        f"{parameters + per_unit:,}. A dense layer pays for every pixel separately."
    )


def _check_receptive_field(answer) -> str:
    if isinstance(answer, (tuple, list, np.ndarray)) and np.ndim(answer) == 1 and len(answer) == 2:
        height, width = as_whole_numbers(answer, "your receptive field", "(16, 16)")
        if height != width:
            raise Wrong(f"{(height, width)} is not a square; the window is as tall as it is wide.")
        answer = height
    value = as_number(answer, "your receptive field")
    count = whole_number(value)
    if count == 16:
        return (
            "5 pixels for conv1, 6 after pool1 (2 neighbours, 1 pixel apart), 6 + 4 x 2 = 14 "
            "after conv2 (4 more pool1 cells, 2 pixels apart), 14 + 2 = 16 after pool2."
        )
    if count is None:
        raise Wrong(f"{value:g} is not a whole number of pixels.")
    if count == 10:
        raise Wrong(
            "5 + 5 forgets that after pooling one step is 2 pixels: conv2's 5x5 window "
            "covers 5 pool1 cells, each 2 pixels apart."
        )
    if count == 9:
        raise Wrong(
            "5 + 5 - 1 stacks two 5x5 convolutions directly; the pooling between them "
            "doubles the step of the second one."
        )
    if count == 14:
        raise Wrong(
            "that is right up to conv2; the last 2x2 pooling adds one more conv2 position, "
            "2 pixels further."
        )
    if count == 28:
        raise Wrong(
            "the whole image is seen only by the dense layer; one value of pool2 sees a "
            "square part of it."
        )
    raise Wrong(
        f"{count} is not it: grow the window layer by layer. A 5x5 convolution adds "
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
    hint="Count what a hidden layer of n units costs: each unit has one weight per pixel and a "
    "bias, and each of the 10 outputs has one weight per unit and a bias. Find the largest n "
    "that keeps the total within 6,000, then compare with dense_model.count_params().",
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
    explanation="n units cost 784 x n + n + 10 x n + 10 = 795 x n + 10 parameters: 7 units "
    "cost 5,575, 8 would cost 6,370. A dense layer pays for every pixel separately, so on the "
    "CNN's budget it can only afford a handful of units.",
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


# ---- experiment 1: a dense-only model and the CNN, trained by the reader --------------------

#: Digits the experiment's checker reads with both models: MNIST training images outside the
#: notebooks' 10,000-image sample (and outside whatever the models' records say they saw).
HELD_DIGITS = 1_000
#: How far the checker moves each held digit, in a direction drawn at random (seeded).
SHIFT = 3
#: Below this accuracy on the held digits a model counts as not (yet) trained.
TRAINED_ACCURACY = 0.5
#: A history whose last validation accuracy is further than this from what the checker
#: measures cannot be the run of that model (validation sets differ by a few points at most).
HISTORY_GAP = 0.25
_SEED = 0


@functools.lru_cache(maxsize=1)
def _held_pool() -> tuple[np.ndarray, np.ndarray]:
    """A seeded, shuffled pool of MNIST training digits that the notebooks' sample leaves out
    (never the test set, which notebook 04 keeps for the final score)."""
    from ..data import load_mnist, load_sample
    from ..provenance import fingerprints
    from ..training import NOTEBOOK_SAMPLE_SIZE

    (images, labels), _ = load_mnist()
    sample, _ = load_sample(NOTEBOOK_SAMPLE_SIZE, seed=_SEED)
    order = np.random.default_rng(_SEED).permutation(len(labels))[: 3 * HELD_DIGITS]
    order = order[~np.isin(_fingerprints_in_order(images[order]), fingerprints(sample))]
    return images[order], labels[order]


def _fingerprints_in_order(images: np.ndarray) -> np.ndarray:
    from ..provenance import _digests

    return _digests(images)


def _shifted(images: np.ndarray, pixels: int = SHIFT) -> np.ndarray:
    """Each image moved `pixels` right, left, down or up (drawn at random, seeded), the
    uncovered edge filled with background."""
    from ..data import move_images

    directions = np.random.default_rng(_SEED).integers(0, 4, len(images))
    moves = np.array([(0, pixels), (0, -pixels), (pixels, 0), (-pixels, 0)])[directions]
    return move_images(images, moves[:, 0], moves[:, 1])


def _held_digits(*models) -> tuple[np.ndarray, np.ndarray]:
    """`HELD_DIGITS` digits of the pool that none of `models` was trained on, as written
    and moved (stacked), and their labels."""
    from ..provenance import record_of

    images, labels = _held_pool()
    keep = np.ones(len(labels), bool)
    for model in models:
        record = record_of(model)
        if record is not None and len(record.seen):
            keep &= ~np.isin(_fingerprints_in_order(images), record.seen)
    images, labels = images[keep][:HELD_DIGITS], labels[keep][:HELD_DIGITS]
    return np.concatenate([images, _shifted(images)]), labels


def _layer_kinds(model) -> list[str]:
    """The class names of every layer of `model`, nested models included."""
    kinds = []
    for layer in getattr(model, "layers", []):
        kinds.append(type(layer).__name__)
        if hasattr(layer, "layers"):
            kinds += _layer_kinds(layer)
    return kinds


def _convolutions(model) -> list[str]:
    return [kind for kind in _layer_kinds(model) if "Conv" in kind]


def _check_models(dense_model, cnn_model) -> None:
    """Refuse one model given twice, the two swapped, or a model of the wrong kind."""
    from .._tensorflow import keras

    if dense_model is cnn_model:
        raise Wrong(
            "dense_model= and cnn_model= are the same model: build two, a dense-only model "
            "and a CNN, and train each."
        )
    dense_convolutions, cnn_convolutions = _convolutions(dense_model), _convolutions(cnn_model)
    if dense_convolutions and not cnn_convolutions:
        raise Wrong(
            f"the models are swapped: dense_model= has convolutions ({dense_convolutions[0]}) "
            "and cnn_model= has none. Pass the dense-only model as dense_model= and the CNN "
            "as cnn_model= (and their histories likewise)."
        )
    if dense_convolutions:
        raise Wrong(
            f"dense_model= has a convolution layer ({dense_convolutions[0]}); the point is a "
            "model of Dense layers only: Rescaling, Flatten, Dense, Dense."
        )
    if not cnn_convolutions:
        raise Wrong(
            "cnn_model= has no convolution layer: give it the CNN, e.g. "
            "mnist_cnn.build_cnn(seed=SEED), or your own with layers.Conv2D."
        )
    if not any(isinstance(layer, keras.layers.Dense) for layer in dense_model.layers):
        raise Wrong("dense_model= has no Dense layer; build it of Flatten and Dense layers.")
    for name, model in (("dense_model", dense_model), ("cnn_model", cnn_model)):
        if not getattr(model, "built", False) or not getattr(model, "inputs", None):
            raise Wrong(
                f"{name}= has never been built or trained (it has no input shape yet): start "
                "it with keras.Input(shape=(28, 28)) and train it with mnist_cnn.train(...)."
            )


def _check_history_owner(name: str, history, model, other_model) -> None:
    """Refuse a History that Keras says belongs to another model (the other one of the
    pair, or an older copy built before the cell was run again)."""
    from ..provenance import record_of

    model_name = name.replace("_history", "_model")
    other_name = "cnn_model" if model_name == "dense_model" else "dense_model"
    owner = getattr(history, "model", None) if hasattr(history, "history") else None
    if owner is not None and owner is not model:
        if owner is other_model:
            raise Wrong(
                f"{name}= is the History of {other_name}, not of {model_name}: the histories "
                "are swapped. Pass each model with the History its own training returned."
            )
        raise Wrong(
            f"{name}= is the History of another model than the {model_name}= you passed "
            f"(Keras keeps the model each History belongs to). Did you run the cell that builds "
            f"{model_name} again after training it? That makes a fresh, untrained model: "
            "build, then train, then check, in that order."
        )
    record = record_of(model)
    epochs = len(getattr(history, "history", history).get("val_accuracy", []))
    if record is not None and epochs > record.epochs:
        raise Wrong(
            f"{name}= holds {plural(epochs, 'epoch')}, but {model_name}= was trained for only "
            f"{plural(record.epochs, 'epoch')}: this History is from another run. Pass the "
            f"History that training {model_name} returned."
        )


def _percent(value: float) -> str:
    return f"{value:.1%}"


def _comparison(parameters, epochs, written, moved, augmented) -> str:
    """What the numbers of the two runs show, in words."""
    dense_parameters, cnn_parameters = parameters
    ratio = dense_parameters / cnn_parameters
    if 0.8 <= ratio <= 1.25:
        size = "with about as many parameters"
    elif ratio > 1:
        size = f"with {ratio:.1f} times fewer parameters"
    else:
        size = f"with {1 / ratio:.1f} times as many parameters"
    gap = (written[1] - written[0]) * 100
    if abs(gap) < 1:
        reading = "reads digits as written about as well"
    else:
        reading = (
            f"reads digits as written {abs(gap):.1f} points {'better' if gap > 0 else 'worse'}"
        )
    kept = [moved[k] / written[k] for k in (0, 1)]
    text = (
        f"The CNN, {size}, {reading}. On moved digits the dense model keeps {kept[0]:.0%} of "
        f"its accuracy and the CNN {kept[1]:.0%}."
    )
    if kept[1] > kept[0] + 0.02:
        text += (
            " The CNN copes better with moved digits: its filters are used at every position "
            "(weight sharing) and pooling forgets a pixel or two of where, while each dense "
            "weight belongs to one pixel."
        )
    else:
        text += (
            " Here the CNN did not cope better with moved digits than the dense model; the "
            "usual result is the opposite. Train both the same way (same images, epochs and "
            "learning rate) and check again."
        )
    if augmented:
        text += (
            f" Note: {augmented} trains on randomly changed copies (augmentation), which also "
            "teaches it to read moved digits."
        )
    if epochs[0] != epochs[1]:
        text += (
            f" The runs differ ({epochs[0]} and {epochs[1]} epochs): for a fair comparison, "
            "train both for the same number."
        )
    return text


def _check_comparison(dense_model, dense_history, cnn_model, cnn_history) -> str:
    from ..evaluation import predict
    from . import given, given_history, given_model

    given_model(dense_model, "dense_model")
    given_model(cnn_model, "cnn_model")
    _check_models(dense_model, cnn_model)
    if dense_history is cnn_history:
        raise Wrong(
            "dense_history= and cnn_history= are the same History: train each model and pass "
            "the History each training returned."
        )
    histories = {}
    for name, history, model, other in (
        ("dense_history", dense_history, dense_model, cnn_model),
        ("cnn_history", cnn_history, cnn_model, dense_model),
    ):
        histories[name] = given_history(history, name, needs=("val_accuracy",))
        _check_history_owner(name, history, model, other)
    images, labels = _held_digits(dense_model, cnn_model)
    count = len(labels)
    if count < HELD_DIGITS // 5:
        raise Unchecked(
            f"your models were trained on nearly every MNIST training image, so only "
            f"{plural(count, 'digit')} of the checker's are new to both (it needs "
            f"{HELD_DIGITS // 5:,}). Train them on the notebook's fit_images, as the "
            "baseline cell does"
        )
    written, moved = [], []
    for name, model, history in (
        ("dense_model", dense_model, histories["dense_history"]),
        ("cnn_model", cnn_model, histories["cnn_history"]),
    ):
        classes, _ = given(name, predict, model, images)
        written.append(float((classes[:count] == labels).mean()))
        moved.append(float((classes[count:] == labels).mean()))
        if written[-1] < TRAINED_ACCURACY:
            raise Wrong(
                f"{name}= reads only {_percent(written[-1])} of {count:,} digits it was not "
                f"trained on (guessing gives 10%): "
                + ("it looks untrained. " if written[-1] < 0.2 else "it has barely learned. ")
                + f"Train it, e.g. mnist_cnn.train({name}, fit_images, fit_labels, epochs=3), "
                "and check again."
            )
        claimed = history["val_accuracy"][-1]
        if abs(claimed - written[-1]) > HISTORY_GAP:
            history_name = name.replace("_model", "_history")
            raise Wrong(
                f"{history_name}= ends at a validation accuracy of {_percent(claimed)}, but "
                f"{name}= reads {_percent(written[-1])} of {count:,} digits it was not trained "
                f"on: this History is not the run of this model (or the model was changed "
                "after it). Pass the History its own training returned."
            )
    parameters = (dense_model.count_params(), cnn_model.count_params())
    validation = [histories[name]["val_accuracy"][-1] for name in histories]
    epochs = tuple(len(histories[name]["val_accuracy"]) for name in histories)
    augmented = " and ".join(
        name
        for name, model in (("the dense model", dense_model), ("the CNN", cnn_model))
        if any(kind.startswith("Random") for kind in _layer_kinds(model))
    )
    return (
        f"your dense model has {parameters[0]:,} parameters and your CNN {parameters[1]:,}; "
        f"their last validation accuracy, from your histories: {_percent(validation[0])} "
        f"after {plural(epochs[0], 'epoch')} and {_percent(validation[1])} after "
        f"{plural(epochs[1], 'epoch')}. On {count:,} MNIST digits neither was trained on, the "
        f"checker measured: as written, dense {_percent(written[0])}, CNN "
        f"{_percent(written[1])}; each moved {SHIFT} pixels in a random direction, dense "
        f"{_percent(moved[0])}, CNN {_percent(moved[1])}. "
        + _comparison(parameters, epochs, written, moved, augmented)
    )


e1 = Exercise(
    "ex02.e1",
    "experiment",
    None,
    _check_comparison,
    hint="Keep your `dense_model` of exercise 5 (any dense-only model will do) and build the "
    "CNN with mnist_cnn.build_cnn(seed=SEED). Train each with the same mnist_cnn.train(...) "
    "call as the baseline cell above, and keep the History each call returns.",
    solution="""
    # dense_model: your model of exercise 5
    cnn_model = mnist_cnn.build_cnn(seed=SEED)
    run = dict(validation_data=(held_out_images, held_out_labels), epochs=3,
               learning_rate=0.003, seed=SEED, live_plot=False, verbose=0)
    dense_history = mnist_cnn.train(dense_model, fit_images, fit_labels, **run)
    cnn_history = mnist_cnn.train(cnn_model, fit_images, fit_labels, **run)
    """,
    explanation="Both models see the same images for the same epochs with the same settings, "
    "so what differs is the architecture. The checker then reads both on digits neither has "
    "seen, as written and moved, and reports the numbers of your own run.",
    keywords=(
        Keyword("dense_model", "dense_model", "your trained dense-only model", answer=True),
        Keyword("dense_history", "dense_history", "the History its training returned", answer=True),
        Keyword("cnn_model", "cnn_model", "your trained CNN", answer=True),
        Keyword("cnn_history", "cnn_history", "the History its training returned", answer=True),
    ),
)


# ---- the output-size formula ---------------------------------------------------------------

#: Exercise 2b's three layers on a 28-pixel-wide input: (kernel, padding, stride).
SIZE_LAYERS = ((5, 0, 1), (5, 2, 1), (3, 1, 2))


def output_size(n: int, kernel: int, padding: int = 0, stride: int = 1) -> int:
    """How many positions a `kernel`-wide window takes on `n` pixels padded with `padding`
    zeros on each side, jumping `stride` pixels: (n + 2p - k) // s + 1."""
    return (n + 2 * padding - kernel) // stride + 1


def _check_output_sizes(answer) -> str:
    truth = tuple(output_size(28, *layer) for layer in SIZE_LAYERS)
    values = as_numbers(answer, "your sizes", "(20, 20, 10)")
    if len(values) != len(truth):
        raise Wrong(
            f"give {len(truth)} widths, one per layer (a), (b), (c), as a tuple; yours has "
            f"{len(values)}."
        )
    for letter, value, (kernel, padding, stride), right in zip(
        "abc", values, SIZE_LAYERS, truth, strict=True
    ):
        if isclose(value, right, abs_tol=1e-9):
            continue
        exact = (28 + 2 * padding - kernel) / stride + 1
        if whole_number(value) is None:
            if isclose(value, exact, abs_tol=1e-9):
                raise Wrong(
                    f"({letter}) is {value:g}: (n + 2p - k) / s does not divide evenly here, and "
                    "a filter cannot stop half-way. Round the division down (the last jump "
                    "that would hang over the edge is not made), then add 1."
                )
            raise Wrong(f"({letter}) is {value:g}, not a whole number of positions.")
        if isclose(value, math.ceil((28 + 2 * padding - kernel) / stride) + 1, abs_tol=1e-9):
            raise Wrong(
                f"({letter}) is {value:g}: you rounded the division up; round it down, since "
                "a jump that would hang over the edge is not made."
            )
        if isclose(value, right - 1, abs_tol=1e-9):
            raise Wrong(
                f"({letter}) is one short: after the jumps, + 1 counts the starting position."
            )
        if padding and isclose(value, output_size(28, kernel, 0, stride), abs_tol=1e-9):
            raise Wrong(
                f"({letter}) forgets the padding: p = {padding} adds 2p = "
                f"{2 * padding} pixels, one ring on each side."
            )
        if padding and isclose(value, (28 + padding - kernel) // stride + 1, abs_tol=1e-9):
            raise Wrong(f"({letter}) adds the padding once; it goes on both sides: 2p.")
        if stride > 1 and isclose(value, output_size(28, kernel, padding, 1), abs_tol=1e-9):
            raise Wrong(f"({letter}) forgets the stride: divide by s = {stride}.")
        raise Wrong(
            f"({letter}) is {value:g}, not it: compute (n + 2p - k) / s, round down, add 1, "
            f"with n = 28, k = {kernel}, p = {padding}, s = {stride}."
        )
    return (
        f"{truth[0]}, {truth[1]} and {truth[2]}: 'valid' 5x5 trims 4 pixels, padding 2 on each "
        "side of a 5x5 keeps the size (Keras' padding='same'), and stride 2 halves it, "
        f"rounding the {(28 + 2 * 1 - 3) / 2:g} jumps down."
    )


q2b = Exercise(
    "ex02.q2b",
    "compute",
    "output_sizes",
    _check_output_sizes,
    hint="For each layer, put n = 28 and its k, p and s into (n + 2p - k) / s + 1. When the "
    "division is not whole, a filter cannot stop half-way between two positions.",
    solution="""
    output_sizes = (
        (28 + 2 * 0 - 5) // 1 + 1,  # (a) 24: // divides and rounds down
        (28 + 2 * 2 - 5) // 1 + 1,  # (b) 28: the same size as the input
        (28 + 2 * 1 - 3) // 2 + 1,  # (c) 14: 27 / 2 = 13.5 jumps, rounded down to 13
    )
    """,
    explanation="Check them with Keras: layers.Conv2D(1, 5, padding='same') keeps 28, and "
    "layers.Conv2D(1, 3, strides=2, padding='same') gives 14.",
)
