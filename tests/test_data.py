"""Loading MNIST: the real files, tiny files, and every way a file can be wrong."""

from __future__ import annotations

import gzip
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import mnist_cnn
from conftest import closed_port, idx_bytes
from mnist_cnn import data


def test_real_mnist_shapes_and_values():
    (train_images, train_labels), (test_images, test_labels) = mnist_cnn.load_mnist()
    assert train_images.shape == (60_000, 28, 28) and train_images.dtype == np.uint8
    assert train_labels.shape == (60_000,) and train_labels.dtype == np.uint8
    assert test_images.shape == (10_000, 28, 28) and test_images.dtype == np.uint8
    assert test_labels.shape == (10_000,) and test_labels.dtype == np.uint8
    # The first training labels of MNIST are well known: 5 0 4 1 9 2 1 3 1 4.
    assert train_labels[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert np.bincount(test_labels).tolist()[:3] == [980, 1135, 1032]
    assert train_images.max() == 255 and train_images.min() == 0


def test_second_call_returns_the_parsed_arrays():
    first = mnist_cnn.load_mnist()
    second = mnist_cnn.load_mnist()
    assert first[0][0] is second[0][0]
    assert not first[0][0].flags.writeable  # the cached arrays cannot be changed by accident


def test_tiny_files_round_trip(tiny_mnist):
    (train_images, train_labels), (test_images, test_labels) = data.load_mnist(tiny_mnist.folder)
    np.testing.assert_array_equal(train_images, tiny_mnist.arrays["train_images"])
    np.testing.assert_array_equal(train_labels, tiny_mnist.arrays["train_labels"])
    np.testing.assert_array_equal(test_images, tiny_mnist.arrays["test_images"])
    np.testing.assert_array_equal(test_labels, tiny_mnist.arrays["test_labels"])


def test_environment_variable_chooses_the_folder(tiny_mnist, monkeypatch):
    monkeypatch.setenv("MNIST_CNN_DATA", str(tiny_mnist.folder))
    assert data.default_data_dir() == tiny_mnist.folder
    (train_images, _), _ = data.load_mnist()
    assert train_images.shape == (40, 28, 28)


def test_a_file_changed_after_loading_is_checked_again(tiny_mnist):
    data.load_mnist(tiny_mnist.folder)
    tiny_mnist.path("train_labels").write_bytes(gzip.compress(idx_bytes(np.zeros(40, np.uint8))))
    with pytest.raises(data.MNISTFileError, match="SHA-256"):
        data.load_mnist(tiny_mnist.folder)


def _rewrite(tiny, key, payload: bytes, compress: bool = True) -> None:
    tiny.path(key).write_bytes(gzip.compress(payload) if compress else payload)


@pytest.mark.parametrize(
    "key, make_payload, message",
    [
        ("train_images", lambda p: b"\x00\x00\x08\x01" + p[4:], "magic number 0x00000801"),
        ("train_labels", lambda p: p[:-7], "truncated"),
        ("test_images", lambda p: p + b"\x00", "too long"),
        ("test_labels", lambda p: p[:5], "truncated"),
        ("test_images", lambda p: p[:4] + (99).to_bytes(4, "big") + p[8:], "dimensions"),
        ("train_images", lambda p: p[:-1] + bytes([p[-1] ^ 1]), "SHA-256"),
    ],
    ids=["magic", "truncated", "too-long", "header-cut", "dimensions", "checksum"],
)
def test_corrupt_file_gives_a_clear_error(tiny_mnist, key, make_payload, message):
    _rewrite(tiny_mnist, key, make_payload(tiny_mnist.payloads[key]))
    before = sorted(tiny_mnist.folder.iterdir())
    with pytest.raises(data.MNISTFileError, match=message) as error:
        data.load_mnist(tiny_mnist.folder, download=False)
    text = str(error.value)
    assert tiny_mnist.files[key].name in text and "Delete" in text  # names the file and the fix
    assert sorted(tiny_mnist.folder.iterdir()) == before  # nothing deleted, nothing added


def test_truncated_gzip_is_rejected(tiny_mnist):
    path = tiny_mnist.path("train_images")
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(data.MNISTFileError, match="not a valid gzip file"):
        data.load_mnist(tiny_mnist.folder, download=False)


def test_not_gzip_at_all_is_rejected(tiny_mnist):
    tiny_mnist.path("test_labels").write_text("<html>404 Not Found</html>")
    with pytest.raises(data.MNISTFileError, match="t10k-labels-idx1-ubyte.gz is not a valid gzip"):
        data.load_mnist(tiny_mnist.folder, download=False)


def test_missing_files_offline_lists_them_and_leaves_nothing(tiny_mnist, monkeypatch):
    monkeypatch.setattr(data, "MIRRORS", (f"http://127.0.0.1:{closed_port()}/",))
    tiny_mnist.path("train_images").unlink()
    tiny_mnist.path("test_labels").unlink()
    before = sorted(tiny_mnist.folder.iterdir())
    with pytest.raises(FileNotFoundError) as error:
        data.load_mnist(tiny_mnist.folder)
    text = str(error.value)
    assert "train-images-idx3-ubyte.gz" in text and "t10k-labels-idx1-ubyte.gz" in text
    assert "train-labels-idx1-ubyte.gz" not in text  # only the missing ones are listed
    assert str(tiny_mnist.folder) in text and "MNIST_CNN_DATA" in text  # where to put them
    assert sorted(tiny_mnist.folder.iterdir()) == before


def test_missing_files_are_downloaded_and_checked(tiny_mnist, file_server, monkeypatch, tmp_path):
    mirror = tiny_mnist.write(tmp_path / "mirror")
    monkeypatch.setattr(data, "MIRRORS", (file_server(mirror),))
    target = tmp_path / "fresh"
    (train_images, _), (_, test_labels) = data.load_mnist(target)
    np.testing.assert_array_equal(train_images, tiny_mnist.arrays["train_images"])
    np.testing.assert_array_equal(test_labels, tiny_mnist.arrays["test_labels"])
    assert sorted(path.name for path in target.iterdir()) == sorted(
        spec.name for spec in tiny_mnist.files.values()
    )  # the four files and no leftover staging folder


def test_a_corrupt_download_is_discarded_and_the_next_mirror_used(
    tiny_mnist, file_server, monkeypatch, tmp_path
):
    bad = tiny_mnist.write(tmp_path / "bad-mirror")
    bad_file = tiny_mnist.path("train_images", bad)
    bad_file.write_bytes(bad_file.read_bytes()[:-50])  # truncated on the server
    good = tiny_mnist.write(tmp_path / "good-mirror")
    monkeypatch.setattr(data, "MIRRORS", (file_server(bad), file_server(good)))
    target = tmp_path / "fresh"
    (train_images, _), _ = data.load_mnist(target)
    np.testing.assert_array_equal(train_images, tiny_mnist.arrays["train_images"])
    assert len(list(target.iterdir())) == 4


def test_an_only_corrupt_download_leaves_nothing(tiny_mnist, file_server, monkeypatch, tmp_path):
    bad = tiny_mnist.write(tmp_path / "bad-mirror")
    _rewrite(tiny_mnist, "test_labels", b"not idx at all", compress=True)
    tiny_mnist.path("test_labels", bad).write_bytes(tiny_mnist.path("test_labels").read_bytes())
    monkeypatch.setattr(data, "MIRRORS", (file_server(bad),))
    target = tmp_path / "fresh"
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte.gz"):
        data.load_mnist(target)
    assert not (target / "t10k-labels-idx1-ubyte.gz").exists()
    assert not [p for p in target.iterdir() if p.name.startswith(".download")]


def test_importing_the_package_does_not_import_tensorflow():
    code = (
        "import sys, mnist_cnn, mnist_cnn.data, mnist_cnn.split, mnist_cnn.widgets;"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]


def test_load_sample_is_stratified_and_seeded():
    images, labels = mnist_cnn.load_sample(1_000, seed=3)
    assert images.shape == (1_000, 28, 28) and labels.shape == (1_000,)
    (_, all_labels), _ = mnist_cnn.load_mnist()
    expected = np.bincount(all_labels) * 1_000 / len(all_labels)
    assert np.all(np.abs(np.bincount(labels) - expected) < 1)
    again_images, again_labels = mnist_cnn.load_sample(1_000, seed=3)
    np.testing.assert_array_equal(images, again_images)
    np.testing.assert_array_equal(labels, again_labels)
    _, other_labels = mnist_cnn.load_sample(1_000, seed=4)
    assert not np.array_equal(labels, other_labels)


def test_load_sample_of_ten_has_one_of_each_digit():
    _, labels = mnist_cnn.load_sample(10)
    assert sorted(labels.tolist()) == list(range(10))


@pytest.mark.parametrize("size", [9, 0, -5, 60_001, 2.5, "100", True])
def test_load_sample_rejects_bad_sizes(size):
    with pytest.raises(ValueError, match="size must be"):
        mnist_cnn.load_sample(size)


@pytest.mark.parametrize(
    "shape, hint",
    [((5, 784), "reshape"), ((5, 28, 28, 1), r"images\[..., 0\]"), ((28, 28), r"images\[None\]")],
)
def test_check_images_explains_wrong_shapes(shape, hint):
    with pytest.raises(ValueError, match=hint):
        mnist_cnn.check_images(np.zeros(shape, np.uint8))


def test_any_gzip_wrapping_of_the_same_bytes_is_accepted(tiny_mnist):
    payload = tiny_mnist.payloads["train_images"]
    # Two gzip members back to back, at another compression level: still the same bytes.
    rewrapped = gzip.compress(payload[:1000], compresslevel=1) + gzip.compress(payload[1000:])
    tiny_mnist.path("train_images").write_bytes(rewrapped)
    (train_images, _), _ = data.load_mnist(tiny_mnist.folder, download=False)
    np.testing.assert_array_equal(train_images, tiny_mnist.arrays["train_images"])


@given(
    images=hnp.arrays(np.uint8, st.tuples(st.integers(1, 3), st.integers(1, 9), st.integers(1, 9))),
    down=st.integers(-12, 12),
    right=st.integers(-12, 12),
)
def test_move_images_moves_every_pixel_that_stays_in_sight_and_fills_the_rest_with_background(
    images, down, right
):
    before = images.copy()
    moved = data.move_images(images, down, right)
    np.testing.assert_array_equal(images, before)  # the caller's images are not changed
    height, width = images.shape[1:]
    for row in range(height):
        for column in range(width):
            source_row, source_column = row - down, column - right
            inside = 0 <= source_row < height and 0 <= source_column < width
            expected = images[:, source_row, source_column] if inside else 0
            np.testing.assert_array_equal(moved[:, row, column], expected)


@given(
    images=hnp.arrays(np.uint8, st.tuples(st.integers(1, 4), st.integers(1, 9), st.integers(1, 9))),
    data=st.data(),
)
def test_move_images_moves_each_image_by_its_own_amount(images, data):
    moves = st.lists(st.integers(-12, 12), min_size=len(images), max_size=len(images))
    downs, rights = data.draw(moves), data.draw(moves)
    moved = mnist_cnn.data.move_images(images, downs, rights)
    for index, (down, right) in enumerate(zip(downs, rights, strict=True)):
        alone = mnist_cnn.data.move_images(images[index : index + 1], down, right)
        np.testing.assert_array_equal(moved[index], alone[0])
