"""Shared fixtures: tiny MNIST-like IDX files written by the tests themselves."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from mnist_cnn import data


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 array as IDX: magic, one uint32 per dimension, then the values."""
    magic = 0x0800 + array.ndim
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


class TinyMNIST:
    """A 40-image training set and a 20-image test set in the real file format."""

    def __init__(self, folder: Path, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.folder = folder
        self.arrays = {
            "train_images": rng.integers(0, 256, (40, 28, 28), dtype=np.uint8),
            "train_labels": np.arange(40, dtype=np.uint8) % 10,
            "test_images": rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
            "test_labels": np.arange(20, dtype=np.uint8) % 10,
        }
        self.payloads = {key: idx_bytes(array) for key, array in self.arrays.items()}
        self.files = {
            key: data.IdxFile(spec.name, spec.magic, self.arrays[key].shape)
            for key, spec in data.FILES.items()
        }
        self.checksums = {
            self.files[key].name: hashlib.sha256(payload).hexdigest()
            for key, payload in self.payloads.items()
        }

    def write(self, folder: Path | None = None) -> Path:
        folder = folder or self.folder
        folder.mkdir(parents=True, exist_ok=True)
        for key, payload in self.payloads.items():
            (folder / self.files[key].name).write_bytes(gzip.compress(payload))
        return folder

    def path(self, key: str, folder: Path | None = None) -> Path:
        return (folder or self.folder) / self.files[key].name


@pytest.fixture
def tiny_mnist(tmp_path, monkeypatch) -> TinyMNIST:
    """Tiny IDX files in tmp_path/mnist, with the loader told to expect their shapes."""
    tiny = TinyMNIST(tmp_path / "mnist")
    tiny.write()
    monkeypatch.setattr(data, "FILES", tiny.files)
    monkeypatch.setattr(data, "CHECKSUMS", tiny.checksums)
    monkeypatch.setattr(data, "_cache", {})
    return tiny


def closed_port() -> int:
    """A loopback port with nothing listening, so connecting fails at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def file_server():
    """Serve folders over HTTP on 127.0.0.1; yields a function folder -> base URL."""
    servers = []

    def serve(folder: Path) -> str:
        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(folder), **kwargs)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def run_notebooks(paths, models: Path, *, cwd: Path | None = None, timeout: int = 900):
    """Run notebooks top to bottom with nbval in a separate pytest process, with
    `MNIST_CNN_MODELS` pointing at `models`; returns the finished process."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--nbval-lax",
            "--nbval-current-env",
            "--nbval-cell-timeout=600",
            *map(str, paths),
        ],
        cwd=cwd,
        env={**os.environ, "MNIST_CNN_MODELS": str(models)},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
