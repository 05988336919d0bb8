"""The quiet TensorFlow import: silent when it works, shows what was printed when it fails."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from mnist_cnn import _tensorflow


def fake_module(folder, name: str, body: str) -> str:
    (folder / f"{name}.py").write_text(textwrap.dedent(body))
    return name


@pytest.fixture
def modules_in(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    created = []
    yield lambda name, body: created.append(fake_module(tmp_path, name, body)) or name
    for name in created:
        sys.modules.pop(name, None)


def test_a_successful_import_prints_nothing(modules_in, capfd):
    name = modules_in(
        "chatty_ok", "import os\nos.write(2, b'oneDNN custom operations are on\\n')\nVALUE = 1\n"
    )
    (module,) = _tensorflow.import_quietly((name,))
    assert module.VALUE == 1
    assert capfd.readouterr().err == ""


def test_a_failed_import_replays_what_it_printed(modules_in, capfd):
    name = modules_in(
        "broken_tf",
        """
        import os
        os.write(2, b"F tensorflow/core/platform/cpu_feature_guard.cc: needs AVX\\n")
        raise ImportError("libtensorflow_framework.so.2: cannot open shared object file")
        """,
    )
    with pytest.raises(_tensorflow.TensorFlowImportError) as caught:
        _tensorflow.import_quietly((name,))
    message = str(caught.value)
    assert "needs AVX" in message and "cannot open shared object file" in message
    assert "pip install tensorflow" in message
    assert "needs AVX" in capfd.readouterr().err  # shown to the reader, not only raised


def test_an_import_that_kills_the_process_is_explained_next_time(tmp_path):
    fake_module(
        tmp_path,
        "fatal_tf",
        "import os\nos.write(2, b'Check failed: cuInit fatal\\n')\nos._exit(134)\n",
    )
    crashed = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys; sys.path.insert(0, {str(tmp_path)!r}); "
            "from mnist_cnn._tensorflow import import_quietly; import_quietly(('fatal_tf',))",
        ],
        capture_output=True,
        text=True,
    )
    assert crashed.returncode == 134
    assert "cuInit" not in crashed.stderr  # silenced while the import ran...
    after = subprocess.run(
        [sys.executable, "-c", "from mnist_cnn import _tensorflow"],
        capture_output=True,
        text=True,
    )
    assert after.returncode == 0
    if sys.platform != "win32":  # ...and shown by the next import (not on Windows)
        assert "ended its process" in after.stderr and "cuInit fatal" in after.stderr


def test_the_real_import_left_no_capture_file():
    assert not _tensorflow._capture_path(os.getpid()).exists()
