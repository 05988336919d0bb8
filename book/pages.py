"""Turn an executed notebook into a page of the book (build.py calls `prepare_for_the_book`).

- The cells that run the notebook elsewhere (the "Open in Colab" badges and the setup cell
  that installs the package) stay in the notebook, so that the .ipynb a reader downloads
  runs anywhere, but are tagged `remove-cell`: the page shows the theme's launch buttons
  instead, and loads no badge image from the internet.
- Each matplotlib picture gets the alt text its output carries (book/figure_alt_text.py
  describes each figure by its titles and labels while build.py executes the notebooks).
- Each Plotly chart becomes a box and its figure as JSON in the page, which the site's
  charts.js draws with the site's plotly.js when it comes near the screen, fitted to the width
  of the page (a phone too), instead of HTML that calls plotly.js from its CDN at once.
- A widget that needs a kernel to do anything (everything but the digit browser and the
  drawing pad, which work in JavaScript) becomes plain HTML showing its first state: its
  disabled controls, its text and its pictures, with their alt text. A page whose widgets
  are all static then loads no widget script at all (3 MB less).
"""

from __future__ import annotations

import html
import json
import re

PLOTLY_MIME = "application/vnd.plotly.v1+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
#: Tags of the cells tools/sync_notebooks.py puts at the top of every notebook.
RUN_ELSEWHERE_TAGS = {"header-badges", "setup-anywhere"}
#: Widgets from these modules run in the page's JavaScript without a kernel (anywidget: the
#: digit browser's picture, the drawing pad); a widget tree holding one stays live.
LIVE_MODULES = {"anywidget"}


def prepare_for_the_book(nb) -> dict[str, int]:
    """Prepare the notebook `nb` (nbformat, changed in place); returns what was done, counted."""
    done = {"charts": 0, "static widgets": 0, "live widgets": 0}
    for cell in nb.cells:
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if RUN_ELSEWHERE_TAGS & set(tags) and "remove-cell" not in tags:
            tags.append("remove-cell")
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            alt = output.get("metadata", {}).get("image/png", {}).get("alt")
            if "image/png" in data and alt:
                # MyST-NB takes a picture's alt text from its cell (figure_alt_text.py).
                image = cell.metadata.setdefault("mystnb", {}).setdefault("image", {})
                image.setdefault("alt", alt)
            if PLOTLY_MIME in data:
                data["text/html"] = chart_html(data.pop(PLOTLY_MIME), f"chart-{done['charts']}")
                done["charts"] += 1
            if WIDGET_VIEW in data:
                model_id = data[WIDGET_VIEW]["model_id"]
                if model_id in state and not _is_live(state, model_id):
                    data.pop(WIDGET_VIEW)
                    data["text/html"] = StaticWidget(state).render(model_id)
                    done["static widgets"] += 1
                else:
                    done["live widgets"] += 1
    if not done["live widgets"]:
        # No widget left to draw: without its state, the page loads no widget script.
        nb.metadata.pop("widgets", None)
    return done


def chart_html(figure: dict, chart_id: str) -> str:
    """A Plotly figure as a box for charts.js to draw into, and its figure as JSON."""
    layout = figure.get("layout", {})
    title = layout.get("title", {})
    title = title.get("text", "") if isinstance(title, dict) else str(title)
    words = html.unescape(re.sub(r"<[^>]+>", " ", title))
    words = re.sub(r"\s+", " ", words).strip() or "A chart"
    height = int(layout.get("height", 450))
    width = f" max-width: {int(layout['width'])}px;" if layout.get("width") else ""
    figure_json = json.dumps(figure, separators=(",", ":")).replace("</", "<\\/")
    return (
        f'<div class="mnist-cnn-chart" role="figure" aria-label="{html.escape(words)}. '
        f'Point at it to read its values." style="width: 100%;{width}">'
        f'<div id="{chart_id}" class="plotly-graph-div" style="height: {height}px;"></div></div>'
        f'<script type="application/json" class="mnist-cnn-chart-figure" '
        f'data-chart="{chart_id}">{figure_json}</script>'
    )


def _children(model: dict) -> list[str]:
    return [ref.removeprefix("IPY_MODEL_") for ref in model["state"].get("children", [])]


def _is_live(state: dict, model_id: str) -> bool:
    """True when the widget, or a widget inside it, runs in the page without a kernel."""
    model = state[model_id]
    if model.get("model_module") in LIVE_MODULES:
        return True
    return any(_is_live(state, child) for child in _children(model) if child in state)


class StaticWidget:
    """HTML showing a widget tree's saved state, with its controls disabled."""

    def __init__(self, state: dict):
        self.state = state

    def render(self, model_id: str) -> str:
        model = self.state[model_id]
        name, values = model["model_name"], model["state"]
        render = getattr(self, f"_{name}", None)
        if render is None:
            raise SystemExit(
                f"the book cannot show a {name} without a kernel yet: add a method _{name} "
                f"to StaticWidget in book/pages.py."
            )
        return render(model_id, values)

    def _box(self, model_id: str, values: dict, direction: str) -> str:
        children = "".join(self.render(child) for child in _children(self.state[model_id]))
        return (
            f'<div class="mnist-cnn-static-widget" style="display: flex; flex-direction: '
            f"{direction}; flex-wrap: wrap; gap: 6px 16px; align-items: flex-start; "
            f'max-width: 100%;">{children}</div>'
        )

    def _VBoxModel(self, model_id: str, values: dict) -> str:  # noqa: N802 (widget names)
        return self._box(model_id, values, "column")

    def _HBoxModel(self, model_id: str, values: dict) -> str:  # noqa: N802
        return self._box(model_id, values, "row")

    def _HTMLModel(self, model_id: str, values: dict) -> str:  # noqa: N802
        return f"<div>{values.get('value', '')}</div>"

    def _ButtonModel(self, model_id: str, values: dict) -> str:  # noqa: N802
        title = html.escape(values.get("tooltip") or "")
        return (
            f'<button type="button" class="mnist-cnn-static-button" disabled title="{title}">'
            f"{html.escape(values.get('description', ''))}</button>"
        )

    def _labelled(self, model_id: str, values: dict, control: str) -> str:
        label = html.escape(values.get("description") or values.get("tooltip") or "")
        return (
            f'<div class="mnist-cnn-static-control"><label for="static-{model_id}">{label}'
            f"</label> {control}</div>"
        )

    def _DropdownModel(self, model_id: str, values: dict) -> str:  # noqa: N802
        labels = values.get("_options_labels", [])
        index = values.get("index")
        shown = html.escape(labels[index]) if index is not None and labels else ""
        select = (
            f'<select id="static-{model_id}" disabled style="max-width: 100%;">'
            f"<option selected>{shown}</option></select>"
        )
        return self._labelled(model_id, values, select)

    def _IntSliderModel(self, model_id: str, values: dict) -> str:  # noqa: N802
        value = values.get("value", 0)
        slider = (
            f'<input type="range" id="static-{model_id}" disabled min="{values.get("min", 0)}" '
            f'max="{values.get("max", 100)}" value="{value}" style="max-width: 60vw;"> '
            f"<span>{value}</span>"
        )
        return self._labelled(model_id, values, slider)

    def _OutputModel(self, model_id: str, values: dict) -> str:  # noqa: N802
        parts = []
        for output in values.get("outputs", []):
            data, metadata = output.get("data", {}), output.get("metadata", {})
            if "image/png" in data:
                alt = html.escape(metadata.get("image/png", {}).get("alt", ""))
                if not alt:
                    raise SystemExit(
                        "a picture in a widget has no alt text: show it with "
                        "widgets._show_figure(output, figure, description)."
                    )
                source = data["image/png"].strip()
                parts.append(
                    f'<img src="data:image/png;base64,{source}" alt="{alt}" '
                    f'style="max-width: 100%; height: auto;">'
                )
            elif "text/html" in data:
                parts.append("".join(data["text/html"]))
            elif output.get("output_type") == "stream" or "text/plain" in data:
                text = output.get("text") or data.get("text/plain", "")
                parts.append(f"<pre>{html.escape(''.join(text))}</pre>")
        return f"<div>{''.join(parts)}</div>"
