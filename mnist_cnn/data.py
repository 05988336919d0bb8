"""Load MNIST from the four canonical IDX files, checked byte for byte.

The data flows as uint8 arrays: images of shape (N, 28, 28) with 0 = background and
255 = full ink, labels of shape (N,) with values 0-9. Nothing here imports TensorFlow,
so browsing digits starts in about a second.
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import tempfile
import zlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

IMAGE_SIZE = 28
NUM_CLASSES = 10

#: Public mirrors of the original files, tried in order when a file is missing.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

#: Environment variable that points the loader at another folder.
DATA_DIR_VARIABLE = "MNIST_CNN_DATA"


@dataclass(frozen=True)
class IdxFile:
    """One of the four MNIST files and what its contents must be."""

    name: str  # file name on disk and on the mirrors
    magic: int  # 0x0803 for images (3 dimensions), 0x0801 for labels (1 dimension)
    shape: tuple[int, ...]  # expected dimensions, e.g. (60000, 28, 28)


FILES = {
    "train_images": IdxFile("train-images-idx3-ubyte.gz", 0x0803, (60_000, 28, 28)),
    "train_labels": IdxFile("train-labels-idx1-ubyte.gz", 0x0801, (60_000,)),
    "test_images": IdxFile("t10k-images-idx3-ubyte.gz", 0x0803, (10_000, 28, 28)),
    "test_labels": IdxFile("t10k-labels-idx1-ubyte.gz", 0x0801, (10_000,)),
}


class MNISTFileError(ValueError):
    """A data file exists but is not the MNIST file it should be."""


def _read_checksums() -> dict[str, str]:
    """SHA-256 of each *decompressed* file, so any gzip wrapping of the same bytes is accepted."""
    text = resources.files(__package__).joinpath("SHA256SUMS.uncompressed.txt").read_text()
    checksums = {}
    for line in text.splitlines():
        if line.strip():
            digest, name = line.split()
            checksums[name + ".gz"] = digest
    return checksums


CHECKSUMS = _read_checksums()

_cache: dict[tuple, tuple[np.ndarray, ...]] = {}


def default_data_dir() -> Path:
    """The folder `load_mnist` reads when given none.

    In order: the `MNIST_CNN_DATA` environment variable; the repository's `data/mnist/`
    when the package runs from a checkout; otherwise a per-user cache folder.
    """
    if os.environ.get(DATA_DIR_VARIABLE):
        return Path(os.environ[DATA_DIR_VARIABLE]).expanduser()
    repository_data = Path(__file__).resolve().parent.parent / "data" / "mnist"
    if repository_data.is_dir():
        return repository_data
    import platformdirs

    return Path(platformdirs.user_cache_dir("mnist-cnn")) / "mnist"


def _gunzip_into(path: Path, capacity: int) -> tuple[np.ndarray, int]:
    """Decompress a gzip file into one preallocated buffer of `capacity` bytes.

    Streaming into a buffer of the expected size keeps peak memory at the size of the
    data itself (a plain `gzip.decompress` briefly holds about twice that). Bytes beyond
    `capacity` are counted but not kept.

    Returns:
        `(buffer, length)`, where `length` is the full decompressed length.

    Raises:
        zlib.error, EOFError: the file is not gzip, or its stream is cut short.
    """
    buffer = np.empty(capacity, dtype=np.uint8)
    length = 0

    def keep(piece: bytes) -> None:
        nonlocal length
        take = max(0, min(len(piece), capacity - length))
        buffer[length : length + take] = np.frombuffer(piece, dtype=np.uint8, count=take)
        length += len(piece)

    decompressor = zlib.decompressobj(wbits=31)  # 31: gzip container
    with path.open("rb") as file:
        while chunk := file.read(1 << 18):
            while chunk:
                # Bounded output, so a corrupt file cannot balloon memory.
                keep(decompressor.decompress(chunk, 1 << 22))
                chunk = decompressor.unconsumed_tail
                if decompressor.eof and decompressor.unused_data:
                    # A gzip file may hold several members back to back.
                    chunk = decompressor.unused_data
                    decompressor = zlib.decompressobj(wbits=31)
    if not decompressor.eof:
        raise EOFError("the compressed stream ends early, the file was cut short")
    return buffer, length


def parse_idx(path: Path, spec: IdxFile, checksum: str | None = None) -> np.ndarray:
    """Read one gzipped IDX file into a read-only uint8 array, checking everything.

    Raises:
        MNISTFileError: the file is not valid gzip, has the wrong magic number or
            dimensions, is truncated or too long, or its bytes differ from MNIST's.
    """
    fix = (
        f"Delete {path} and run again to download a fresh copy, or copy the original "
        f"file into {path.parent}."
    )
    header_size = 4 + 4 * len(spec.shape)
    expected_length = header_size + math.prod(spec.shape)
    try:
        payload, length = _gunzip_into(path, expected_length)
    except PermissionError:
        raise PermissionError(
            f"cannot read {path}: permission denied. Make it readable (e.g. chmod a+r "
            f"{path}), or copy the MNIST files into a folder you can read and point "
            f"{DATA_DIR_VARIABLE} at it."
        ) from None
    except (zlib.error, EOFError) as error:
        raise MNISTFileError(f"{path.name} is not a valid gzip file ({error}). {fix}") from None

    if length < header_size:
        raise MNISTFileError(
            f"{path.name} is truncated: {length} bytes, shorter than its "
            f"{header_size}-byte header. {fix}"
        )
    header = payload[:header_size].tobytes()
    magic = int.from_bytes(header[:4], "big")
    if magic != spec.magic:
        kind = "image" if spec.magic == 0x803 else "label"
        raise MNISTFileError(
            f"{path.name} has magic number 0x{magic:08x}, expected 0x{spec.magic:08x}: "
            f"it is not an IDX {kind} file. {fix}"
        )
    shape = tuple(
        int.from_bytes(header[4 + 4 * i : 8 + 4 * i], "big") for i in range(len(spec.shape))
    )
    if shape != spec.shape:
        raise MNISTFileError(
            f"{path.name} declares dimensions {shape}, expected {spec.shape}. {fix}"
        )
    if length != expected_length:
        problem = "truncated" if length < expected_length else "too long"
        raise MNISTFileError(
            f"{path.name} is {problem}: {length - header_size:,} bytes of values, "
            f"expected {expected_length - header_size:,}. {fix}"
        )
    if checksum is not None:
        digest = hashlib.sha256(payload).hexdigest()
        if digest != checksum:
            raise MNISTFileError(
                f"{path.name} has the right size but different contents: its SHA-256 is "
                f"{digest[:16]}..., expected {checksum[:16]}... {fix}"
            )
    values = payload[header_size:].reshape(shape)
    values.flags.writeable = False  # shared through the cache: protect it from accidents
    return values


#: Seconds to wait for a mirror to answer (connect) and between bytes (read). A mirror that
#: cannot be reached is not tried again for the other files of the same call.
DOWNLOAD_TIMEOUT = (5, 30)


def _is_connection_failure(error: Exception) -> bool:
    """True for errors that mean the mirror could not be reached at all."""
    import requests

    return isinstance(error, (requests.ConnectionError, requests.Timeout, OSError))


def _download(
    spec: IdxFile, folder: Path, checksum: str | None, unreachable: set[str]
) -> list[str]:
    """Fetch one missing file from the mirrors into `folder`; return the failures seen.

    The file is downloaded into a temporary folder beside its destination, checked as
    MNIST, and only then moved into place, so an interrupted or corrupt download never
    leaves a file behind. Mirrors in `unreachable` are skipped; a mirror that cannot be
    reached is added to it.
    """
    import pooch

    failures = []
    folder.mkdir(parents=True, exist_ok=True)
    for mirror in MIRRORS:
        if mirror in unreachable:
            continue
        staging = Path(tempfile.mkdtemp(prefix=".download-", dir=folder))
        try:
            downloaded = Path(
                pooch.retrieve(
                    mirror + spec.name,
                    known_hash=None,  # checked below on the decompressed bytes
                    fname=spec.name,
                    path=staging,
                    downloader=pooch.HTTPDownloader(progressbar=True, timeout=DOWNLOAD_TIMEOUT),
                )
            )
            parse_idx(downloaded, spec, checksum)
            os.replace(downloaded, folder / spec.name)
            return []
        except Exception as error:  # network errors come in many types; try the next mirror
            if _is_connection_failure(error):
                unreachable.add(mirror)
            reason = str(error).splitlines()[0][:200] if str(error) else ""
            failures.append(f"{mirror + spec.name}: {type(error).__name__}: {reason}")
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return failures


def _missing_files_error(
    folder: Path, missing: list[str], failures: list[str]
) -> FileNotFoundError:
    names = ", ".join(missing)
    tried = "\n".join(f"  - {failure}" for failure in failures)
    return FileNotFoundError(
        f"MNIST files missing from {folder}: {names}.\n"
        f"Fix: copy the four MNIST .gz files into {folder}, or point the environment "
        f"variable {DATA_DIR_VARIABLE} (or load_mnist(data_dir=...)) at a folder that has "
        f"them.\nDownloading them failed (no network?):\n{tried}"
    )


def load_mnist(
    data_dir: str | os.PathLike | None = None, *, download: bool = True
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load all of MNIST: 60,000 training and 10,000 test images with their labels.

    Args:
        data_dir: folder holding the four `.gz` files; see `default_data_dir()` when None.
        download: fetch missing files from the public mirrors.

    Returns:
        `(train_images, train_labels), (test_images, test_labels)`: read-only uint8 arrays
        of shape (60000, 28, 28), (60000,), (10000, 28, 28) and (10000,). Use `.copy()`
        to get an array you can change.

    Raises:
        FileNotFoundError: files are missing and could not be downloaded.
        MNISTFileError: a file is corrupt, truncated or not the MNIST file.
    """
    if data_dir is not None and not isinstance(data_dir, (str, os.PathLike)):
        raise TypeError(
            f"data_dir must be a folder (a str or Path), got {type(data_dir).__name__} "
            f"{data_dir!r}."
        )
    folder = Path(data_dir).expanduser() if data_dir is not None else default_data_dir()
    if folder.exists() and not folder.is_dir():
        given = (
            "data_dir"
            if data_dir is not None
            else f"the environment variable {DATA_DIR_VARIABLE}"
            if os.environ.get(DATA_DIR_VARIABLE)
            else "the data folder"
        )
        raise NotADirectoryError(
            f"{given} must name a folder holding the four MNIST .gz files, but {folder} is a "
            f"file. Point it at the folder that contains the file instead."
        )
    paths = {key: folder / spec.name for key, spec in FILES.items()}

    missing = [spec for key, spec in FILES.items() if not paths[key].is_file()]
    if missing:
        failures = []
        if download:
            unreachable: set[str] = set()
            for spec in missing:
                failures += _download(spec, folder, CHECKSUMS.get(spec.name), unreachable)
        else:
            failures.append("download=False")
        still_missing = [spec.name for spec in missing if not (folder / spec.name).is_file()]
        if still_missing:
            raise _missing_files_error(folder, still_missing, failures)

    # A second call with unchanged files returns the arrays already parsed.
    key = tuple(
        (str(path.resolve()), (stat := path.stat()).st_size, stat.st_mtime_ns)
        for path in paths.values()
    )
    if key not in _cache:
        _cache[key] = tuple(
            parse_idx(paths[name], spec, CHECKSUMS.get(spec.name)) for name, spec in FILES.items()
        )
    train_images, train_labels, test_images, test_labels = _cache[key]
    return (train_images, train_labels), (test_images, test_labels)


# -- the input contract ------------------------------------------------------------------
# Every public function that takes images or labels goes through these checks, so the rules
# are the same everywhere: images are uint8 0-255, or floats 0-1 (converted here, once, to
# uint8); labels are whole numbers 0-9. Anything else is refused with a message that names
# the argument, what it got and what to do.

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
                else "fractions such as "
                + (
                    f"{array[array != np.rint(array)][0]:g}"
                    if np.isfinite(array).all()
                    else "infinity"
                )
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
        raise ValueError(f"a digit must have shape (28, 28), got {array.shape}.{hint}")
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


def load_sample(
    size: int = 10_000, seed: int = 0, data_dir: str | os.PathLike | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """A stratified, seeded sample of the MNIST training set: the tutorial's starting data.

    Each digit keeps its share of the full training set (to within one image), and the
    same seed always gives the same images in the same order.

    Args:
        size: number of images, from 10 (one per digit) to 60,000.
        seed: seed of the random choice.
        data_dir: passed to `load_mnist`.

    Returns:
        `(images, labels)`: uint8 arrays of shape (size, 28, 28) and (size,).
    """
    from .split import stratified_choice

    (train_images, train_labels), _ = load_mnist(data_dir)
    available = len(train_labels)
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise ValueError(f"size must be a whole number from 10 to {available:,}, got {size!r}.")
    if not NUM_CLASSES <= size <= available:
        raise ValueError(
            f"size must be from {NUM_CLASSES} (one image per digit) to {available:,} "
            f"(the whole training set), got {size:,}."
        )
    seed = check_seed(seed, allow_none=False)
    chosen, _ = stratified_choice(train_labels, int(size), np.random.default_rng(seed))
    return train_images[chosen], train_labels[chosen]
