"""What a model was trained on: a record kept with the model and saved inside its file.

`train()` writes down a fingerprint of every image the weights were fitted on, so that
later, whatever arrays a notebook hands to `evaluate()`, we can tell whether its "unseen"
test images really are unseen. `save_model()` stores the record in the `.keras` file
(one JSON entry beside Keras's own), and `load_model()` reads it back. Plain numpy: no
TensorFlow here.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import typing
import warnings
import zipfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np

#: The entry of the `.keras` zip file that holds the record.
RECORD_ENTRY = "mnist_cnn_record.json"

#: The attribute of a Keras model that holds its record while it is in memory.
_ATTRIBUTE = "_mnist_cnn_record"


def _digests(images: np.ndarray) -> np.ndarray:
    """One 64-bit fingerprint per (28, 28) uint8 image, in order: equal images, equal
    fingerprints."""
    rows = np.ascontiguousarray(images, dtype=np.uint8).reshape(len(images), -1)
    digests = b"".join(hashlib.blake2b(row.tobytes(), digest_size=8).digest() for row in rows)
    return np.frombuffer(digests, dtype=np.uint64)


def fingerprints(images: np.ndarray) -> np.ndarray:
    """The fingerprints of `images`, sorted, without repeats (a uint64 array)."""
    return np.unique(_digests(images))


@dataclass
class ModelRecord:
    """What a model was trained on, how, and how it scored.

    Shown by `python -m mnist_cnn evaluate` and printed by `print(record)`.
    """

    data: str = "images given to train()"  # where the training images came from
    trained_on: int = 0  # images the weights were fitted on (validation images excluded)
    validated_on: int = 0  # images held out to check on after each epoch
    seed: int | None = None  # the seed given to train()
    preset: str | None = None  # the recipe, when one of mnist_cnn.PRESETS was used
    epochs: int = 0  # epochs finished, over every call to train()
    seconds: float = 0.0  # training time, over every call to train() (wall-clock)
    stopped: str | None = None  # why the last training ended early, if it did
    created: str = ""  # when training last ended (UTC, ISO 8601)
    test: dict | None = None  # {"accuracy", "loss", "count", "data"} when it was tested
    weights: str = ""  # digest of the weights train() left: other changes show as a mismatch
    seen: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64), repr=False)

    def overlap(self, images: np.ndarray) -> int:
        """How many of `images` (uint8, (N, 28, 28)) the model was trained on."""
        return int(self.was_seen(images).sum())

    def was_seen(self, images: np.ndarray) -> np.ndarray:
        """For each of `images` (uint8, (N, 28, 28)), whether the model was trained on it."""
        if len(images) == 0 or len(self.seen) == 0:
            return np.zeros(len(images), dtype=bool)
        return np.isin(_digests(images), self.seen)

    def __str__(self) -> str:
        lines = [
            f"trained on: {self.trained_on:,} images ({self.data}); "
            f"validated on {self.validated_on:,}",
            f"epochs: {self.epochs}" + (f" (stopped: {self.stopped})" if self.stopped else ""),
            f"seed: {self.seed}, preset: {self.preset or 'none'}, trained: {self.created or '?'}",
        ]
        if self.test:
            lines.append(
                f"tested: accuracy {self.test['accuracy']:.2%} on {self.test['count']:,} "
                f"images ({self.test.get('data', '?')})"
            )
        return "\n".join(lines)

    def to_json(self) -> str:
        values = asdict(self)
        values["seen"] = base64.b64encode(np.asarray(self.seen, "<u8").tobytes()).decode()
        return json.dumps(values)

    @classmethod
    def from_json(cls, text: str) -> ModelRecord:
        """The record written by `to_json`, every field checked.

        Raises:
            ValueError: the text is not such a record (damaged, or edited by hand).
        """
        values = json.loads(text)
        if not isinstance(values, dict):
            raise ValueError(f"the record is a {type(values).__name__}, not an object")
        known = {item.name: item for item in fields(cls)}
        values = {key: value for key, value in values.items() if key in known}
        seen = values.get("seen", "")
        if not isinstance(seen, str):
            raise ValueError("its 'seen' fingerprints are not text")
        values["seen"] = np.frombuffer(base64.b64decode(seen, validate=True), "<u8").astype(
            np.uint64
        )
        record = cls(**values)
        for name, kind in typing.get_type_hints(cls).items():  # the annotations above
            value = getattr(record, name)
            if isinstance(value, bool) or not isinstance(value, kind):
                raise ValueError(f"its {name!r} is {value!r}")
        test = record.test or {}
        count, accuracy = test.get("count"), test.get("accuracy", 0)
        if record.trained_on != len(record.seen) or min(record.epochs, record.validated_on) < 0:
            raise ValueError(f"it counts {record.trained_on} images, {record.epochs} epochs")
        if test and not (
            type(count) is int
            and count > 0
            and isinstance(test.get("loss"), (int, float))
            and isinstance(accuracy, (int, float))
            and 0 <= accuracy <= 1
        ):
            raise ValueError(f"its test result is {test!r}")
        return record


def read_record(path) -> ModelRecord | None:
    """The record saved in the `.keras` file at `path`, or None when it has none. A record
    that cannot be read is warned about and left out: the model itself is still good."""
    try:
        with zipfile.ZipFile(path) as archive:
            if RECORD_ENTRY not in archive.namelist():
                return None
            text = archive.read(RECORD_ENTRY).decode()
            # "null": save_model's mark for a model never trained with train()
            return None if text.strip() == "null" else ModelRecord.from_json(text)
    except Exception as error:  # a damaged zip, JSON or field: all mean "no usable record"
        warnings.warn(
            f"the record of what {Path(path).name} was trained on is damaged "
            f"({type(error).__name__}: {error}), so it is left out; the model itself is "
            f"unaffected, but mnist_cnn cannot tell which images it has seen.",
            stacklevel=3,
        )
        return None


def record_of(model) -> ModelRecord | None:
    """The record of what `model` was trained on, or None if nothing is known (a model
    that was never trained with `train()`, or one saved by an older version)."""
    return getattr(model, _ATTRIBUTE, None)


def weights_digest(model) -> str:
    """A digest of every weight of `model` (hex): equal weights, equal digests."""
    digest = hashlib.blake2b(digest_size=16)
    for array in model.get_weights():
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def trained_elsewhere(model) -> bool:
    """True when `model` was trained in a way its record does not know of (`model.fit`,
    `set_weights`, ...): its weights are not the ones `train()` last noted, or it has no
    record but its optimizer has taken steps. Its record then cannot say which images it
    has seen."""
    record = record_of(model)
    if record is None:
        optimizer = getattr(model, "optimizer", None)
        return optimizer is not None and int(getattr(optimizer, "iterations", 0)) > 0
    return bool(record.weights) and record.weights != weights_digest(model)


def note_training(
    model,
    train_images: np.ndarray,
    *,
    validated_on: int,
    seed: int | None,
    epochs: int,
    stopped: str | None,
    seconds: float = 0.0,
) -> ModelRecord:
    """Add one call of `train()` to the model's record (made on first use)."""
    record = record_of(model) or ModelRecord()
    record.seen = np.union1d(record.seen, fingerprints(train_images)).astype(np.uint64)
    record.trained_on = len(record.seen)
    record.validated_on = validated_on
    record.seed = seed
    record.epochs += epochs
    record.seconds += float(seconds)
    record.stopped = stopped
    record.test = None  # the weights changed: an old test result no longer holds
    record.weights = weights_digest(model)
    record.created = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    attach(model, record)
    return record


def attach(model, record: ModelRecord | None) -> None:
    """Give `model` its record (or None): a plain attribute, set with object.__setattr__
    so that Keras does not track it as part of the model."""
    object.__setattr__(model, _ATTRIBUTE, record)
