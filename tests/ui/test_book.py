"""The static book (`make book`), read in Chromium with the network cut off.

The built site in _build/book/ is served from 127.0.0.1; every other request is aborted and
recorded. Each page must load with no console error and no request leaving 127.0.0.1; the
Plotly charts answer the mouse; the digit browser and the drawing pad work with no kernel.
`make test-book` (and `make test`) builds the book first.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading

import numpy as np
import pytest
from conftest import ARTIFACTS, REPOSITORY, save_picture

import mnist_cnn

pytestmark = pytest.mark.ui
SITE = REPOSITORY / "_build" / "book"
NOTEBOOK_PAGES = [
    "01_explore_mnist.html",
    "02_build_the_cnn.html",
    "03_train_the_cnn.html",
    "04_evaluate_the_cnn.html",
    "05_inside_the_cnn.html",
    "06_draw_a_digit.html",
]
PAGES = ["index.html", *NOTEBOOK_PAGES, "appendix_forward_pass.html", "search.html"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    if not (SITE / "index.html").is_file():
        message = (
            "the book is not built: run `make book` or `python make.py book` (`make test` and "
            "`make test-book` build it first)."
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(SITE))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


class OfflineReader:
    """One browser tab on the book; requests beyond 127.0.0.1 are aborted and recorded."""

    def __init__(self, browser, site: str):
        self.site = site
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.left_machine: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        self.page.on(
            "response",
            lambda r: self.errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None,
        )

    def _route(self, route):
        url = route.request.url
        if url.startswith((f"{self.site}/", "data:", "blob:")):
            route.continue_()
        else:
            self.left_machine.append(url)
            route.abort()

    def _console(self, message):
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def open(self, name: str):
        """Load a page and wait until its widgets (if any) are drawn."""
        self.page.goto(f"{self.site}/{name}", wait_until="networkidle")
        views = self.page.locator('script[type="application/vnd.jupyter.widget-view+json"]')
        if views.count():
            # The html-manager draws each view into a new .widget-subarea before its script.
            self.page.wait_for_function(
                """count => {
                  const areas = [...document.querySelectorAll('.widget-subarea')];
                  return areas.length >= count && areas.every(area => area.children.length);
                }""",
                arg=views.count(),
                timeout=30_000,
            )
            self.page.wait_for_timeout(500)  # the last views draw
        return self.page

    def assert_clean(self, name: str) -> None:
        assert not self.left_machine, f"{name}: requests left 127.0.0.1: {self.left_machine}"
        assert not self.errors, f"{name}: errors: {self.errors}"


@pytest.fixture
def reader(browser, site, request):
    reader = OfflineReader(browser, site)
    yield reader
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{request.node.name}.png"
        reader.page.screenshot(path=str(path), full_page=True)
        (ARTIFACTS / f"{request.node.name}.console.log").write_text("\n".join(reader.errors))
    reader.context.close()


@pytest.mark.parametrize("name", PAGES)
def test_every_page_loads_offline_without_errors(reader, name):
    page = reader.open(name)
    assert page.locator("h1").count() >= 1
    reader.assert_clean(name)


def test_the_landing_page_links_every_notebook_and_searches(reader):
    page = reader.open("index.html")
    for name in NOTEBOOK_PAGES:
        assert page.locator(f'nav a[href="{name}"]').count() >= 1, f"no navigation to {name}"
    assert page.locator("main img").count() >= 5  # the README's pictures
    page.goto(f"{reader.site}/search.html?q=confusion", wait_until="networkidle")
    page.wait_for_selector("#search-results li", timeout=20_000)
    assert page.locator("#search-results a", has_text="Evaluate").count() >= 1
    reader.assert_clean("search")


def test_notebook_outputs_are_in_the_pages(reader):
    page = reader.open("03_train_the_cnn.html")
    assert page.locator(".cell_output img").count() >= 2  # matplotlib figures
    assert page.get_by_text(re.compile(r"validation loss: lowest after epoch \d+")).count() >= 1
    training = page.evaluate(
        """() => [...document.querySelectorAll('.js-plotly-plot')]
                 .map(chart => chart.data.length)"""
    )
    assert training and training[0] >= 4, f"no training curves: {training}"
    reader.assert_clean("03")


def test_a_plotly_chart_answers_the_mouse(reader):
    page = reader.open("04_evaluate_the_cnn.html")
    chart = page.locator(".js-plotly-plot").first
    chart.scroll_into_view_if_needed()
    assert page.evaluate("() => document.querySelector('.js-plotly-plot').data[0].type") == (
        "heatmap"
    )
    box = chart.locator(".nsewdrag").first.bounding_box()
    # The cell of row 2, column 2 (a correct answer) of the 10x10 grid.
    page.mouse.move(box["x"] + 2.5 * box["width"] / 10, box["y"] + 2.5 * box["height"] / 10)
    hover = chart.locator(".hoverlayer .hovertext")
    hover.first.wait_for(timeout=10_000)
    text = hover.first.text_content()
    assert re.search(r"actual 2, predicted 2: \d+ images \(correct\)", text), text
    save_picture(chart, "book_confusion_matrix.png")
    reader.assert_clean("04")


def test_the_digit_browser_works_with_no_kernel(reader):
    images, labels = mnist_cnn.load_sample(10_000, seed=0)  # notebook 01's sample
    page = reader.open("01_explore_mnist.html")
    browser = page.locator(".widget-vbox", has=page.locator(".widget-slider")).first
    browser.scroll_into_view_if_needed()
    readout, label = browser.locator(".widget-readout"), browser.locator(".mnist-cnn-digit-label")
    number_box = browser.locator(".widget-text input")
    assert readout.text_content().strip() == "0"
    assert re.search(rf"Label:\s*{labels[0]}\s*image #0 of 10,000", label.text_content())

    def drawn_digit() -> np.ndarray:
        pixels = page.evaluate(
            """() => {
              const canvas = document.querySelector('.mnist-cnn-digit-view canvas');
              const data = canvas.getContext('2d').getImageData(0, 0, 28, 28).data;
              return Array.from({length: 784}, (_, i) => data[4 * i]);
            }"""
        )
        return 255 - np.asarray(pixels).reshape(28, 28)  # drawn as ink on paper

    np.testing.assert_array_equal(drawn_digit(), images[0])
    browser.locator("[role=slider]").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "element => element.textContent.includes('image #3 ')",
        arg=label.element_handle(),
        timeout=10_000,
    )
    assert readout.text_content().strip() == "3" and number_box.input_value() == "3"
    assert re.search(rf"Label:\s*{labels[3]}(?!\d)", label.text_content())
    np.testing.assert_array_equal(drawn_digit(), images[3])
    save_picture(browser, "book_digit_browser.png")

    number_box.fill("1234")
    number_box.press("Enter")
    page.wait_for_function(
        "element => element.textContent.includes('image #1,234 ')",
        arg=label.element_handle(),
        timeout=10_000,
    )
    assert readout.text_content().strip() == "1234"
    assert re.search(rf"Label:\s*{labels[1234]}(?!\d)", label.text_content())
    np.testing.assert_array_equal(drawn_digit(), images[1234])
    reader.assert_clean("01")


def draw_line(page, box, start, end, steps=20):
    """Drag the mouse from `start` to `end`, given as fractions of the canvas."""
    page.mouse.move(box["x"] + start[0] * box["width"], box["y"] + start[1] * box["height"])
    page.mouse.down()
    for step in range(1, steps + 1):
        x = start[0] + (end[0] - start[0]) * step / steps
        y = start[1] + (end[1] - start[1]) * step / steps
        page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"])
    page.mouse.up()


def test_the_drawing_pad_reads_a_stroke_with_no_kernel(reader):
    page = reader.open("06_draw_a_digit.html")
    pad = page.locator(".mnist-cnn-drawing-pad").first
    pad.scroll_into_view_if_needed()
    reading = pad.locator(".mnist-cnn-pad-reading-text")
    # The notebook left a vertical stroke on the pad; the page reads it on load.
    assert re.search(r"reads:\s*1\b", reading.text_content()), reading.text_content()

    pad.locator("button", has_text="Clear").click()
    assert reading.text_content() == "Draw a digit on the grid"
    canvas = pad.locator("canvas").first
    box = canvas.bounding_box()
    assert box["width"] >= 250
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # a dot
    assert "draw it bigger" in reading.text_content()

    pad.locator("button", has_text="Clear").click()
    draw_line(page, box, (0.5, 0.15), (0.5, 0.85))
    assert re.search(r"reads:\s*1\b", reading.text_content()), reading.text_content()
    probabilities = np.asarray(
        page.evaluate(
            """() => JSON.parse(
                document.querySelector('.mnist-cnn-pad-reading').dataset.probabilities)"""
        )
    )
    assert probabilities.shape == (10,) and abs(probabilities.sum() - 1) < 1e-6
    assert probabilities.argmax() == 1
    save_picture(pad, "book_drawing_pad.png")

    pad.locator("button", has_text="Clear").click()
    draw_line(page, box, (0.3, 0.2), (0.75, 0.2), steps=10)  # a 7: the bar, then the stem
    draw_line(page, box, (0.75, 0.2), (0.45, 0.85), steps=20)
    assert re.search(r"reads:\s*7\b", reading.text_content()), reading.text_content()
    reader.assert_clean("06")


@pytest.mark.parametrize(
    "name, control",
    [("04_evaluate_the_cnn.html", ".widget-dropdown select"), ("05_inside_the_cnn.html", "")],
)
def test_widgets_that_need_a_kernel_say_so(reader, name, control):
    page = reader.open(name)
    note = page.locator(".mnist-cnn-static-note")
    note.first.wait_for(timeout=20_000)  # the last widgets of a long page draw last
    assert note.count() == 1 and "Run the notebook to explore" in note.text_content()
    if control:
        assert page.locator(control).first.is_disabled()
    reader.assert_clean(name)
