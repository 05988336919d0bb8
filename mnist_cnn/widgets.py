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
