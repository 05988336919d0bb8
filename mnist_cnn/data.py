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

from .checks import NUM_CLASSES, check_path, check_seed
from .split import stratified_choice

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
        return check_path(
            os.environ[DATA_DIR_VARIABLE], f"the environment variable {DATA_DIR_VARIABLE}"
        )
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
    folder = check_path(data_dir, "data_dir") if data_dir is not None else default_data_dir()
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


def move_images(images: np.ndarray, down, right) -> np.ndarray:
    """`images` (N, height, width, ...) moved `down` and `right` whole pixels (negative: up,
    left), as a copy; what leaves the image is lost and background (0) comes in at the other
    edge. `down` and `right` are one move for every image, or one per image (length N). The
    exercises' and benchmarks' off-centre digits are made with it."""
    downs = np.broadcast_to(np.asarray(down, dtype=int), (len(images),))
    rights = np.broadcast_to(np.asarray(right, dtype=int), (len(images),))
    result = np.zeros_like(images)
    height, width = images.shape[1:3]
    for down, right in set(zip(downs.tolist(), rights.tolist(), strict=True)):
        if abs(down) >= height or abs(right) >= width:
            continue  # moved wholly out of sight
        chosen = (downs == down) & (rights == right)
        result[
            chosen, max(down, 0) : height + min(down, 0), max(right, 0) : width + min(right, 0)
        ] = images[
            chosen, max(-down, 0) : height + min(-down, 0), max(-right, 0) : width + min(-right, 0)
        ]
    return result
