"""The presets and the training settings issue 20 added: label smoothing."""

from __future__ import annotations

import numpy as np
import pytest

import mnist_cnn
from mnist_cnn import PRESETS, TrainingConfig, build_cnn, webexport
from mnist_cnn._tensorflow import keras
from mnist_cnn.training import SmoothedCrossentropy


def _probabilities(count=6, seed=0):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(count, 10)).astype("float32")
    return np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)


def test_smoothed_crossentropy_is_keras_crossentropy_against_smoothed_one_hot_labels():
    probabilities, labels = _probabilities(), np.array([0, 3, 9, 3, 5, 1])
    for smoothing in (0.1, 0.3):
        expected = keras.losses.CategoricalCrossentropy(label_smoothing=smoothing)(
            keras.utils.to_categorical(labels, 10), probabilities
        )
        ours = SmoothedCrossentropy(smoothing)(labels, probabilities)
        assert float(ours) == pytest.approx(float(expected), rel=1e-5)
    plain = keras.losses.SparseCategoricalCrossentropy()(labels, probabilities)
    assert float(SmoothedCrossentropy(0.0)(labels, probabilities)) == pytest.approx(
        float(plain), rel=1e-5
    )


def test_train_with_label_smoothing_compiles_the_smoothed_loss_and_saves_it(tmp_path):
    images, labels = mnist_cnn.load_sample(300, seed=0)
    model = build_cnn(seed=0)
    history = mnist_cnn.train(
        model, images, labels, label_smoothing=0.1, epochs=1, live_plot=False, verbose=0
    )
    assert history.config.label_smoothing == 0.1
    assert isinstance(model.loss, SmoothedCrossentropy) and model.loss.label_smoothing == 0.1
    plain = build_cnn(seed=0)
    mnist_cnn.train(plain, images, labels, epochs=1, live_plot=False, verbose=0)
    assert plain.loss == "sparse_categorical_crossentropy"
    # A saved model keeps its loss (a class of mnist_cnn, which load_model registers).
    loaded = mnist_cnn.load_model(mnist_cnn.save_model(model, tmp_path / "smoothed.keras"))
    assert isinstance(loaded.loss, SmoothedCrossentropy) and loaded.loss.label_smoothing == 0.1
    np.testing.assert_allclose(
        loaded.predict(images[:5], verbose=0), model.predict(images[:5], verbose=0), rtol=1e-6
    )


def test_label_smoothing_cannot_override_a_learners_own_compile():
    images, labels = mnist_cnn.load_sample(100, seed=0)
    model = build_cnn(seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"label_smoothing=0.1 would be ignored"):
        mnist_cnn.train(model, images, labels, label_smoothing=0.1, live_plot=False)


@pytest.mark.parametrize(
    "value, message",
    [
        (1.0, r"label_smoothing must be in \[0, 1\)"),
        (-0.1, "label_smoothing must be in"),
        ("0.1", "label_smoothing must be a number"),
        (float("nan"), "label_smoothing must be in"),
    ],
)
def test_bad_label_smoothing_is_refused(value, message):
    with pytest.raises(ValueError, match=message):
        TrainingConfig(label_smoothing=value)


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_builds_and_predicts_without_its_augmentation(name):
    preset = PRESETS[name]
    model = build_cnn(preset.model, seed=0)
    images = mnist_cnn.load_sample(20, seed=1)[0]
    np.testing.assert_allclose(
        model.predict(images, verbose=0), np.asarray(model(images)), rtol=1e-5, atol=1e-6
    )


def test_the_pads_model_runs_in_the_browser():
    model = build_cnn(PRESETS["tutorial"].model, seed=0)
    exported = webexport.export_weights(model)
    assert [layer["type"] for layer in exported["layers"]] == [
        "rescale",
        "conv2d",
        "maxpool",
        "conv2d",
        "maxpool",
        "flatten",
        "dense",
    ]
