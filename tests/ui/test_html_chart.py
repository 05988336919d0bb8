"""The `text/html` part of the live chart, drawn by Chromium as Colab, Kaggle, a static
export or a JupyterLab without plotly's extension would show it.

plotly.js is served from the plotly package in place of its CDN (the tests never use the
network); with the CDN unreachable, the note explaining the missing chart must stay.
"""

from __future__ import annotations

from pathlib import Path

import plotly
import pytest

from mnist_cnn import live_chart

pytestmark = pytest.mark.ui
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

#: How JupyterLab puts HTML into the page: innerHTML, then each <script> re-created, so an
#: external script loads asynchronously while the inline ones run at once.
INSERT_LIKE_JUPYTERLAB = """html => {
  const host = document.createElement('div');
  document.body.appendChild(host);
  host.innerHTML = html;
  for (const old of host.querySelectorAll('script')) {
    const script = document.createElement('script');
    for (const attribute of old.attributes) script.setAttribute(attribute.name, attribute.value);
    script.textContent = old.textContent;
    old.replaceWith(script);
  }
}"""


def chart_html() -> str:
    record = live_chart.TrainingRecord()
    for batch in range(300):
        record.add_batch(batch // 100, batch % 100, 100, {"loss": 2 / (batch + 1), "accuracy": 0.9})
    record.add_epoch(0, {"loss": 0.5, "accuracy": 0.8, "val_loss": 0.6, "val_accuracy": 0.7})
    return live_chart.figure_bundle(live_chart.curves_figure(record), "1 epoch")["text/html"]


def serve_plotly_from_the_package(page) -> None:
    page.route(
        "https://cdn.plot.ly/**",
        lambda route: route.fulfill(
            path=str(PLOTLY_JS), content_type="application/javascript", status=200
        ),
    )


def drawn_points(page) -> int:
    page.wait_for_function(
        "() => { const c = document.querySelector('.js-plotly-plot');"
        " return c && c.data && c.data.length; }",
        timeout=20_000,
    )
    return page.evaluate("() => document.querySelector('.js-plotly-plot').data[0].x.length")


@pytest.mark.parametrize("insertion", ["page", "like JupyterLab"])
def test_the_html_part_draws_the_chart(page, insertion):
    serve_plotly_from_the_package(page)
    html = chart_html()
    if insertion == "page":  # Colab's output frame, a static export: the HTML is the page
        page.set_content(f"<!DOCTYPE html><html><body>{html}</body></html>")
    else:
        page.set_content("<!DOCTYPE html><html><body></body></html>")
        page.evaluate(INSERT_LIKE_JUPYTERLAB, html)
    assert drawn_points(page) == 300
    assert page.locator("text=accuracy (higher is better)").count() >= 1  # axes drawn
    assert page.get_by_text("The training chart needs plotly.js").count() == 0


def test_without_plotly_js_the_reader_is_told_why(page):
    page.route("https://cdn.plot.ly/**", lambda route: route.abort())
    page.set_content(f"<!DOCTYPE html><html><body>{chart_html()}</body></html>")
    page.wait_for_timeout(1500)
    note = page.get_by_text("The training chart needs plotly.js")
    assert note.is_visible()
    assert page.locator(".plot-container").count() == 0
