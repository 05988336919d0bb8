"""Data augmentation layers: each changes every image at random while the model trains, and
leaves it alone when the model reads digits, so a model that has them reads a digit exactly
as the same weights without them would. `build_cnn` adds them from a `CNNConfig`; the drawing
pad's JavaScript skips them.

Keras has random shifts, rotations and zooms, one layer each, each resampling the image;
`build_cnn` uses `RandomAffine` instead, which draws all three and resamples once (less blur,
and faster). Keras lacks random stroke thickness, elastic distortion and gaps, which are
written here. Keras' own layers also change images when a model is called without saying
whether it is training (`model(images)`, as notebook 05 does), so the Keras layers kept here
(for models saved before `RandomAffine`, and for learners) are changed in that one respect:
they change images only when told they are training (as `fit` does).

A drawing differs from an MNIST digit in ways these imitate: a digit drawn small on the pad
has thick strokes once scaled to MNIST's 20x20 box, a large one thin strokes, and a hand
bends strokes in ways no rotation or zoom does.
"""

from __future__ import annotations

import math

from ._tensorflow import keras

ops = keras.ops


def _seed_generator(seed):
    return keras.random.SeedGenerator(seed)


def _only_when_training(keras_layer):
    """Keras' `keras_layer`, changing images only when called with `training=True`."""

    class Layer(keras_layer):
        __doc__ = (
            f"`keras.layers.{keras_layer.__name__}`, active only when told it is training "
            f"(Keras' own is also active in `model(images)`)."
        )

        def call(self, data, training=False):
            return super().call(data, training=bool(training))

    Layer.__name__ = Layer.__qualname__ = keras_layer.__name__
    return keras.saving.register_keras_serializable(package="mnist_cnn")(Layer)


RandomTranslation = _only_when_training(keras.layers.RandomTranslation)
RandomRotation = _only_when_training(keras.layers.RandomRotation)
RandomZoom = _only_when_training(keras.layers.RandomZoom)


@keras.saving.register_keras_serializable(package="mnist_cnn")
class RandomAffine(keras.layers.Layer):
    """Shift, turn and resize each image at random in one resampling, in training only.

    Keras' RandomTranslation, RandomRotation and RandomZoom do the same one at a time, each
    resampling the image (and blurring it a little more); this draws the three together and
    resamples once, bilinear, with background (0) where the image had none.

    Args:
        shift: the largest shift, as a share of the image's height and width (0.1: up to 2.8
            pixels on a 28x28 digit), drawn for each axis.
        rotation: the largest turn, as a share of a full turn (0.05: 18 degrees), either way.
        zoom: sizes from 1 - zoom to 1 + zoom times the digit's own, about the centre.
        seed: the same seed, the same changes.
    """

    def __init__(
        self, shift: float = 0.0, rotation: float = 0.0, zoom: float = 0.0, seed=None, **kwargs
    ):
        super().__init__(**kwargs)
        for name, value in (("shift", shift), ("rotation", rotation), ("zoom", zoom)):
            if not 0 <= value < 0.5:
                raise ValueError(f"{name} must be from 0 to below 0.5, got {value!r}.")
        self.shift, self.rotation, self.zoom = float(shift), float(rotation), float(zoom)
        self.seed = seed
        self.generator = _seed_generator(seed)

    def call(self, images, training=False):
        if not training or not (self.shift or self.rotation or self.zoom):
            return images
        batch = ops.shape(images)[0]
        height, width = images.shape[1], images.shape[2]

        def draw(low, high):
            return keras.random.uniform((batch,), low, high, seed=self.generator)

        angle = draw(-self.rotation, self.rotation) * (2 * math.pi)
        size = draw(1 - self.zoom, 1 + self.zoom)
        move_x = draw(-self.shift, self.shift) * width
        move_y = draw(-self.shift, self.shift) * height
        # The map from each output pixel back to the input pixel it shows: undo the shift,
        # then the turn and the resize about the image's centre (cx, cy).
        cx, cy = (width - 1) / 2, (height - 1) / 2
        cos, sin = ops.cos(angle) / size, ops.sin(angle) / size
        x0, y0 = cx + move_x, cy + move_y
        transform = ops.stack(
            [
                cos,
                sin,
                cx - cos * x0 - sin * y0,
                -sin,
                cos,
                cy + sin * x0 - cos * y0,
                ops.zeros_like(cos),
                ops.zeros_like(cos),
            ],
            axis=1,
        )
        return ops.image.affine_transform(
            images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0
        )

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "shift": self.shift,
            "rotation": self.rotation,
            "zoom": self.zoom,
            "seed": self.seed,
        }


@keras.saving.register_keras_serializable(package="mnist_cnn")
class RandomStrokeThickness(keras.layers.Layer):
    """Thicken or thin each image's strokes by a random amount, in training only.

    Each image gets a random `a` between `-factor` and `factor`: with `a > 0` it moves `a` of
    the way towards its 3x3 grey dilation (strokes up to 2 pixels thicker), with `a < 0`
    towards its 3x3 grey erosion (thinner). Images are (N, height, width, channels), ink high.

    Args:
        factor: the largest change, from 0 (none) to 1 (a full dilation or erosion).
        seed: the same seed, the same changes.
    """

    def __init__(self, factor: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= factor <= 1:
            raise ValueError(f"factor must be from 0 to 1, got {factor!r}.")
        self.factor = float(factor)
        self.seed = seed
        self.generator = _seed_generator(seed)

    def call(self, images, training=False):
        if not training or not self.factor:
            return images
        amount = keras.random.uniform(
            (ops.shape(images)[0], 1, 1, 1), -self.factor, self.factor, seed=self.generator
        )
        thick = ops.max_pool(images, 3, strides=1, padding="same")
        thin = -ops.max_pool(-images, 3, strides=1, padding="same")
        target = ops.where(amount > 0, thick, thin)
        return images + ops.abs(amount) * (target - images)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "seed": self.seed}


@keras.saving.register_keras_serializable(package="mnist_cnn")
class RandomElasticDistortion(keras.layers.Layer):
    """Bend each image smoothly at random, in training only (Simard et al., 2003).

    Every pixel moves by a random displacement that changes smoothly across the image: a
    `grid` x `grid` array of random displacements (up to `magnitude` pixels in each direction)
    scaled up to the image's size with bicubic interpolation. The image is resampled there
    with bilinear interpolation; what comes from outside the image is 0 (background).

    Args:
        magnitude: the largest displacement, in pixels (0: none).
        grid: how many independent displacements across the image (more: wavier).
        seed: the same seed, the same distortions.
    """

    def __init__(self, magnitude: float, grid: int = 4, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if not magnitude >= 0:
            raise ValueError(f"magnitude must be 0 or more pixels, got {magnitude!r}.")
        if int(grid) != grid or grid < 2:
            raise ValueError(f"grid must be a whole number of at least 2, got {grid!r}.")
        self.magnitude = float(magnitude)
        self.grid = int(grid)
        self.seed = seed
        self.generator = _seed_generator(seed)

    def call(self, images, training=False):
        if not training or not self.magnitude:
            return images
        batch = ops.shape(images)[0]
        height, width, channels = images.shape[1], images.shape[2], images.shape[3]
        coarse = keras.random.uniform(
            (batch, self.grid, self.grid, 2), -self.magnitude, self.magnitude, seed=self.generator
        )
        field = ops.image.resize(coarse, (height, width), interpolation="bicubic")
        rows = ops.cast(ops.arange(height), "float32")[None, :, None] + field[..., 0]
        columns = ops.cast(ops.arange(width), "float32")[None, None, :] + field[..., 1]
        return _bilinear(images, rows, columns, height, width, channels)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "magnitude": self.magnitude,
            "grid": self.grid,
            "seed": self.seed,
        }


@keras.saving.register_keras_serializable(package="mnist_cnn")
class RandomGaps(keras.layers.Layer):
    """Cut `count` small gaps in each image's strokes at random, in training only.

    Each gap is a `size` x `size` square of background (0) centred on a pixel of ink (a
    pixel at least half as bright as the image's brightest), as a pen that skips leaves.

    Args:
        count: gaps per image (0: none).
        size: the side of each gap, in pixels.
        seed: the same seed, the same gaps.
    """

    def __init__(self, count: int, size: int = 3, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("count", count), ("size", size)):
            if isinstance(value, bool) or int(value) != value or value < 0:
                raise ValueError(f"{name} must be a whole number, 0 or more, got {value!r}.")
        self.count, self.size = int(count), int(size)
        self.seed = seed
        self.generator = _seed_generator(seed)

    def call(self, images, training=False):
        if not training or not self.count or not self.size:
            return images
        batch = ops.shape(images)[0]
        height, width = images.shape[1], images.shape[2]
        brightest = ops.max(images, axis=(1, 2, 3), keepdims=True)
        ink = ops.cast(ops.max(images, axis=3) >= 0.5 * brightest[..., 0], "float32")
        ink = ops.reshape(ink, (-1, height * width))
        centres = 0.0
        for _ in range(self.count):
            # A random pixel of ink: the largest of random scores, counted on ink only.
            score = keras.random.uniform((batch, height * width), 0.1, 1.0, seed=self.generator)
            chosen = ops.one_hot(ops.argmax(score * ink, axis=1), height * width)
            centres = ops.maximum(centres, chosen)
        centres = ops.reshape(centres, (-1, height, width, 1))
        gaps = ops.max_pool(centres, self.size, strides=1, padding="same")
        return images * (1 - gaps)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "count": self.count, "size": self.size, "seed": self.seed}


def _bilinear(images, rows, columns, height, width, channels):
    """`images` (N, H, W, C) read at fractional (N, H, W) `rows` and `columns`, 0 outside."""
    flat = ops.reshape(images, (-1, channels))
    first_pixel = ops.reshape(ops.arange(ops.shape(images)[0]) * (height * width), (-1, 1, 1))
    top, left = ops.floor(rows), ops.floor(columns)
    result = 0.0
    for row_step in (0, 1):
        for column_step in (0, 1):
            row, column = top + row_step, left + column_step
            weight = (1 - ops.abs(rows - row)) * (1 - ops.abs(columns - column))
            inside = (row >= 0) & (row <= height - 1) & (column >= 0) & (column <= width - 1)
            pixel = ops.clip(row, 0, height - 1) * width + ops.clip(column, 0, width - 1)
            values = ops.take(flat, ops.cast(pixel, "int32") + first_pixel, axis=0)
            result = result + values * ops.where(inside, weight, 0.0)[..., None]
    return ops.reshape(result, (-1, height, width, channels))
