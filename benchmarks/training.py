"""Training speed and accuracy, side by side with reference runs in the same process.

Prints three comparisons, each with its target:

1. the default notebook-03 training (10,000-image sample, 80/20 split, the notebook's epochs,
   batch size and learning rate): wall time (at most 60 s) and accuracy on the 20% test part
   (at least 97%);
2. the cost of the live chart: the same training with the live-curves callback drawing (and
   serialising each frame's bundle, Plotly JSON and HTML, to JSON, as the kernel does)
   against none (at most 5% slower);
3. `train()` against a plain `model.fit` on the same arrays, on the Keras "Simple MNIST
   convnet" architecture: images per second (at least 0.95x).

    python benchmarks/training.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

import numpy as np

import mnist_cnn
from mnist_cnn import PRESETS, CNNConfig, build_cnn, train
from mnist_cnn.live_chart import LiveCurves, figure_bundle

# The notebook-03 defaults.
SAMPLE_SIZE, TRAIN_FRACTION, SEED = 10_000, 0.8, 0
TUTORIAL = PRESETS["tutorial"].training
KERAS_SIMPLE_CONVNET = CNNConfig(filters=(32, 64), kernel_size=3, dropout=0.5, name="keras_convnet")


def notebook_training(train_images, train_labels, callbacks=()):
    # The tutorial preset (its model with its augmentation, its training), as notebook 03
    # trains it.
    model = build_cnn(PRESETS["tutorial"].model, seed=SEED)
    start = time.perf_counter()
    train(
        model, train_images, train_labels, TUTORIAL, live_plot=False, callbacks=callbacks, verbose=0
    )
    return model, time.perf_counter() - start


def throughput_pairs(images, labels, rounds):
    """Images per second of plain `model.fit` and of `train()`, one epoch each in turn.

    Two identical models advance one epoch at a time, alternately (fit, train, train, fit,
    ...), so each pair of epochs sees the machine in the same state; the first round
    (tracing) is left out. Returns a list of (fit rate, train rate) pairs.
    """
    fit_model = build_cnn(KERAS_SIMPLE_CONVNET, seed=SEED)
    train_model = build_cnn(KERAS_SIMPLE_CONVNET, seed=SEED)
    for model in (fit_model, train_model):
        model.compile(
            optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
        )
    pairs = []
    for round_number in range(rounds + 1):
        rates = {}
        for use_train in (False, True) if round_number % 2 == 0 else (True, False):
            start = time.perf_counter()
            if use_train:
                train(
                    train_model,
                    images,
                    labels,
                    validation_fraction=0,
                    epochs=1,
                    batch_size=128,
                    seed=SEED + round_number,
                    live_plot=False,
                    verbose=0,
                )
            else:
                fit_model.fit(images, labels, epochs=1, batch_size=128, verbose=0)
            rates[use_train] = len(images) / (time.perf_counter() - start)
        if round_number:
            pairs.append((rates[False], rates[True]))
    return pairs


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs, for a smoke test")
    arguments = parser.parse_args()
    results = []

    images, labels = mnist_cnn.load_sample(SAMPLE_SIZE, seed=SEED)
    (train_images, train_labels), (test_images, test_labels) = mnist_cnn.train_test_split(
        images, labels, TRAIN_FRACTION, seed=SEED
    )

    # 1 and 2: the notebook's training, without and with the live chart, alternated.
    frames = []

    def sink(figure):
        # What the kernel sends each redraw: the Plotly JSON, its HTML twin and a summary.
        frames.append(len(json.dumps(figure_bundle(figure, "summary"))))

    # This 2-core VM's speed drifts by 10-40% within a minute, so the two variants alternate
    # (ABBA...) and the verdict uses the median of each round's ratio.
    plain_times, live_times = [], []
    repeats = 1 if arguments.quick else 4
    for round_number in range(repeats):
        for with_live in (False, True) if round_number % 2 == 0 else (True, False):
            if with_live:
                _, seconds = notebook_training(train_images, train_labels, [LiveCurves(show=sink)])
                live_times.append(seconds)
            else:
                model, seconds = notebook_training(train_images, train_labels)
                plain_times.append(seconds)
    test_loss, test_accuracy = model.evaluate(test_images, test_labels, verbose=0)
    plain = float(np.median(plain_times))
    live_ratio = float(np.median(np.array(live_times) / np.array(plain_times)))
    print(
        f"1. notebook-03 training: {TUTORIAL.epochs} epochs of {len(train_images) * 0.9:,.0f} "
        f"images, batch {TUTORIAL.batch_size}"
    )
    print(
        f"   wall time {plain:.1f} s (median of {repeats}; target <= 60 s): {verdict(plain <= 60)}"
    )
    print(
        f"   test accuracy on the 20% part {test_accuracy:.2%} (target >= 97%): "
        f"{verdict(test_accuracy >= 0.97)}"
    )
    per_round = ", ".join(
        f"{live / plain:.3f}" for live, plain in zip(live_times, plain_times, strict=True)
    )
    print(
        f"2. live chart ({len(frames) // repeats} frames per run, up to "
        f"{max(frames) / 1e3:.0f} kB each): with/without per round {per_round}; "
        f"median {live_ratio:.3f}x (target <= 1.05x): {verdict(live_ratio <= 1.05)}"
    )
    results += [plain <= 60, test_accuracy >= 0.97, live_ratio <= 1.05]

    # 3: train() vs model.fit on the Keras example architecture.
    (all_images, all_labels), _ = mnist_cnn.load_mnist()
    count, rounds = (6_000, 1) if arguments.quick else (20_000, 6)
    pairs = throughput_pairs(all_images[:count], all_labels[:count], rounds)
    ratio = float(np.median([train_rate / fit_rate for fit_rate, train_rate in pairs]))
    fit_rate = float(np.median([fit_rate for fit_rate, _ in pairs]))
    train_rate = float(np.median([train_rate for _, train_rate in pairs]))
    print(
        f"3. Keras simple convnet ({build_cnn(KERAS_SIMPLE_CONVNET).count_params():,} params), "
        f"batch 128, epochs alternating: train() {train_rate:,.0f} img/s vs model.fit "
        f"{fit_rate:,.0f} img/s (medians); per-round ratios "
        f"{', '.join(f'{t / f:.2f}' for f, t in pairs)}; median {ratio:.3f}x "
        f"(target >= 0.95x): {verdict(ratio >= 0.95)}"
    )
    results.append(ratio >= 0.95)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak_mb:,.0f} MB")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
