"""Look inside a trained CNN: its filters, the feature maps an image produces, a saliency map."""

from __future__ import annotations

import numpy as np

from ._tensorflow import keras, tf
from .checks import check_digit, check_model


def stages(model: keras.Model) -> list[keras.layers.Layer]:
    """The layers whose outputs are worth seeing: each convolution block after its ReLU,
    and after its pooling."""
    chosen = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D) and layer.activation is keras.activations.relu:
            chosen.append(layer)
        elif isinstance(layer, (keras.layers.ReLU, keras.layers.MaxPooling2D)):
            chosen.append(layer)
    return chosen


def feature_maps(model: keras.Model, image: np.ndarray) -> dict[str, np.ndarray]:
    """The feature maps one (28, 28) uint8 image produces, by layer name: (height, width, maps)."""
    check_model(model)
    image = check_digit(image)
    layers = stages(model)
    if not layers:
        raise ValueError(
            "model has no convolution layers, so there are no feature maps to show; use a "
            "CNN from build_cnn()."
        )
    probe = keras.Model(model.inputs[0], [layer.output for layer in layers])
    outputs = probe(image[None].astype(np.float32), training=False)
    return {
        layer.name: np.asarray(output)[0] for layer, output in zip(layers, outputs, strict=True)
    }


def conv_filters(model: keras.Model) -> dict[str, np.ndarray]:
    """Each convolution's filters as (count, height, width), averaged over input channels."""
    check_model(model)
    if not any(isinstance(layer, keras.layers.Conv2D) for layer in model.layers):
        raise ValueError("model has no convolution layers, so it has no filters to show.")
    return {
        layer.name: np.transpose(layer.get_weights()[0].mean(axis=2), (2, 0, 1))
        for layer in model.layers
        if isinstance(layer, keras.layers.Conv2D)
    }


def logit_gradient(model: keras.Model, image: np.ndarray, digit: int) -> np.ndarray:
    """The gradient of `digit`'s logit (its score before softmax) with respect to each pixel.

    The softmax probability of a confident answer is flat near 1, so its gradient is close
    to 0 everywhere; the logit's is not. Notebook 05 writes this computation out.

    Returns:
        A (28, 28) float array: how much the score of `digit` changes per unit of each
        pixel value (0-255), positive where more ink would raise it.
    """
    check_model(model)
    image = check_digit(image)
    output_layer = model.layers[-1]
    if not isinstance(output_layer, keras.layers.Dense):
        raise ValueError(
            f"the model's last layer must be its Dense output layer, got "
            f"{type(output_layer).__name__}; build it with build_cnn()."
        )
    if not (isinstance(digit, (int, np.integer)) and 0 <= digit < output_layer.units):
        raise ValueError(
            f"digit must be a whole number from 0 to {output_layer.units - 1}, got {digit!r}."
        )
    features = keras.Model(model.inputs[0], model.layers[-2].output)
    pixels = tf.Variable(image[None].astype(np.float32))
    with tf.GradientTape() as tape:
        logits = tf.matmul(features(pixels, training=False), output_layer.kernel)
        logits = logits + output_layer.bias
        score = logits[0, int(digit)]
    return np.asarray(tape.gradient(score, pixels))[0]


def saliency_map(model: keras.Model, image: np.ndarray) -> tuple[int, np.ndarray]:
    """Which pixels the prediction is most sensitive to.

    Returns:
        `(digit, saliency)`: the predicted digit, and the absolute gradient of its logit
        (see `logit_gradient`) with respect to each pixel, scaled to 0-1, shape (28, 28).
    """
    check_model(model)
    image = check_digit(image)
    probabilities = np.asarray(model(image[None].astype(np.float32), training=False))[0]
    digit = int(np.argmax(probabilities))
    gradient = np.abs(logit_gradient(model, image, digit))
    top = gradient.max()
    return digit, gradient / top if top > 0 else gradient
