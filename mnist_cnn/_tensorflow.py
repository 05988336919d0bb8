"""Import TensorFlow and Keras once, without the C++ start-up lines, unless the import fails.

TensorFlow 2.21 writes its start-up notices ("oneDNN custom operations are on", "All log
messages before absl::InitializeLog()") straight to file descriptor 2, before it reads
TF_CPP_MIN_LOG_LEVEL, so in a notebook they show as red error text under an innocent cell.
For the length of the import, descriptor 2 points at a temporary file. When the import
succeeds the file is dropped; when it fails (a missing library, a CPU without the
instructions the wheel needs, a broken install) what TensorFlow wrote there is printed
again, so the reader sees why.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import sys
import tempfile
import threading
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


class TensorFlowImportError(ImportError):
    """TensorFlow or Keras could not be imported; the message holds what they printed."""


#: Where descriptor 2 goes during the import: a named file, so that when TensorFlow ends the
#: process outright (a fatal C++ check, a CPU without AVX) the next import can show it.
CAPTURE_PREFIX = "mnist_cnn_tensorflow_import."


def _capture_path(pid: int) -> Path:
    return Path(tempfile.gettempdir()) / f"{CAPTURE_PREFIX}{pid}.log"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, owned by someone else
    return True


def _report_crashed_imports() -> None:
    """Print what an import that ended its process (a dead kernel) left behind."""
    if os.name == "nt":  # os.kill(pid, 0) would end the process on Windows
        return
    for path in Path(tempfile.gettempdir()).glob(f"{CAPTURE_PREFIX}*.log"):
        try:
            pid = int(path.name[len(CAPTURE_PREFIX) : -len(".log")])
        except ValueError:
            continue
        if pid == os.getpid() or _running(pid):
            continue
        try:
            printed = path.read_text(errors="replace").strip()
            path.unlink()
        except OSError:
            continue
        print(
            f"An earlier import of TensorFlow ended its process (pid {pid}: the kernel died)."
            f" It printed:\n{printed or '(nothing)'}",
            file=sys.stderr,
        )


@contextlib.contextmanager
def _interrupt_after():
    """Hold Ctrl-C (SIGINT) until the block ends, then raise it: TensorFlow cut off part way
    through its import cannot be imported again in the same process (its half-made modules
    clash with a second run), so the import finishes first, a few seconds, and the cell (or
    the command) stops after it. Running the cell again then works."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    held = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: held.append(number))
    # SIGTERM too, when Python handles it (the command line ends through SystemExit): an
    # import cut off by it fails in the same way. Its default (end at once) is left alone.
    terminate = signal.getsignal(signal.SIGTERM)
    if callable(terminate):
        signal.signal(signal.SIGTERM, lambda number, frame: held.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
        if callable(terminate):
            signal.signal(signal.SIGTERM, terminate)
    if signal.SIGTERM in held:
        terminate(signal.SIGTERM, None)  # what it would have done during the import
    if held:
        raise KeyboardInterrupt


def import_quietly(modules: tuple[str, ...] = ("keras", "tensorflow")) -> list:
    """Import `modules` with descriptor 2 captured; replay the capture if an import fails.

    Returns:
        The imported modules, in the order given.

    Raises:
        TensorFlowImportError: an import failed; its message has the original error and
            everything written to descriptor 2 meanwhile (also written to `sys.stderr`).
    """
    if all(name in sys.modules for name in modules):
        return [sys.modules[name] for name in modules]
    _report_crashed_imports()
    sys.stderr.flush()
    path = _capture_path(os.getpid())
    saved = os.dup(2)
    try:
        with path.open("w+b") as captured:
            os.dup2(captured.fileno(), 2)
            try:
                with _interrupt_after():
                    imported = [importlib.import_module(name) for name in modules]
                error = None
            except Exception as failure:
                error = failure
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
            captured.seek(0)
            printed = captured.read().decode("utf-8", errors="replace").strip()
    finally:
        os.close(saved)
        path.unlink(missing_ok=True)
    if error is None:
        return imported
    detail = f"\n\nIt printed:\n{printed}" if printed else " It printed nothing more."
    message = (
        f"Importing {' and '.join(modules)} failed with {type(error).__name__}: {error}."
        f"{detail}\n\nCheck that TensorFlow is installed for this Python ({sys.executable}, "
        f"{sys.version.split()[0]}): run `python -m pip install tensorflow` in this kernel's "
        f"environment (in a notebook: `%pip install tensorflow`), then restart the kernel."
    )
    print(message, file=sys.stderr)
    raise TensorFlowImportError(message) from error


keras, tf = import_quietly(("keras", "tensorflow"))
