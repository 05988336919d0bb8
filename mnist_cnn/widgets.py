"""ipywidgets for the notebooks: the digit browser."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .data import check_images
from .plots import check_index, digit_png


class DigitBrowser(widgets.VBox):
    """Browse digits by index: a slider and a number box, kept in step, above the digit.

    Attributes:
        slider: the `IntSlider` from 0 to N-1.
        number_box: a `BoundedIntText` linked to the slider.
        image: the digit, drawn 10x larger with crisp square pixels.
        label: the digit's label, as text.
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray, index: int = 0):
        check_images(images, labels)
        if len(images) == 0:
            raise ValueError("there are no images to browse: images is empty.")
        self.images, self.labels = images, labels
        last = len(images) - 1
        index = check_index(index, len(images))
        self.slider = widgets.IntSlider(
            value=index,
            min=0,
            max=last,
            description="Index",
            continuous_update=True,
            layout=widgets.Layout(width="420px"),
        )
        self.number_box = widgets.BoundedIntText(
            value=index, min=0, max=last, layout=widgets.Layout(width="90px")
        )
        # A kernel-side link, so the two stay in step in tests and in every front end.
        self._link = widgets.link((self.slider, "value"), (self.number_box, "value"))
        self.image = widgets.Image(format="png", width=280, height=280)
        self.label = widgets.HTML()
        self.slider.observe(self._show, names="value")
        controls = widgets.HBox([self.slider, self.number_box])
        caption = widgets.HTML(f"Select an index from 0 to {last:,}.")
        super().__init__([caption, controls, widgets.HBox([self.image, self.label])])
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
        from .evaluation import confusion_matrix, mistakes, most_confused

        check_images(images, true_labels)
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
            layout=widgets.Layout(width="420px"),
        )
        self.gallery = widgets.Output()
        self.shown: list[int] = []
        self.caption = widgets.HTML()
        self.pair.observe(self._show, names="value")
        super().__init__([self.pair, self.caption, self.gallery])
        self._show()

    def _show(self, change=None) -> None:
        from IPython.display import display

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
        self.gallery.clear_output(wait=True)
        with self.gallery:
            display(figure)


def mistakes_browser(images, true_labels, predicted_labels, probabilities) -> MistakesBrowser:
    """A widget to browse the model's mistakes pair by pair (see `MistakesBrowser`)."""
    return MistakesBrowser(images, true_labels, predicted_labels, probabilities)
