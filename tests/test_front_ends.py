"""What a front end receives from a real kernel while `train()` draws its live chart.

A kernel is started as Jupyter starts one and runs a short training with the default live
chart; every message it publishes for that cell is read back, as a front end would read it.
Each redraw must be one message that replaces the chart in place (the chart's Output widget
given its new content), never a clear followed by a new display, which front ends that
re-render whole outputs (VS Code) show as a flicker.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime

import pytest

from mnist_cnn.live_chart import PLOTLY_MIME

jupyter_client = pytest.importorskip("jupyter_client")
pytest.importorskip("ipykernel")

EPOCHS = 3
CODE = f"""
import mnist_cnn
images, labels = mnist_cnn.load_sample(3000, seed=0)
model = mnist_cnn.build_cnn(seed=0)
history = mnist_cnn.train(model, images, labels, epochs={EPOCHS}, batch_size=32, seed=0)
print("trained", len(history.history["loss"]))
"""


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """A kernel of this Python, started as Jupyter starts one, and a client to it."""
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    folder = tmp_path_factory.mktemp("kernels")
    (folder / "this-python").mkdir()
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "this Python",
        "language": "python",
    }
    (folder / "this-python" / "kernel.json").write_text(json.dumps(spec))
    manager = KernelManager(
        kernel_name="this-python", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(folder)])
    )
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=120)
    yield client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def run_cell(client, code: str, timeout: float = 600) -> list[dict]:
    """Every iopub message the kernel publishes while it runs `code`."""
    msg_id = client.execute(code)
    messages = []
    while True:
        message = client.get_iopub_msg(timeout=timeout)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(message)
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            return messages


def kind(message: dict) -> str:
    """What the message is to a front end showing the chart."""
    content, msg_type = message["content"], message["msg_type"]
    if msg_type == "comm_msg" and content["data"].get("method") == "update":
        state = content["data"]["state"]
        if "outputs" in state:
            outputs = state["outputs"]
            if not outputs:
                return "chart emptied"
            assert len(outputs) == 1, f"a frame holds {len(outputs)} outputs"
            return "frame" if PLOTLY_MIME in outputs[0].get("data", {}) else "other output"
        if "Epoch" in str(state.get("value", "")) and "done" in str(state.get("value", "")):
            return "epoch done"
        return "widget update"
    if msg_type in ("display_data", "update_display_data"):
        return "chart display" if PLOTLY_MIME in content["data"] else "display"
    return msg_type


@pytest.mark.slow
def test_each_redraw_is_one_message_that_replaces_the_chart_in_place(kernel):
    messages = run_cell(kernel, CODE)
    kinds = [kind(message) for message in messages]
    errors = [m["content"] for m in messages if m["msg_type"] == "error"]
    assert not errors, errors
    assert kinds.count("epoch done") == EPOCHS, kinds
    assert "clear_output" not in kinds, "the chart is cleared and redrawn"
    assert kinds.count("display") == 1, "one display: the Stop button and the chart's place"

    # Per epoch: the frames it sent, at most a few a second, and nothing else of the chart.
    epochs, current, started = [], [], None
    for message, what in zip(messages, kinds, strict=True):
        when = datetime.fromisoformat(str(message["header"]["date"]).replace("Z", "+00:00"))
        started = started or when
        current.append(what)
        if what == "epoch done":
            epochs.append((current, (when - started).total_seconds()))
            current, started = [], None
    for number, (received, seconds) in enumerate(epochs, start=1):
        frames = received.count("frame")
        assert frames >= 1, f"epoch {number}: the chart was not redrawn ({received})"
        assert frames <= seconds / 0.25 + 2, f"epoch {number}: {frames} frames in {seconds:.1f} s"
        assert "chart display" not in received, f"epoch {number}: {received}"
        print(f"epoch {number}: {frames} frame messages in {seconds:.1f} s, {len(received)} all")

    # After the last epoch: the chart leaves the widget for the cell's own output, once.
    tail = current
    assert tail.count("chart display") == 1 and tail.count("chart emptied") == 1, tail
    assert tail.index("chart emptied") < tail.index("chart display")
