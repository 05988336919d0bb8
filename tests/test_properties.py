"""Property-based tests of the public API (hypothesis): whatever arrays a reader passes,
every call either returns a correct result or raises ValueError/TypeError naming the
argument. Never another exception, never a silently wrong answer."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import mnist_cnn

settings.register_profile(
    "mnist-cnn", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("mnist-cnn")

DTYPES = st.sampled_from(
    [np.uint8, np.int8, np.int16, np.int64, np.uint16, np.float16, np.float32, np.float64, bool]
)
ODD_VALUES = [0, 1, 0.5, 255, 256, -1, 765, np.nan, np.inf, -np.inf, 1e30]


@st.composite
def arrays(draw, shapes, dtypes=DTYPES):
    """Arrays of many dtypes whose values mix the normal and the odd."""
    dtype = np.dtype(draw(dtypes))
    shape = draw(shapes)
    if dtype.kind == "b":
        return draw(hnp.arrays(dtype, shape))
    if dtype.kind == "f":
        elements = st.one_of(
            st.floats(0, 1, width=16 if dtype.itemsize == 2 else 32),
            # As the dtype's own scalars: NumPy 1.x compares float32(1e30) with the Python float
            # 1e30 in float64 (unequal), and hypothesis then refuses the element.
            st.sampled_from([v for v in ODD_VALUES if dtype.itemsize > 2 or not abs(v) > 6e4]).map(
                dtype.type
            ),
        )
    else:
        info = np.iinfo(dtype)
        elements = st.integers(max(info.min, -300), min(info.max, 800))
    return draw(hnp.arrays(dtype, shape, elements=elements))


IMAGE_SHAPES = st.one_of(
    st.tuples(st.integers(0, 3), st.just(28), st.just(28)),
    hnp.array_shapes(min_dims=0, max_dims=4, max_side=30),
)


def valid_pixels(array: np.ndarray) -> bool:
    """What the input contract accepts, written out independently of the code."""
    if array.dtype == bool or array.dtype.kind not in "iuf":
        return False
    if array.size == 0:
        return True
    if array.dtype.kind == "f":
        return bool(np.isfinite(array).all() and array.min() >= 0 and array.max() <= 1)
    if array.dtype != np.uint8 and array.max() == 1:
        return False  # a 0/1 mask, which as 0-255 pixels would be black
    return bool(array.min() >= 0 and array.max() <= 255)


def raises_naming(call, *names: str):
    """Run `call`; if it raises, the error must be ValueError/TypeError naming one of `names`."""
    try:
        return call(), None
    except (ValueError, TypeError) as error:
        assert any(name in str(error) for name in names), f"{error!r} names none of {names}"
        return None, error


@given(images=arrays(IMAGE_SHAPES), labels=arrays(hnp.array_shapes(min_dims=0, max_dims=2)))
def test_check_images_accepts_the_contract_and_names_everything_else(images, labels):
    result, error = raises_naming(
        lambda: mnist_cnn.check_images(images, labels), "images", "labels"
    )
    shape_ok = images.ndim == 3 and images.shape[1:] == (28, 28)
    labels_ok = (
        labels.ndim == 1
        and images.ndim >= 1
        and len(labels) == len(images)
        and labels.dtype != bool
        and (labels.size == 0 or (np.isfinite(labels).all() and (labels == np.rint(labels)).all()))
        and (labels.size == 0 or (labels.min() >= 0 and labels.max() <= 9))
    )
    assert (error is None) == (shape_ok and valid_pixels(images) and labels_ok)
    if error is None:
        converted, digits = result
        assert converted.dtype == np.uint8 and converted.shape == images.shape
        expected = images if images.dtype.kind in "iu" else np.rint(images.astype(float) * 255)
        np.testing.assert_array_equal(converted, expected)
        np.testing.assert_array_equal(digits, labels.astype(np.int64))


@given(
    labels=arrays(st.tuples(st.integers(0, 60)), st.sampled_from([np.int64, np.float64])),
    fraction=st.one_of(st.floats(allow_nan=True), st.sampled_from([0.5, 0.8, 0.9])),
    seed=st.one_of(st.none(), st.integers(-5, 2**33)),
    stratify=st.booleans(),
)
def test_train_test_split_partitions_or_names_the_problem(labels, fraction, seed, stratify):
    images = np.zeros((len(labels), 28, 28), np.uint8)
    images[:, 0, 0] = np.arange(len(labels)) % 256
    result, error = raises_naming(
        lambda: mnist_cnn.train_test_split(images, labels, fraction, seed, stratify),
        "train_fraction",
        "seed",
        "labels",
    )
    if error is None:
        (train_images, train_labels), (test_images, test_labels) = result
        assert len(train_labels) == round(len(labels) * fraction)
        assert len(train_labels) + len(test_labels) == len(labels) > 0
        assert sorted(np.concatenate([train_labels, test_labels]).tolist()) == sorted(
            labels.tolist()
        )
        if stratify:
            assert set(train_labels.tolist()) == set(test_labels.tolist()) == set(labels.tolist())


LABEL_ARRAYS = arrays(hnp.array_shapes(min_dims=1, max_dims=2, max_side=40))


@given(true=LABEL_ARRAYS, predicted=LABEL_ARRAYS)
def test_confusion_matrix_counts_every_pair_or_names_the_labels(true, predicted):
    matrix, error = raises_naming(
        lambda: mnist_cnn.confusion_matrix(true, predicted), "true_labels", "predicted_labels"
    )
    if error is None:
        assert matrix.shape == (10, 10) and matrix.sum() == len(true) == len(predicted)
        for actual, guess in zip(true.astype(int), predicted.astype(int), strict=True):
            assert matrix[actual, guess] > 0


MATRICES = st.one_of(
    arrays(st.just((10, 10)), st.sampled_from([np.int64, np.float64])),
    arrays(hnp.array_shapes(min_dims=0, max_dims=3, max_side=11)),
)


@given(matrix=MATRICES, top=st.integers(-2, 120))
def test_matrix_functions_read_counts_only(matrix, top):
    mistakes, error = raises_naming(lambda: mnist_cnn.most_confused(matrix, top), "matrix", "top")
    counts_ok = (
        matrix.ndim == 2
        and matrix.shape[0] == matrix.shape[1] > 0
        and matrix.dtype != bool
        and np.isfinite(matrix).all()
        and (matrix >= 0).all()
        and (matrix == np.rint(matrix)).all()
        and matrix.sum() > 0
    )
    assert (error is None) == (counts_ok and top >= 1)
    if error is None:
        assert all(a != p and count > 0 for a, p, count in mistakes)
        assert [count for *_, count in mistakes] == sorted(
            (count for *_, count in mistakes), reverse=True
        )
        assert len(mistakes) == min(top, int(np.count_nonzero(matrix - np.diag(np.diag(matrix)))))
    report, error = raises_naming(lambda: mnist_cnn.class_report(matrix), "matrix")
    assert (error is None) == counts_ok
    if report is not None:
        for row in report:
            assert 0 <= row.precision <= 1 and 0 <= row.recall <= 1 and 0 <= row.f1 <= 1
    for normalize in ("true", "pred"):
        shares, error = raises_naming(
            lambda normalize=normalize: mnist_cnn.normalize_matrix(matrix, normalize), "matrix"
        )
        assert (error is None) == counts_ok
        if shares is not None:
            totals = shares.sum(axis=1 if normalize == "true" else 0)
            assert np.all((np.abs(totals - 1) < 1e-9) | (totals == 0))


@given(drawing=arrays(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=60)))
def test_preprocess_drawing_gives_an_mnist_digit_or_says_why_not(drawing):
    digit, error = raises_naming(lambda: mnist_cnn.preprocess_drawing(drawing), "drawing", "digit")
    if error is None:
        assert digit.shape == (28, 28) and digit.dtype == np.uint8 and digit.max() > 0
        rows, columns = np.nonzero(digit)
        assert rows.max() - rows.min() < 24 and columns.max() - columns.min() < 24  # 20x20 box


@pytest.fixture(scope="module")
def model():
    return mnist_cnn.build_cnn(seed=0)


@settings(max_examples=30)
@given(images=arrays(IMAGE_SHAPES))
def test_predict_reads_the_contract_or_names_images(model, images):
    result, error = raises_naming(lambda: mnist_cnn.predict(model, images), "images")
    shape_ok = images.ndim == 3 and images.shape[1:] == (28, 28)
    assert (error is None) == (shape_ok and valid_pixels(images))
    if error is None:
        classes, probabilities = result
        assert classes.shape == (len(images),) and probabilities.shape == (len(images), 10)
        if len(images):
            np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)


@settings(max_examples=20)
@given(images=hnp.arrays(np.uint8, st.tuples(st.integers(1, 4), st.just(28), st.just(28))))
def test_the_same_images_as_floats_read_the_same(model, images):
    as_uint8 = mnist_cnn.predict(model, images)
    as_floats = mnist_cnn.predict(model, images / 255)
    np.testing.assert_array_equal(as_uint8[0], as_floats[0])
    np.testing.assert_allclose(as_uint8[1], as_floats[1], atol=1e-6)
