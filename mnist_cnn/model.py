"""The CNN: a small dataclass config, `build_cnn()`, a layer table and saving/loading."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ._tensorflow import keras
from .data import IMAGE_SIZE, NUM_CLASSES

layers = keras.layers

#: Environment variable that moves the models folder (the browser tests use a temporary one).
MODELS_DIR_VARIABLE = "MNIST_CNN_MODELS"


def models_dir() -> Path:
    """Where trained models are kept: `$MNIST_CNN_MODELS`, else `models/` in the repository
    (ignored by git), else `mnist-cnn/models` in the working folder."""
    if os.environ.get(MODELS_DIR_VARIABLE):
        return Path(os.environ[MODELS_DIR_VARIABLE]).expanduser()
    repository = Path(__file__).resolve().parent.parent
    if (repository / "pyproject.toml").is_file():
        return repository / "models"
    return Path.cwd() / "mnist-cnn" / "models"


@dataclass
class CNNConfig:
    """The shape of the CNN. The defaults are the original tfjs tutorial's small CNN.

    Each entry of `filters` is one block: a 5x5 convolution with ReLU, then 2x2 max pooling.
    """

    filters: tuple[int, ...] = (8, 16)  # filters per convolution block (the tutorial: 8, then 16)
    kernel_size: int = 5  # convolution window, kernel_size x kernel_size pixels
    pool_size: int = 2  # max pooling window and stride
    dense_units: tuple[int, ...] = ()  # hidden dense layers before the output (the tutorial: none)
    dropout: float = 0.0  # share of inputs dropped before each dense layer while training
    batch_norm: bool = False  # normalise each convolution's output (faster, steadier training)
    padding: str = "valid"  # "valid" shrinks each convolution's output; "same" keeps its size
    shift: float = 0.0  # augmentation: random shifts up to this share of the image, training only
    rotation: float = 0.0  # augmentation: random rotations up to this share of a full turn
    num_classes: int = NUM_CLASSES  # one output per digit
    image_size: int = IMAGE_SIZE  # input images are image_size x image_size
    name: str = "tutorial_cnn"

    def __post_init__(self) -> None:
        self.filters = tuple(self.filters)
        self.dense_units = tuple(self.dense_units)
        for what, values in (("filters", self.filters), ("dense_units", self.dense_units)):
            for value in values:
                if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                    raise ValueError(f"{what} must be positive whole numbers, got {values!r}.")
        if not self.filters:
            raise ValueError("filters must list at least one convolution block, e.g. (8, 16).")
        for what in ("kernel_size", "pool_size", "num_classes", "image_size"):
            value = getattr(self, what)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{what} must be a positive whole number, got {value!r}.")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}.")
        if self.padding not in ("valid", "same"):
            raise ValueError(f'padding must be "valid" or "same", got {self.padding!r}.')
        for what in ("shift", "rotation"):
            if not 0.0 <= getattr(self, what) < 0.5:
                raise ValueError(f"{what} must be in [0, 0.5), got {getattr(self, what)!r}.")
        size = self.image_size
        for block, _ in enumerate(self.filters, start=1):
            if self.kernel_size > size:
                raise ValueError(
                    f"kernel_size {self.kernel_size} is larger than the {size}x{size} input of "
                    f"convolution block {block}; use a smaller kernel or fewer blocks."
                )
            if self.padding == "valid":
                size = size - self.kernel_size + 1
            size = size // self.pool_size
            if size < 1:
                raise ValueError(
                    f"block {block} shrinks the image to nothing; use a smaller kernel_size, "
                    f"pool_size or fewer blocks."
                )

    @classmethod
    def tutorial(cls) -> CNNConfig:
        """The original tutorial's CNN: 5,994 parameters."""
        return cls()

    @classmethod
    def fast(cls) -> CNNConfig:
        """The `fast` preset's CNN: twice the tutorial's filters (16, then 32), no batch
        normalisation (see `mnist_cnn.presets`)."""
        from .presets import PRESETS

        return PRESETS["fast"].model


def build_cnn(config: CNNConfig | None = None, *, seed: int | None = None) -> keras.Sequential:
    """Build (but do not train) the CNN described by `config`.

    The model takes raw uint8 images of shape (N, 28, 28): its first layer rescales
    pixel values from 0-255 to 0-1. It outputs 10 probabilities per image.

    Args:
        config: the architecture; `CNNConfig()` (the tutorial's CNN) when None.
        seed: the same seed gives the same initial weights; None draws fresh ones.
    """
    config = config or CNNConfig()
    seeds = iter(range(seed * 1000, seed * 1000 + 1000)) if seed is not None else None

    def initializer():
        # One seed per layer: layers must not share initial weights.
        return keras.initializers.VarianceScaling(seed=next(seeds) if seeds else None)

    model = keras.Sequential(name=config.name)
    model.add(keras.Input(shape=(config.image_size, config.image_size), name="image"))
    model.add(layers.Rescaling(1 / 255, name="rescale"))
    model.add(layers.Reshape((config.image_size, config.image_size, 1), name="add_channel"))
    if config.shift:
        model.add(
            layers.RandomTranslation(
                config.shift,
                config.shift,
                fill_mode="constant",
                seed=next(seeds) if seeds else None,
                name="shift",
            )
        )
    if config.rotation:
        model.add(
            layers.RandomRotation(
                config.rotation,
                fill_mode="constant",
                seed=next(seeds) if seeds else None,
                name="rotate",
            )
        )
    for block, filters in enumerate(config.filters, start=1):
        model.add(
            layers.Conv2D(
                filters,
                config.kernel_size,
                padding=config.padding,
                # Batch normalisation adds its own shift, so the convolution needs no bias.
                use_bias=not config.batch_norm,
                activation=None if config.batch_norm else "relu",
                kernel_initializer=initializer(),
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
    """Each layer's name, type, output shape (one image, without the batch axis) and parameters."""
    return LayerTable(
        (layer.name, type(layer).__name__, tuple(layer.output.shape[1:]), layer.count_params())
        for layer in model.layers
    )


def save_model(model: keras.Model, path: str | os.PathLike | None = None) -> Path:
    """Save a trained model as a `.keras` file; by default `models/<model name>.keras`.

    Returns:
        The path written.
    """
    path = Path(path) if path is not None else models_dir() / f"{model.name}.keras"
    if path.suffix != ".keras":
        raise ValueError(f"the file name must end in .keras, got {path.name!r}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Save next to the target, then rename: an interrupted save never leaves a broken file.
    partial = path.with_name(f".{path.stem}.partial.keras")
    try:
        model.save(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def load_model(path: str | os.PathLike | None = None) -> keras.Model:
    """Load a model saved by `save_model`; by default `models/tutorial_cnn.keras`.

    Raises:
        FileNotFoundError: no file at `path`, with the notebook or command that makes one.
        ValueError: the file is not a readable `.keras` model.
    """
    path = Path(path) if path is not None else models_dir() / "tutorial_cnn.keras"
    if not path.is_file():
        raise FileNotFoundError(
            f"no saved model at {path}. Train and save one first: run notebook "
            f"03_train_the_cnn.ipynb, or `python -m mnist_cnn train --output {path}`."
        )
    try:
        return keras.saving.load_model(path)
    except Exception as error:  # zip, h5 and JSON errors all mean the same thing here
        raise ValueError(
            f"{path} is not a readable Keras model ({type(error).__name__}: {error}). "
            f"Delete it and train again."
        ) from None
