"""The CNN: `build_cnn()` makes it from a `CNNConfig`; `layer_table()` lists its layers."""

from __future__ import annotations

import functools

import numpy as np

from ._tensorflow import keras
from .augmentation import (
    RandomAffine,
    RandomElasticDistortion,
    RandomGaps,
    RandomStrokeThickness,
)
from .checks import check_model, check_seed
from .config import CNNConfig

layers = keras.layers


def build_cnn(config: CNNConfig | None = None, *, seed: int | None = None) -> keras.Sequential:
    """Build (but do not train) the CNN described by `config`.

    The model takes raw uint8 images of shape (N, 28, 28): its first layer rescales
    pixel values from 0-255 to 0-1. It outputs 10 probabilities per image.

    Args:
        config: the architecture; `CNNConfig()` (the tutorial's CNN) when None.
        seed: the same seed gives the same initial weights; None draws fresh ones.
    """
    if config is None:
        config = CNNConfig()
    elif not isinstance(config, CNNConfig):
        hint = ""
        if isinstance(config, str):
            hint = f" For the {config!r} preset, use mnist_cnn.PRESETS[{config!r}].model."
        elif isinstance(getattr(config, "model", None), CNNConfig):  # a Preset
            hint = " A preset holds two configs: pass its .model, e.g. PRESETS['tutorial'].model."
        elif hasattr(config, "epochs"):
            hint = (
                " A TrainingConfig describes training: pass it to train(); build from a CNNConfig."
            )
        raise TypeError(f"config must be a CNNConfig, got {type(config).__name__}.{hint}")
    seed = check_seed(seed)
    # One seed per layer, below 2**31 (what Keras's seed generators take). The augmentation
    # layers draw theirs from another stream, so the same seed gives the same starting weights
    # with or without augmentation.
    seeds = iter((seed * 1000 + k) % 2**31 for k in range(500)) if seed is not None else None
    augmentation_seeds = (
        iter((seed * 1000 + k) % 2**31 for k in range(500, 1000)) if seed is not None else None
    )

    def initializer():
        # One seed per layer: layers must not share initial weights.
        return keras.initializers.VarianceScaling(seed=next(seeds) if seeds else None)

    model = keras.Sequential(name=config.name)
    model.add(keras.Input(shape=(config.image_size, config.image_size), name="image"))
    model.add(layers.Rescaling(1 / 255, name="rescale"))
    model.add(layers.Reshape((config.image_size, config.image_size, 1), name="add_channel"))
    _add_augmentation(
        model, config, lambda: next(augmentation_seeds) if augmentation_seeds else None
    )
    for block, filters in enumerate(config.filters, start=1):
        whitened = config.whiten and block == 1
        model.add(
            layers.Conv2D(
                filters,
                config.kernel_size,
                padding=config.padding,
                # Batch normalisation adds its own shift, so the convolution needs no bias.
                use_bias=not config.batch_norm,
                activation=None if config.batch_norm else "relu",
                kernel_initializer=(
                    FixedWeights(whitening_filters(config.kernel_size, filters))
                    if whitened
                    else initializer()
                ),
                trainable=not whitened,
                name=f"conv{block}",
            )
        )
        if config.batch_norm:
            model.add(layers.BatchNormalization(name=f"norm{block}"))
            model.add(layers.ReLU(name=f"relu{block}"))
        model.add(layers.MaxPooling2D(config.pool_size, name=f"pool{block}"))
    model.add(layers.Flatten(name="flatten"))
    for number, units in enumerate(config.dense_units, start=1):
        if config.dropout:
            model.add(layers.Dropout(config.dropout, seed=next(seeds) if seeds else None))
        model.add(
            layers.Dense(
                units, activation="relu", kernel_initializer=initializer(), name=f"dense{number}"
            )
        )
    if config.dropout:
        model.add(layers.Dropout(config.dropout, seed=next(seeds) if seeds else None))
    model.add(
        layers.Dense(
            config.num_classes,
            activation="softmax",
            kernel_initializer=initializer(),
            name="probabilities",
        )
    )
    return model


@keras.saving.register_keras_serializable(package="mnist_cnn")
class FixedWeights(keras.initializers.Initializer):
    """Starting weights given in full (kept in the model's config, so a clone or a loaded
    model starts from them too)."""

    def __init__(self, values):
        self.values = np.asarray(values, dtype="float32")

    def __call__(self, shape, dtype=None):
        if tuple(shape) != self.values.shape:
            raise ValueError(
                f"these fixed weights have shape {self.values.shape}, the layer asks for {shape}."
            )
        return keras.ops.convert_to_tensor(self.values, dtype=dtype or "float32")

    def get_config(self):
        return {"values": self.values.tolist()}


@functools.lru_cache(maxsize=4)
def _whitening(kernel_size: int, filters: int) -> np.ndarray:
    from numpy.lib.stride_tricks import sliding_window_view

    from .data import load_mnist

    (images, _), _ = load_mnist()
    sample = images[np.random.default_rng(0).choice(len(images), 2_000, replace=False)] / 255.0
    patches = sliding_window_view(sample, (kernel_size, kernel_size), axis=(1, 2))
    patches = patches.reshape(-1, kernel_size * kernel_size)
    variances, directions = np.linalg.eigh(np.cov(patches, rowvar=False))
    largest = np.argsort(variances)[::-1][: filters // 2]
    # Each direction, and its negative (after the ReLU, a filter keeps only one sign), scaled
    # so that every direction's response has about the same spread.
    kernel = directions[:, largest] / np.sqrt(variances[largest] + 1e-2)
    kernel = np.concatenate([kernel, -kernel], axis=1)
    return kernel.reshape(kernel_size, kernel_size, 1, filters).astype("float32")


def whitening_filters(kernel_size: int, filters: int) -> np.ndarray:
    """`filters` (kernel_size, kernel_size) whitening filters of 2,000 MNIST training digits'
    patches, as a (kernel_size, kernel_size, 1, filters) kernel: the patches' `filters / 2`
    directions of largest variation (principal components), each divided by its spread, and
    their negatives. A convolution with them passes on most of what varies in a patch, each
    direction as strongly as the others (the fastest CIFAR-10 training runs start this way)."""
    return _whitening(kernel_size, filters).copy()


def _add_augmentation(model: keras.Sequential, config: CNNConfig, next_seed) -> None:
    """The augmentation layers `config` asks for; each is active only while training.

    Stroke thickness first (it acts on the digit as drawn), then the geometric changes.
    """
    if config.thickness:
        model.add(RandomStrokeThickness(config.thickness, seed=next_seed(), name="thickness"))
    if config.shift or config.rotation or config.zoom:
        model.add(
            RandomAffine(
                config.shift,
                config.rotation,
                config.zoom,
                seed=next_seed(),
                name="shift_rotate_zoom",
            )
        )
    if config.elastic:
        model.add(RandomElasticDistortion(config.elastic, seed=next_seed(), name="bend"))
    if config.gaps:
        model.add(RandomGaps(config.gaps, seed=next_seed(), name="gaps"))


class LayerTable(list):
    """Rows of (layer name, layer type, output shape, parameter count), shown as a table."""

    def total(self) -> int:
        return sum(row[3] for row in self)

    def __str__(self) -> str:
        lines = [f"{'layer':16} {'type':14} {'output shape':18} {'parameters':>10}"]
        lines += [f"{n:16} {t:14} {str(s):18} {p:>10,}" for n, t, s, p in self]
        lines.append(f"{'total':50} {self.total():>10,}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        cells = "".join(
            f"<tr><td>{n}</td><td>{t}</td><td>{s}</td><td style='text-align:right'>{p:,}</td></tr>"
            for n, t, s, p in self
        )
        return (
            "<table><thead><tr><th>layer</th><th>type</th><th>output shape</th>"
            f"<th>parameters</th></tr></thead><tbody>{cells}</tbody><tfoot><tr><th>total</th>"
            f"<th></th><th></th><th style='text-align:right'>{self.total():,}</th></tr></tfoot>"
            "</table>"
        )


def layer_table(model: keras.Model) -> LayerTable:
    """Each layer's name, type, output shape (one image, without the batch axis) and parameters.

    Raises:
        TypeError: `model` is not a Keras model.
        ValueError: the model has not been built (a subclassed model before its first call).
    """
    check_model(model)
    try:
        shapes = [tuple(layer.output.shape[1:]) for layer in model.layers]
    except (AttributeError, ValueError):  # Keras: "has never been called"
        raise ValueError(
            f"model {model.name!r} has not been built yet, so its layers have no output shapes; "
            f"call it on images once first, e.g. model(images[:1]), or use build_cnn()."
        ) from None
    return LayerTable(
        (layer.name, type(layer).__name__, shape, layer.count_params())
        for layer, shape in zip(model.layers, shapes, strict=True)
    )
