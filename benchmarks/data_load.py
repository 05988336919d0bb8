"""How fast MNIST loads, and how much memory it takes.

Prints the cold load (parse and verify all four files), the warm load (a second call in the
same process) and the peak resident memory, each next to its target and, as a reference run in
the same process, the time to merely decompress the files with gzip.

    python benchmarks/data_load.py
"""

from __future__ import annotations

import gzip
import resource
import sys
import time

import mnist_cnn
from mnist_cnn import data

COLD_TARGET_S = 1.0
WARM_TARGET_S = 0.010
DATA_MB = (60_000 + 10_000) * (28 * 28 + 1) / 1e6  # uint8 images and labels: about 55 MB


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def main() -> int:
    folder = data.default_data_dir()
    for spec in data.FILES.values():  # warm the OS file cache so both runs read from memory
        (folder / spec.name).read_bytes()
    baseline_mb = peak_rss_mb()

    start = time.perf_counter()
    (train_images, _), _ = mnist_cnn.load_mnist()
    cold = time.perf_counter() - start
    peak_mb = peak_rss_mb()

    start = time.perf_counter()
    repeats = 100
    for _ in range(repeats):
        mnist_cnn.load_mnist()
    warm = (time.perf_counter() - start) / repeats

    start = time.perf_counter()
    for spec in data.FILES.values():
        gzip.decompress((folder / spec.name).read_bytes())
    reference = time.perf_counter() - start

    no_float_copy = train_images.dtype.itemsize == 1
    rows = [
        ("reference: gzip.decompress of the 4 files", reference, None),
        ("cold load_mnist (parse + verify)", cold, COLD_TARGET_S),
        ("warm load_mnist (second call)", warm, WARM_TARGET_S),
    ]
    print(f"data folder: {folder}")
    print(f"{'measure':45} {'seconds':>9} {'target':>8} {'vs reference':>13}  verdict")
    ok = True
    for name, seconds, target in rows:
        verdict = "" if target is None else ("ok" if seconds <= target else "MISSED")
        ok &= verdict != "MISSED"
        print(
            f"{name:45} {seconds:9.4f} {'' if target is None else f'{target:8.3f}':>8} "
            f"{seconds / reference:12.2f}x  {verdict}"
        )
    growth_mb = peak_mb - baseline_mb
    print(
        f"peak memory: {peak_mb:.0f} MB resident, of which load_mnist added {growth_mb:.0f} MB "
        f"for {DATA_MB:.0f} MB of uint8 data ({growth_mb / DATA_MB:.2f}x); arrays are uint8: "
        f"{no_float_copy}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
