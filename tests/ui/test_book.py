"""The static book (`make book`), read in Chromium with the network cut off.

The built site in _build/book/ is served from 127.0.0.1; every other request is aborted and
recorded. Each page must load with no console error and no request leaving 127.0.0.1; the
Plotly charts answer the mouse; the digit browser and the drawing pad work with no kernel,
the pad from the keyboard too. On a phone (390 x 844) no page is wider than the screen and
the menu and contents buttons open their panels; axe-core finds no serious or critical
accessibility problem on any page, light or dark; no page loads more than 4 MB; the book
works from file:// as well. `make test-book` (and `make test`) builds the book first.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import sys
import threading

import numpy as np
import pytest

import mnist_cnn
from conftest import ARTIFACTS, REPOSITORY, save_picture

sys.path.insert(0, str(REPOSITORY / "book"))
sys.path.insert(0, str(REPOSITORY / "tools"))
import assets  # noqa: E402  (book/assets.py: the npm packages, axe-core among them)
from sync_notebooks import repository_url  # noqa: E402

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
PAGES = [
    "index.html",
    *NOTEBOOK_PAGES,
    "appendix_forward_pass.html",
    "README.html",
    "search.html",
]
#: Pages whose widgets work without a kernel: the only ones that load the widgets' scripts.
LIVE_WIDGET_PAGES = {"01_explore_mnist.html", "06_draw_a_digit.html"}
#: Pages with Plotly charts: the only ones that load plotly.js.
CHART_PAGES = {"03_train_the_cnn.html", "04_evaluate_the_cnn.html"}
PHONE = {"width": 390, "height": 844}
MEGABYTE = 1_000_000


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

    def __init__(self, browser, site: str, viewport=None, color_scheme="light"):
        self.site = site
        self.context = browser.new_context(
            viewport=viewport or {"width": 1400, "height": 1000}, color_scheme=color_scheme
        )
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

    def draw_everything(self) -> None:
        """Scroll through the page, so that every chart is drawn (charts.js draws each as it
        comes near the screen), then back to the top."""
        self.page.evaluate(
            """async () => {
              for (let y = 0; y < document.body.scrollHeight; y += 400) {
                window.scrollTo(0, y);
                await new Promise(resolve => setTimeout(resolve, 30));
              }
              window.scrollTo(0, 0);
            }"""
        )
        charts = self.page.locator(".mnist-cnn-chart-figure").count()
        if charts:
            self.page.wait_for_function(
                "count => document.querySelectorAll('.js-plotly-plot .main-svg').length >= count",
                arg=charts,
                timeout=20_000,
            )

    def assert_clean(self, name: str) -> None:
        assert not self.left_machine, f"{name}: requests left 127.0.0.1: {self.left_machine}"
        assert not self.errors, f"{name}: errors: {self.errors}"


def _reader(browser, site, request, **options):
    reader = OfflineReader(browser, site, **options)
    yield reader
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]", "_", request.node.name)
        reader.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        (ARTIFACTS / f"{name}.console.log").write_text("\n".join(reader.errors))
    reader.context.close()


@pytest.fixture
def reader(browser, site, request):
    yield from _reader(browser, site, request)


@pytest.fixture
def phone(browser, site, request):
    """A reader on a phone-sized screen."""
    yield from _reader(browser, site, request, viewport=PHONE)


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
    reader.draw_everything()
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
    reader.draw_everything()
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
        return np.asarray(pixels).reshape(28, 28)  # white ink on black, as everywhere

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
    [
        ("03_train_the_cnn.html", "button"),
        ("04_evaluate_the_cnn.html", "select"),
        ("05_inside_the_cnn.html", "input[type=range]"),
    ],
)
def test_widgets_that_need_a_kernel_are_shown_as_they_were(reader, name, control):
    """Their first state as plain HTML: controls disabled, pictures with alt text, a note
    where there is more to explore, and no widget script on the page."""
    page = reader.open(name)
    widget = page.locator(".mnist-cnn-static-widget").first
    assert widget.locator(control).first.is_disabled()
    for picture in widget.locator("img").all():
        assert len(picture.get_attribute("alt")) > 20, "a picture without a description"
    if name != "03_train_the_cnn.html":  # the training chart's Stop button needs no note
        note = page.locator(".mnist-cnn-static-note")
        assert note.count() == 1 and "Run the notebook to explore" in note.text_content()
        assert widget.locator("img").count() >= 1
    assert not page.locator("script[src*='widgets-']").count()
    reader.assert_clean(name)


def test_the_drawing_pad_works_from_the_keyboard(reader):
    page = reader.open("06_draw_a_digit.html")
    pad = page.locator(".mnist-cnn-drawing-pad").first
    reading = pad.locator(".mnist-cnn-pad-reading-text")
    canvas = pad.locator("canvas[role=application]")
    assert "arrow keys" in canvas.get_attribute("aria-label")
    assert reading.get_attribute("aria-live") == "polite"
    pad.locator("button", has_text="Clear").click()
    canvas.focus()
    for _ in range(9):
        page.keyboard.press("ArrowUp")  # from the middle, row 13, up to row 4
    page.keyboard.press("Space")  # pen down
    for _ in range(19):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")  # pen up
    assert re.search(r"reads:\s*1\b", reading.text_content()), reading.text_content()
    # Buttons load MNIST test digits: one per digit, each read right.
    buttons = pad.locator("button.mnist-cnn-sample")
    assert buttons.count() == 10
    for digit in (0, 3, 7):
        pad.locator(f"button[aria-label='Load test digit {digit}']").click()
        assert re.search(rf"reads:\s*{digit}\b", reading.text_content()), reading.text_content()
    reader.assert_clean("06")


@pytest.mark.parametrize("name", PAGES)
def test_every_page_fits_a_phone(phone, name):
    """Nothing is wider than the screen: wide content scrolls inside its own box."""
    page = phone.open(name)
    phone.draw_everything()
    offenders = page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const scrolls = element => {
            for (let e = element.parentElement; e; e = e.parentElement) {
              const overflow = getComputedStyle(e).overflowX;
              if (['auto', 'scroll', 'hidden'].includes(overflow)) {
                if (e.getBoundingClientRect().right <= width + 1) return true;
              }
            }
            return false;
          };
          const found = [];
          for (const element of document.querySelectorAll('main *')) {
            const box = element.getBoundingClientRect();
            if (box.width && box.right > width + 1 && !scrolls(element)
                && getComputedStyle(element).visibility !== 'hidden') {
              found.push(`${element.tagName}.${element.className} ends at ${box.right}`);
            }
          }
          return {page: document.documentElement.scrollWidth, width, found: found.slice(0, 8)};
        }"""
    )
    assert offenders["page"] <= offenders["width"] + 1, offenders
    assert not offenders["found"], f"{name}: {offenders['found']}"
    phone.assert_clean(name)


@pytest.mark.parametrize("name", PAGES)
def test_the_menu_and_contents_buttons_work_on_a_phone(phone, name):
    page = phone.open(name)
    menu = page.locator(".primary-toggle:visible")
    assert menu.count() == 1, "one menu button in sight"
    menu.click()
    dialog = page.locator("#pst-primary-sidebar-modal")
    other = "02_build_the_cnn.html" if name == "01_explore_mnist.html" else "01_explore_mnist.html"
    dialog.locator(f"a[href='{other}']").first.wait_for(timeout=5_000)
    assert dialog.evaluate("d => d.open")
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('#pst-primary-sidebar-modal').open")
    contents = page.locator(".secondary-toggle:visible")
    if name in NOTEBOOK_PAGES:  # pages with sections have a contents button
        assert contents.count() == 1
        contents.click()
        panel = page.locator("#pst-secondary-sidebar-modal")
        panel.locator("nav a").first.wait_for(timeout=5_000)
        assert panel.evaluate("d => d.open")
    phone.assert_clean(name)


@pytest.fixture(scope="module")
def axe_script() -> str:
    name, (version, _) = "axe-core", assets.NPM_PACKAGES["axe-core"]
    tarball = assets.NPM_CACHE / f"{name}-{version}.tgz"
    if not tarball.is_file():
        message = "axe-core is not fetched: run `python book/build.py --fetch-scripts`."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return assets.package_file(name, "axe.min.js").decode()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", PAGES)
def test_no_serious_accessibility_problem(browser, site, request, axe_script, name, scheme):
    """axe-core (from the npm registry) finds no critical or serious violation."""
    for reader in _reader(browser, site, request, color_scheme=scheme):
        page = reader.open(name)
        reader.draw_everything()
        page.add_script_tag(content=axe_script)
        results = page.evaluate("async () => await axe.run(document)")
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']}: "
            + "; ".join(" ".join(node["target"]) for node in v["nodes"][:4])
            for v in results["violations"]
            if v["impact"] in ("critical", "serious")
        ]
        assert not serious, f"{name} ({scheme}): " + " | ".join(serious)
        reader.assert_clean(name)


@pytest.mark.parametrize("name", PAGES)
def test_pages_are_light_and_load_only_what_they_use(reader, name):
    """No page loads more than 4 MB in all, counting what it loads as a reader scrolls to
    its end; the widgets' and charts' scripts load only where there are widgets or charts;
    no script in the page stops it from showing first (each waits: defer or async)."""
    page = reader.open(name)
    reader.draw_everything()
    page.wait_for_load_state("networkidle")
    loaded = page.evaluate(
        """() => [performance.getEntriesByType('navigation')[0],
                  ...performance.getEntriesByType('resource')]
                 .map(entry => [entry.name, entry.decodedBodySize])"""
    )
    total = sum(size for _, size in loaded)
    assert total <= 4 * MEGABYTE, f"{name}: {total / MEGABYTE:.2f} MB"
    urls = [url for url, _ in loaded]
    assert not [
        url for url in urls if re.search(r"fontawesome|plotly\.min\.js|/embed-amd\.js", url)
    ]
    assert any("widgets-html-manager" in url for url in urls) == (name in LIVE_WIDGET_PAGES)
    assert any("plotly-cartesian" in url for url in urls) == (name in CHART_PAGES)
    assert not [url for url in urls if url.endswith(".woff2")], "icons are CSS, not a font"
    blocking = page.evaluate(
        """() => [...document.querySelectorAll('script[src]')]
                 .filter(s => !s.defer && !s.async).map(s => s.getAttribute('src'))"""
    )
    # Tiny, and needed at once: Sphinx's settings and helpers, the offline search's shim; and
    # on the search page, the search itself (Sphinx's template).
    allowed = ("documentation_options.js", "doctools.js", "search-offline.js")
    if name == "search.html":
        allowed += ("searchtools.js", "language_data.js", "searchindex.js")
    assert not [src for src in blocking if not src.split("?")[0].endswith(allowed)], blocking
    reader.assert_clean(name)


@pytest.mark.parametrize("name", NOTEBOOK_PAGES)
def test_the_downloaded_notebook_runs_anywhere(reader, name):
    """The .ipynb behind the download button starts, like the repository's notebooks, with
    the cell that installs the package where it is missing; the launch buttons open this
    notebook of the repository named in pyproject.toml."""
    page = reader.open(name)
    download = page.locator("a[href^='_sources/'][href$='.ipynb']").first
    href = download.get_attribute("href")
    notebook = json.loads(page.request.get(f"{reader.site}/{href}").text())
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    first = "".join(code[0]["source"])
    assert "setup-anywhere" in code[0]["metadata"].get("tags", [])
    assert "%pip install" in first and repository_url().removeprefix("https://") in first
    page_text = page.locator("main").inner_text()
    assert "%pip install" not in page_text, "the setup cell shows in the page"
    url = repository_url()
    owner_name = url.removeprefix("https://github.com/")
    notebook_path = f"notebooks/{name.replace('.html', '.ipynb')}"
    launches = [
        a.get_attribute("href") for a in page.locator("a[href*='colab'], a[href*='binder']").all()
    ]
    assert (
        f"https://colab.research.google.com/github/{owner_name}/blob/main/{notebook_path}"
        in launches
    )
    assert any(
        href.startswith(f"https://mybinder.org/v2/gh/{owner_name}/main") and notebook_path in href
        for href in launches
    )
    assert page.locator("button.copybtn").count() >= 1, "no copy button on the code cells"
    reader.assert_clean(name)


def test_pages_have_a_description_and_a_favicon(reader):
    for name in PAGES:
        page = reader.open(name)
        description = page.locator("meta[name=description]").get_attribute("content")
        assert 30 <= len(description) <= 160, f"{name}: {description!r}"
        icon = page.locator("link[rel~=icon]").get_attribute("href")
        assert page.request.get(f"{reader.site}/{icon}").ok
    reader.assert_clean("descriptions")


def test_the_teachers_page_is_in_the_menu_and_its_links_work(reader):
    page = reader.open("index.html")
    assert page.locator("nav a[href='README.html']").count() >= 1
    page = reader.open("README.html")
    for link in page.locator("main a[href]").all():
        href = link.get_attribute("href")
        if href.startswith(("http", "#", "mailto:")):
            assert not href.startswith("http") or "://" in href
            continue
        assert page.request.get(f"{reader.site}/{href.split('#')[0]}").ok, href
    markdown = [
        href
        for href in (link.get_attribute("href") for link in page.locator("main a[href]").all())
        if href.endswith(".md") and not href.startswith(("http", "_sources/"))
    ]
    assert not markdown, f"links to Markdown files the book does not have: {markdown}"
    reader.assert_clean("README")


def test_the_book_works_from_file(browser, site):
    """Opened from disk (file://): the digit browser draws, the search shows snippets."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto((SITE / "01_explore_mnist.html").as_uri(), wait_until="load")
        page.locator(".mnist-cnn-digit-view canvas").wait_for(timeout=30_000)
        page.goto(f"{(SITE / 'search.html').as_uri()}?q=confusion", wait_until="load")
        page.wait_for_selector("#search-results li p.context", timeout=20_000)
        snippet = page.locator("#search-results li p.context").first.text_content()
        assert "confusion" in snippet.lower(), snippet
        assert not errors, errors
    finally:
        context.close()
