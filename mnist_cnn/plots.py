"""Figures of digits and data: small matplotlib helpers with one job each.

Digits are drawn as MNIST stores them and the CNN sees them, pixel value as brightness:
0 (background) is black, 255 (full ink) is white. Every figure of the series follows that
convention (notebook 01 states it once).

Colours come from one colour-blind-safe palette (Okabe and Ito's), and colour never carries
a meaning alone: a marker, hatch, outline or label repeats it. tests/test_palette.py checks
that the colours which carry a meaning stay apart under simulated deuteranopia and protanopia.

Each function returns a closed matplotlib Figure, so a notebook cell that ends with the
call shows it exactly once.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .checks import (
    IMAGE_SIZE,
    NUM_CLASSES,
    check_digit,
    check_images,
    check_index,
    check_labels,
    check_positive_int,
)

#: Okabe and Ito's eight colours (2008), told apart by readers with every common colour
#: vision deficiency.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}
#: What the colours mean across the series.
CORRECT_COLOR = OKABE_ITO["blue"]  # the right digit, correct answers, training curves
MISTAKE_COLOR = OKABE_ITO["vermillion"]  # the model's wrong guess
CORRECT_SHADE = OKABE_ITO["sky blue"]  # light enough for black text: confusion matrix cells
MISTAKE_SHADE = OKABE_ITO["orange"]
OTHER_COLOR = "#BBBBBB"  # bars with no special meaning
#: Lines and bar series that must be told apart: a colour, a marker, a line style and a
#: hatch each, so that they differ even in grey print.
SERIES_COLORS = [OKABE_ITO[name] for name in ("blue", "orange", "bluish green", "reddish purple")]
SERIES_MARKERS = ["o", "s", "^", "D"]
SERIES_LINESTYLES = ["-", "--", "-.", ":"]
SERIES_HATCHES = ["", "//", "..", "xx"]
#: The one digit polarity: pixel value as brightness, 0 black and 255 white.
DIGIT_COLORMAP = "gray"


def series_style(position: int) -> dict:
    """Colour, marker and line style of the `position`-th line of a chart (cycling)."""
    position %= len(SERIES_COLORS)
    return {
        "color": SERIES_COLORS[position],
        "marker": SERIES_MARKERS[position],
        "linestyle": SERIES_LINESTYLES[position],
    }


def digit_png(image: np.ndarray, scale: int = 10) -> bytes:
    """Encode a 28x28 digit as a crisp PNG, each pixel drawn as a `scale` x `scale` square
    (white ink on black, as everywhere in the series)."""
    from PIL import Image  # Pillow comes with matplotlib

    image = check_digit(image).astype(np.uint8)
    large = np.repeat(np.repeat(image, scale, axis=0), scale, axis=1)
    buffer = io.BytesIO()
    Image.fromarray(large, mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


def _finish(figure: Figure) -> Figure:
    plt.close(figure)  # the notebook shows the returned figure; pyplot must not show it again
    return figure


def plot_digit(image: np.ndarray, label: int | None = None, ax=None) -> Figure:
    """Draw one 28x28 digit, with its label as the title when given."""
    image = check_digit(image)
    if ax is None:
        figure, ax = plt.subplots(figsize=(2.5, 2.5), layout="constrained")
    else:
        figure = ax.figure
    ax.imshow(image, cmap=DIGIT_COLORMAP, vmin=0, vmax=255, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if label is not None:
        ax.set_title(f"label {label}")
    return _finish(figure)


def plot_digits(
    images: np.ndarray,
    labels: np.ndarray,
    indices: Sequence[int] | None = None,
    columns: int = 10,
) -> Figure:
    """Draw a grid of digits with their labels; by default the first 30."""
    images, labels = check_images(images, labels)
    if indices is None:
        indices = range(min(30, len(images)))
    indices = [check_index(index, len(images)) for index in indices]
    if not indices:
        raise ValueError("indices is empty: give at least one index to draw.")
    columns = check_positive_int(columns, "columns")
    rows = -(-len(indices) // columns)
    figure, axes = plt.subplots(
        rows, columns, figsize=(1.1 * columns, 1.3 * rows), squeeze=False, layout="constrained"
    )
    for ax in axes.flat:
        ax.axis("off")
    for ax, index in zip(axes.flat[: len(indices)], indices, strict=True):
        ax.imshow(images[index], cmap=DIGIT_COLORMAP, vmin=0, vmax=255, interpolation="nearest")
        ax.set_title(f"#{index}: {labels[index]}", fontsize=9)
    return _finish(figure)


def plot_pixel_values(image: np.ndarray, label: int | None = None) -> Figure:
    """Show a digit's 784 pixel values, each written in its own cell of the 28x28 grid."""
    image = check_digit(image)
    figure, ax = plt.subplots(figsize=(11, 11), layout="constrained")
    ax.imshow(image, cmap=DIGIT_COLORMAP, vmin=0, vmax=255, interpolation="nearest")
    for row in range(IMAGE_SIZE):
        for column in range(IMAGE_SIZE):
            value = int(image[row, column])
            if value:
                ax.text(
                    column,
                    row,
                    str(value),
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="black" if value > 127 else "white",  # dark text on bright ink
                )
    ax.set_xticks(range(0, IMAGE_SIZE, 4))
    ax.set_yticks(range(0, IMAGE_SIZE, 4))
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    title = "28 x 28 = 784 pixel values (blank cells are 0)"
    ax.set_title(title if label is None else f"{title}, label {label}")
    return _finish(figure)


def plot_class_balance(**labels_by_part: np.ndarray) -> Figure:
    """Bar chart of how many images of each digit every part holds.

    Example: `plot_class_balance(train=train_labels, test=test_labels)`.
    """
    if not labels_by_part:
        raise ValueError("give at least one labels array, e.g. plot_class_balance(sample=labels).")
    figure, ax = plt.subplots(figsize=(8, 3), layout="constrained")
    width = 0.8 / len(labels_by_part)
    for position, (name, labels) in enumerate(labels_by_part.items()):
        counts = np.bincount(check_labels(labels, name), minlength=NUM_CLASSES)
        shares = counts / max(counts.sum(), 1)
        offset = (position - (len(labels_by_part) - 1) / 2) * width
        bars = ax.bar(
            np.arange(NUM_CLASSES) + offset,
            shares * 100,
            width,
            label=f"{name} ({counts.sum():,})",
            color=SERIES_COLORS[position % len(SERIES_COLORS)],
            hatch=SERIES_HATCHES[position % len(SERIES_HATCHES)],
            edgecolor="white",  # the hatch lines, a second cue besides the colour
        )
        ax.bar_label(bars, labels=[f"{count}" for count in counts], fontsize=7)
    ax.set_xticks(range(NUM_CLASSES))
    ax.set_xlabel("digit")
    ax.set_ylabel("share of images (%)")
    ax.set_title("How many images of each digit (count above each bar)")
    figure.legend(loc="outside right upper")  # beside the bars, never over them
    ax.margins(y=0.15)
    return _finish(figure)


def plot_layer_shapes(table: Sequence[tuple[str, str, tuple, int]]) -> Figure:
    """Draw how the shape of one image changes as it flows through the layers.

    Args:
        table: rows of (name, type, output shape, parameters), as `layer_table(model)` gives.
    """
    from matplotlib.patches import Rectangle

    if hasattr(table, "layers") or not isinstance(table, (list, tuple)) or not table:
        got = "a model" if hasattr(table, "layers") else f"{type(table).__name__} {table!r:.60}"
        raise ValueError(
            f"table must be the rows of layer_table(model) (at least one layer), got {got}; "
            f"use plot_layer_shapes(layer_table(model))."
        )
    figure, ax = plt.subplots(figsize=(max(8, 1.5 * len(table)), 3.6), layout="constrained")
    largest = max((shape[0] for _, _, shape, _ in table if len(shape) >= 2), default=1)
    for position, (name, kind, shape, parameters) in enumerate(table):
        x = position * 1.5
        if len(shape) >= 2:  # an image-like stack: height x width x channels
            side = 1.6 * shape[0] / largest
            channels = shape[2] if len(shape) == 3 else 1
            for layer_index in range(min(channels, 8)):  # draw at most 8 sheets
                offset = 0.05 * layer_index
                ax.add_patch(
                    Rectangle(
                        (x + offset, 1 - side / 2 + offset),
                        side * 0.8,
                        side,
                        facecolor=OKABE_ITO["sky blue"],
                        edgecolor=OKABE_ITO["blue"],
                        linewidth=0.8,
                    )
                )
            text = " x ".join(str(d) for d in shape)
        else:  # a flat vector
            height = 0.4 + 1.4 * min(shape[0], 256) / 256
            ax.add_patch(
                Rectangle(
                    (x + 0.3, 1 - height / 2),
                    0.15,
                    height,
                    facecolor=OKABE_ITO["orange"],
                    edgecolor=OKABE_ITO["vermillion"],
                )
            )
            text = f"{shape[0]} values"
        ax.text(x + 0.4, -0.15, f"{name}\n({kind})\n{text}", ha="center", va="top", fontsize=8)
        if parameters:
            ax.text(x + 0.4, 2.05, f"{parameters:,} params", ha="center", fontsize=7, color="gray")
    ax.set_xlim(-0.3, 1.5 * len(table))
    ax.set_ylim(-1.0, 2.2)
    ax.axis("off")
    ax.set_title("One image flowing through the CNN: output shape of each layer")
    return _finish(figure)


# Light to medium shades only, so the black count stays readable in every cell.
_MISTAKE_COLORS = [[0, "#ffffff"], [1, MISTAKE_SHADE]]
_CORRECT_COLORS = [[0, "#ffffff"], [1, CORRECT_SHADE]]
#: The second cue of a correct cell, besides its colour: an outline.
_DIAGONAL_OUTLINE = OKABE_ITO["blue"]


def _cell_texts(matrix: np.ndarray, shares: np.ndarray, normalize: str | None) -> list[list[str]]:
    if normalize is None:
        return [[f"{int(value)}" for value in row] for row in matrix]
    return [
        [f"{value:.0%}" if value >= 0.005 or value == 0 else "<1%" for value in row]
        for row in shares
    ]


def plot_confusion_matrix(
    matrix: np.ndarray, normalize: str | None = None, title: str | None = None
):
    """An interactive Plotly heatmap of a confusion matrix.

    Rows are the actual digits (top to bottom), columns the predicted ones. Every cell
    shows its count (or share); correct answers, on the diagonal, are blue and outlined,
    mistakes orange; hovering a cell says what it counts in words. Zooming is off, so a
    finger on a phone scrolls the page rather than zooming the matrix.

    Args:
        matrix: counts from `confusion_matrix`, rows = actual, columns = predicted.
        normalize: None for counts, "true" for shares of each actual digit (rows sum to 1),
            "pred" for shares of each predicted digit (columns sum to 1).
    """
    import plotly.graph_objects as go

    from .checks import check_matrix
    from .evaluation import normalize_matrix

    matrix = check_matrix(matrix)
    shares = normalize_matrix(matrix, normalize)
    size = len(matrix)
    digits = list(range(size))
    texts = _cell_texts(matrix, shares, normalize)
    row_totals, column_totals = matrix.sum(axis=1), matrix.sum(axis=0)
    hover = []
    for actual in digits:
        row = []
        for predicted in digits:
            count = int(matrix[actual, predicted])
            what = "correct" if actual == predicted else "mistake"
            plural = "s" * (count != 1)
            words = f"actual {actual}, predicted {predicted}: {count} image{plural} ({what})"
            share = shares[actual, predicted]
            if normalize == "true":
                words += f"<br>{share:.1%} of the {row_totals[actual]} actual {actual}s"
            elif normalize == "pred":
                words += (
                    f"<br>{share:.1%} of the {column_totals[predicted]} "
                    f"images predicted as {predicted}"
                )
            row.append(words)
        hover.append(row)
    values = shares if normalize else matrix.astype(float)
    diagonal = np.eye(size, dtype=bool)
    on_diagonal = np.where(diagonal, values, np.nan)
    off_diagonal = np.where(diagonal, np.nan, values)
    common = dict(
        x=digits,
        y=digits,
        text=texts,
        texttemplate="%{text}",
        textfont={"color": "black"},
        customdata=hover,
        hovertemplate="%{customdata}<extra></extra>",
        xgap=2,
        ygap=2,
    )
    error_top = np.nanmax(off_diagonal) if np.any(off_diagonal > 0) else 1
    figure = go.Figure(
        [
            go.Heatmap(
                z=off_diagonal,
                colorscale=_MISTAKE_COLORS,
                zmin=0,
                zmax=error_top,
                name="mistakes",
                showscale=False,
                **common,
            ),
            go.Heatmap(
                z=on_diagonal,
                colorscale=_CORRECT_COLORS,
                zmin=0,
                zmax=np.nanmax(values) or 1,
                name="correct",
                showscale=False,
                **common,
            ),
        ]
    )
    kind = {
        None: "counts",
        "true": "% of each actual digit",
        "pred": "% of each predicted digit",
    }[normalize]
    notes = {None: [], "true": ["each row sums to 100%"], "pred": ["each column sums to 100%"]}
    notes = [*notes[normalize], "blue, outlined: correct; orange: mistakes"]
    # Short lines, so that the title fits the chart on a phone too
    # (tests/ui/test_plotly_layout.py measures it).
    default_title = f"Confusion matrix: {kind}" + "".join(
        f"<br><span style='font-size:12px'>{note}</span>" for note in notes
    )
    figure.update_layout(
        # At the top of the chart, clear of the axis title below it at any width.
        title=dict(
            text=title or default_title,
            x=0.5,
            xanchor="center",
            yref="container",
            y=1,
            yanchor="top",
            pad=dict(t=12),
        ),
        xaxis=dict(
            title=dict(text="Predicted"),
            tickmode="array",
            tickvals=digits,
            side="top",
            constrain="domain",
            fixedrange=True,
        ),
        yaxis=dict(
            title=dict(text="Actual"),
            tickmode="array",
            tickvals=digits,
            autorange="reversed",
            scaleanchor="x",
            fixedrange=True,
        ),
        dragmode=False,
        shapes=[
            dict(
                type="rect",
                x0=digit - 0.5,
                x1=digit + 0.5,
                y0=digit - 0.5,
                y1=digit + 0.5,
                line=dict(color=_DIAGONAL_OUTLINE, width=2),
                layer="above",
            )
            for digit in digits
        ],
        width=560,
        height=600,
        plot_bgcolor="white",
        margin=dict(t=120, l=70, r=20, b=20),
    )
    return figure


def plot_confusion_matrix_static(matrix: np.ndarray, normalize: str | None = None) -> Figure:
    """The same confusion matrix as a matplotlib figure, for static exports and print."""
    from .checks import check_matrix
    from .evaluation import normalize_matrix

    matrix = check_matrix(matrix)
    shares = normalize_matrix(matrix, normalize)
    values = shares if normalize else matrix
    size = len(matrix)
    texts = _cell_texts(matrix, shares, normalize)
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.patches import Rectangle

    figure, ax = plt.subplots(figsize=(6.5, 6), layout="constrained")
    diagonal = np.eye(size, dtype=bool)
    off = np.ma.masked_where(diagonal, values)
    on = np.ma.masked_where(~diagonal, values)
    mistakes = LinearSegmentedColormap.from_list("mistakes", ["#ffffff", MISTAKE_SHADE])
    correct = LinearSegmentedColormap.from_list("correct", ["#ffffff", CORRECT_SHADE])
    ax.imshow(off, cmap=mistakes, vmin=0, vmax=max(off.max(), 1e-9) if off.count() else 1)
    ax.imshow(on, cmap=correct, vmin=0, vmax=max(values.max(), 1e-9))
    for digit in range(size):  # the second cue of a correct cell: an outline
        ax.add_patch(
            Rectangle(
                (digit - 0.5, digit - 0.5), 1, 1, fill=False, edgecolor=_DIAGONAL_OUTLINE, lw=2
            )
        )
    for actual in range(size):
        for predicted in range(size):
            # Every shade is light, so black text reads in every cell.
            ax.text(
                predicted,
                actual,
                texts[actual][predicted],
                ha="center",
                va="center",
                fontsize=8,
                color="black",
            )
    ax.set_xticks(range(size))
    ax.set_yticks(range(size))
    ax.xaxis.set_label_position("top")
    ax.xaxis.tick_top()
    ax.set_xlabel("Predicted")
    ax.set_ylabel("Actual")
    ax.set_title("Outlined diagonal (blue) = correct, orange = mistakes", fontsize=10, pad=10)
    return _finish(figure)


def plot_per_class_accuracy(matrix: np.ndarray) -> Figure:
    """Dot plot of each digit's accuracy (recall): the share of its images read correctly.

    Dots, not bars: a dot is read by its position, so the axis may zoom in on the range where
    the digits differ; a bar would be read by its length, which only means something from 0.
    """
    from .checks import check_matrix

    matrix = check_matrix(matrix)
    totals = matrix.sum(axis=1)
    accuracy = np.divide(np.diag(matrix), totals, out=np.zeros(len(matrix)), where=totals > 0)
    overall = np.trace(matrix) / max(matrix.sum(), 1)
    figure, ax = plt.subplots(figsize=(8, 3.2), layout="constrained")
    ax.axhline(overall * 100, color="gray", linestyle="--", linewidth=1)
    ax.plot(range(len(matrix)), accuracy * 100, "o", color=CORRECT_COLOR, markersize=8)
    for digit, value in enumerate(accuracy):
        ax.annotate(
            f"{value:.1%}",
            (digit, value * 100),
            xytext=(0, 8),
            textcoords="offset points",
            ha="center",
            fontsize=8,
        )
    low = min(accuracy.min(), overall) * 100
    ax.set_ylim(low - max(1.0, 0.15 * (100 - low)), 100 + max(0.5, 0.15 * (100 - low)))
    ax.set_xlim(-0.6, len(matrix) - 0.4)
    ax.set_xticks(range(len(matrix)))
    ax.grid(axis="y", alpha=0.3)
    ax.set_xlabel("actual digit")
    ax.set_ylabel("accuracy (%)")
    ax.set_title(
        f"Accuracy per digit (dots) and over all digits (dashed line: {overall:.1%})",
    )
    return _finish(figure)


def plot_mistakes(
    images: np.ndarray,
    true_labels: np.ndarray,
    predicted_labels: np.ndarray,
    probabilities: np.ndarray,
    indices: Sequence[int],
    columns: int = 6,
) -> Figure:
    """A gallery of mistakes: each image with its actual and predicted digit and the
    model's ten probabilities as bars (blue: the right digit; hatched orange: the wrong
    guess)."""
    from .checks import check_probabilities

    images, true_labels = check_images(images, true_labels, labels_name="true_labels")
    predicted_labels = check_labels(predicted_labels, "predicted_labels", count=len(images))
    probabilities = check_probabilities(probabilities, count=len(images))
    indices = [check_index(index, len(images)) for index in indices]
    if not indices:
        figure, ax = plt.subplots(figsize=(4, 1), layout="constrained")
        ax.text(0.5, 0.5, "No mistakes to show", ha="center", va="center")
        ax.axis("off")
        return _finish(figure)
    rows = -(-len(indices) // columns)
    figure, axes = plt.subplots(
        2 * rows,
        columns,
        figsize=(1.9 * columns, 3.0 * rows),
        gridspec_kw={"height_ratios": [2, 1] * rows},
        squeeze=False,
        layout="constrained",
    )
    for ax in axes.flat:
        ax.axis("off")
    for position, index in enumerate(indices):
        row, column = divmod(position, columns)
        image_ax, bar_ax = axes[2 * row, column], axes[2 * row + 1, column]
        actual, guess = int(true_labels[index]), int(predicted_labels[index])
        image_ax.imshow(images[index], cmap=DIGIT_COLORMAP, vmin=0, vmax=255)
        image_ax.set_title(
            f"#{index}: actual {actual}\npredicted {guess} ({probabilities[index, guess]:.0%})",
            fontsize=8,
        )
        colors = [OTHER_COLOR] * NUM_CLASSES
        hatches = [""] * NUM_CLASSES
        colors[guess], colors[actual] = MISTAKE_COLOR, CORRECT_COLOR
        hatches[guess] = "////"  # the second cue of the wrong guess, besides its colour
        bar_ax.axis("on")
        bar_ax.bar(
            range(NUM_CLASSES), probabilities[index], color=colors, hatch=hatches, edgecolor="white"
        )
        bar_ax.set_ylim(0, 1)
        bar_ax.set_xticks(range(NUM_CLASSES))
        bar_ax.tick_params(labelsize=6)
        bar_ax.set_yticks([])
    figure.suptitle(
        "Bars: the model's ten probabilities. Blue: the right digit; hatched orange: its guess",
        fontsize=9,
    )
    return _finish(figure)


def plot_time_to_accuracy(results: dict, target: float | None = None) -> Figure:
    """Test accuracy against training time, one line per recipe, from a stored benchmark."""
    if not isinstance(results, dict) or not isinstance(results.get("recipes"), dict):
        raise ValueError(
            f"results must be a stored benchmark with its 'recipes', as "
            f"load_benchmark_results() returns, got {type(results).__name__} {results!r:.60}."
        )
    target = target if target is not None else results.get("target", 0.99)
    figure, ax = plt.subplots(figsize=(8, 4.2), layout="constrained")
    for position, (label, rows) in enumerate(results["recipes"].items()):
        seconds = [row["seconds"] for row in rows]
        accuracy = [100 * row["accuracy"] for row in rows]
        name = re.sub(r"^\([a-z+]+\)\s*", "", label)  # stored labels start "(a) ", "(b+) ", ...
        ax.plot(seconds, accuracy, label=name, markersize=5, **series_style(position))
    ax.axhline(100 * target, color="gray", linestyle="--", linewidth=1)
    ax.text(ax.get_xlim()[1], 100 * target, f" {target:.0%}", va="center", color="gray")
    ax.set_ylim(97, 100)
    ax.set_xlabel("training time (seconds, 2-core CPU)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("Test accuracy on the official MNIST test set against training time")
    ax.grid(alpha=0.3)
    figure.legend(loc="outside lower center", ncols=2)  # below the axes, never over a line
    return _finish(figure)


def plot_drawing_and_prediction(
    drawn: np.ndarray, prepared: np.ndarray, probabilities: np.ndarray
) -> Figure:
    """The drawing as drawn, as prepared the MNIST way, and the model's probabilities."""
    from .checks import check_pixels, check_probabilities

    drawn = check_pixels(drawn, "drawn")
    if drawn.ndim != 2 or drawn.size == 0:
        raise ValueError(
            f"drawn must be one grey-scale drawing (2-D, not empty), got shape {drawn.shape}."
        )
    prepared = check_digit(prepared, "prepared")
    probabilities = check_probabilities([probabilities], "probabilities", count=1)[0]
    if probabilities.shape != (NUM_CLASSES,):
        raise ValueError(f"probabilities must be 10 numbers, got shape {probabilities.shape}.")
    if abs(float(np.sum(probabilities)) - 1) > 1e-3:
        raise ValueError(
            f"probabilities must sum to 1 (the model's softmax, as predict_digit returns), "
            f"got a sum of {float(np.sum(probabilities)):.4g}."
        )
    figure, axes = plt.subplots(
        1, 3, figsize=(9, 2.8), gridspec_kw={"width_ratios": [1, 1, 1.6]}, layout="constrained"
    )
    # Both as pixel values (white ink on black, like every MNIST image): the drawing as it
    # came from the pad, and prepared the MNIST way, as the model sees it.
    for ax, image, title in (
        (axes[0], drawn, "as drawn"),
        (axes[1], prepared, "prepared: what the\nmodel sees"),
    ):
        ax.imshow(image, cmap=DIGIT_COLORMAP, vmin=0, vmax=255, interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    _probability_bars(axes[2], probabilities)
    return _finish(figure)


def _probability_bars(ax, probabilities: np.ndarray) -> None:
    """Ten probabilities as bars; the digit read is blue and labelled with its probability
    (the label is the second cue, besides the colour)."""
    guess = int(np.argmax(probabilities))
    colors = [OTHER_COLOR] * NUM_CLASSES
    colors[guess] = CORRECT_COLOR
    bars = ax.bar(range(NUM_CLASSES), probabilities, color=colors)
    ax.bar_label(
        bars,
        labels=[f"{p:.0%}" if d == guess else "" for d, p in enumerate(probabilities)],
        fontsize=8,
    )
    ax.set_xticks(range(NUM_CLASSES))
    ax.set_ylim(0, 1.15)
    ax.set_yticks([0, 0.5, 1])
    ax.set_title(f"probabilities: reads {guess}", fontsize=9)


#: Filters or feature maps drawn side by side at most; a layer with more wraps onto more lines.
MAX_COLUMNS = 16


def plot_filters(filters_before: dict, filters_after: dict | None = None) -> Figure:
    """Each convolution's filters (averaged over input channels); with `filters_after`,
    before training on one row and after on the next."""
    sets = [("before training", filters_before)] + (
        [("after training", filters_after)] if filters_after is not None else []
    )
    for when, filters in sets:
        if not isinstance(filters, dict) or not filters:
            raise ValueError(
                f"the filters {when} must be what conv_filters(model) returns (a dict of "
                f"filters per convolution layer), got {type(filters).__name__} {filters!r:.60}."
            )
    rows = [(when, name, stack) for when, filters in sets for name, stack in filters.items()]
    rows.sort(key=lambda row: (row[1], row[0] != "before training"))
    columns = min(MAX_COLUMNS, max(len(stack) for _, _, stack in rows))
    lines = [-(-len(stack) // columns) for _, _, stack in rows]  # a wide layer wraps
    figure, axes = plt.subplots(
        sum(lines),
        columns,
        figsize=(0.75 * columns, 0.95 * sum(lines)),
        squeeze=False,
        layout="constrained",
    )
    for ax in axes.flat:
        ax.axis("off")
    # One colour scale per layer, shared by its rows before and after training, so that the
    # two can be compared square by square.
    limits = {}
    for _, name, stack in rows:
        limits[name] = max(limits.get(name, 0.0), float(np.abs(stack).max()))
    first_line = 0
    for (when, name, stack), count in zip(rows, lines, strict=True):
        limit = limits[name] or 1
        for number, kernel in enumerate(stack):
            line, column = divmod(number, columns)
            axes[first_line + line, column].imshow(kernel, cmap="RdBu_r", vmin=-limit, vmax=limit)
        axes[first_line, 0].set_title(f"{name}, {when}", fontsize=8, loc="left")
        first_line += count
    figure.suptitle(
        "Filters (red: positive weights, blue: negative; one colour scale per layer)",
        fontsize=10,
    )
    return _finish(figure)


def plot_inside(image, label, maps: dict, probabilities, saliency) -> Figure:
    """One digit's journey: the digit, its saliency map, the probabilities, and the feature
    maps after each ReLU and each pooling."""
    columns = min(MAX_COLUMNS, max(8, max(stack.shape[-1] for stack in maps.values())))
    lines = [-(-stack.shape[-1] // columns) for stack in maps.values()]  # a wide layer wraps
    figure = plt.figure(figsize=(0.8 * columns, 2.2 + 0.95 * sum(lines)), layout="constrained")
    grid = figure.add_gridspec(1 + sum(lines), columns, height_ratios=[2.2] + [1] * sum(lines))
    third = columns // 3
    ax = figure.add_subplot(grid[0, :third])
    ax.imshow(image, cmap=DIGIT_COLORMAP, vmin=0, vmax=255)
    ax.set_title(f"the digit (label {label})", fontsize=9)
    ax.axis("off")
    ax = figure.add_subplot(grid[0, third : 2 * third])
    ax.imshow(saliency, cmap="hot", vmin=0, vmax=1)
    ax.set_title("saliency: pixels that sway the answer", fontsize=9)
    ax.axis("off")
    ax = figure.add_subplot(grid[0, 2 * third :])
    _probability_bars(ax, np.asarray(probabilities))
    first_line = 1
    for (name, stack), count in zip(maps.items(), lines, strict=True):
        top = float(stack.max()) or 1.0  # one colour scale per layer: a dark map found little
        for index in range(stack.shape[-1]):
            line, column = divmod(index, columns)
            ax = figure.add_subplot(grid[first_line + line, column])
            ax.imshow(stack[..., index], cmap="viridis", vmin=0, vmax=top)
            ax.axis("off")
            if index == 0:
                size = "x".join(str(d) for d in stack.shape[:2])
                ax.set_title(f"{name} ({size}, {stack.shape[-1]} maps)", fontsize=8, loc="left")
        first_line += count
    figure.suptitle(
        "One digit through the CNN. Below, its feature maps: bright where a filter found its "
        "pattern (one colour scale per row)",
        fontsize=9,
    )
    return _finish(figure)


def plot_weight_sharing(
    image: np.ndarray, dense_weights: np.ndarray, conv_filter: np.ndarray, step: int = 6
) -> Figure:
    """Weight sharing in one picture: a dense unit has its own weight for every pixel, a
    convolution filter reuses the same few weights at every position of the image.

    Args:
        image: a (28, 28) digit, drawn as the model sees it (white ink on black).
        dense_weights: the 784 input weights of one unit of a dense layer.
        conv_filter: one (k, k) convolution filter.
        step: draw the filter's window every `step` pixels (it is used at every pixel).
    """
    from matplotlib.patches import Rectangle

    image = check_digit(image)
    dense_weights = np.asarray(dense_weights, dtype=float)
    if dense_weights.size != IMAGE_SIZE * IMAGE_SIZE:
        raise ValueError(
            f"dense_weights must be the 784 input weights of one dense unit (one per pixel), "
            f"got {dense_weights.size} values (shape {dense_weights.shape}); e.g. "
            f"model.get_layer('dense1').kernel[:, 0] of a Dense layer that reads the pixels."
        )
    dense_weights = dense_weights.reshape(IMAGE_SIZE, IMAGE_SIZE)
    conv_filter = np.asarray(conv_filter, dtype=float)
    if conv_filter.ndim != 2 or conv_filter.shape[0] != conv_filter.shape[1]:
        raise ValueError(
            f"conv_filter must be one square (k, k) filter, got shape {conv_filter.shape}; "
            f"e.g. kernel[:, :, 0, 0] of a Conv2D layer's kernel."
        )
    size = conv_filter.shape[0]
    positions = IMAGE_SIZE - size + 1
    figure, axes = plt.subplots(
        1, 3, figsize=(10, 3.8), layout="constrained", gridspec_kw={"width_ratios": [1, 0.6, 1]}
    )
    limit = np.abs(dense_weights).max() or 1
    axes[0].imshow(dense_weights, cmap="RdBu_r", vmin=-limit, vmax=limit)
    axes[0].set_title(f"dense: one unit's weights,\none per pixel ({dense_weights.size:,})")
    limit = np.abs(conv_filter).max() or 1
    axes[1].imshow(conv_filter, cmap="RdBu_r", vmin=-limit, vmax=limit)
    axes[1].set_title(f"convolution: one\n{size}x{size} filter ({conv_filter.size} weights)")
    axes[2].imshow(image, cmap=DIGIT_COLORMAP, vmin=0, vmax=255)
    for row in range(0, positions, step):
        for column in range(0, positions, step):
            axes[2].add_patch(
                Rectangle(
                    (column - 0.5, row - 0.5), size, size, fill=False, color=MISTAKE_SHADE, lw=1
                )
            )
    axes[2].set_title(
        f"the same {conv_filter.size} weights used at\nall {positions} x "
        f"{positions} = {positions**2} positions"
    )
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    return _finish(figure)


def plot_receptive_fields(image: np.ndarray, sizes: dict[str, int], corner: int = 6) -> Figure:
    """Draw, on a digit, the square of pixels one value of each layer sees.

    Args:
        image: a (28, 28) digit, drawn as the model sees it.
        sizes: the receptive field's width in pixels, by layer name, e.g. {"conv1": 5}.
        corner: row and column of the squares' top-left pixel.
    """
    from matplotlib.patches import Rectangle

    image = check_digit(image)
    if not sizes:
        raise ValueError("sizes is empty: give at least one layer, e.g. {'conv1': 5}.")
    figure, ax = plt.subplots(figsize=(5.2, 3.8), layout="constrained")
    ax.imshow(image, cmap=DIGIT_COLORMAP, vmin=0, vmax=255)
    # Bright colours that stand out on black and on white ink, each with its own line style.
    colors = [OKABE_ITO[name] for name in ("yellow", "sky blue", "orange", "reddish purple")]
    for position, (name, size) in enumerate(sizes.items()):
        ax.add_patch(
            Rectangle(
                (corner - 0.5, corner - 0.5),
                size,
                size,
                fill=False,
                color=colors[position % len(colors)],
                linestyle=SERIES_LINESTYLES[position % len(SERIES_LINESTYLES)],
                lw=2,
                label=f"{name}: {size} x {size}",
            )
        )
    ax.set_title("Receptive field of one value", fontsize=10)
    ax.axis("off")
    figure.legend(loc="outside right center", fontsize=8, title="one value after")
    return _finish(figure)


#: Okabe & Ito's colour-blind-safe colours (orange, sky blue, bluish green, blue, vermilion,
#: reddish purple), one per model in `plot_robustness`, each paired with its own marker.
_MODEL_STYLES = tuple(
    zip(
        (
            OKABE_ITO[name]
            for name in (
                "orange",
                "sky blue",
                "bluish green",
                "blue",
                "vermillion",
                "reddish purple",
            )
        ),
        ("o", "s", "^", "D", "v", "P"),
        strict=True,
    )
)


def plot_robustness(results: dict, models: Sequence[str] | None = None) -> Figure:
    """Accuracy of each model on each change of the test digits, from a stored benchmark.

    One row per change (plain digits first, the pad's drawings last), one marker per model
    (its own colour and shape), and for each model a dotted line 3 points below its plain
    accuracy: a marker left of its model's line misses the robustness target. The axis spans
    4 times the target below the lowest plain accuracy, so that the lines can be read; an
    accuracy further left sits at the left edge, its value written beside it.

    Args:
        results: what `load_benchmark_results("robustness")` returns.
        models: the names of the models to show, in this order; all of them when None.
    """
    if not isinstance(results, dict) or not {"changes", "models"} <= set(results):
        raise ValueError(
            "results must be the stored robustness benchmark, e.g. "
            "mnist_cnn.load_benchmark_results('robustness'), with 'changes' and 'models'."
        )
    stored = {row["name"]: row for row in results["models"]}
    names = list(stored) if models is None else list(models)
    unknown = [name for name in names if name not in stored]
    if unknown or not names:
        raise ValueError(
            f"models must be names of stored models ({', '.join(map(repr, stored))}), "
            f"got {unknown or names!r}."
        )
    if len(names) > len(_MODEL_STYLES):
        raise ValueError(f"at most {len(_MODEL_STYLES)} models fit one chart, got {len(names)}.")
    rows = ["plain test digits", *results["changes"].values()]
    drop = results.get("target_drop", 3.0)
    # Taller rows for more models, so that their markers (and values at the edge) stay apart.
    row_height = 0.3 + 0.08 * len(names)
    figure, ax = plt.subplots(figsize=(8, row_height * len(rows) + 1.4), layout="constrained")
    offsets = np.linspace(-0.3, 0.3, len(names)) if len(names) > 1 else [0.0]
    accuracies = {
        name: 100
        * np.array(
            [stored[name]["plain"], *(stored[name]["changes"][k] for k in results["changes"])]
        )
        for name in names
    }
    lowest = min(values.min() for values in accuracies.values())
    lowest_plain = min(values[0] for values in accuracies.values())
    left = max(0.0, np.floor(lowest / 5) * 5 - 2, np.floor((lowest_plain - 4 * drop) / 5) * 5)
    for name, (colour, marker), offset in zip(names, _MODEL_STYLES, offsets, strict=False):
        accuracy = accuracies[name]
        positions = np.arange(len(rows)) + offset
        beyond = accuracy < left
        shown = np.where(beyond, left + 0.4, accuracy)
        ax.plot(shown, positions, linestyle="none", marker=marker, color=colour, label=name)
        for value, position in zip(accuracy[beyond], positions[beyond], strict=True):
            ax.annotate(
                f"{value:.1f}%",
                (left + 0.4, position),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=7,
                color=colour,
            )
        ax.plot(
            [accuracy[0] - drop] * 2,
            [-0.5, len(rows) - 0.5],
            linestyle=":",
            color=colour,
            linewidth=1.2,
        )
    ax.set_yticks(range(len(rows)), rows)
    ax.invert_yaxis()  # plain digits at the top
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(left, 100.5)
    ax.set_xlabel(
        f"accuracy (%); dotted: {drop:g} points below the model's plain accuracy"
        + (
            f"\nan accuracy below {left:g}% sits at the left edge, its value beside it"
            if lowest < left
            else ""
        )
    )
    ax.set_title("How well each model reads digits that differ from MNIST")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)  # beside: no marker hidden
    return _finish(figure)


def plot_confidence(probabilities: np.ndarray, true_labels: np.ndarray) -> Figure:
    """How sure the model is when it is right and when it is wrong: a histogram of the
    probability it gives its own answer, one panel for right answers, one for mistakes.

    Each bar is a share of its panel's answers, so the two panels compare although
    mistakes are far fewer.
    """
    from .checks import check_probabilities

    true_labels = check_labels(true_labels, "true_labels")
    probabilities = check_probabilities(probabilities, count=len(true_labels))
    confidence = probabilities.max(axis=1)
    right = probabilities.argmax(axis=1) == true_labels
    bins = np.linspace(0, 1, 21)
    # One y scale for both panels (0-100% of each panel's answers): a bar as tall on the
    # right as on the left holds the same share of its answers.
    figure, axes = plt.subplots(
        1, 2, figsize=(9, 3.2), sharex=True, sharey=True, layout="constrained"
    )
    for ax, chosen, name, colour, hatch in (
        (axes[0], right, "right answers", CORRECT_COLOR, None),
        (axes[1], ~right, "mistakes", MISTAKE_COLOR, "//"),
    ):
        count = int(chosen.sum())
        weights = np.full(count, 100 / count) if count else None
        ax.hist(
            confidence[chosen], bins=bins, weights=weights, color=colour, hatch=hatch,
            edgecolor="white" if hatch is None else "black", linewidth=0.5,
        )  # fmt: skip
        median = np.median(confidence[chosen]) if count else None
        # 99.97% would print as 100.0%, a certainty the model never has.
        middle = (
            ""
            if median is None
            else ", median above 99.9%"
            if median > 0.999
            else f", median {median:.1%}"
        )
        images = "image" if count == 1 else "images"
        ax.set_title(f"{name}: {count:,} {images}{middle}", fontsize=10)
        ax.set_xlabel("probability the model gave its own answer")
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(lambda value, _: f"{value:.0%}")
        ax.set_ylim(0, 100)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("share of these answers (%)")
    figure.suptitle("How sure the model is when it is right and when it is wrong", fontsize=11)
    return _finish(figure)


def plot_top_activations(
    images: np.ndarray,
    filters: np.ndarray,
    indices: np.ndarray,
    positions: np.ndarray,
    offset: int = 0,
) -> Figure:
    """For every filter of a layer: its weights, then the images that excite it most, each
    with a square around the patch where it responds most (see `inside.top_activations`).

    Args:
        images: the (N, 28, 28) digits `indices` refer to, drawn white on black as the
            model sees them.
        filters: (filters, k, k) weights, e.g. `conv_filters(model)["conv1"]`.
        indices, positions: what `top_activations` returned.
        offset: where a feature map's pixel (0, 0) starts in the image: 0 for "valid"
            padding, -(k // 2) for "same".
    """
    from matplotlib.patches import Rectangle

    images, _ = check_images(images)
    filters = np.asarray(filters, dtype=float)
    count, top = indices.shape
    if filters.ndim != 3 or len(filters) != count:
        raise ValueError(
            f"filters must be (filters, k, k) with one filter per row of indices ({count}), "
            f"got shape {filters.shape}."
        )
    size = filters.shape[1]
    figure, axes = plt.subplots(
        count, top + 1, figsize=(1.15 * (top + 1), 1.2 * count), squeeze=False, layout="constrained"
    )
    for number in range(count):
        limit = np.abs(filters[number]).max() or 1
        axes[number, 0].imshow(filters[number], cmap="RdBu_r", vmin=-limit, vmax=limit)
        axes[number, 0].set_ylabel(f"filter {number}", fontsize=8)
        for place in range(top):
            ax = axes[number, place + 1]
            ax.imshow(images[indices[number, place]], cmap=DIGIT_COLORMAP, vmin=0, vmax=255)
            row, column = positions[number, place] + offset
            ax.add_patch(
                Rectangle(
                    (column - 0.5, row - 0.5),
                    size,
                    size,
                    fill=False,
                    color=OKABE_ITO["orange"],
                    lw=1.5,
                )
            )
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].set_title("its weights", fontsize=8)
    # A figure title, not one over the first image: a long axes title would widen its column.
    figure.suptitle(
        f"Each filter's weights, then the {top} images that excite it most "
        f"(square: the {size}x{size} patch where it fires hardest)",
        fontsize=9,
    )
    return _finish(figure)


def plot_occlusion(
    images: Sequence[np.ndarray],
    saliencies: Sequence[np.ndarray],
    occlusions: Sequence[np.ndarray],
    digits: Sequence[int],
) -> Figure:
    """Saliency beside occlusion, one digit per row: the digit, its saliency map (how much
    a tiny change of each pixel sways the answer) and its occlusion map (how much covering
    each square lowers the probability of the digit read), with the digit's outline.

    Every occlusion map shares one colour scale, at least +-1%, so that a row whose squares
    barely matter stays pale instead of being stretched to full colour.
    """
    if not len(images) == len(saliencies) == len(occlusions) == len(digits) > 0:
        raise ValueError("give one saliency map, one occlusion map and one digit per image.")
    occlusions = [np.asarray(drops, dtype=float) for drops in occlusions]
    limit = max(0.01, *(np.abs(drops).max() for drops in occlusions))
    figure, axes = plt.subplots(
        len(images), 3, figsize=(7.5, 2.5 * len(images)), squeeze=False, layout="constrained"
    )
    for row, (image, saliency, drops, digit) in enumerate(
        zip(images, saliencies, occlusions, digits, strict=True)
    ):
        image = check_digit(image)
        axes[row, 0].imshow(image, cmap=DIGIT_COLORMAP, vmin=0, vmax=255)
        axes[row, 0].set_title(f"read as {digit}", fontsize=9)
        axes[row, 1].imshow(saliency, cmap="hot", vmin=0, vmax=1)
        axes[row, 1].set_title("saliency (bright: sways it)", fontsize=9)
        shown = axes[row, 2].imshow(
            drops, cmap="RdBu_r", vmin=-limit, vmax=limit, extent=(-0.5, 27.5, 27.5, -0.5)
        )
        axes[row, 2].contour(image, levels=[128], colors="black", linewidths=0.6)
        axes[row, 2].set_title(
            f"occlusion: drop in p({digit})\nlargest {drops.max():+.1%}", fontsize=9
        )
        for ax in axes[row]:
            ax.set_xticks([])
            ax.set_yticks([])
    decimals = 0 if limit >= 0.1 else 1
    bar = figure.colorbar(
        shown, ax=axes[:, 2], shrink=0.6, format=lambda value, _: f"{value:+.{decimals}%}"
    )
    bar.set_label("drop in probability when a square is covered", fontsize=8)
    return _finish(figure)
