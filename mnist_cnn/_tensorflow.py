"""Import TensorFlow and Keras once, without the C++ start-up lines.

TensorFlow 2.21 writes its start-up notices ("oneDNN custom operations are on", "All log
messages before absl::InitializeLog()") straight to file descriptor 2, before it reads
TF_CPP_MIN_LOG_LEVEL, so in a notebook they show as red error text under an innocent cell.
We point descriptor 2 at /dev/null for the length of the import only.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _import_quietly():
    if "tensorflow" in sys.modules:
        import keras
        import tensorflow

        return tensorflow, keras
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import keras
        import tensorflow
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    return tensorflow, keras


tf, keras = _import_quietly()
