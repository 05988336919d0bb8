"""Each notebook, run by a reader in JupyterLab: Run All, no errors, and the widgets work.

The tests run in file order against one JupyterLab; notebook 03 saves its model into the
temporary models folder, where notebook 04 finds it.
"""

from __future__ import annotations

import json
import re
import shutil
import time

import pytest
from notebook_page import open_notebook, output_texts, plotly_bundles, run_all, wait_until_done
from playwright.sync_api import TimeoutError as PlaywrightTimeout

import mnist_cnn
from conftest import save_picture

pytestmark = pytest.mark.ui
OUTPUT = ".jp-OutputArea-output"


def run_notebook(page, lab, name, timeout=300):
    open_notebook(page, lab, name)
    run_all(page)
    final = wait_until_done(page, timeout)
    assert not final["errors"], f"{name}: cells failed: {final['errors']}"
    assert not final["stderr"], f"{name}: cells wrote to stderr: {final['stderr']}"
    return final


def test_01_the_slider_browses_digits(page, lab):
    run_notebook(page, lab, "01_explore_mnist.ipynb")
    _, labels = mnist_cnn.load_sample(10_000, seed=0)  # the notebook's sample
    browser = page.locator(f"{OUTPUT} .widget-vbox", has=page.locator(".widget-slider")).first
    slider = browser.locator(".widget-slider")
    readout = browser.locator(".widget-readout")
    number_box = browser.locator(".widget-text input")
    label = browser.locator(".widget-html", has_text="Label:")
    slider.wait_for(state="attached", timeout=30_000)
    browser.scroll_into_view_if_needed()  # JupyterLab skips rendering cells out of view;
    # text_content() (not inner_text()) reads the DOM whether or not it is painted
    assert readout.text_content().strip() == "0"
    assert re.search(rf"Label:\s*{labels[0]}(?!\d)", label.text_content())
    first_image = browser.locator("img").get_attribute("src")
    save_picture(browser, "digit_browser.png")

    browser.locator("[role=slider]").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "element => element.textContent.trim() === '3'",
        arg=readout.element_handle(),
        timeout=10_000,
    )
    page.wait_for_function(
        f"element => /Label:\\s*{labels[3]}(?!\\d)/.test(element.textContent)",
        arg=label.element_handle(),
        timeout=10_000,
    )
    assert number_box.input_value() == "3"  # the number box follows the slider
    assert "#3 " in label.text_content()
    assert browser.locator("img").get_attribute("src") != first_image

    number_box.fill("42")
    number_box.press("Enter")
    page.wait_for_function(
        "element => element.textContent.trim() === '42'",
        arg=readout.element_handle(),
        timeout=10_000,
    )
    assert re.search(rf"Label:\s*{labels[42]}(?!\d)", label.text_content())


def test_02_runs_without_errors(page, lab):
    final = run_notebook(page, lab, "02_build_the_cnn.ipynb")
    assert final["code"] > 5


LIVE_CHART = ".mnist-cnn-live-curves .js-plotly-plot"


#: The browser test's run of notebook 03: long enough to watch the chart grow and press Stop
#: (the tutorial's recipe trains in seconds).
LONG_RUN_EPOCHS = 60


def lengthen_the_training_run(server) -> None:
    """In the server's copy of 03, the live training cell asks for a longer run, as a learner
    trying more epochs would: its `epochs=` raised."""
    path = server.notebooks / "03_train_the_cnn.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = notebook["cells"]

    def code(cell) -> str:  # without comment lines
        lines = "".join(cell["source"]).splitlines()
        return "\n".join(line for line in lines if not line.lstrip().startswith("#"))

    live = next(
        (
            index
            for index, cell in enumerate(cells)
            if cell["cell_type"] == "code"
            and "mnist_cnn.train(" in code(cell)
            and "live_plot=False" not in code(cell)
        ),
        None,
    )
    assert live is not None, "notebook 03 has no live training cell"
    assert re.search(r"\bepochs=\d+", code(cells[live])), "03's live cell sets no epochs="
    cells[live]["source"] = [
        line
        if line.lstrip().startswith("#")
        else re.sub(r"\bepochs=\d+", f"epochs={LONG_RUN_EPOCHS}", line)
        for line in "".join(cells[live]["source"]).splitlines(keepends=True)
    ]
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")


def check_the_chart_grows_live_and_stop_ends_training(page, server, picture: str) -> None:
    run_all(page)
    page.wait_for_selector(LIVE_CHART, timeout=180_000)
    points = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(set(points)) < 3:
        count = page.evaluate(
            f"""() => {{
              const chart = document.querySelector('{LIVE_CHART}');
              // the last point's position in epochs: it only grows (the number of points
              // halves when the trace is thinned past 600)
              const x = chart && chart.data ? chart.data[0].x : [];
              return x.length ? x[x.length - 1] : -1;
            }}"""
        )
        points.append(count)
        time.sleep(0.3)
    grown = [count for count in points if count > 0]
    assert len(set(grown)) >= 3 and grown == sorted(grown), f"chart did not grow: {points}"
    save_picture(page.locator(".mnist-cnn-live-curves"), picture)

    page.locator(".mnist-cnn-live-curves button", has_text="Stop").click()
    final = wait_until_done(page, 300)
    assert not final["errors"], final["errors"]
    status = page.locator(".mnist-cnn-live-curves .widget-html").text_content()
    assert "Stopped (Stop button)" in status, status
    found = (re.search(r"after (\d+) epochs", text) for text in output_texts(page))
    summary = next(match for match in found if match)
    epochs = int(summary.group(1))
    assert epochs < LONG_RUN_EPOCHS, f"training was not stopped early: {summary}"
    assert (server.models / "tutorial_cnn.keras").is_file()  # the notebook went on and saved
    # The final chart, kept in the notebook, carries HTML for Colab, Kaggle and exports.
    # (The live chart is the notebook's first Plotly output; plot_history's later one has no
    # HTML copy yet.)
    bundles = plotly_bundles(page)
    assert bundles and "text/html" in bundles[0], bundles


def test_03_the_chart_grows_live_and_stop_ends_training(page, lab):
    lengthen_the_training_run(lab)
    open_notebook(page, lab, "03_train_the_cnn.ipynb")
    check_the_chart_grows_live_and_stop_ends_training(page, lab, "live_training.png")


def test_03_in_the_notebook_7_front_end(page, notebook7):
    lengthen_the_training_run(notebook7)
    open_notebook(page, notebook7, "03_train_the_cnn.ipynb", front_end="notebooks")
    check_the_chart_grows_live_and_stop_ends_training(
        page, notebook7, "live_training_notebook7.png"
    )


def test_04_confusion_matrix_and_mistakes_browser(page, lab):
    run_notebook(page, lab, "04_evaluate_the_cnn.ipynb")
    heatmap = page.evaluate(
        """() => {
          for (const chart of document.querySelectorAll('.js-plotly-plot')) {
            if (chart.data && chart.data[0].type === 'heatmap') {
              // _fullData holds the arrays as plotly.js decoded them (plotly.py sends
              // numpy arrays base64-encoded).
              const z = chart._fullData[0].z;
              return {rows: z.length, columns: z[0].length,
                      x: chart.layout.xaxis.title.text, y: chart.layout.yaxis.title.text};
            }
          }
          return null;
        }"""
    )
    assert heatmap is not None, "no heatmap rendered"
    assert (heatmap["rows"], heatmap["columns"]) == (10, 10)
    assert (heatmap["x"], heatmap["y"]) == ("Predicted", "Actual")
    rendered = page.locator(".js-plotly-plot").first
    rendered.scroll_into_view_if_needed()
    assert rendered.locator("text", has_text="Predicted").count() >= 1  # drawn, not only data
    assert rendered.locator("text", has_text="Actual").count() >= 1
    save_picture(rendered, "confusion_matrix.png")

    dropdown = page.locator(f"{OUTPUT} .widget-dropdown select").first
    caption = page.locator(f"{OUTPUT} .widget-html", has_text="read as").first
    dropdown.scroll_into_view_if_needed()
    before = caption.text_content()
    # ipywidgets writes the spaces of option labels as no-break spaces.
    options = [text.replace("\xa0", " ") for text in dropdown.locator("option").all_text_contents()]
    assert len(options) >= 2
    dropdown.select_option(index=1)
    page.wait_for_function(
        "([element, before]) => element.textContent !== before",
        arg=[caption.element_handle(), before],
        timeout=20_000,
    )
    actual, predicted = re.search(r"actual (\d), predicted (\d)", options[1]).groups()
    assert f"of a {actual} read as {predicted}" in caption.text_content()


def test_05_the_slider_changes_the_feature_maps(page, lab):
    run_notebook(page, lab, "05_inside_the_cnn.ipynb")
    inside = page.locator(".mnist-cnn-inside").first
    inside.scroll_into_view_if_needed()
    picture = inside.locator("img").first
    picture.wait_for(state="attached", timeout=30_000)
    before = picture.get_attribute("src")
    save_picture(inside, "inside_the_cnn.png")
    inside.locator("[role=slider]").focus()
    page.keyboard.press("ArrowRight")
    # The figure is redrawn as a new <img>, so poll the locator rather than one element.
    deadline = time.monotonic() + 30
    while picture.get_attribute("src") == before and time.monotonic() < deadline:
        time.sleep(0.3)
    assert picture.get_attribute("src") != before, "the feature maps did not change"
    readout = inside.locator(".widget-readout")
    assert readout.text_content().strip() == "1"


def test_06_a_stroke_drawn_with_the_mouse_is_read_as_a_1(page, lab, trained_model):
    lab.models.mkdir(exist_ok=True)
    shutil.copy(trained_model, lab.models / "tutorial_cnn.keras")
    run_notebook(page, lab, "06_draw_a_digit.ipynb")
    pad = page.locator(".mnist-cnn-drawing-pad").first
    pad.scroll_into_view_if_needed()
    prediction = page.locator(".mnist-cnn-prediction").first
    pad.locator("button", has_text="Clear").click()
    page.wait_for_function(
        "element => element.textContent.includes('Draw a digit')",
        arg=prediction.element_handle(),
        timeout=20_000,
    )
    box = pad.locator("canvas").bounding_box()
    assert box["width"] >= 250  # the 28x28 grid is drawn large
    x = box["x"] + box["width"] / 2
    page.mouse.move(x, box["y"] + 0.15 * box["height"])
    page.mouse.down()
    for step in range(1, 21):
        page.mouse.move(x, box["y"] + (0.15 + 0.7 * step / 20) * box["height"])
    page.mouse.up()
    # The pad sends partial strokes while drawing, so early readings may show part of the
    # line; the reading after the last one (sent on mouse-up) must be a 1.
    try:
        page.wait_for_function(
            "element => /reads:\\s*1\\b/.test(element.textContent)",
            arg=prediction.element_handle(),
            timeout=30_000,
        )
    except PlaywrightTimeout:
        pass  # the assertion below reports what was read instead
    wait_until_done(page, 60)  # the kernel has handled every update of the pad
    save_picture(page.locator(".jp-OutputArea-output", has=pad).first, "draw_a_digit.png")
    assert re.search(r"reads:\s*1\b", prediction.text_content()), prediction.text_content()
