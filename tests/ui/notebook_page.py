"""Open a notebook in JupyterLab, run all its cells and read its state, through the page."""

from __future__ import annotations

import time

STATE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.content || !panel.content.model) return null;
  const cells = panel.content.model.cells;
  let pending = 0, code = 0;
  const errors = [], stderr = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    code++;
    if (cell.executionCount === null) pending++;
    for (const output of cell.outputs.toJSON()) {
      if (output.output_type === 'error') {
        errors.push(`cell ${i}: ${output.ename}: ${output.evalue}`);
      }
      if (output.output_type === 'stream' && output.name === 'stderr') {
        stderr.push(`cell ${i}: ${output.text}`);
      }
    }
  }
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return {pending, code, errors, stderr, status: kernel ? kernel.status : 'none'};
}"""


def open_notebook(page, lab, name: str, front_end: str = "lab") -> None:
    """Open `name` and wait for its kernel to be idle: alone in a fresh JupyterLab
    workspace, or (`front_end="notebooks"`) in its own Notebook 7 page."""
    if front_end == "lab":
        workspace = name.replace(".", "-")
        page.goto(f"{lab.url}/lab/workspaces/{workspace}/tree/{name}?reset&token={lab.token}")
    else:
        page.goto(f"{lab.url}/{front_end}/{name}?token={lab.token}")
    page.wait_for_function(
        """name => {
          const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
          const kernel = panel && panel.context && panel.context.path === name
            && panel.sessionContext.session && panel.sessionContext.session.kernel;
          return kernel && kernel.status === 'idle';
        }""",
        arg=name,
        timeout=120_000,
    )
    no_news = page.get_by_role("button", name="No", exact=True)
    if no_news.count():  # the "get notified about Jupyter news?" toast
        no_news.first.click()


def run_all(page) -> None:
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")


def state(page) -> dict:
    return page.evaluate(STATE)


def wait_until_done(page, timeout: float = 300) -> dict:
    """Wait until every code cell has run and the kernel is idle, or a cell failed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = state(page)
        if current and (
            current["errors"] or (current["pending"] == 0 and current["status"] == "idle")
        ):
            return current
        time.sleep(0.5)
    raise TimeoutError(f"the notebook did not finish within {timeout} s: {state(page)}")


def output_texts(page) -> list[str]:
    """The plain-text outputs of every code cell, one string per cell."""
    return page.evaluate(
        """() => {
          const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
          const texts = [];
          for (let i = 0; i < cells.length; i++) {
            const cell = cells.get(i);
            if (cell.type !== 'code') continue;
            texts.push(cell.outputs.toJSON().map(o => o.text || '').join(''));
          }
          return texts;
        }"""
    )


def plotly_bundles(page) -> list[list[str]]:
    """The MIME types of every cell output that holds a Plotly figure."""
    return page.evaluate(
        """() => {
          const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
          const found = [];
          for (let i = 0; i < cells.length; i++) {
            const cell = cells.get(i);
            if (cell.type !== 'code') continue;
            for (const output of cell.outputs.toJSON()) {
              const data = output.data || {};
              if ('application/vnd.plotly.v1+json' in data) found.push(Object.keys(data));
            }
          }
          return found;
        }"""
    )
