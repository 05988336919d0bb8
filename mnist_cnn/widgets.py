"""ipywidgets for the notebooks: the digit browser, the mistakes and inside browsers, the
drawing pad.

In JupyterLab the kernel does the work behind every widget. While `make book` executes the
notebooks (`webexport.book_mode()`), the digit browser and the drawing pad also carry what
they need to work in the static book, where no kernel answers; the other widgets say that
the notebook must run to explore them.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np

from .checks import (
    check_digit,
    check_images,
    check_index,
    check_labels,
    check_model,
    check_positive_int,
)
from .plots import digit_png
from .webexport import BOOK_DIGITS, MIN_DRAWING_EXTENT, book_mode, pack_digits

#: What the book says under a widget that needs a kernel to explore.
RUN_TO_EXPLORE = (
    "<i class='mnist-cnn-static-note'>This page is static: it shows the first choice only. "
    "Run the notebook to explore.</i>"
)


#: Controls are at most this wide, and never wider than the page (a phone is ~360 px).
CONTROL_LAYOUT = {"width": "420px", "max_width": "100%"}
#: The trait a screen reader reads as a control's name when it has no visible label.
_TOOLTIP = (
    "tooltip" if widgets.BoundedIntText.class_traits().get("tooltip") else "description_tooltip"
)
#: Rows of widgets wrap onto the next line when the page is narrow.
WRAPPING_ROW = {"flex_flow": "row wrap", "align_items": "flex-start", "max_width": "100%"}


def _show_figure(output: widgets.Output, figure, description: str = "") -> None:
    """Replace what `output` shows with `figure`, without a flicker. `description` says in
    words what the figure shows: the static book uses it as the picture's alt text."""
    from IPython.display import display

    with output:
        output.clear_output(wait=True)
        display(figure, metadata={"image/png": {"alt": description}} if description else None)


class DigitBrowser(widgets.VBox):
    """Browse digits by index: a slider and a number box, kept in step, above the digit.

    Attributes:
        slider: the `IntSlider` from 0 to N-1.
        number_box: a `BoundedIntText` linked to the slider.
        image: the digit, drawn 10x larger with crisp square pixels.
        label: the digit's label, as text.
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray, index: int = 0):
        images, labels = check_images(images, check_labels(labels))
        if len(images) == 0:
            raise ValueError("there are no images to browse: images is empty.")
        self.images, self.labels = images, labels
        last = len(images) - 1
        index = check_index(index, len(images))
        in_book = book_mode()
        if in_book:  # the page embeds the first BOOK_DIGITS digits, which JavaScript shows
            last = min(last, BOOK_DIGITS - 1)
            index = min(index, last)
        self.slider = widgets.IntSlider(
            value=index,
            min=0,
            max=last,
            description="Index",
            continuous_update=True,
            layout=widgets.Layout(**CONTROL_LAYOUT),
        )
        # No visible label beside the slider's: the tooltip names the box for a screen reader
        # (`tooltip` since ipywidgets 8, `description_tooltip` in 7, which Colab runs).
        self.number_box = widgets.BoundedIntText(
            value=index,
            min=0,
            max=last,
            layout=widgets.Layout(width="90px"),
            **{_TOOLTIP: "Index: type a number"},
        )
        # A kernel-side link, so the two stay in step in tests and in every front end;
        # in the book, a link in the page instead.
        link = widgets.jslink if in_book else widgets.link
        self._link = link((self.slider, "value"), (self.number_box, "value"))
        self.image = widgets.Image(format="png", width=280, height=280)
        self.label = widgets.HTML()
        self.slider.observe(self._show, names="value")
        controls = widgets.HBox(
            [self.slider, self.number_box], layout=widgets.Layout(**WRAPPING_ROW)
        )
        caption = widgets.HTML(f"Select an index from 0 to {last:,}.")
        shown = widgets.HBox([self.image, self.label], layout=widgets.Layout(**WRAPPING_ROW))
        if in_book:
            caption.value += (
                f" This page holds the first {last + 1:,} of the {len(images):,} digits; "
                f"run the notebook to browse them all."
            )
            shown = _digit_view_class()(
                digits=pack_digits(images[: last + 1]),
                labels=np.asarray(labels[: last + 1], dtype=np.uint8).tobytes(),
                total=len(images),
                index=index,
            )
            self._view_link = widgets.jslink((self.slider, "value"), (shown, "index"))
        super().__init__([caption, controls, shown])
        self._show()

    @property
    def index(self) -> int:
        return self.slider.value

    @index.setter
    def index(self, value: int) -> None:
        self.slider.value = check_index(value, len(self.images))

    def _show(self, change=None) -> None:
        index = self.slider.value
        self.image.value = digit_png(self.images[index])
        label = int(self.labels[index])
        self.label.value = (
            f"<div style='font-size:40px; padding:20px'>Label: <b>{label}</b></div>"
            f"<div style='padding:0 20px'>image #{index:,} of {len(self.images):,}</div>"
        )


def _digit_view_class():
    """DigitView: the digit and its label drawn by JavaScript from digits packed in the page
    (the digit browser in the static book). Built on first use, like the drawing pad."""
    from pathlib import Path

    import anywidget
    import traitlets

    class DigitView(anywidget.AnyWidget):
        _esm = Path(__file__).parent / "static" / "digit_view.js"
        digits = traitlets.Bytes().tag(sync=True)  # webexport.pack_digits(images)
        labels = traitlets.Bytes().tag(sync=True)  # one uint8 per digit
        total = traitlets.Int().tag(sync=True)  # how many digits the sample holds
        index = traitlets.Int(0).tag(sync=True)

    return DigitView


def digit_browser(images: np.ndarray, labels: np.ndarray, index: int = 0) -> DigitBrowser:
    """A widget to browse `images` and their `labels` by index (see `DigitBrowser`)."""
    return DigitBrowser(images, labels, index)


class MistakesBrowser(widgets.VBox):
    """Pick an (actual, predicted) pair and see those mistakes, most confident first.

    Attributes:
        pair: the `Dropdown` of pairs, most frequent first, e.g. "actual 3, predicted 5 (12)".
        shown: the indices of the images shown now.
        gallery: the `Output` holding the gallery figure.
    """

    def __init__(self, images, true_labels, predicted_labels, probabilities, most: int = 12):
        from .checks import check_probabilities
        from .evaluation import confusion_matrix, mistakes, most_confused

        images, true_labels = check_images(images, true_labels, labels_name="true_labels")
        probabilities = check_probabilities(probabilities, count=len(images))
        if probabilities.shape[1] != 10:
            raise ValueError(
                f"probabilities must have shape ({len(images):,}, 10), one row of ten per image "
                f"(as predict() returns), got {probabilities.shape}."
            )
        self.images, self.true_labels = images, np.asarray(true_labels)
        self.predicted_labels, self.probabilities = np.asarray(predicted_labels), probabilities
        self.most = most
        self._mistakes = mistakes
        matrix = confusion_matrix(self.true_labels, self.predicted_labels)
        pairs = most_confused(matrix, top=matrix.size)
        options = [
            (f"actual {a}, predicted {p} ({count} image{'s' * (count != 1)})", (a, p))
            for a, p, count in pairs
        ]
        self.pair = widgets.Dropdown(
            options=options or [("no mistakes", None)],
            description="Mistakes:",
            layout=widgets.Layout(**CONTROL_LAYOUT),
        )
        self.gallery = widgets.Output()
        self.shown: list[int] = []
        self.caption = widgets.HTML()
        self.pair.observe(self._show, names="value")
        children = [self.pair, self.caption, self.gallery]
        if book_mode():
            self.pair.disabled = True
            children.insert(1, widgets.HTML(RUN_TO_EXPLORE))
        super().__init__(children)
        self._show()

    def _show(self, change=None) -> None:

        from .plots import plot_mistakes

        if self.pair.value is None:
            self.shown = []
            self.caption.value = "The model made no mistakes on these images."
            return
        actual, predicted = self.pair.value
        found = self._mistakes(
            self.true_labels,
            self.predicted_labels,
            self.probabilities,
            actual=actual,
            predicted=predicted,
        )
        self.shown = [int(index) for index in found[: self.most]]
        self.caption.value = (
            f"{len(found)} image(s) of a {actual} read as {predicted}; showing "
            f"{len(self.shown)}, the most confidently wrong first."
        )
        figure = plot_mistakes(
            self.images, self.true_labels, self.predicted_labels, self.probabilities, self.shown
        )
        _show_figure(
            self.gallery,
            figure,
            f"Test images of a {actual} that the model read as {predicted}, each with its ten "
            f"probabilities as bars.",
        )


def mistakes_browser(images, true_labels, predicted_labels, probabilities) -> MistakesBrowser:
    """A widget to browse the model's mistakes pair by pair (see `MistakesBrowser`)."""
    return MistakesBrowser(images, true_labels, predicted_labels, probabilities)


def _drawing_pad_class():
    """The DrawingPad class, built on first use so that anywidget loads only when needed."""
    from pathlib import Path

    import anywidget
    import traitlets

    class DrawingPad(anywidget.AnyWidget):
        """A 28x28 grid to draw a digit on with the mouse, shown `scale` times larger.

        `pixels` holds the 784 values (0-255, white ink on black, row by row); `image`
        gives them as a (28, 28) uint8 array. The Clear button empties the grid. From the
        keyboard, the arrow keys move a pen and Space puts it down or lifts it; one button
        per digit in `samples` loads that digit, so the pad works without drawing too.
        """

        _esm = Path(__file__).parent / "static" / "drawing_pad.js"
        pixels = traitlets.List(traitlets.Int(), default_value=[0] * 784).tag(sync=True)
        samples = traitlets.Bytes(b"").tag(sync=True)  # N digits, uint8, 784 bytes each
        sample_labels = traitlets.Bytes(b"").tag(sync=True)  # their N labels, one byte each
        scale = traitlets.Int(10).tag(sync=True)
        brush = traitlets.Float(1.2).tag(sync=True)  # pen radius, in grid cells
        # With no kernel (the static book), the pad reads drawings itself with these
        # weights (webexport.export_weights, as JSON); empty in JupyterLab.
        weights = traitlets.Unicode("").tag(sync=True)
        min_extent = traitlets.Float(MIN_DRAWING_EXTENT).tag(sync=True)

        @property
        def image(self) -> np.ndarray:
            pixels = np.asarray(self.pixels)
            if pixels.shape != (784,) or pixels.min() < 0 or pixels.max() > 255:
                raise ValueError(
                    f"pixels must be 784 values from 0 to 255 (28x28, row by row), got "
                    f"{pixels.size} from {pixels.min(initial=0)} to {pixels.max(initial=0)}; "
                    f"set pad.image = digit (a (28, 28) array) or call pad.clear() instead."
                )
            return pixels.astype(np.uint8).reshape(28, 28)

        @image.setter
        def image(self, value: np.ndarray) -> None:
            # uint8 0-255 or floats 0-1, as everywhere (check_digit)
            self.pixels = check_digit(value, "image").ravel().tolist()

        def clear(self) -> None:
            self.pixels = [0] * 784

    return DrawingPad


def drawing_pad(scale: int = 10, samples: tuple[np.ndarray, np.ndarray] | None = None):
    """A widget to draw a digit with the mouse or the keyboard (see `DrawingPad`).

    Args:
        scale: how many screen pixels each of the 28x28 pixels takes.
        samples: `(images, labels)` the pad offers one button each to load, e.g. one test
            digit of each class; none when None.
    """
    pad = _drawing_pad_class()(scale=check_positive_int(scale, "scale"))
    if samples is not None:
        images, labels = check_images(*samples, labels_name="sample labels")
        pad.samples = np.ascontiguousarray(images).tobytes()
        pad.sample_labels = np.asarray(labels, dtype=np.uint8).tobytes()
    return pad


def one_of_each_digit() -> tuple[np.ndarray, np.ndarray]:
    """The first MNIST test image of each digit 0-9: samples for the drawing pad."""
    from .data import load_mnist

    _, (images, labels) = load_mnist()
    first = [int(np.flatnonzero(labels == digit)[0]) for digit in range(10)]
    return images[first], labels[first]


class DigitReader(widgets.HBox):
    """Draw a digit and watch the model read it.

    Left: the drawing pad. Right: the drawing as drawn and as prepared the MNIST way
    (`preprocess_drawing`), and the model's ten probabilities, updated as you draw.

    Attributes:
        pad: the `DrawingPad`.
        prediction: HTML text with the digit read, e.g. "reads: 7 (98%)".
        prepared: the last prepared (28, 28) image, or None while the pad is empty.
        probabilities: the last 10 probabilities, or None.
    """

    def __init__(self, model, samples: tuple[np.ndarray, np.ndarray] | None = None):
        from .drawing import predict_digit, preprocess_drawing

        check_model(model)
        self.model = model
        self._predict, self._prepare = predict_digit, preprocess_drawing
        self.pad = drawing_pad(samples=one_of_each_digit() if samples is None else samples)
        self.prediction = widgets.HTML()
        self.prediction.add_class("mnist-cnn-prediction")
        self.pictures = widgets.Output()
        self.prepared = None
        self.probabilities = None
        self.pad.observe(self._read, names="pixels")
        # Beside the pad while there is room (the pictures shrink to fit), below it on a phone.
        side = widgets.VBox(
            [self.prediction, self.pictures],
            layout=widgets.Layout(
                margin="0 0 0 20px", flex="1 1 360px", min_width="300px", max_width="100%"
            ),
        )
        if book_mode():  # no kernel to read drawings: the pad runs the CNN itself
            import json

            from .webexport import export_weights

            self.pad.weights = json.dumps(export_weights(model), separators=(",", ":"))
            super().__init__([self.pad], layout=widgets.Layout(**WRAPPING_ROW))
        else:
            super().__init__([self.pad, side], layout=widgets.Layout(**WRAPPING_ROW))
        self._read()

    def _read(self, change=None) -> None:

        from .plots import plot_drawing_and_prediction

        try:
            self.prepared = self._prepare(self.pad.image)
        except ValueError as reason:  # an empty pad, or a digit too small to read
            self.prepared, self.probabilities = None, None
            words = "Draw a digit on the grid" if "empty" in str(reason) else str(reason)
            self.prediction.value = f"<div style='font-size:24px'>{html.escape(words)}</div>"
            self.pictures.clear_output()
            return
        digit, self.probabilities = self._predict(self.model, self.prepared)
        self.prediction.value = (
            f"<div style='font-size:24px'>reads: <b>{digit}</b> "
            f"({self.probabilities[digit]:.0%})</div>"
        )
        figure = plot_drawing_and_prediction(self.pad.image, self.prepared, self.probabilities)
        _show_figure(
            self.pictures,
            figure,
            f"The drawing, as drawn and as prepared the MNIST way, and the ten probabilities: "
            f"it reads {digit}.",
        )


def digit_reader(model, samples: tuple[np.ndarray, np.ndarray] | None = None) -> DigitReader:
    """A drawing pad whose digit `model` reads as you draw (see `DigitReader`).

    Args:
        model: a trained CNN from `build_cnn`.
        samples: `(images, labels)` the pad offers buttons to load; by default the first MNIST
            test image of each digit.
    """
    return DigitReader(model, samples)


class InsideBrowser(widgets.VBox):
    """Pick a digit with the slider and see inside the model: feature maps, saliency,
    probabilities. Redrawn whenever the slider moves.

    Attributes:
        slider: the index `IntSlider`.
        shown_index: the index whose figure is shown.
        maps: the feature maps of that digit, by layer name.
    """

    def __init__(self, model, images, labels, index: int = 0):
        from .inside import feature_maps, saliency_map

        check_model(model)
        images, labels = check_images(images, check_labels(labels))
        if len(images) == 0:
            raise ValueError("there are no images to look at: images is empty.")
        self.model, self.images, self.labels = model, images, labels
        self._maps, self._saliency = feature_maps, saliency_map
        index = check_index(index, len(images))
        self.slider = widgets.IntSlider(
            value=index,
            min=0,
            max=len(images) - 1,
            description="Index",
            continuous_update=False,
            layout=widgets.Layout(**CONTROL_LAYOUT),
        )
        self.figure_output = widgets.Output()
        self.shown_index: int | None = None
        self.maps: dict = {}
        self.slider.observe(self._show, names="value")
        children = [self.slider, self.figure_output]
        if book_mode():
            self.slider.disabled = True
            children.insert(1, widgets.HTML(RUN_TO_EXPLORE))
        super().__init__(children)
        self.add_class("mnist-cnn-inside")
        self._show()

    def _show(self, change=None) -> None:

        from .plots import plot_inside

        index = self.slider.value
        image = self.images[index]
        self.maps = self._maps(self.model, image)
        _, saliency = self._saliency(self.model, image)
        probabilities = np.asarray(self.model(image[None].astype(np.float32), training=False))[0]
        figure = plot_inside(image, int(self.labels[index]), self.maps, probabilities, saliency)
        guess = int(np.argmax(probabilities))
        _show_figure(
            self.figure_output,
            figure,
            f"Digit #{index} (label {int(self.labels[index])}), read as {guess}: its saliency "
            f"map, its ten probabilities and its feature maps after each layer.",
        )
        self.shown_index = index


def inside_browser(model, images, labels, index: int = 0) -> InsideBrowser:
    """A widget to look inside `model` for any digit chosen by index (see `InsideBrowser`)."""
    return InsideBrowser(model, images, labels, index)
