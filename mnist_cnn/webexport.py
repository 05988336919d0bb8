"""What the widgets need to work in a web page with no Python behind it (the static book).

In JupyterLab the kernel reads drawings and draws digits. In the book there is no kernel,
so the browser does that work itself, from data packed here:

- `export_weights(model)`: the trained CNN's weights as a small JSON-able dict, which the
  drawing pad's JavaScript (`static/drawing_pad.js`) runs forward: convolution, ReLU, max
  pooling, dense, softmax;
- `pack_digits(images)`: uint8 digits, gzip-compressed, which the digit browser's
  JavaScript (`static/digit_view.js`) unpacks with the browser's own `DecompressionStream`;
- `MIN_DRAWING_EXTENT`: the one threshold, shared by Python and JavaScript, below which a
  drawing is too small to read.

No TensorFlow import here: `export_weights` only calls methods of the model it is given.
"""

from __future__ import annotations

import base64
import gzip
import os

import numpy as np

from .checks import IMAGE_SIZE, check_images, check_model
from .drawing import MIN_DIGIT_SHARE

#: A drawing whose ink (its bounding box) spans less than this share of the drawing's
#: longer side is too small to read (`drawing.MIN_DIGIT_SHARE`, the one definition). The
#: drawing pad's JavaScript receives this value from Python (the `min_extent` trait), so
#: `preprocess_drawing` and the browser refuse the same drawings.
MIN_DRAWING_EXTENT = MIN_DIGIT_SHARE

#: Set by `make book` while it executes the notebooks: the widgets then also pack what they
#: need to work in the static page, where no kernel answers.
BOOK_VARIABLE = "MNIST_CNN_BOOK"

#: How many digits the digit browser embeds in the book (about 430 kB in the page).
BOOK_DIGITS = 2_000

FORMAT = "mnist-cnn-weights/1"

#: Layers that leave one image as it is when the model predicts: a reshape that only adds
#: the channel axis, dropout, and the augmentation layers (active only while training; see
#: `build_cnn` and mnist_cnn/augmentation.py). `export_weights` leaves them out.
INFERENCE_NO_OPS = (
    "InputLayer",
    "Reshape",
    "Dropout",
    "RandomTranslation",
    "RandomRotation",
    "RandomZoom",
    "RandomAffine",
    "RandomStrokeThickness",
    "RandomElasticDistortion",
    "RandomGaps",
)


def book_mode() -> bool:
    """True while `make book` executes the notebooks (`MNIST_CNN_BOOK=1`)."""
    return os.environ.get(BOOK_VARIABLE, "") not in ("", "0")


def _float32_base64(values) -> str:
    """Little-endian float32 bytes, base64: exact and about 5 characters per number."""
    array = np.ascontiguousarray(np.asarray(values, dtype="<f4"))
    return base64.b64encode(array.tobytes()).decode("ascii")


def decode_float32(text: str, shape) -> np.ndarray:
    """The inverse of the packing used by `export_weights` (for tests and readers)."""
    return np.frombuffer(base64.b64decode(text), dtype="<f4").reshape(shape)


def export_weights(model) -> dict:
    """The weights of a trained `build_cnn` model as a dict the drawing pad's JavaScript runs.

    Each layer becomes one entry of `layers`, in order: `rescale`, `conv2d` (kernel of shape
    (height, width, in channels, filters), as Keras stores it), `maxpool`, `flatten` and
    `dense` (kernel of shape (inputs, units)). Arrays are little-endian float32, base64.
    Layers that do nothing at inference (`INFERENCE_NO_OPS`: reshape, dropout, the random
    augmentation layers) are left out.

    Raises:
        ValueError: the model is not a 28x28-image-to-10-probabilities model with finite
            weights, or holds a layer (or an order of layers) the JavaScript forward pass
            cannot run.
    """
    check_model(model)
    layers = []
    exported = 0
    for layer in model.layers:
        kind = type(layer).__name__
        config = layer.get_config()
        weights = [np.asarray(w, dtype=np.float32) for w in layer.get_weights()]
        if kind == "Reshape" and tuple(config["target_shape"]) != (IMAGE_SIZE, IMAGE_SIZE, 1):
            raise ValueError(
                f"layer {layer.name}: Reshape to {tuple(config['target_shape'])} cannot run in "
                f"the browser; the drawing pad's script reads the image as (28, 28, 1), as "
                f"build_cnn's add_channel layer makes it."
            )
        if kind in INFERENCE_NO_OPS:
            continue  # no effect on one image at inference
        if kind == "Rescaling":
            if np.ndim(config["offset"]) or np.ndim(config["scale"]):
                raise ValueError(f"layer {layer.name}: only a single scale/offset is supported.")
            layers.append(
                {"type": "rescale", "scale": float(config["scale"]), "offset": config["offset"]}
            )
        elif kind == "Conv2D":
            strides, dilation = tuple(config["strides"]), tuple(config["dilation_rate"])
            if strides != (1, 1) or dilation != (1, 1) or config.get("groups", 1) != 1:
                raise ValueError(f"layer {layer.name}: only strides 1, no dilation or groups.")
            kernel = weights[0]
            bias = weights[1] if config["use_bias"] else np.zeros(kernel.shape[-1], np.float32)
            layers.append(
                {
                    "type": "conv2d",
                    "name": layer.name,
                    "kernel_shape": list(kernel.shape),
                    "padding": config["padding"],
                    "activation": _activation(layer, config),
                    "kernel": _float32_base64(kernel),
                    "bias": _float32_base64(bias),
                }
            )
        elif kind == "MaxPooling2D":
            pool, strides = tuple(config["pool_size"]), tuple(config["strides"])
            if pool[0] != pool[1] or strides != pool or config["padding"] != "valid":
                raise ValueError(f"layer {layer.name}: only square pools with stride = size.")
            layers.append({"type": "maxpool", "size": int(pool[0])})
        elif kind == "Flatten":
            layers.append({"type": "flatten"})
        elif kind == "Softmax" and layers and layers[-1].get("activation") == "linear":
            layers[-1]["activation"] = "softmax"  # Dense(10) then Softmax(): one step in JS
        elif kind == "Dense":
            kernel = weights[0]
            bias = weights[1] if config["use_bias"] else np.zeros(kernel.shape[-1], np.float32)
            layers.append(
                {
                    "type": "dense",
                    "name": layer.name,
                    "kernel_shape": list(kernel.shape),
                    "activation": _activation(layer, config),
                    "kernel": _float32_base64(kernel),
                    "bias": _float32_base64(bias),
                }
            )
        else:
            raise ValueError(
                f"layer {layer.name} ({kind}) cannot run in the browser yet; the drawing pad's "
                f"JavaScript runs Rescaling, Conv2D, MaxPooling2D, Flatten and Dense layers."
            )
        exported += sum(w.size for w in weights)
    if exported != model.count_params():
        raise ValueError(
            f"exported {exported:,} of the model's {model.count_params():,} parameters."
        )
    _check_order(layers)
    return {"format": FORMAT, "name": model.name, "parameters": exported, "layers": layers}


def _check_order(layers: list[dict]) -> None:
    """Refuse an order of layers the page's script cannot run: it reads a 28x28 image
    through convolutions and pooling, flattens it once, then runs dense layers, the last
    one with softmax."""
    kinds = [layer["type"] for layer in layers if layer["type"] != "rescale"]
    flat_at = kinds.index("flatten") if "flatten" in kinds else len(kinds)
    before, after = kinds[:flat_at], kinds[flat_at + 1 :]
    if (
        any(kind not in ("conv2d", "maxpool") for kind in before)
        or not after
        or any(kind != "dense" for kind in after)
        or layers[-1].get("activation") != "softmax"
    ):
        raise ValueError(
            f"the layers run {' -> '.join(kinds) or 'nothing'}, an order the drawing pad's "
            f"script cannot run: it needs convolutions and pooling, one Flatten, then Dense "
            f"layers, the last with activation='softmax' (as build_cnn makes them)."
        )


def _activation(layer, config) -> str:
    activation = config.get("activation", "linear")
    if isinstance(activation, dict):  # a serialized activation object
        activation = activation.get("config", {}).get("name", activation.get("class_name"))
    if activation not in ("linear", "relu", "softmax"):
        raise ValueError(
            f"layer {layer.name}: activation {activation!r} cannot run in the browser; "
            f"relu, softmax and linear can."
        )
    return activation


def pack_digits(images: np.ndarray) -> bytes:
    """N 28x28 uint8 digits as gzip-compressed bytes, row by row (784 bytes per digit)."""
    images, _ = check_images(images)  # uint8, floats 0-1 scaled to 0-255
    return gzip.compress(np.ascontiguousarray(images).tobytes(), 9, mtime=0)


def unpack_digits(packed: bytes) -> np.ndarray:
    """The inverse of `pack_digits`: an (N, 28, 28) uint8 array."""
    flat = np.frombuffer(gzip.decompress(packed), dtype=np.uint8)
    return flat.reshape(-1, IMAGE_SIZE, IMAGE_SIZE)
