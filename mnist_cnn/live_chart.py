"""The live training chart: a Keras callback that redraws loss and accuracy curves in a
notebook while the model trains, with a Stop button."""

from __future__ import annotations

import functools
import json
import math
import time
import uuid
from collections.abc import Callable

from ._tensorflow import keras

PLOTLY_MIME = "application/vnd.plotly.v1+json"

# Colours from the series' colour-blind-safe palette (plots.OKABE_ITO; tests/test_palette.py
# checks them): training in blue, validation in orange, the per-batch trace a paler blue.
# Colour is never the only cue: training has circles and solid lines, validation diamonds
# and dashes.
_TRAIN, _BATCH, _VALIDATION = "#0072B2", "rgba(0,114,178,0.35)", "#E69F00"
_SYMBOL = {"train": "circle", "validation": "diamond"}
_DASH = {"train": "solid", "validation": "dash"}


def in_notebook() -> bool:
    """True inside a Jupyter kernel, where widgets and rich outputs can be shown."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


#: The ipykernel versions, from (inclusive) and to (exclusive), whose comm routing
#: `_let_clicks_through` relies on: 7.4 added it. tests/test_live_chart.py checks the
#: installed ipykernel against this range and the behaviour it assumes.
SUBSHELL_ROUTING_VERSIONS = ((7, 4), (8, 0))


def _ipykernel_version() -> tuple[int, int] | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        major, minor = version("ipykernel").split(".")[:2]
        return int(major), int(minor)
    except (PackageNotFoundError, ValueError):
        return None


def _let_clicks_through(button) -> bool:
    """Let `button`'s clicks run while the cell that created it is still busy.

    JupyterLab 4.4+ sends widget messages to a kernel *subshell*, which ipykernel 7 runs
    on its own thread, so a click can be handled while `model.fit` runs. But ipykernel
    routes a comm's incoming messages back to the subshell that last published on it,
    which for a widget created by the running cell is the busy main shell: the click
    would wait until training ends. Forgetting that route (ipykernel 7's private
    `_reply_subshell_id`, guarded by `_reply_subshell_lock`, since ipykernel 7.4) lets the
    frontend's choice stand. Outside the tested versions this changes nothing: before 7.4
    the frontend's choice stands anyway; before 7 there are no subshells and the click is
    handled once the cell ends (Kernel > Interrupt still stops training there).

    Returns:
        True when the route was forgotten.
    """
    installed = _ipykernel_version()
    oldest, too_new = SUBSHELL_ROUTING_VERSIONS
    if installed is None or not oldest <= installed < too_new:
        return False
    comm = getattr(button, "comm", None)
    lock = getattr(comm, "_reply_subshell_lock", None)
    if lock is None:
        return False
    with lock:
        if not hasattr(comm, "_reply_subshell_id"):
            return False
        del comm._reply_subshell_id
    return True


def check_smoothing(smoothing) -> float:
    """`smoothing` as a float from 0 (none) up to, not including, 1."""
    try:
        value = math.nan if isinstance(smoothing, (bool, str, bytes)) else float(smoothing)
    except (TypeError, ValueError):
        value = math.nan
    if not 0 <= value < 1:  # False for NaN too
        raise ValueError(
            f"smoothing must be a number from 0 (no smoothing) up to, not including, 1 "
            f"(0.9 averages about the last 10 batches), got {smoothing!r}."
        )
    return value


class TrainingRecord:
    """Loss and accuracy as training goes: per batch (smoothed) and per epoch."""

    def __init__(self, smoothing: float = 0.9):
        self.smoothing = check_smoothing(smoothing)
        self.batch_x: list[float] = []  # position in epochs, e.g. 2.5 = halfway through epoch 3
        self.batch_loss: list[float] = []
        self.batch_accuracy: list[float] = []
        self.epoch_x: list[int] = []
        self.epochs: dict[str, list[float]] = {}
        self._previous_mean: dict[str, float] = {}
        self._smoothed: dict[str, float] = {}
        self._weight = 0.0
        self._last = (-1, -1)  # the (epoch, batch) of the last report

    def add_batch(self, epoch: int, batch: int, steps: int | None, logs: dict) -> None:
        # Keras reports the running mean over the epoch so far, after batch `batch` (counted
        # from 0), once every `steps_per_execution` batches; recover the mean of the batches
        # since the last report from two running means, then smooth it (debiased, as
        # TensorBoard does), decaying once per batch so that `smoothing` means the same
        # whatever the number of batches between reports.
        if epoch != self._last[0] or batch <= self._last[1]:  # a new epoch or run: a new mean
            self._previous_mean = {}
        since = batch - self._last[1] if self._previous_mean else batch + 1
        since = max(since, 1)
        self._last = (epoch, batch)
        decay = self.smoothing**since
        self._weight = decay * self._weight + (1 - decay)
        values = {}
        for name in ("loss", "accuracy"):
            mean = float(logs.get(name, math.nan))
            previous = self._previous_mean.get(name)
            value = (
                mean
                if previous is None
                else ((batch + 1) * mean - (batch + 1 - since) * previous) / since
            )
            self._previous_mean[name] = mean
            smoothed = decay * self._smoothed.get(name, 0.0) + (1 - decay) * value
            self._smoothed[name] = smoothed
            values[name] = smoothed / self._weight
        self.batch_x.append(epoch + (batch + 1) / steps if steps else epoch + 1)
        self.batch_loss.append(values["loss"])
        self.batch_accuracy.append(values["accuracy"])

    def add_epoch(self, epoch: int, logs: dict) -> None:
        self.epoch_x.append(epoch + 1)
        for name, value in logs.items():
            self.epochs.setdefault(name, []).append(float(value))


def _gaps(values: list[float]) -> list[float | None]:
    """NaN and infinite values as gaps (None), which JSON, and so Plotly, can carry."""
    return [value if math.isfinite(value) else None for value in values]


def _thin(xs: list[float], ys: list[float], most: int = 600) -> tuple[list, list]:
    """At most `most` points, so long runs stay quick to send and draw."""
    step = max(1, math.ceil(len(xs) / most))
    return xs[::step], _gaps(ys[::step])


def curves_figure(record: TrainingRecord, title: str = "Training") -> dict:
    """A Plotly figure, as a plain dict, of loss (left, log scale) and accuracy (right), the
    epoch of the lowest validation loss marked on both.

    Built as a dict rather than a `plotly.graph_objects.Figure` because it is redrawn
    several times a second while training, and validation of a Figure would cost more
    than a training step of the small CNN.
    """
    data = []
    for column, metric in ((1, "loss"), (2, "accuracy")):
        axes = {"xaxis": f"x{column}", "yaxis": f"y{column}"}
        legend = column == 1
        batch_y = record.batch_loss if metric == "loss" else record.batch_accuracy
        x, y = _thin(record.batch_x, batch_y)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": x,
                "y": y,
                "name": "training, per batch (smoothed)",
                "line": {"color": _BATCH, "width": 1.5},
                "legendgroup": "batch",
                "showlegend": legend and bool(x),  # plot_history has no batches: no empty entry
                "hovertemplate": f"epoch %{{x:.2f}}<br>{metric} %{{y:.4f}}<extra>batch</extra>",
                **axes,
            }
        )
        for key, name, color, group in (
            (metric, "training, per epoch", _TRAIN, "train"),
            (f"val_{metric}", "validation, per epoch", _VALIDATION, "validation"),
        ):
            if key in record.epochs:
                data.append(
                    {
                        "type": "scatter",
                        "mode": "lines+markers",
                        "x": record.epoch_x,
                        "y": _gaps(record.epochs[key]),
                        "name": name,
                        "legendgroup": group,
                        "showlegend": legend,
                        "line": {"color": color, "width": 2.5, "dash": _DASH[group]},
                        "marker": {"size": 8, "symbol": _SYMBOL[group]},
                        "hovertemplate": (
                            f"epoch %{{x}}<br>{name}: {metric} %{{y:.4f}}<extra></extra>"
                        ),
                        **axes,
                    }
                )
    grid = {"showgrid": True, "gridcolor": "#e5e5e5", "zeroline": False}
    layout = {
        "title": {"text": title},
        "template": {"layout": {"plot_bgcolor": "white", "paper_bgcolor": "white"}},
        "height": 380,
        "margin": {"l": 60, "r": 20, "t": 70, "b": 50},
        "legend": {"orientation": "h", "y": -0.2},
        "xaxis1": {"domain": [0, 0.46], "title": {"text": "epoch"}, **grid},
        "xaxis2": {"domain": [0.54, 1], "title": {"text": "epoch"}, **grid},
        "yaxis1": {
            "title": {"text": "loss (lower is better, log scale)"},
            "anchor": "x1",
            "type": "log",
            **_loss_range(record),
            **grid,
        },
        "yaxis2": {
            "title": {"text": "accuracy (higher is better)"},
            "anchor": "x2",
            "tickformat": ".0%",
            **_accuracy_range(record),
            **grid,
        },
    }
    _mark_best_epoch(record, data, layout)
    return {"data": data, "layout": layout}


def _loss_range(record: TrainingRecord) -> dict:
    """The loss axis's range: from just below the lowest loss of an epoch up to the highest
    loss drawn, on a log scale.

    The per-epoch losses of a good run end 10-100 times below where training starts (about
    2.3), so on a linear axis they would lie flat along the bottom and a validation loss
    turning upwards would not show; the log scale gives each factor of 10 the same height.
    The lower end is set from the epoch values, not from the noisy per-batch line, which
    may dip far lower. Before the first epoch ends, Plotly picks the range.
    """
    epoch_values = [
        value
        for key in ("loss", "val_loss")
        for value in record.epochs.get(key, [])
        if math.isfinite(value) and value > 0
    ]
    if not epoch_values:
        return {}
    drawn = epoch_values + [v for v in record.batch_loss if math.isfinite(v) and v > 0]
    low, high = math.log10(min(epoch_values)), math.log10(max(drawn))
    margin = max(0.05 * (high - low), 0.05)  # a little room above and below, in log10 units
    return {"range": [low - margin, high + margin], "autorange": False}


def _accuracy_range(record: TrainingRecord) -> dict:
    """The accuracy axis's range: from just below the lowest accuracy of an epoch to 100%,
    so that the epochs' values (often all above 90%) are not squeezed into the top of the
    panel by the per-batch line, which starts near 10%. Plotly picks it before the first
    epoch ends."""
    epoch_values = [
        value
        for key in ("accuracy", "val_accuracy")
        for value in record.epochs.get(key, [])
        if math.isfinite(value)
    ]
    if not epoch_values:
        return {}
    low = max(min(epoch_values), 0.0)
    margin = 0.05 * (1 - low) + 0.005
    return {"range": [low - margin, 1 + margin], "autorange": False}


def best_epoch(record: TrainingRecord) -> int | None:
    """The epoch (counted from 1) of the lowest validation loss so far, the first one of a
    tie; None without a finite validation loss."""
    finite = [
        (value, index)
        for index, value in enumerate(record.epochs.get("val_loss", []))
        if math.isfinite(value)
    ]
    return record.epoch_x[min(finite)[1]] if finite else None


def _mark_best_epoch(record: TrainingRecord, data: list, layout: dict) -> None:
    """Mark the epoch of the lowest validation loss: a star on that point, named in the
    legend, and a dotted line across both panels, where its accuracy can be read too."""
    epoch = best_epoch(record)
    if epoch is None:
        return
    loss = record.epochs["val_loss"][record.epoch_x.index(epoch)]
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": [epoch],
            "y": [loss],
            "name": f"lowest validation loss: epoch {epoch}",
            "legendgroup": "best",
            "marker": {
                "symbol": "star",
                "size": 16,
                "color": _VALIDATION,
                "line": {"color": "#222222", "width": 1.5},
            },
            "hovertemplate": f"epoch {epoch}: lowest validation loss %{{y:.4f}}<extra></extra>",
            "xaxis": "x1",
            "yaxis": "y1",
        }
    )
    layout["shapes"] = [
        {
            "type": "line",
            "xref": axis.replace("y", "x"),
            "yref": f"{axis} domain",
            "x0": epoch,
            "x1": epoch,
            "y0": 0,
            "y1": 1,
            "line": {"color": "#555555", "width": 1.5, "dash": "dot"},
        }
        for axis in ("y", "y2")  # Plotly names the first axes x and y in references
    ]


@functools.cache
def _plotlyjs_script() -> str:
    """plotly.py's <script> tags that load plotly.js from its CDN, made once.

    `plotly.io.to_html` reads and hashes the 4.9 MB plotly.js on every call (28 ms, more
    than a training step), so the tags are taken from one call and reused.
    """
    import plotly.io

    html = plotly.io.to_html(
        {"data": [], "layout": {}},
        include_plotlyjs="cdn",
        include_mathjax=False,
        full_html=False,
        validate=False,
        div_id="mnist-cnn-probe",
    )
    return html[html.index("<script") : html.index('<div id="mnist-cnn-probe"')].strip()


#: Shown above the chart's place until plotly.js has drawn it, so a reader whose Jupyter can load
#: neither plotly's extension nor plotly.js learns why the chart is missing.
NO_PLOTLY_NOTE = (
    "The training chart needs plotly.js: this page loads it from cdn.plot.ly, which it could "
    "not reach. Install plotly where your Jupyter server runs (pip install plotly) and reload, "
    "or run the notebook online."
)


def figure_html(figure: dict) -> str:
    """`figure` as HTML that draws it with plotly.js from its CDN, in about 2 ms.

    The same tags as `plotly.io.to_html(include_plotlyjs="cdn")`, plus two things: the
    drawing waits (up to 10 s) for plotly.js, as a front end that inserts the HTML itself
    (JupyterLab) loads the CDN script asynchronously; and a note stays in place of the
    chart when plotly.js never arrives.
    """
    div_id = f"mnist-cnn-{uuid.uuid4().hex}"
    height = figure.get("layout", {}).get("height", 450)

    def as_json(value) -> str:
        return json.dumps(value, separators=(",", ":")).replace("</", "<\\/")

    return (
        f'<div>{_plotlyjs_script()}<p id="{div_id}-note" style="color:#777">{NO_PLOTLY_NOTE}</p>'
        f'<div id="{div_id}" class="plotly-graph-div" style="height:{height}px; width:100%;"></div>'
        f"<script>"
        f"window.PLOTLYENV=window.PLOTLYENV || {{}};"
        f"(function draw(tries) {{"
        f'var div = document.getElementById("{div_id}");'
        f"if (!div) return;"
        f"if (!window.Plotly) {{ if (tries < 100) setTimeout(draw, 100, tries + 1); return; }}"
        f'document.getElementById("{div_id}-note").remove();'
        f"Plotly.newPlot(div, {as_json(figure.get('data', []))}, "
        f'{as_json(figure.get("layout", {}))}, {{"responsive": true}});'
        f"}})(0);</script></div>"
    )


def figure_bundle(figure: dict, summary: str = "") -> dict:
    """A display bundle of `figure` that every notebook front end can draw.

    JupyterLab, Notebook 7 and VS Code draw the Plotly JSON; Colab, Kaggle, static HTML
    exports and a JupyterLab without plotly's extension use the `text/html` part (which
    loads plotly.js from its CDN, once per page in a browser's cache); a terminal shows the
    text. Every redraw carries all three, so the chart is live wherever the notebook runs.
    """
    text = f"Training chart: {summary}" if summary else "Training chart"
    return {PLOTLY_MIME: figure, "text/html": figure_html(figure), "text/plain": text}


def plot_history(history: keras.callbacks.History | dict, title: str = "Training") -> object:
    """A Plotly figure of loss and accuracy per epoch from a finished `History`, as the live
    chart draws them: the loss on a log scale, the lowest validation loss marked."""
    import plotly.graph_objects as go

    logs = history.history if hasattr(history, "history") else history
    series = [
        values
        for values in (logs.values() if isinstance(logs, dict) else ())
        if hasattr(values, "__len__") and not isinstance(values, (str, bytes))
    ]
    if (
        not isinstance(logs, dict)
        or len(series) < len(logs)
        or len({len(values) for values in series}) > 1
    ):
        raise ValueError(
            f"history must be what train() or model.fit returns (a History), or its "
            f"history.history dict of equally long lists per metric, got "
            f"{type(history).__name__} {str(history)[:80]!r}; e.g. plot_history(history)."
        )
    record = TrainingRecord()
    count = len(next(iter(logs.values()), []))
    for epoch in range(count):
        record.add_epoch(epoch, {key: values[epoch] for key, values in logs.items()})
    return go.Figure(curves_figure(record, title))


class LiveCurves(keras.callbacks.Callback):
    """A Keras callback that draws loss and accuracy while the model trains.

    In a notebook it shows a Stop button and a Plotly chart, redrawn at most every
    `min_interval` seconds (and at every epoch end). The button ends training after the
    current batch (Keras calls back once per `steps_per_execution` batches, so after up to
    that many); the weights and the history so far are kept. (`train()` also stops a run
    whose loss becomes NaN, and the chart says why.) Outside a notebook it shows nothing and
    costs little.
    """

    def __init__(
        self,
        *,
        min_interval: float = 0.25,
        smoothing: float = 0.9,
        title: str = "Training",
        show: Callable[[dict], None] | None = None,
        finish_on_train_end: bool = True,
    ):
        super().__init__()
        if (
            isinstance(min_interval, bool)
            or not isinstance(min_interval, (int, float))
            or not (0 <= min_interval < math.inf)
        ):
            raise ValueError(f"min_interval must be seconds (0 or more), got {min_interval!r}.")
        if show is not None and not callable(show):
            raise ValueError(
                f"show must be a function that takes the figure (a dict), or None to draw in "
                f"the notebook, got {type(show).__name__} {show!r}."
            )
        if not isinstance(finish_on_train_end, bool):
            raise ValueError(
                f"finish_on_train_end must be True or False, got {finish_on_train_end!r}."
            )
        self.min_interval = float(min_interval)
        self.record = TrainingRecord(smoothing)
        self.smoothing = self.record.smoothing
        self.title = str(title)
        self.finish_on_train_end = finish_on_train_end
        self.stop_requested = False
        self.stopped_because: str | None = None
        self._show = show
        self._steps: int | None = None
        self._epoch = 0
        self._last_draw = 0.0
        self._started = 0.0
        self._widgets = None
        if show is None and in_notebook():
            self._make_widgets()

    # -- widgets ---------------------------------------------------------------------
    def _make_widgets(self) -> None:
        import ipywidgets as widgets
        from IPython.display import display

        self.stop_button = widgets.Button(
            description="Stop",
            icon="stop",
            button_style="danger",
            tooltip="End training after the current batch; the model keeps what it has learned",
        )
        self.status = widgets.HTML("Starting...")
        self.output = widgets.Output()
        self.stop_button.on_click(lambda _: self.request_stop())
        self._widgets = widgets.VBox([widgets.HBox([self.stop_button, self.status]), self.output])
        self._widgets.add_class("mnist-cnn-live-curves")
        display(self._widgets)
        _let_clicks_through(self.stop_button)

    @property
    def visible(self) -> bool:
        """True when the chart is shown in a notebook."""
        return self._widgets is not None

    def request_stop(self) -> None:
        """Ask training to end after the current batch (what the Stop button does)."""
        self.stop_requested = True
        if self._widgets is not None:
            self.stop_button.disabled = True
            self.status.value = "Stopping after this batch..."

    def _set_status(self, text: str) -> None:
        if self._widgets is not None:
            self.status.value = text

    def _draw(self, final: bool = False) -> None:
        figure = curves_figure(self.record, self._title())
        self._last_draw = time.perf_counter()
        if self._show is not None:
            self._show(figure)
            return
        if self._widgets is None:
            return
        from IPython.display import display

        bundle = figure_bundle(figure, self._summary())
        if final:
            # The last figure goes into the cell's own output, outside the widget, so it is
            # saved with the notebook and shows in static exports (HTML, GitHub) too.
            self.output.outputs = ()
            display(bundle, raw=True)
            return
        # One message per frame: the Output widget's content replaced in place (what
        # `append_display_data` does), never a clear_output followed by a display, which
        # front ends that re-render whole outputs (VS Code) show as a flicker. A display_id
        # update would be one message too, but plotly's JupyterLab renderer ignores it.
        self.output.outputs = ({"output_type": "display_data", "data": bundle, "metadata": {}},)

    def _title(self) -> str:
        title = f"{self.title}: epoch {self._epoch + 1}/{self.params.get('epochs', '?')}"
        if self.stopped_because:
            title += f" (stopped: {self.stopped_because})"
        return title

    def _summary(self) -> str:
        epochs = self.record.epochs
        parts = [f"{len(self.record.epoch_x)} epoch(s)"]
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            if key in epochs:
                parts.append(f"{key} {epochs[key][-1]:.4f}")
        return ", ".join(parts)

    # -- Keras hooks -----------------------------------------------------------------
    def on_train_begin(self, logs=None) -> None:
        if self._started:  # used in an earlier run: this one gets a chart and a Stop of its own
            self.record = TrainingRecord(self.smoothing)
            self.stop_requested, self.stopped_because, self._last_draw = False, None, 0.0
            if self._widgets is not None:
                self.stop_button.disabled = False
        self._steps = self.params.get("steps")
        self._started = time.perf_counter()
        self._set_status("Training...")

    def on_epoch_begin(self, epoch, logs=None) -> None:
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None) -> None:
        logs = logs or {}
        self.record.add_batch(self._epoch, batch, self._steps, logs)
        if self.stop_requested:
            self.stopped_because = "Stop button"
            self.model.stop_training = True
        if time.perf_counter() - self._last_draw >= self.min_interval:
            self._draw()

    def on_epoch_end(self, epoch, logs=None) -> None:
        self.record.add_epoch(epoch, logs or {})
        seconds = time.perf_counter() - self._started
        self._set_status(f"Epoch {epoch + 1}/{self.params.get('epochs')} done, {seconds:.0f} s")
        self._draw()

    def on_train_end(self, logs=None) -> None:
        if self.finish_on_train_end:
            done = len(self.record.epoch_x)
            epochs = self.params.get("epochs") or done
            self.finish(None if done >= epochs else f"a callback, after {done} of {epochs} epochs")

    def finish(self, stopped: str | None = None) -> None:
        """Draw the final chart and say how training ended: `stopped` is why it ended early
        (the Stop button's reason is kept when it was pressed)."""
        self.stopped_because = self.stopped_because or stopped
        seconds = time.perf_counter() - self._started
        done = len(self.record.epoch_x)
        if self.stopped_because:
            text = f"Stopped ({self.stopped_because}) after {done} epoch(s), {seconds:.0f} s."
        else:
            text = f"Finished: {done} epoch(s) in {seconds:.0f} s."
        if self._widgets is not None:
            self.stop_button.disabled = True
            self.status.value = text
        self._draw(final=True)
