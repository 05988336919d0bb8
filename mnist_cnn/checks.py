"""The input contract: every check of an argument that a public function makes.

One module, as scikit-learn's `utils/validation.py`: the public functions call these, and
each message names the argument, what it got and the fix. Images are uint8 0-255, or floats
0-1 (converted here, once, to uint8); labels are whole numbers 0-9. Plain numpy: no
TensorFlow, and nothing else of the package, so every module can import it.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

IMAGE_SIZE = 28
NUM_CLASSES = 10

#: The largest seed accepted: NumPy and Keras both take seeds below 2**32.
MAX_SEED = 2**32 - 1


def check_pixels(values, name: str = "images") -> np.ndarray:
    """Pixel values as a uint8 array (0 = background, 255 = full ink).

    Accepts uint8 (or other whole numbers) from 0 to 255, and floats from 0 to 1, which are
    scaled by 255 and rounded: an image divided by 255 reads exactly as the original.

    Raises:
        ValueError: another dtype (bool, text, complex), NaN or infinite values, or values
            outside the range of their type (e.g. floats 0-255, or whole numbers above 255).
    """
    array = _as_array(values, name)
    kind = array.dtype.kind
    if array.dtype == np.uint8:
        return array
    if kind == "b":
        raise ValueError(
            f"{name} must hold pixel values (uint8 0-255 or floats 0-1), got dtype bool; "
            f"for a black-and-white mask use {name}.astype(np.uint8) * 255."
        )
    if kind in "iu":
        if array.size and (array.min() < 0 or array.max() > 255):
            raise ValueError(
                f"{name} must be from 0 to 255 when given as whole numbers, got values from "
                f"{array.min()} to {array.max()} (dtype {array.dtype}); scale them into 0-255 "
                f"first, e.g. np.clip({name}, 0, 255).astype(np.uint8)."
            )
        if array.dtype != np.uint8 and array.size and array.max() == 1:
            raise ValueError(
                f"{name} holds whole numbers from 0 to 1 only (dtype {array.dtype}), which as "
                f"pixels 0-255 would be almost black: for a 0/1 mask use {name} * 255, for "
                f"values scaled to 0-1 use floats ({name}.astype(np.float32))."
            )
        return array.astype(np.uint8)
    if kind == "f":
        if array.size and not np.isfinite(array).all():
            bad = "NaN" if np.isnan(array).any() else "infinite"
            raise ValueError(
                f"{name} contains {bad} values ({np.count_nonzero(~np.isfinite(array)):,} "
                f"pixel(s)); every pixel needs a number from 0 to 1 (floats) or 0 to 255 (uint8)."
            )
        low, high = (float(array.min()), float(array.max())) if array.size else (0.0, 0.0)
        if low < 0 or high > 1:
            hint = (
                f"a rounding error? use np.clip({name}, 0, 1)"
                if low > -0.01 and high < 1.01
                else (
                    f"they look like 0-255 values stored as floats: use {name}.astype(np.uint8), "
                    f"or {name} / 255"
                    if low >= 0 and high <= 255
                    else "rescale them into 0-1 (floats) or 0-255 (uint8)"
                )
            )
            raise ValueError(
                f"{name} must be from 0 to 1 when given as floats, got values from {low:.6g} "
                f"to {high:.6g}; {hint}."
            )
        # At least float32, so that float16's coarse steps do not move a value to its neighbour.
        wide = array.astype(np.promote_types(array.dtype, np.float32), copy=False)
        return np.rint(wide * 255).astype(np.uint8)
    raise ValueError(
        f"{name} must hold pixel values (uint8 0-255 or floats 0-1), got dtype {array.dtype}."
    )


def _as_array(values, name: str) -> np.ndarray:
    """`np.asarray(values)`, with numpy's own errors (ragged lists) put in our words."""
    try:
        return np.asarray(values)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"{name} must be an array (or equally long nested lists) of numbers; numpy could "
            f"not make one: {str(error).splitlines()[0]}"
        ) from None


def check_labels(
    values, name: str = "labels", num_classes: int = NUM_CLASSES, count: int | None = None
) -> np.ndarray:
    """Labels as an int64 array of shape (N,), each a whole number from 0 to num_classes - 1.

    Args:
        count: the number of labels required (the number of images), if known.

    Raises:
        ValueError: another shape or length, fractions, NaN, text, or a value out of range.
    """
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)):
        raise ValueError(f"num_classes must be a whole number, got {num_classes!r}.")
    if num_classes < 2:
        raise ValueError(f"num_classes must be at least 2, got {num_classes}.")
    if values is None:
        raise ValueError(f"{name} must be given: one digit (0-9) per image.")
    array = _as_array(values, name)
    if array.ndim != 1:
        hint = ""
        if array.ndim == 2 and array.shape[1] == num_classes:
            hint = f" For one-hot rows or probabilities, use {name}.argmax(axis=1)."
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}.{hint}")
    if count is not None and len(array) != count:
        raise ValueError(
            f"{name} must have one label per image: {count:,} images but {len(array):,} labels."
        )
    kind = array.dtype.kind
    if kind == "f" and np.isfinite(array).all() and (array == np.rint(array)).all():
        array = array.astype(np.int64)  # 3.0 is the label 3
    elif kind not in "iu":
        what = f"dtype {array.dtype}"
        if kind == "f":
            what = (
                "NaN"
                if np.isnan(array).any()
                else f"fractions such as {array[array != np.rint(array)][0]:g}"
                if np.isfinite(array).all()
                else "infinite values"
            )
        elif kind == "b":
            what = "True/False values"
        fix = (
            f"for digits written as text, use {name}.astype(int)"
            if kind in "US"
            else "for probabilities, take probabilities.argmax(axis=1) first"
        )
        raise ValueError(
            f"{name} must be whole numbers from 0 to {num_classes - 1} (the digits), got {what}; "
            f"{fix}."
        )
    if array.size and (array.min() < 0 or array.max() >= num_classes):
        raise ValueError(
            f"{name} must be digits from 0 to {num_classes - 1}, got values from {array.min()} "
            f"to {array.max()}."
        )
    return array.astype(np.int64)


def check_images(
    images: np.ndarray,
    labels: np.ndarray | None = None,
    *,
    name: str = "images",
    labels_name: str = "labels",
) -> tuple[np.ndarray, np.ndarray | None]:
    """Check images (and labels) against the input contract; return them converted.

    Returns:
        `(images, labels)`: images as uint8 of shape (N, 28, 28) (floats 0-1 scaled to
        0-255), labels as int64 of shape (N,), or None when no labels were given.

    Raises:
        ValueError: a wrong shape, dtype or range, NaN, or labels that do not match.
    """
    array = _as_array(images, name)
    if array.ndim != 3 or array.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        hint = ""
        if array.ndim == 2 and array.shape[1] == IMAGE_SIZE * IMAGE_SIZE:
            hint = f" Use {name}.reshape(-1, 28, 28) for flat 784-pixel rows."
        elif array.ndim == 4 and array.shape[1:] == (IMAGE_SIZE, IMAGE_SIZE, 1):
            hint = f" Use {name}[..., 0] to drop the channel axis."
        elif array.shape == (IMAGE_SIZE, IMAGE_SIZE):
            hint = f" For a single digit, use {name}[None] to add the batch axis."
        raise ValueError(f"{name} must have shape (N, 28, 28), got {array.shape}.{hint}")
    pixels = check_pixels(array, name)
    if labels is None:
        return pixels, None
    return pixels, check_labels(labels, labels_name, count=len(pixels))


def check_digit(image: np.ndarray, name: str = "image") -> np.ndarray:
    """One (28, 28) digit as uint8, under the same contract as `check_images`."""
    array = _as_array(image, name)
    if array.shape != (IMAGE_SIZE, IMAGE_SIZE):
        hint = ""
        if array.shape == (IMAGE_SIZE * IMAGE_SIZE,):
            hint = f" Use {name}.reshape(28, 28)."
        elif array.ndim == 3 and array.shape[1:] == (IMAGE_SIZE, IMAGE_SIZE) and len(array) == 1:
            hint = f" Use {name}[0] for the one digit of a batch."
        raise ValueError(f"{name}: a digit must have shape (28, 28), got {array.shape}.{hint}")
    return check_pixels(array, name)


def check_seed(seed, name: str = "seed", allow_none: bool = True) -> int | None:
    """A seed as an int from 0 to `MAX_SEED` (or None when allowed)."""
    if seed is None and allow_none:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        allowed = " or None (fresh randomness)" if allow_none else ""
        raise ValueError(
            f"{name} must be a whole number from 0 to {MAX_SEED:,}{allowed}, got {seed!r}."
        )
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"{name} must be from 0 to {MAX_SEED:,}, got {seed}; e.g. {name}=0.")
    return int(seed)


def weights_are_finite(model) -> bool:
    """True unless some weight of `model` is NaN or infinite (its training diverged)."""
    return all(np.isfinite(weights).all() for weights in model.get_weights())


def check_positive_int(value, name: str) -> int:
    """`value` as an int of at least 1, else a ValueError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive whole number, got {value!r}.")
    return int(value)


def check_model(model, name: str = "model") -> None:
    """Raise a clear error unless `model` is a Keras model that reads (N, 28, 28) images
    into 10 probabilities, such as one from `build_cnn` or `load_model`."""
    if not callable(getattr(model, "predict", None)) or not hasattr(model, "layers"):
        raise TypeError(
            f"{name} must be a Keras model, e.g. from build_cnn() or load_model(), got "
            f"{type(model).__name__}."
        )
    try:
        input_shape, output_shape = tuple(model.input_shape), tuple(model.output_shape)
    except (AttributeError, ValueError, TypeError):
        return  # not built yet, or several inputs: Keras will say what is wrong
    if input_shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(
            f"{name} reads inputs of shape {input_shape[1:]}, but MNIST images are (28, 28); "
            f"use a model that starts with keras.Input((28, 28)), as build_cnn() makes them."
        )
    if output_shape[-1:] != (NUM_CLASSES,):
        raise ValueError(
            f"{name} gives {output_shape[-1]} outputs per image, but there are {NUM_CLASSES} "
            f"digits; its last layer must be Dense({NUM_CLASSES}, activation='softmax')."
        )
    if not weights_are_finite(model):
        raise ValueError(
            f"{name} has NaN or infinite weights (its training diverged), so it cannot read "
            f"digits; build a fresh model with build_cnn() and train it with a smaller "
            f"learning_rate."
        )


def check_fraction(value, name: str, *, allow_zero: bool = False) -> float:
    """`value` as a float strictly between 0 and 1 (or 0 when `allow_zero`), else a
    ValueError naming `name`."""
    low = "0 (inclusive)" if allow_zero else "0"
    try:
        if isinstance(value, bool):
            raise TypeError
        fraction = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number from {low} to 1, got {value!r}.") from None
    if math.isnan(fraction) or not (0.0 <= fraction < 1.0 if allow_zero else 0.0 < fraction < 1.0):
        example = "0.1 holds out 10%" if allow_zero else "0.8 keeps 80% for training"
        raise ValueError(
            f"{name} must be {'from 0 up to' if allow_zero else 'strictly between 0 and'} 1 "
            f"({example}), got {value!r}."
        )
    return fraction


def check_probabilities(values, name: str = "probabilities", count: int | None = None):
    """Probabilities as an array of shape (N, classes), each from 0 to 1; N = `count` if given."""
    array = _as_array(values, name)
    if array.ndim != 2 or array.shape[1] < 2 or (count is not None and len(array) != count):
        rows = "N" if count is None else f"{count:,}"
        raise ValueError(
            f"{name} must have shape ({rows}, {NUM_CLASSES}), one row of probabilities per "
            f"image (as predict() returns), got {array.shape}."
        )
    if array.dtype.kind not in "iuf" or array.dtype == bool:
        raise ValueError(f"{name} must hold numbers from 0 to 1, got dtype {array.dtype}.")
    if array.size and (not np.isfinite(array).all() or array.min() < 0 or array.max() > 1):
        raise ValueError(f"{name} must hold numbers from 0 to 1 (no NaN).")
    return array


def check_outputs(outputs, name: str = "model", fix: str = "") -> np.ndarray:
    """`outputs` of a model (N, classes) as an array, checked to be probabilities: finite,
    from 0 to 1, each row summing to 1 (a softmax), else a ValueError naming `name`.

    A model whose last layer gives logits (no softmax) reads digits only by its largest
    output, and its "probabilities" and cross-entropy would be silently wrong.
    """
    outputs = np.asarray(outputs)
    sums = outputs.sum(axis=-1) if outputs.size else np.ones(1)
    if outputs.size and (
        not np.isfinite(outputs).all() or outputs.min() < 0 or np.abs(sums - 1).max() > 1e-3
    ):
        raise ValueError(
            f"{name}'s outputs are not probabilities (they run from {np.nanmin(outputs):.3g} to "
            f"{np.nanmax(outputs):.3g}, rows summing to {np.nanmin(sums):.3g}-"
            f"{np.nanmax(sums):.3g}): its last layer needs activation='softmax' (or add "
            f"keras.layers.Softmax() after a layer that gives logits).{fix}"
        )
    return outputs


def check_matrix(matrix, name: str = "matrix", *, shares: bool = False) -> np.ndarray:
    """A confusion matrix, checked: square, finite, non-negative, and whole counts
    (or, when `shares` is True, counts or shares from 0 to 1).

    Raises:
        ValueError: naming what is wrong and how to get a matrix of counts.
    """
    array = np.asarray(matrix)
    if array.dtype.kind not in "iuf" or array.dtype == bool:
        raise ValueError(
            f"{name} must hold numbers (counts from confusion_matrix), got dtype {array.dtype}."
        )
    if array.ndim != 2 or array.shape[0] != array.shape[1] or array.shape[0] == 0:
        raise ValueError(
            f"{name} must be a square table (rows: actual digits, columns: predicted ones), "
            f"got shape {array.shape}; make one with confusion_matrix(true_labels, "
            f"predicted_labels)."
        )
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values; counts must be numbers.")
    if (array < 0).any():
        raise ValueError(
            f"{name} contains negative values (e.g. {array.min()}); counts cannot be negative."
        )
    if array.sum() == 0:
        raise ValueError(
            f"{name} counts no images (every cell is 0): there is nothing to report; make it "
            f"with confusion_matrix(true_labels, predicted_labels)."
        )
    if (array != np.rint(array)).any():
        if not shares:
            raise ValueError(
                f"{name} holds fractions, not counts: it looks normalised already. Pass the "
                f"counts from confusion_matrix() and let normalize= compute the shares."
            )
        if array.max() > 1:
            raise ValueError(
                f"{name} must hold whole counts, or shares from 0 to 1, got values up to "
                f"{array.max():g} with fractions."
            )
    return array


def check_index(index: int, count: int) -> int:
    """Return `index` as an int, or raise IndexError naming the allowed range."""
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
        raise IndexError(f"index must be a whole number from 0 to {count - 1}, got {index!r}.")
    if not 0 <= index < count:
        raise IndexError(f"index {index} is out of range: choose one from 0 to {count - 1}.")
    return int(index)


def check_path(value, name: str) -> Path:
    """`value` (a str or `pathlib.Path`) as a Path, with `~` expanded."""
    if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
        raise TypeError(
            f"{name} must be a file or folder name (a str or pathlib.Path), got "
            f"{type(value).__name__} {value!r}."
        )
    try:
        path = Path(value).expanduser()
    except RuntimeError:  # "~someone" names a user this machine does not know
        raise ValueError(
            f"{name} {str(value)!r} starts with {str(value).split('/')[0]!r}, but there is no "
            f"such user's home folder here; write the folder out in full, e.g. "
            f"{Path.home() / Path(value).name}."
        ) from None
    for part in path.parts:
        if len(os.fsencode(part)) > 255:  # the longest name most file systems take
            raise ValueError(f"{name}: the name {part[:40]!r}... is too long; use a shorter one.")
    return path
