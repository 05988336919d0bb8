"""Plotly figures fit their chart, at a desktop's width and at a phone's.

Each Plotly figure of the package is drawn in Chromium exactly as the book draws it (the
markup of book/pages.py, the site's charts.js, plotly.js at the wheel's version). Then every
text actually drawn (title, axis titles, tick labels, legend entries) is measured: each lies
inside the chart, no two overlap, and no legend covers the plot area. The matplotlib figures
get the same checks in tests/test_figure_layout.py.
"""

from __future__ import annotations

import json
import sys
from itertools import combinations
from pathlib import Path

import numpy as np
import plotly
import pytest

import mnist_cnn
from conftest import REPOSITORY

sys.path.insert(0, str(REPOSITORY / "book"))
import pages  # noqa: E402  (book/pages.py: the book's chart markup)

pytestmark = pytest.mark.ui
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
CHARTS_JS = REPOSITORY / "book" / "static" / "charts.js"
#: A desktop column, and a phone's (390 px wide, less the page's margins).
WIDTHS = [720, 330]


def history(epochs: int) -> dict:
    rng = np.random.default_rng(epochs)
    loss = np.sort(rng.random(epochs))[::-1] + 0.05
    return {
        "loss": loss.tolist(),
        "accuracy": (1 - loss / 2).tolist(),
        "val_loss": (loss + 0.05).tolist(),
        "val_accuracy": (1 - loss / 2 - 0.02).tolist(),
    }


def figures() -> dict[str, dict]:
    rng = np.random.default_rng(0)
    actual = rng.integers(0, 10, 2000)
    predicted = np.where(rng.random(2000) < 0.9, actual, rng.integers(0, 10, 2000))
    matrix = mnist_cnn.confusion_matrix(actual, predicted)
    made = {
        f"confusion matrix ({normalize})": mnist_cnn.plot_confusion_matrix(matrix, normalize)
        for normalize in (None, "true", "pred")
    }
    made["training curves"] = mnist_cnn.plot_history(history(15), title="Training: epoch 15/15")
    return {name: json.loads(figure.to_json()) for name, figure in made.items()}


MEASURE = """() => {
  const chart = document.querySelector('.js-plotly-plot');
  const box = chart.querySelector('.main-svg').getBoundingClientRect();
  const texts = [...chart.querySelectorAll(
      '.gtitle, .g-xtitle text, .g-ytitle text, .xtick text, .ytick text, .legendtext')]
    .filter(t => t.textContent.trim() && t.getBoundingClientRect().width > 0)
    .map(t => { const r = t.getBoundingClientRect();
                return {text: t.textContent, x0: r.left, x1: r.right, y0: r.top, y1: r.bottom}; });
  const area = chart.querySelector('.nsewdrag');
  const legend = chart.querySelector('.legend .bg');
  const rect = e => { const r = e.getBoundingClientRect();
                      return {x0: r.left, x1: r.right, y0: r.top, y1: r.bottom}; };
  return {chart: rect(chart.querySelector('.main-svg')), texts,
          area: area && rect(area), legend: legend && rect(legend), width: box.width};
}"""


def intersect(a: dict, b: dict, tolerance: float = 1.0) -> bool:
    width = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
    height = min(a["y1"], b["y1"]) - max(a["y0"], b["y0"])
    return width > tolerance and height > tolerance


def problems(measured: dict) -> list[str]:
    found = []
    chart = measured["chart"]
    for text in measured["texts"]:
        if (
            text["x0"] < chart["x0"] - 1
            or text["x1"] > chart["x1"] + 1
            or text["y0"] < chart["y0"] - 1
            or text["y1"] > chart["y1"] + 1
        ):
            found.append(f"{text['text']!r} sticks out of the chart")
    for first, second in combinations(measured["texts"], 2):
        if intersect(first, second):
            found.append(f"{first['text']!r} overlaps {second['text']!r}")
    if measured["legend"] and measured["area"] and intersect(measured["legend"], measured["area"]):
        found.append("the legend covers the plot area")
    return found


@pytest.fixture(scope="module")
def drawn(browser):
    """A function that draws a figure at a width, as the book does, and measures it."""
    context = browser.new_context(viewport={"width": 800, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def draw(figure: dict, width: int) -> dict:
        markup = pages.chart_html(figure, "chart-0")
        page.set_content(f'<div id="column" style="width: {width}px">{markup}</div>')
        page.add_script_tag(path=str(PLOTLY_JS))
        page.add_script_tag(path=str(CHARTS_JS))
        page.evaluate(
            "() => window.mnistCnnCharts.draw(document.querySelector('.mnist-cnn-chart-figure'))"
        )
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=10_000)
        assert not errors, errors
        return page.evaluate(MEASURE)

    yield draw
    context.close()


#: Known problems, left to whoever owns the figure's layout; strict, so that the test says
#: when one is fixed and its mark can go.
KNOWN = {
    "training curves": pytest.mark.xfail(
        strict=True,
        reason="live_chart.curves_figure's layout (not changed here: its loss axis is being "
        "redone): the horizontal legend at y=-0.2 overlaps the x-axis title 'epoch'",
    )
}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(
    "name", [pytest.param(name, marks=KNOWN.get(name, ())) for name in figures()]
)
def test_every_text_fits_and_nothing_overlaps(drawn, name, width):
    measured = drawn(figures()[name], width)
    assert measured["texts"], f"{name}: no text drawn"
    assert measured["width"] <= width + 1, f"{name} is {measured['width']} px wide in {width} px"
    assert not problems(measured), f"{name} at {width} px: " + "; ".join(problems(measured))


def test_the_check_catches_a_clipped_title(drawn):
    """The check itself: a title far too long for the chart must be reported."""
    figure = figures()["confusion matrix (None)"]
    figure["layout"]["title"] = {"text": "A title far, far too long to fit " * 4}
    assert any("sticks out" in problem for problem in problems(drawn(figure, 720)))
