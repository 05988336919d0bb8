"""How build.py turns notebooks into the book's pages, and trims what they load (no browser).

book/pages.py: run-elsewhere cells kept for the download but not shown, Plotly charts as JSON
for the site's charts.js, widgets that need a kernel as plain HTML with alt text, and no
widget state left when no widget needs it. book/assets.py: the CSS source maps cut from the
widgets' bundle, and the icons a page asks for. The built book itself is read in Chromium by
tests/ui/test_book.py.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book"))
import assets  # noqa: E402
import pages  # noqa: E402

TITLE = {"text": "Confusion matrix<br><span>rows sum to 100%</span>"}
FIGURE = {
    "data": [{"type": "heatmap", "z": [[1, 2], [3, 4]]}],
    "layout": {"title": TITLE, "width": 560, "height": 600},
}


def model(name: str, module: str = "@jupyter-widgets/controls", **state) -> dict:
    return {"model_name": name, "model_module": module, "state": state}


def notebook(state: dict, views: list[str]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    setup = nbformat.v4.new_code_cell("%pip install mnist-cnn")
    setup.metadata["tags"] = ["setup-anywhere"]
    chart = nbformat.v4.new_code_cell("plot()")
    chart.outputs = [
        nbformat.v4.new_output("display_data", {pages.PLOTLY_MIME: FIGURE, "text/plain": "F"})
    ]
    widgets = nbformat.v4.new_code_cell("browser()")
    widgets.outputs = [
        nbformat.v4.new_output(
            "display_data",
            {pages.WIDGET_VIEW: {"model_id": view, "version_major": 2, "version_minor": 0}},
        )
        for view in views
    ]
    nb.cells = [setup, chart, widgets]
    nb.metadata["widgets"] = {pages.WIDGET_STATE: {"state": state, "version_major": 2}}
    return nb


PICTURE = {
    "output_type": "display_data",
    "data": {"image/png": "iVBORw0KGgo=\n", "text/plain": "<Figure>"},
    "metadata": {"image/png": {"alt": "Six test images of a 3 read as 5, with their bars."}},
}
STATIC = {
    "box": model("VBoxModel", children=["IPY_MODEL_pair", "IPY_MODEL_note", "IPY_MODEL_out"]),
    "pair": model(
        "DropdownModel",
        description="Mistakes:",
        _options_labels=["actual 3, predicted 5 (4 images)", "actual 7, predicted 1"],
        index=0,
        disabled=True,
    ),
    "note": model("HTMLModel", value="<i class='mnist-cnn-static-note'>Run it</i>"),
    "out": model("OutputModel", "@jupyter-widgets/output", outputs=[PICTURE]),
}
LIVE = {
    "reader": model("HBoxModel", children=["IPY_MODEL_pad"]),
    "pad": model("AnyModel", "anywidget"),
}


def test_a_page_with_only_static_widgets_loads_no_widget_state():
    nb = notebook(STATIC, ["box"])
    done = pages.prepare_for_the_book(nb)
    assert done == {"charts": 1, "static widgets": 1, "live widgets": 0}
    assert "widgets" not in nb.metadata
    assert nb.cells[0].metadata["tags"] == ["setup-anywhere", "remove-cell"]
    assert nb.cells[0].source == "%pip install mnist-cnn"  # kept for the download

    shown = nb.cells[2].outputs[0]["data"]
    assert pages.WIDGET_VIEW not in shown
    html = shown["text/html"]
    label = re.search(r'<label for="([^"]+)">Mistakes:</label>', html)
    assert label and f'<select id="{label.group(1)}" disabled' in html
    assert "<option selected>actual 3, predicted 5 (4 images)</option>" in html
    assert 'alt="Six test images of a 3 read as 5, with their bars."' in html
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in html
    assert "mnist-cnn-static-note" in html


def test_a_chart_becomes_its_figure_for_charts_js():
    nb = notebook({}, [])
    pages.prepare_for_the_book(nb)
    html = nb.cells[1].outputs[0]["data"]["text/html"]
    assert pages.PLOTLY_MIME not in nb.cells[1].outputs[0]["data"]
    figure = re.search(r'data-chart="chart-0">(.*)</script>', html).group(1)
    assert json.loads(figure) == FIGURE
    assert 'aria-label="Confusion matrix rows sum to 100%. Point at it' in html
    assert "max-width: 560px" in html and 'id="chart-0"' in html and "height: 600px" in html


def test_a_live_widget_stays_live_with_its_state():
    nb = notebook({**STATIC, **LIVE}, ["box", "reader"])
    done = pages.prepare_for_the_book(nb)
    assert done["static widgets"] == 1 and done["live widgets"] == 1
    assert pages.WIDGET_VIEW in nb.cells[2].outputs[1]["data"]
    assert "widgets" in nb.metadata


def test_a_picture_without_alt_text_stops_the_build():
    state = json.loads(json.dumps(STATIC))
    state["out"]["state"]["outputs"][0]["metadata"] = {}
    with pytest.raises(SystemExit, match="alt text"):
        pages.prepare_for_the_book(notebook(state, ["box"]))


def test_an_unknown_widget_stops_the_build():
    state = {"box": model("VBoxModel", children=["IPY_MODEL_x"]), "x": model("ColorPicker")}
    with pytest.raises(SystemExit, match="ColorPicker"):
        pages.prepare_for_the_book(notebook(state, ["box"]))


def test_css_source_maps_are_cut_and_nothing_else():
    before = (
        'o.push([e.id,"a{color:red}","",{version:3,sources:["webpack://x.css"],names:[],'
        'mappings:"AAAA;CAAC",sourcesContent:["a{content:\\"}]\\"}",`b{}`],sourceRoot:""}]);'
        "var s={version:3};"
    )
    after = assets.strip_css_source_maps(before)
    assert after == 'o.push([e.id,"a{color:red}","",null]);var s={version:3};'


def test_the_icons_a_page_asks_for():
    page = (
        '<i class="fa-solid fa-bars"></i><i class="fab fa-github fa-lg"></i>'
        '<span class="fa-regular fa-fw fa-file"></span><i class="fas fa-rocket"></i>'
    )
    assert assets.icons_used(page) == {
        ("solid", "bars"),
        ("brands", "github"),
        ("regular", "file"),
        ("solid", "rocket"),
    }


def test_a_figure_is_described_by_its_titles_and_labels():
    import figure_alt_text  # noqa: E402  (book/figure_alt_text.py; no kernel here: installs nothing)
    import numpy as np

    import mnist_cnn

    figure = mnist_cnn.plot_class_balance(train=np.arange(10), test=np.arange(10))
    assert figure_alt_text._describe(figure) == (
        "Figure: How many images of each digit (count above each bar); "
        "share of images (%) against digit."
    )


def test_the_alt_text_of_a_figure_goes_to_its_cell():
    nb = notebook({}, [])
    picture = nbformat.v4.new_code_cell("figure()")
    picture.outputs = [nbformat.from_dict(PICTURE)]
    nb.cells.append(picture)
    pages.prepare_for_the_book(nb)
    assert picture.metadata["mystnb"]["image"]["alt"] == PICTURE["metadata"]["image/png"]["alt"]
