"""The stored pad drawings (data/pad_drawings/) give the same pixels in the real pad as in Python.

benchmarks/robustness.py reads the stored strokes through `render_strokes`, a Python copy of
the pad's brush. Here Chromium draws the same strokes with the mouse on the pad's own canvas
(mnist_cnn/static/drawing_pad.js), and the 784 values the pad would send to Python are
compared with `render_strokes`.
"""

from __future__ import annotations

import functools
import http.server
import json
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import mnist_cnn

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import pad_drawings  # noqa: E402

pytestmark = pytest.mark.ui
STATIC = Path(mnist_cnn.__file__).parent / "static"
DRAWINGS = range(0, 300, 23)  # 14 drawings, every digit and style among them


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def pad_page(browser):
    """A page with the pad rendered at the top left, its canvas without a border, so that
    page coordinates are canvas pixels."""
    handler = functools.partial(_Quiet, directory=str(STATIC))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    context = browser.new_context(viewport={"width": 400, "height": 400})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base}/drawing_pad.js")
    page.evaluate(
        f"""async () => {{
          const pad = await import('{base}/drawing_pad.js');
          document.body.innerHTML = '';
          document.body.style.margin = '0';
          const state = {{scale: 10, brush: 1.2, pixels: new Array(784).fill(0), weights: '',
                         min_extent: 0.15}};
          const model = {{get: (key) => state[key], set: (key, value) => {{ state[key] = value; }},
                         save_changes() {{}}, on() {{}}}};
          const el = document.createElement('div');
          document.body.append(el);
          pad.default.render({{model, el}});
          el.querySelector('canvas').style.border = '0';
          window.padState = state;
          window.clearPad = () => el.querySelector('.mnist-cnn-clear').click();
        }}"""
    )
    yield page
    assert not errors, errors
    context.close()
    server.shutdown()


def test_stored_drawings_drawn_with_the_mouse_match_render_strokes(pad_page):
    stored = json.loads(pad_drawings.STROKES.read_text())
    box = pad_page.locator("canvas").bounding_box()
    assert (box["x"], box["y"], box["width"]) == (0, 0, 280)
    for number in DRAWINGS:
        strokes = stored["drawings"][number]["strokes"]
        pad_page.evaluate("() => window.clearPad()")
        for stroke in strokes:
            pad_page.mouse.move(*stroke[0])
            pad_page.mouse.down()
            for x, y in stroke[1:]:
                pad_page.mouse.move(x, y)
            pad_page.mouse.up()
        in_browser = np.array(pad_page.evaluate("() => window.padState.pixels"), np.uint8)
        expected = pad_drawings.render_strokes(strokes)
        assert expected.max() == 255 and (expected > 0).sum() > 40  # a real drawing
        np.testing.assert_array_equal(in_browser.reshape(28, 28), expected, err_msg=f"{number}")
