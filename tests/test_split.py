"""train_test_split: sizes, disjointness, stratification, seeds and bad arguments."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mnist_cnn import train_test_split


@pytest.fixture
def ids_and_labels():
    """1,000 'images' that are their own index, with unbalanced labels."""
    rng = np.random.default_rng(0)
    labels = rng.choice(10, size=1_000, p=np.linspace(1, 2, 10) / np.linspace(1, 2, 10).sum())
    return np.arange(1_000), labels


@pytest.mark.parametrize("fraction", [0.8, 0.5, 0.123, 0.97])
@pytest.mark.parametrize("stratify", [True, False])
def test_sizes_cover_and_disjoint(ids_and_labels, fraction, stratify):
    ids, labels = ids_and_labels
    (train_ids, train_labels), (test_ids, test_labels) = train_test_split(
        ids, labels, fraction, seed=1, stratify=stratify
    )
    assert abs(len(train_ids) - round(1_000 * fraction)) <= 1
    assert len(train_ids) + len(test_ids) == 1_000
    assert not set(train_ids) & set(test_ids)
    assert sorted(np.concatenate([train_ids, test_ids])) == list(range(1_000))
    np.testing.assert_array_equal(labels[train_ids], train_labels)  # labels travel with images
    np.testing.assert_array_equal(labels[test_ids], test_labels)


def test_each_class_keeps_its_share(ids_and_labels):
    ids, labels = ids_and_labels
    (_, train_labels), (_, test_labels) = train_test_split(ids, labels, 0.8, seed=0)
    counts = np.bincount(labels, minlength=10)
    assert np.all(np.abs(np.bincount(train_labels, minlength=10) - 0.8 * counts) < 1)
    assert np.all(np.abs(np.bincount(test_labels, minlength=10) - 0.2 * counts) < 1)


def test_same_seed_same_split_other_seed_other_split(ids_and_labels):
    ids, labels = ids_and_labels
    first = train_test_split(ids, labels, seed=7)
    again = train_test_split(ids, labels, seed=7)
    other = train_test_split(ids, labels, seed=8)
    np.testing.assert_array_equal(first[0][0], again[0][0])
    np.testing.assert_array_equal(first[1][0], again[1][0])
    assert not np.array_equal(first[0][0], other[0][0])


def test_parts_are_shuffled(ids_and_labels):
    ids, labels = ids_and_labels
    (_, train_labels), _ = train_test_split(ids, labels)
    assert not np.all(np.diff(train_labels) >= 0)  # not grouped class by class


@pytest.mark.parametrize("fraction", [0, 1, 0.0, 1.0, -0.2, 1.5, math.nan, math.inf, "abc", None])
def test_invalid_fractions(ids_and_labels, fraction):
    ids, labels = ids_and_labels
    with pytest.raises(ValueError, match="train_fraction"):
        train_test_split(ids, labels, fraction)


def test_mismatched_lengths():
    with pytest.raises(ValueError, match="same length, got 10 images and 9 labels"):
        train_test_split(np.zeros((10, 28, 28)), np.zeros(9, int))


def test_a_side_that_would_be_empty():
    with pytest.raises(ValueError, match="test part of 10 images empty"):
        train_test_split(np.zeros((10, 2)), np.arange(10) % 2, 0.97)


def test_a_class_missing_from_one_side_when_stratified():
    labels = np.array([0] * 20 + [1] * 20 + [2])  # only one image of class 2
    with pytest.raises(ValueError, match=r"class\(es\) \[2\]"):
        train_test_split(np.zeros((41, 3)), labels, 0.8)
    # Without stratification the same split is allowed.
    (train, _), (test, _) = train_test_split(np.zeros((41, 3)), labels, 0.8, stratify=False)
    assert len(train) + len(test) == 41
