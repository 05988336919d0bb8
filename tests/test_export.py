"""A notebook that trained with the live chart, exported to static HTML, still shows the
chart (nbconvert drops the Plotly JSON, so the `text/html` part must be there)."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.slow

CELL = """\
import mnist_cnn

images, labels = mnist_cnn.load_sample(300, seed=0)
model = mnist_cnn.build_cnn(seed=0)
history = mnist_cnn.train(model, images, labels, epochs=2, batch_size=32)
"""


def test_the_final_chart_survives_a_static_html_export(tmp_path):
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell(CELL))
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={}).execute()

    outputs = notebook.cells[0].outputs
    assert not [o for o in outputs if o.output_type == "error"], outputs
    charts = [o for o in outputs if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(charts) == 1, "the final chart is not in the cell's own output"
    assert "text/html" in charts[0].data

    html, _ = HTMLExporter().from_notebook_node(notebook)
    assert 'class="plotly-graph-div"' in html
    assert re.search(r'src="https://cdn\.plot\.ly/plotly-[\d.]+\.min\.js"', html)
    call = re.search(r"Plotly\.newPlot\(div, ", html)
    assert call, "no Plotly.newPlot call in the export"
    decoder = json.JSONDecoder()
    data, end = decoder.raw_decode(html, call.end())
    layout, _ = decoder.raw_decode(html, end + 2)
    assert {trace["name"] for trace in data} >= {"training, per epoch", "validation, per epoch"}
    assert [trace["x"] for trace in data if trace["name"] == "validation, per epoch"][0] == [1, 2]
    assert layout["title"]["text"].endswith("epoch 2/2")  # the two epochs ran to the end
