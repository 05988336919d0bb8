"""Look inside a trained CNN: its filters, the feature maps an image produces, the images that
excite each filter most, a saliency map and an occlusion map."""

from __future__ import annotations

import numpy as np

from ._tensorflow import keras, tf
from .checks import IMAGE_SIZE, check_digit, check_images, check_model, check_positive_int


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


def occlusion_map(model: keras.Model, image: np.ndarray, size: int = 4) -> tuple[int, np.ndarray]:
    """How much covering each `size` x `size` square of the digit (setting it to 0, the
    background) lowers the probability of the digit the model reads.

    Saliency asks about a tiny change of every pixel; occlusion asks the model directly what
    it reads when a part of the digit is missing. Notebook 05 asks the learner to write it.

    Returns:
        `(digit, drops)`: the digit read, and a (28 // size, 28 // size) array of the drop in
        its probability for each square covered, one at a time (negative: covering helps).
    """
    check_model(model)
    image = check_digit(image)
    size = check_positive_int(size, "size")
    if IMAGE_SIZE % size:
        raise ValueError(
            f"size must divide 28 so that the squares tile the image (1, 2, 4, 7, 14 or 28), "
            f"got {size}."
        )
    squares = IMAGE_SIZE // size
    probabilities = np.asarray(model(image[None].astype(np.float32), training=False))[0]
    digit = int(np.argmax(probabilities))
    covered = np.repeat(image[None], squares * squares, axis=0)
    for number in range(squares * squares):
        row, column = divmod(number, squares)
        covered[number, row * size : (row + 1) * size, column * size : (column + 1) * size] = 0
    after = np.asarray(model(covered.astype(np.float32), training=False))[:, digit]
    return digit, (probabilities[digit] - after).reshape(squares, squares)


def top_activations(
    model: keras.Model, images: np.ndarray, layer: str = "conv1", top: int = 6
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The images that excite each filter of a convolution most, and where.

    Every image gets one score per filter: the largest value of that filter's feature map
    (after its ReLU) anywhere in the image. The images with the highest scores show what
    the filter responds to.

    Args:
        model: a CNN from `build_cnn()`.
        images: (N, 28, 28) digits, N >= `top`.
        layer: the name of a convolution layer, e.g. "conv1".
        top: how many images to keep per filter.

    Returns:
        `(indices, positions, values)`: for every filter, the indices of its `top` images,
        best first, shape (filters, top); the (row, column) in the feature map where each
        responds most, shape (filters, top, 2); and the response there, shape (filters, top).
    """
    check_model(model)
    images, _ = check_images(images)
    top = check_positive_int(top, "top")
    names = [item.name for item in model.layers if isinstance(item, keras.layers.Conv2D)]
    if layer not in names:
        raise ValueError(
            f"layer must name a convolution of the model ({', '.join(map(repr, names))}), "
            f"got {layer!r}."
        )
    if len(images) < top:
        raise ValueError(f"top={top} needs at least {top} images, got {len(images)}.")
    conv = model.get_layer(layer)
    after_relu = (
        conv.output
        if conv.activation is keras.activations.relu
        else keras.activations.relu(conv.output)
    )
    probe = keras.Model(model.inputs[0], after_relu)
    maps = np.asarray(probe.predict(images, batch_size=512, verbose=0))  # (N, h, w, filters)
    count, height, width, filters = maps.shape
    flat = maps.reshape(count, height * width, filters)
    scores = flat.max(axis=1)  # (N, filters)
    where = flat.argmax(axis=1)
    indices = np.argsort(-scores, axis=0, kind="stable")[:top].T  # (filters, top)
    columns = np.arange(filters)[:, None]
    best = where[indices, columns]
    positions = np.stack([best // width, best % width], axis=-1)
    return indices, positions, scores[indices, columns]
