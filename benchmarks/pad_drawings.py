"""Digits drawn on the drawing pad, stored as strokes: rendered here as the pad renders them.

`data/pad_drawings/strokes.json` holds each drawing as the pointer positions the pad's canvas
received, in canvas pixels (the pad is 28 x 28 cells shown 10 times larger, so 0-280).
`render_strokes` paints them exactly as `mnist_cnn/static/drawing_pad.js` does (a soft round
brush of radius 1.2 cells, gaps between two pointer events filled in steps of a third of a
cell), so `mnist_cnn.preprocess_drawing` then prepares them as the pad prepares a drawing;
`tests/ui/test_pad_strokes.py` replays stored drawings into the real pad in Chromium and checks
that both give the same pixels.

Where the drawings come from (see `data/pad_drawings/README.md`): they were drawn by this
script, not by a person. Each digit has a few hand-written stroke templates (the styles people
use: a 1 with and without its flag, an open and a closed 4, a 7 with and without a bar, ...),
and every drawing is one template drawn at a random size, place, slant and tilt, with a
wobbling hand and the uneven spacing of mouse events. `python benchmarks/pad_drawings.py
--make` writes the file again (seeded: the same file every time); `--show PATH` saves a
picture of every drawing.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
STROKES = ROOT / "data" / "pad_drawings" / "strokes.json"
SIZE = 28  # the pad's grid, as in drawing_pad.js
SCALE = 10  # canvas pixels per grid cell (the DrawingPad's `scale` trait)
BRUSH = 1.2  # the pen's radius in grid cells (the DrawingPad's `brush` trait)
PER_DIGIT = 30  # drawings of each digit
SEED = 0


def render_strokes(
    strokes, *, scale: int = SCALE, brush: float = BRUSH, size: int = SIZE
) -> np.ndarray:
    """The pad's (size, size) uint8 pixels after these strokes, painted as drawing_pad.js does.

    Args:
        strokes: a list of strokes, each a list of (x, y) pointer positions in canvas pixels.
    """
    pixels = np.zeros((size, size), np.float32)  # the script's Float32Array

    def paint(x: float, y: float) -> None:
        cx, cy = x / scale, y / scale
        rows = range(
            max(0, math.floor(cy - brush - 1)), min(size - 1, math.ceil(cy + brush + 1)) + 1
        )
        columns = range(
            max(0, math.floor(cx - brush - 1)), min(size - 1, math.ceil(cx + brush + 1)) + 1
        )
        for row in rows:
            for column in columns:
                distance = math.hypot(column + 0.5 - cx, row + 0.5 - cy)
                ink = np.float32(255 * min(1.0, max(0.0, brush + 0.5 - distance)))
                if ink > pixels[row, column]:
                    pixels[row, column] = ink

    for stroke in strokes:
        last = None
        for x, y in stroke:
            if last is None:
                paint(x, y)
            else:  # the script fills the gap between two events in steps of a third of a cell
                steps = max(1, math.ceil(math.hypot(x - last[0], y - last[1]) / (scale / 3)))
                for step in range(1, steps + 1):
                    paint(
                        last[0] + (x - last[0]) * step / steps,
                        last[1] + (y - last[1]) * step / steps,
                    )
            last = (x, y)
    return np.floor(pixels.astype(np.float64) + 0.5).astype(np.uint8)  # JavaScript's Math.round


def load_pad_drawings(path: Path = STROKES) -> tuple[np.ndarray, np.ndarray]:
    """The stored drawings as the pad shows them, (N, 28, 28) uint8, and their (N,) labels."""
    stored = json.loads(Path(path).read_text())
    drawings = stored["drawings"]
    images = np.stack([render_strokes(drawing["strokes"]) for drawing in drawings])
    labels = np.array([drawing["label"] for drawing in drawings], dtype=np.uint8)
    return images, labels


def prepared_pad_drawings(path: Path = STROKES) -> tuple[np.ndarray, np.ndarray]:
    """The stored drawings prepared by `mnist_cnn.preprocess_drawing`, as the pad reads them."""
    from mnist_cnn import preprocess_drawing

    images, labels = load_pad_drawings(path)
    return np.stack([preprocess_drawing(image) for image in images]), labels


# Stroke templates in a unit box (x to the right, y down). A stroke is a list of pieces; each
# piece is a smooth curve through its points, and consecutive pieces meet at a sharp corner.
TEMPLATES: dict[int, dict[str, list]] = {
    0: {
        "oval": [
            [
                [
                    (0.55, 0.0),
                    (0.15, 0.15),
                    (0.0, 0.55),
                    (0.25, 0.95),
                    (0.7, 0.95),
                    (1.0, 0.5),
                    (0.85, 0.1),
                    (0.5, 0.02),
                    (0.35, 0.1),
                ]
            ]
        ],
        "narrow, open at the top": [
            [
                [
                    (0.65, 0.08),
                    (0.35, 0.02),
                    (0.08, 0.4),
                    (0.15, 0.85),
                    (0.5, 1.0),
                    (0.88, 0.7),
                    (0.9, 0.25),
                    (0.7, 0.0),
                ]
            ]
        ],
        "round": [
            [
                [
                    (0.5, 0.0),
                    (0.1, 0.2),
                    (0.05, 0.7),
                    (0.45, 1.0),
                    (0.9, 0.75),
                    (0.95, 0.25),
                    (0.6, 0.0),
                    (0.45, 0.05),
                ]
            ]
        ],
    },
    1: {
        "stick": [[[(0.55, 0.0), (0.5, 0.5), (0.45, 1.0)]]],
        "with a flag": [[[(0.15, 0.3), (0.6, 0.0)], [(0.6, 0.0), (0.55, 1.0)]]],
        "with a flag and a base": [
            [[(0.2, 0.25), (0.55, 0.0)], [(0.55, 0.0), (0.55, 1.0)]],
            [[(0.2, 1.0), (0.9, 1.0)]],
        ],
    },
    2: {
        "plain": [
            [
                [(0.05, 0.25), (0.4, 0.0), (0.85, 0.15), (0.75, 0.5), (0.0, 1.0)],
                [(0.0, 1.0), (1.0, 0.98)],
            ]
        ],
        "with a loop": [
            [
                [
                    (0.1, 0.2),
                    (0.5, 0.0),
                    (0.9, 0.2),
                    (0.7, 0.55),
                    (0.2, 0.95),
                    (0.05, 0.85),
                    (0.25, 0.8),
                    (0.5, 1.0),
                    (1.0, 0.95),
                ]
            ]
        ],
        "curved": [
            [
                [(0.0, 0.3), (0.3, 0.02), (0.8, 0.05), (0.9, 0.35), (0.45, 0.7), (0.05, 0.98)],
                [(0.05, 0.98), (0.5, 0.92), (1.0, 1.0)],
            ]
        ],
    },
    3: {
        "round": [
            [
                [(0.05, 0.15), (0.45, 0.0), (0.85, 0.2), (0.4, 0.47)],
                [(0.4, 0.47), (0.95, 0.7), (0.6, 1.0), (0.0, 0.88)],
            ]
        ],
        "flat top": [
            [
                [(0.0, 0.0), (0.95, 0.0)],
                [(0.95, 0.0), (0.4, 0.4)],
                [(0.4, 0.4), (0.9, 0.55), (0.85, 0.9), (0.4, 1.0), (0.0, 0.85)],
            ]
        ],
        "smooth": [
            [
                [
                    (0.1, 0.1),
                    (0.6, 0.0),
                    (0.9, 0.22),
                    (0.7, 0.45),
                    (0.35, 0.5),
                    (0.75, 0.55),
                    (1.0, 0.8),
                    (0.6, 1.0),
                    (0.05, 0.9),
                ]
            ]
        ],
    },
    4: {
        "open": [
            [[(0.5, 0.0), (0.0, 0.65)], [(0.0, 0.65), (1.0, 0.65)]],
            [[(0.72, 0.25), (0.72, 1.0)]],
        ],
        "two strokes": [
            [[(0.15, 0.0), (0.05, 0.55)], [(0.05, 0.55), (0.95, 0.5)]],
            [[(0.75, 0.0), (0.72, 1.0)]],
        ],
        "one stroke": [
            [[(0.2, 0.0), (0.05, 0.6)], [(0.05, 0.6), (0.9, 0.6)]],
            [[(0.65, 0.05), (0.65, 1.0)]],
        ],
    },
    5: {
        "one stroke": [
            [
                [(0.9, 0.0), (0.2, 0.02)],
                [(0.2, 0.02), (0.12, 0.45)],
                [(0.12, 0.45), (0.55, 0.35), (0.92, 0.62), (0.65, 0.97), (0.05, 0.88)],
            ]
        ],
        "bar drawn last": [
            [
                [(0.2, 0.0), (0.15, 0.45)],
                [(0.15, 0.45), (0.6, 0.38), (0.95, 0.68), (0.6, 1.0), (0.0, 0.85)],
            ],
            [[(0.2, 0.0), (0.95, 0.0)]],
        ],
        "round belly": [
            [
                [(0.85, 0.0), (0.25, 0.0)],
                [(0.25, 0.0), (0.2, 0.4)],
                [(0.2, 0.4), (0.75, 0.45), (0.85, 0.85), (0.4, 1.0), (0.05, 0.8)],
            ]
        ],
    },
    6: {
        "round": [
            [
                [
                    (0.8, 0.0),
                    (0.3, 0.3),
                    (0.05, 0.75),
                    (0.4, 1.0),
                    (0.9, 0.78),
                    (0.7, 0.5),
                    (0.3, 0.55),
                    (0.1, 0.75),
                ]
            ]
        ],
        "straight back": [
            [
                [
                    (0.65, 0.0),
                    (0.15, 0.55),
                    (0.2, 0.95),
                    (0.65, 0.98),
                    (0.85, 0.7),
                    (0.5, 0.5),
                    (0.15, 0.65),
                ]
            ]
        ],
        "small loop": [
            [
                [
                    (0.9, 0.05),
                    (0.4, 0.15),
                    (0.05, 0.6),
                    (0.3, 1.0),
                    (0.75, 0.9),
                    (0.7, 0.62),
                    (0.25, 0.7),
                ]
            ]
        ],
    },
    7: {
        "plain": [[[(0.0, 0.0), (1.0, 0.0)], [(1.0, 0.0), (0.35, 1.0)]]],
        "with a bar": [
            [[(0.0, 0.0), (1.0, 0.0)], [(1.0, 0.0), (0.4, 1.0)]],
            [[(0.35, 0.5), (0.95, 0.5)]],
        ],
        "with a hook": [
            [
                [(0.0, 0.2), (0.05, 0.0)],
                [(0.05, 0.0), (1.0, 0.02)],
                [(1.0, 0.02), (0.6, 0.5), (0.5, 1.0)],
            ]
        ],
    },
    8: {
        "one stroke": [
            [
                [
                    (0.85, 0.12),
                    (0.5, 0.0),
                    (0.12, 0.15),
                    (0.3, 0.4),
                    (0.75, 0.6),
                    (0.9, 0.85),
                    (0.5, 1.0),
                    (0.1, 0.85),
                    (0.25, 0.6),
                    (0.7, 0.4),
                    (0.88, 0.18),
                    (0.75, 0.05),
                ]
            ]
        ],
        "two loops": [
            [[(0.5, 0.45), (0.15, 0.25), (0.45, 0.0), (0.85, 0.2), (0.5, 0.45)]],
            [[(0.5, 0.45), (0.05, 0.7), (0.45, 1.0), (0.95, 0.75), (0.5, 0.45)]],
        ],
        "slanted": [
            [
                [
                    (0.9, 0.1),
                    (0.55, 0.0),
                    (0.25, 0.2),
                    (0.5, 0.45),
                    (0.75, 0.65),
                    (0.5, 1.0),
                    (0.1, 0.9),
                    (0.2, 0.6),
                    (0.55, 0.45),
                    (0.8, 0.25),
                    (0.85, 0.05),
                ]
            ]
        ],
    },
    9: {
        "straight stem": [
            [
                [(0.9, 0.2), (0.5, 0.0), (0.1, 0.2), (0.3, 0.48), (0.9, 0.3)],
                [(0.9, 0.3), (0.85, 1.0)],
            ]
        ],
        "curved tail": [
            [
                [(0.85, 0.15), (0.45, 0.0), (0.05, 0.25), (0.4, 0.5), (0.85, 0.3)],
                [(0.85, 0.3), (0.85, 0.7), (0.5, 1.0)],
            ]
        ],
        "loop then stem": [
            [[(0.85, 0.2), (0.5, 0.0), (0.05, 0.25), (0.4, 0.5), (0.9, 0.35), (0.85, 0.15)]],
            [[(0.88, 0.05), (0.8, 1.0)]],
        ],
    },
}
#: Width over height of each digit's templates (a 1 is narrow).
ASPECT = {1: 0.35}


def _catmull_rom(points: list, samples_per_span: int = 12) -> np.ndarray:
    """A smooth curve through `points` (centripetal Catmull-Rom), as an (M, 2) array."""
    points = np.asarray(points, float)
    points = points[np.r_[True, np.any(np.diff(points, axis=0) != 0, axis=1)]]
    if len(points) == 2:
        return np.linspace(points[0], points[1], samples_per_span + 1)
    padded = np.vstack([2 * points[0] - points[1], points, 2 * points[-1] - points[-2]])
    curve = [points[:1]]
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1 : i + 3]

        def knot(t, a, b):
            return t + max(np.linalg.norm(b - a), 1e-6) ** 0.5

        t0 = 0.0
        t1 = knot(t0, p0, p1)
        t2 = knot(t1, p1, p2)
        t3 = knot(t2, p2, p3)
        t = np.linspace(t1, t2, samples_per_span + 1)[1:, None]
        a1 = (t1 - t) / (t1 - t0) * p0 + (t - t0) / (t1 - t0) * p1
        a2 = (t2 - t) / (t2 - t1) * p1 + (t - t1) / (t2 - t1) * p2
        a3 = (t3 - t) / (t3 - t2) * p2 + (t - t2) / (t3 - t2) * p3
        b1 = (t2 - t) / (t2 - t0) * a1 + (t - t0) / (t2 - t0) * a2
        b2 = (t3 - t) / (t3 - t1) * a2 + (t - t1) / (t3 - t1) * a3
        curve.append((t2 - t) / (t2 - t1) * b1 + (t - t1) / (t2 - t1) * b2)
    return np.vstack(curve)


def _draw(template: list, rng: np.random.Generator, aspect: float) -> list:
    """One drawing of a template: pointer positions (canvas pixels) of each stroke."""
    height = rng.uniform(7, 26) * SCALE  # the digit's height on the pad, in canvas pixels
    width = height * aspect * rng.uniform(0.6, 1.4)
    slant = rng.uniform(-0.2, 0.45)  # right-leaning handwriting is common
    tilt = np.radians(rng.normal(0, 7))
    phases, amplitude = rng.uniform(0, 2 * np.pi, 4), rng.uniform(0.01, 0.05) * height
    # No two hands put the key points in the same places: each moves a little, and a point
    # shared by two pieces (a corner) moves with both.
    moved = {}

    def move(point):
        if point not in moved:
            moved[point] = np.asarray(point) + rng.normal(0, 0.06, 2)
        return moved[point]

    paths = []
    for stroke in template:
        curve = np.vstack([_catmull_rom([move(point) for point in piece]) for piece in stroke])
        x = (curve[:, 0] - 0.5) * width - slant * (curve[:, 1] - 0.5) * height
        y = (curve[:, 1] - 0.5) * height
        x, y = x * np.cos(tilt) - y * np.sin(tilt), x * np.sin(tilt) + y * np.cos(tilt)
        # A wobbling hand: a slow displacement that depends on where the pen is.
        x = x + amplitude * np.sin(phases[0] + 5 * y / height + 3 * x / height)
        y = y + amplitude * np.sin(phases[1] + 4 * x / height - 2 * y / height)
        paths.append(np.column_stack([x, y]))
    points = np.vstack(paths)
    low, high = points.min(axis=0), points.max(axis=0)
    margin = SCALE  # keep the digit one cell inside the pad
    shrink = min(1.0, *((SIZE * SCALE - 2 * margin) / np.maximum(high - low, 1)))
    span = SIZE * SCALE - 2 * margin - (high - low) * shrink
    offset = margin - low * shrink + rng.uniform(0, 1, 2) * np.maximum(span, 0)
    strokes = []
    for path in paths:
        path = path * shrink + offset
        # Mouse events: uneven spacing along the path (a hand speeds up and slows down).
        length = np.concatenate([[0], np.cumsum(np.hypot(*np.diff(path, axis=0).T))])
        spacing = rng.uniform(3, 14)
        at, where = 0.0, []
        while at < length[-1]:
            where.append(at)
            at += spacing * rng.uniform(0.5, 1.5)
        where.append(length[-1])
        sampled = np.column_stack([np.interp(where, length, path[:, k]) for k in (0, 1)])
        sampled = np.clip(np.round(sampled), 0, SIZE * SCALE - 1).astype(int)
        strokes.append([[int(x), int(y)] for x, y in sampled])
    return strokes


def make_drawings(seed: int = SEED, per_digit: int = PER_DIGIT) -> list[dict]:
    rng = np.random.default_rng(seed)
    drawings = []
    for digit, styles in TEMPLATES.items():
        names = list(styles)
        for k in range(per_digit):
            style = names[k % len(names)]
            strokes = _draw(styles[style], rng, ASPECT.get(digit, 0.65))
            drawings.append({"label": digit, "style": style, "strokes": strokes})
    return drawings


def _write(path: Path) -> None:
    drawings = make_drawings()
    header = {
        "format": "mnist-cnn-pad-strokes/1",
        "pad": {"cells": SIZE, "scale": SCALE, "brush": BRUSH},
        "units": "pointer positions in canvas pixels (0-279), one list per stroke",
        "made_by": "python benchmarks/pad_drawings.py --make (see README.md here)",
        "seed": SEED,
    }
    lines = ",\n".join(json.dumps(drawing, separators=(",", ":")) for drawing in drawings)
    text = json.dumps(header, indent=1)[:-2] + ',\n "drawings": [\n' + lines + "\n ]\n}\n"
    json.loads(text)  # a check of the hand-made layout: one drawing per line
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    print(f"wrote {len(drawings)} drawings to {path} ({path.stat().st_size / 1024:.0f} kB)")


def _show(path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    images, labels = load_pad_drawings()
    prepared, _ = prepared_pad_drawings()
    columns = 30
    rows = math.ceil(len(images) / columns)
    figure, axes = plt.subplots(2 * rows, columns, figsize=(columns * 0.6, 2 * rows * 0.62))
    for index, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        row, column = divmod(index, columns)
        number = (row // 2) * columns + column
        if number < len(images):
            picture = images[number] if row % 2 == 0 else prepared[number]
            ax.imshow(picture, cmap="gray_r" if row % 2 == 0 else "gray", vmin=0, vmax=255)
            if row % 2 == 0:
                ax.set_title(str(labels[number]), fontsize=7, pad=1)
    figure.savefig(path, dpi=80)
    print(f"saved {path}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--make", action="store_true", help=f"write {STROKES.relative_to(ROOT)}")
    parser.add_argument("--show", type=Path, help="save a picture of every drawing here")
    arguments = parser.parse_args()
    if arguments.make:
        _write(STROKES)
    if arguments.show:
        _show(arguments.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
