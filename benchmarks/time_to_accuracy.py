"""Time to accuracy on the official MNIST split: the Keras reference against our recipes.

Trains, in one process, on all 60,000 training images and tests on the official 10,000:

  (a) the Keras "Simple MNIST convnet" as published: 2 conv layers (32, 64 filters, 3x3), max
      pooling, dropout 0.5, Adam, batch 128, 10% validation split;
  (b) our recommended recipe, the `fast` preset, and (b+) its longer, wider sibling, the
      `accurate` preset;
  (c) the tutorial's small CNN, the `tutorial` preset.

The recipes advance one epoch at a time in turn, (a) (b) (c) (a) (b) (c) ..., so that a
slowdown of this shared 2-core machine hits all of them alike. After every epoch each prints
its test accuracy and its own cumulative training time (test evaluation not counted), then
the time each needed to reach 99.0% test accuracy, the ratio of (b) to (a), and the peak
resident memory.

    python benchmarks/time_to_accuracy.py            # the full run, about 10 minutes
    python benchmarks/time_to_accuracy.py --quick    # a smoke test on 6,000 images, 1 epoch each
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import mnist_cnn
from mnist_cnn import CNNConfig, build_cnn
from mnist_cnn._tensorflow import keras, tf
from mnist_cnn.config import PRESETS
from mnist_cnn.training import learning_rate_schedule

TARGET = 0.99
RESULTS = Path(mnist_cnn.__file__).parent / "results" / "time_to_accuracy.json"
REFERENCE = CNNConfig(filters=(32, 64), kernel_size=3, dropout=0.5, name="keras_reference")


@dataclass
class Run:
    label: str
    model: keras.Model
    epochs: int
    batch_size: int
    validation_split: float
    steps_per_execution: int = 1
    seconds: float = 0.0
    rows: list = field(default_factory=list)

    @property
    def time_to_target(self) -> float | None:
        return next((seconds for _, seconds, accuracy in self.rows if accuracy >= TARGET), None)


def make_run(
    label,
    config,
    *,
    epochs,
    batch_size,
    learning_rate,
    schedule,
    steps_per_execution,
    validation_split,
    train_count,
    seed=0,
) -> Run:
    model = build_cnn(config, seed=seed)
    steps = math.ceil(train_count * (1 - validation_split) / batch_size) * epochs
    optimizer = keras.optimizers.Adam(learning_rate_schedule(schedule, learning_rate, steps))
    model.compile(
        optimizer=optimizer,
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=steps_per_execution,
    )
    return Run(label, model, epochs, batch_size, validation_split, steps_per_execution)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument(
        "--save",
        action="store_true",
        help=f"store the per-epoch results in {RESULTS.relative_to(RESULTS.parents[2])} "
        "(notebook 03 charts them)",
    )
    arguments = parser.parse_args()

    (train_images, train_labels), (test_images, test_labels) = mnist_cnn.load_mnist()
    if arguments.quick:
        train_images, train_labels = train_images[:6_000], train_labels[:6_000]
    keras.utils.set_random_seed(0)
    tf.get_logger().setLevel("ERROR")  # one fit() per epoch makes TensorFlow warn of retracing

    def epochs(count):
        return 1 if arguments.quick else count

    def preset_run(label, name):
        preset = PRESETS[name]
        settings = preset.training
        return make_run(
            label,
            preset.model,
            epochs=epochs(settings.epochs),
            batch_size=settings.batch_size,
            learning_rate=settings.learning_rate,
            schedule=settings.schedule,
            steps_per_execution=settings.steps_per_execution,
            validation_split=settings.validation_fraction,
            train_count=len(train_images),
        )

    runs = [
        make_run(
            "(a) Keras reference",
            REFERENCE,
            epochs=epochs(15),
            batch_size=128,
            learning_rate=1e-3,
            schedule="constant",
            steps_per_execution=1,
            validation_split=0.1,
            train_count=len(train_images),
        ),
        preset_run("(b) fast preset", "fast"),
        preset_run("(b+) accurate preset", "accurate"),
        preset_run("(c) tutorial preset", "tutorial"),
    ]
    for run in runs:
        print(
            f"{run.label}: {run.model.count_params():,} parameters, {run.epochs} epochs, "
            f"batch {run.batch_size}"
        )
    print(f"{'recipe':22} {'epoch':>5} {'train s':>8} {'test acc':>9}", flush=True)
    for epoch in range(max(run.epochs for run in runs)):
        for run in runs:
            if epoch >= run.epochs:
                continue
            start = time.perf_counter()
            run.model.fit(
                train_images,
                train_labels,
                batch_size=run.batch_size,
                validation_split=run.validation_split,
                initial_epoch=epoch,
                epochs=epoch + 1,
                verbose=0,
            )
            run.seconds += time.perf_counter() - start
            accuracy = run.model.evaluate(test_images, test_labels, batch_size=1000, verbose=0)[1]
            run.rows.append((epoch + 1, run.seconds, accuracy))
            print(f"{run.label:22} {epoch + 1:>5} {run.seconds:8.1f} {accuracy:9.2%}", flush=True)

    print()
    for run in runs:
        reached = run.time_to_target
        best = max(accuracy for _, _, accuracy in run.rows)
        print(
            f"{run.label:22} time to {TARGET:.1%}: "
            f"{'not reached' if reached is None else f'{reached:.1f} s'}; "
            f"final {run.rows[-1][2]:.2%}, best {best:.2%}, {run.seconds:.0f} s of training"
        )
    reference, ours = runs[0].time_to_target, runs[1].time_to_target
    if reference and ours:
        print(f"ratio (b)/(a) of the time to {TARGET:.1%}: {ours / reference:.3f} (target <= 0.25)")
    else:
        print(f"ratio (b)/(a): not available, a recipe did not reach {TARGET:.1%}")
    for run in runs[1:3]:
        within = [accuracy for _, seconds, accuracy in run.rows if seconds <= 300]
        if within:
            print(
                f"{run.label}: best test accuracy within 5 minutes of training: "
                f"{max(within):.2%} (target >= 99.4%)"
            )
    print(f"(c) final test accuracy: {runs[3].rows[-1][2]:.2%} (target >= 98.8%)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak:,.0f} MB (target < 2,000 MB)")
    if arguments.save and not arguments.quick:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        stored = {
            "command": "python benchmarks/time_to_accuracy.py --save",
            "date": time.strftime("%Y-%m-%d"),
            "machine": f"{os.cpu_count()} CPU cores",
            "target": TARGET,
            "recipes": {
                run.label: [
                    {"epoch": epoch, "seconds": round(seconds, 2), "accuracy": round(accuracy, 5)}
                    for epoch, seconds, accuracy in run.rows
                ]
                for run in runs
            },
        }
        RESULTS.write_text(json.dumps(stored, indent=1) + "\n")
        print(f"stored in {RESULTS}")
    return 0


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    sys.exit(main())
