"""The CNN: its shape, its config's validation, seeded weights, saving and loading."""

from __future__ import annotations

import numpy as np
import pytest

import mnist_cnn
from mnist_cnn import CNNConfig, build_cnn, layer_table


def test_the_tutorial_cnn_has_5994_parameters_and_ten_outputs():
    model = build_cnn()
    assert model.count_params() == 5_994
    probabilities = model.predict(np.zeros((3, 28, 28), np.uint8), verbose=0)
    assert probabilities.shape == (3, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)


def test_the_model_starts_by_rescaling_raw_pixels():
    model = build_cnn()
    assert type(model.layers[0]).__name__ == "Rescaling"
    assert model.layers[0].scale == pytest.approx(1 / 255)


def test_layer_table_lists_shapes_and_parameters():
    table = layer_table(build_cnn())
    shapes = {name: shape for name, _, shape, _ in table}
    assert shapes["conv1"] == (24, 24, 8) and shapes["pool2"] == (4, 4, 16)
    assert shapes["flatten"] == (256,) and shapes["probabilities"] == (10,)
    assert table.total() == 5_994
    assert "5,994" in str(table) and "<table>" in table._repr_html_()


def test_config_fields_change_the_model():
    config = CNNConfig(filters=(4, 8, 8), kernel_size=3, dense_units=(32,), dropout=0.25)
    model = build_cnn(config)
    names = [type(layer).__name__ for layer in model.layers]
    assert names.count("Conv2D") == 3 and names.count("Dropout") == 2
    assert layer_table(model)[-1][2] == (10,)


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"filters": (8, 0)}, "filters must be positive"),
        ({"filters": (-1,)}, "filters must be positive"),
        ({"filters": ()}, "at least one"),
        ({"kernel_size": 29}, "larger than the 28x28 input of convolution block 1"),
        ({"kernel_size": 13}, "larger than the 8x8 input of convolution block 2"),
        ({"dropout": 1.0}, "dropout"),
        ({"dense_units": (0,)}, "dense_units"),
        ({"filters": (8, 8, 8, 8), "kernel_size": 5}, "4x4 input of convolution block 3"),
        ({"filters": (4,) * 5, "kernel_size": 1}, "block 5 shrinks"),
    ],
)
def test_bad_configs_are_refused(arguments, message):
    with pytest.raises(ValueError, match=message):
        CNNConfig(**arguments)


def test_same_seed_same_weights_other_seed_other_weights():
    first, again, other = build_cnn(seed=3), build_cnn(seed=3), build_cnn(seed=4)
    for a, b in zip(first.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first.get_weights()[0], other.get_weights()[0])
    # Layers must not share their initial weights.
    assert not np.array_equal(
        first.layers[2].get_weights()[0].ravel()[:10], first.layers[4].get_weights()[0].ravel()[:10]
    )


def test_save_and_load_round_trip(tmp_path):
    model = build_cnn(seed=0)
    path = mnist_cnn.save_model(model, tmp_path / "model.keras")
    loaded = mnist_cnn.load_model(path)
    images = np.random.default_rng(0).integers(0, 256, (4, 28, 28), dtype=np.uint8)
    np.testing.assert_allclose(model.predict(images, verbose=0), loaded.predict(images, verbose=0))
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]  # no partial file left


def test_loading_a_missing_model_says_how_to_make_one(tmp_path):
    with pytest.raises(FileNotFoundError, match="03_train_the_cnn"):
        mnist_cnn.load_model(tmp_path / "nothing.keras")


def test_loading_a_corrupt_model_is_a_clear_error(tmp_path):
    path = mnist_cnn.save_model(build_cnn(), tmp_path / "model.keras")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ValueError, match="not a readable Keras model"):
        mnist_cnn.load_model(path)


def test_saving_needs_the_keras_suffix(tmp_path):
    with pytest.raises(ValueError, match=".keras"):
        mnist_cnn.save_model(build_cnn(), tmp_path / "model.h5")


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"padding": "full"}, "padding"),
        ({"shift": 0.6}, "shift"),
        ({"rotation": -0.1}, "rotation"),
        ({"whiten": "yes"}, "whiten must be True or False"),
        ({"whiten": True, "filters": (7, 16)}, "even number of first-layer filters"),
        ({"whiten": True, "filters": (52, 16)}, "at most 50 for a 5x5 kernel"),
    ],
)
def test_bad_recipe_fields_are_refused(arguments, message):
    with pytest.raises(ValueError, match=message):
        CNNConfig(**arguments)


def test_batch_norm_and_augmentation_layers():
    model = build_cnn(CNNConfig(filters=(16, 32), batch_norm=True, shift=0.1, padding="same"))
    names = [type(layer).__name__ for layer in model.layers]
    assert names.count("BatchNormalization") == 2 and "RandomAffine" in names
    assert layer_table(model)[-2][2] == (7 * 7 * 32,)  # "same" keeps 28 -> 14 -> 7
    images = np.random.default_rng(0).integers(0, 256, (2, 28, 28), dtype=np.uint8)
    # Augmentation is for training only: predictions do not change from call to call.
    np.testing.assert_allclose(model.predict(images, verbose=0), model.predict(images, verbose=0))


def test_learning_rate_schedules():
    from mnist_cnn.training import learning_rate_schedule

    assert learning_rate_schedule("constant", 0.01, 100) == 0.01
    one_cycle = learning_rate_schedule("one_cycle", 0.01, 100)
    rates = [float(one_cycle(step)) for step in (0, 15, 99)]
    assert rates[0] == pytest.approx(0.0005) and rates[1] == pytest.approx(0.01, rel=0.05)
    assert rates[2] < 0.001
    cosine = learning_rate_schedule("cosine", 0.01, 100)
    assert float(cosine(0)) == pytest.approx(0.01) and float(cosine(100)) == pytest.approx(0)
    with pytest.raises(ValueError, match="schedule must be one of"):
        mnist_cnn.TrainingConfig(schedule="triangle")
    with pytest.raises(ValueError, match="learning_rate"):
        mnist_cnn.TrainingConfig(learning_rate=float("nan"))


def test_a_clone_of_a_seeded_model_has_its_starting_weights(tmp_path):
    """Notebook 05 draws the filters before training with keras.models.clone_model(model): each
    layer keeps its seed, so the clone of a trained, saved and loaded model starts where it did."""
    model = build_cnn(mnist_cnn.PRESETS["tutorial"].model, seed=0)
    start = [weights.copy() for weights in model.get_weights()]
    images, labels = mnist_cnn.load_sample(200, seed=0)
    mnist_cnn.train(model, images, labels, epochs=1, live_plot=False, verbose=0)
    loaded = mnist_cnn.load_model(mnist_cnn.save_model(model, tmp_path / "m.keras"))
    assert not np.array_equal(loaded.get_weights()[0], start[0])  # training moved them
    clone = mnist_cnn.keras.models.clone_model(loaded)
    for cloned, first in zip(clone.get_weights(), start, strict=True):
        np.testing.assert_array_equal(cloned, first)


def test_a_whitened_first_layer_is_fixed_and_decorrelates_digit_patches(tmp_path):
    """CNNConfig(whiten=True): conv1 holds whitening filters of MNIST's patches, in +/- pairs,
    is not trained, and a clone or a saved and loaded model has the same filters."""
    from numpy.lib.stride_tricks import sliding_window_view

    from mnist_cnn import keras

    model = build_cnn(CNNConfig(filters=(16, 32), whiten=True), seed=0)
    conv1 = model.get_layer("conv1")
    assert not conv1.trainable and model.get_layer("conv2").trainable
    kernel = conv1.kernel.numpy()
    np.testing.assert_array_equal(kernel, mnist_cnn.model.whitening_filters(5, 16))
    np.testing.assert_array_equal(kernel[..., 8:], -kernel[..., :8])
    # Whitening: on digits it never saw (the test set), the 8 directions' responses to 5x5
    # patches are uncorrelated and about equally spread.
    _, (test_images, _) = mnist_cnn.load_mnist()
    patches = sliding_window_view(test_images[:500] / 255.0, (5, 5), axis=(1, 2)).reshape(-1, 25)
    covariance = np.cov(patches @ kernel[..., :8].reshape(25, 8), rowvar=False)
    spread = np.sqrt(np.diag(covariance))
    correlation = covariance / np.outer(spread, spread)
    assert np.abs(correlation - np.eye(8)).max() < 0.1
    assert spread.max() / spread.min() < 1.5
    # Training leaves it alone; a clone and a loaded model start from the same filters.
    images, labels = mnist_cnn.load_sample(500, seed=0)
    mnist_cnn.train(model, images, labels, epochs=1, live_plot=False, verbose=0)
    np.testing.assert_array_equal(model.get_layer("conv1").kernel.numpy(), kernel)
    clone = keras.models.clone_model(model)
    np.testing.assert_array_equal(clone.get_layer("conv1").kernel.numpy(), kernel)
    loaded = mnist_cnn.load_model(mnist_cnn.save_model(model, tmp_path / "white.keras"))
    np.testing.assert_array_equal(loaded.get_layer("conv1").kernel.numpy(), kernel)
    assert not loaded.get_layer("conv1").trainable
