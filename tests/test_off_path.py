"""Off the happy path (issue 10): every example that once gave a silent wrong answer, lost
a model, crashed or named the wrong thing, each pinned down by a test."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import mnist_cnn
from mnist_cnn import build_cnn, data, train
from mnist_cnn._tensorflow import keras
from mnist_cnn.training import TrainingDivergedError


@pytest.fixture(scope="module")
def small_split():
    images, labels = mnist_cnn.load_sample(600, seed=0)
    return mnist_cnn.train_test_split(images, labels, 0.8, seed=0)


@pytest.fixture(scope="module")
def trained(small_split):
    """A model trained for two epochs on 480 images."""
    (train_images, train_labels), _ = small_split
    model = build_cnn(seed=0)
    train(model, train_images, train_labels, epochs=2, batch_size=32, live_plot=False, verbose=0)
    return model


# -- silent wrong results ---------------------------------------------------------------


def test_training_on_floats_0_1_is_the_same_as_on_uint8(small_split):
    (train_images, train_labels), _ = small_split

    def run(images):
        model = build_cnn(seed=3)
        history = train(
            model, images, train_labels, epochs=2, batch_size=32, seed=3, live_plot=False, verbose=0
        )
        return history.history

    as_uint8, as_floats = run(train_images), run(train_images.astype("float32") / 255)
    for key in as_uint8:
        np.testing.assert_allclose(as_uint8[key], as_floats[key], rtol=1e-5, atol=1e-6)
    assert as_floats["val_accuracy"][-1] > 0.5  # it learned (dividing twice gave ~11%)


def test_evaluate_and_predict_read_floats_0_1_like_uint8(trained, small_split):
    _, (test_images, test_labels) = small_split
    floats = test_images.astype("float64") / 255
    assert mnist_cnn.evaluate(trained, floats, test_labels) == mnist_cnn.evaluate(
        trained, test_images, test_labels
    )
    classes, probabilities = mnist_cnn.predict(trained, floats)
    classes_uint8, probabilities_uint8 = mnist_cnn.predict(trained, test_images)
    np.testing.assert_array_equal(classes, classes_uint8)
    np.testing.assert_allclose(probabilities, probabilities_uint8, atol=1e-6)
    assert len(set(classes.tolist())) > 3  # not "every image a 5"
    digit, _ = mnist_cnn.predict_digit(trained, floats[0])
    assert digit == classes_uint8[0]


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_a_nan_loss_raises_without_the_live_chart(small_split, optimizer):
    (train_images, train_labels), _ = small_split
    model = build_cnn(seed=0)
    before = model.get_weights()
    with pytest.raises(TrainingDivergedError, match=r"learning_rate=1e\+10 is too high"):
        train(
            model,
            train_images,
            train_labels,
            epochs=3,
            learning_rate=1e10,
            optimizer=optimizer,
            live_plot=False,
            verbose=0,
        )
    assert len(model.history.history["loss"]) <= 1  # stopped at once, not after every epoch
    for weights, kept in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(weights, kept)  # put back: the model is not lost
    assert mnist_cnn.model_record(model) is None  # the diverged run is not on its record


@pytest.mark.parametrize(
    "images, name, message",
    [
        (np.full((3, 28, 28), np.nan), "images", "NaN"),
        (np.ones((3, 28, 28), bool), "images", "bool"),
        (np.full((3, 28, 28), 765, np.int64), "images", "from 0 to 255"),
        (np.full((3, 28, 28), 200.0), "images", "0-255 values stored as floats"),
        (np.full((3, 28, 28), -0.5), "images", "from 0 to 1"),
        (np.full((3, 28, 28), "7"), "images", "dtype <U1"),
    ],
)
def test_bad_pixels_are_refused_by_name(images, name, message):
    with pytest.raises(ValueError, match=message) as error:
        mnist_cnn.check_images(images, np.zeros(3, int))
    assert str(error.value).startswith(name)


@pytest.mark.parametrize(
    "labels, message",
    [
        (np.arange(3) + 0.5, "fractions such as 0.5"),
        (np.array([0, 1, 10]), "from 0 to 9, got values from 0 to 10"),
        (np.array([0, -1, 2]), "from 0 to 9"),
        (np.array([True, False, True]), "True/False"),
        (np.array([0.0, np.nan, 1.0]), "NaN"),
        (np.eye(10)[:3], "argmax"),
    ],
)
def test_bad_labels_are_refused_before_tensorflow_sees_them(small_split, labels, message):
    images = small_split[0][0][:3]
    with pytest.raises(ValueError, match=message) as error:
        train(build_cnn(), images, labels, live_plot=False)
    assert str(error.value).startswith("train_labels")


def test_whole_number_float_labels_are_digits():
    _, labels = mnist_cnn.check_images(np.zeros((2, 28, 28), np.uint8), np.array([3.0, 5.0]))
    assert labels.dtype == np.int64 and labels.tolist() == [3, 5]


def test_most_confused_lists_mistakes_only():
    perfect = np.diag([100, 90, 80, 70, 60, 50, 40, 30, 20, 10])
    assert mnist_cnn.most_confused(perfect, top=100) == []
    matrix = perfect.copy()
    matrix[3, 5] = 4
    assert mnist_cnn.most_confused(matrix, top=100) == [(3, 5, 4)]


def test_the_mistakes_browser_says_no_mistakes():
    images = np.zeros((5, 28, 28), np.uint8)
    labels = np.array([0, 1, 2, 3, 4])
    probabilities = np.eye(10)[labels]
    browser = mnist_cnn.mistakes_browser(images, labels, labels, probabilities)
    assert browser.pair.options == (("no mistakes", None),)
    assert "no mistakes" in browser.caption.value


def test_matrix_functions_check_their_input():
    counts = np.diag(np.full(10, 5))
    with pytest.raises(ValueError, match="negative"):
        mnist_cnn.class_report(counts - 2 * np.eye(10, k=1, dtype=int))
    shares = mnist_cnn.normalize_matrix(counts + 1, "true")
    with pytest.raises(ValueError, match="normalised already"):
        mnist_cnn.plot_confusion_matrix(shares)
    with pytest.raises(ValueError, match="normalised already"):
        mnist_cnn.plot_confusion_matrix_static(shares)
    with pytest.raises(ValueError, match="square"):
        mnist_cnn.class_report(np.ones((10, 9), int))
    with pytest.raises(ValueError, match="NaN"):
        mnist_cnn.most_confused(np.full((10, 10), np.nan))
    with pytest.raises(ValueError, match="top must be"):
        mnist_cnn.most_confused(counts, top=0)


def test_an_empty_image_is_not_read_as_a_digit(trained):
    with pytest.raises(ValueError, match="empty"):
        mnist_cnn.predict_digit(trained, np.zeros((28, 28), np.uint8))
    with pytest.raises(ValueError, match="empty"):
        mnist_cnn.preprocess_drawing(np.zeros((28, 28), np.uint8))


def test_a_dot_is_too_small_to_read():
    dot = np.zeros((28, 28), np.uint8)
    dot[14, 14] = 255
    with pytest.raises(ValueError, match="draw it bigger"):
        mnist_cnn.preprocess_drawing(dot)
    stroke = np.zeros((28, 28), np.uint8)
    stroke[6:22, 13:15] = 255
    assert mnist_cnn.preprocess_drawing(stroke).max() > 0  # a real stroke is still read


def test_the_digit_reader_asks_for_a_bigger_digit(trained):
    reader = mnist_cnn.digit_reader(trained)
    dot = np.zeros((28, 28), np.uint8)
    dot[14, 13:15] = 255
    reader.pad.image = dot
    assert "draw it bigger" in reader.prediction.value and reader.probabilities is None


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"batch_norm": "no"}, "batch_norm must be True or False"),
        ({"dropout": "0.5"}, "dropout must be a number"),
        ({"filters": 8}, "filters must be a tuple"),
        ({"name": "my model!"}, "name must be"),
    ],
)
def test_config_values_of_the_wrong_type_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        mnist_cnn.CNNConfig(**settings)


# -- what a model was trained on ---------------------------------------------------------


def test_a_saved_model_remembers_what_it_was_trained_on(trained, small_split, tmp_path):
    (train_images, _), (test_images, test_labels) = small_split
    record = mnist_cnn.model_record(trained)
    assert record.trained_on == 432 and record.validated_on == 48  # 480 minus 10% held out
    assert record.epochs == 2 and record.seed == 0
    result = mnist_cnn.evaluate(trained, test_images, test_labels)
    path = mnist_cnn.save_model(trained, tmp_path / "m.keras", data="600-image sample", test=result)
    loaded = mnist_cnn.load_model(path)
    again = mnist_cnn.model_record(loaded)
    np.testing.assert_array_equal(again.seen, record.seen)
    assert again.data == "600-image sample" and again.test["accuracy"] == result.accuracy
    assert again.overlap(test_images) == 0
    assert again.overlap(train_images) >= 432


def test_evaluating_on_training_images_warns_that_they_are_not_unseen(trained, small_split):
    (train_images, train_labels), _ = small_split
    with pytest.warns(UserWarning, match="not a test on unseen images"):
        result = mnist_cnn.evaluate(trained, train_images, train_labels)
    assert result.seen_in_training >= 432
    assert "NOT unseen" in str(result)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # on purpose: no warning, the result still says it
        on_purpose = mnist_cnn.evaluate(trained, train_images, train_labels, warn_if_seen=False)
    assert on_purpose.seen_in_training == result.seen_in_training


def quick_tutorial(monkeypatch):
    """load_or_train's tutorial preset, trained for 1 epoch (PRESETS cannot be changed)."""
    from mnist_cnn import training
    from mnist_cnn.config import PRESETS, Preset, TrainingConfig

    quick = Preset(PRESETS["tutorial"].model, TrainingConfig(epochs=1))
    monkeypatch.setattr(training, "PRESETS", {**PRESETS, "tutorial": quick})


def test_load_or_train_refuses_a_model_trained_on_the_notebooks_test_images(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("MNIST_CNN_MODELS", str(tmp_path))
    images, labels = mnist_cnn.load_sample(10_000, seed=0)
    _, (test_images, test_labels) = mnist_cnn.train_test_split(images, labels, seed=0)
    cheater = build_cnn(seed=0)
    train(cheater, test_images, test_labels, epochs=1, live_plot=False, verbose=0)
    mnist_cnn.save_model(cheater)
    saved = (tmp_path / "tutorial_cnn.keras").read_bytes()
    quick_tutorial(monkeypatch)

    model = mnist_cnn.load_or_train()
    said = capsys.readouterr().out
    assert "trained on 1,800 of the 2,000 test images" in said  # 10% was held out
    assert mnist_cnn.model_record(model).overlap(test_images) == 0
    assert (tmp_path / "tutorial_cnn.keras").read_bytes() == saved  # the file is untouched


def test_load_or_train_does_not_trust_a_model_without_a_record(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MNIST_CNN_MODELS", str(tmp_path))
    build_cnn(seed=0).save(tmp_path / "tutorial_cnn.keras")  # saved by Keras, no record
    quick_tutorial(monkeypatch)
    mnist_cnn.load_or_train()
    assert "does not say what it was trained on" in capsys.readouterr().out


# -- saving ------------------------------------------------------------------------------


def test_each_save_uses_its_own_temporary_file(tmp_path, monkeypatch):
    import tempfile

    names = []
    real = tempfile.mkstemp

    def spy(*args, **kwargs):
        handle, name = real(*args, **kwargs)
        names.append(name)
        return handle, name

    monkeypatch.setattr(tempfile, "mkstemp", spy)
    model = build_cnn(seed=0)
    for _ in range(2):
        mnist_cnn.save_model(model, tmp_path / "m.keras")
    # One for each save's check of the destination, one for each save itself.
    assert len(set(names)) == 4 and all(name.endswith(".partial.keras") for name in names)
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]  # no temporary file left


@pytest.mark.parametrize(
    "destination, message",
    [("folder", "is a folder"), ("model.h5", "must end in .keras"), ("file/m.keras", "cannot")],
)
def test_a_bad_destination_is_refused_before_anything_is_written(tmp_path, destination, message):
    from mnist_cnn.saving import check_destination

    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("a file, not a folder")
    with pytest.raises((ValueError, OSError), match=message):
        check_destination(tmp_path / destination)


# -- crashes -----------------------------------------------------------------------------


def test_ctrl_c_before_keras_has_set_anything_up(small_split, monkeypatch, capsys):
    (train_images, train_labels), _ = small_split
    model = build_cnn(seed=0)

    def interrupted_at_once(*args, **kwargs):  # Ctrl-C while fit() is preparing the data
        raise KeyboardInterrupt

    monkeypatch.setattr(type(model), "fit", interrupted_at_once)
    history = train(model, train_images, train_labels, epochs=3, live_plot=False, verbose=0)
    assert history.history == {}
    assert "interrupted after 0 finished epoch(s)" in capsys.readouterr().out


class InterruptAtStart(keras.callbacks.Callback):
    """Ctrl-C while Keras is still setting up, before its History exists."""

    def set_model(self, model):
        raise KeyboardInterrupt


@pytest.mark.parametrize("trained_before", [False, True])
def test_ctrl_c_in_the_first_second_is_not_a_crash(small_split, capsys, trained_before):
    (train_images, train_labels), _ = small_split
    model = build_cnn(seed=0)
    if trained_before:  # model.history is then left over from that earlier run
        train(model, train_images, train_labels, epochs=1, live_plot=False, verbose=0)
    history = train(
        model,
        train_images,
        train_labels,
        epochs=3,
        live_plot=False,
        verbose=0,
        callbacks=[InterruptAtStart()],
    )
    assert history.history == {}
    assert "interrupted after 0 finished epoch(s)" in capsys.readouterr().out


def test_predict_on_no_images_gives_empty_results(trained):
    classes, probabilities = mnist_cnn.predict(trained, np.zeros((0, 28, 28), np.uint8))
    assert classes.shape == (0,) and probabilities.shape == (0, 10)


def test_a_data_folder_that_is_a_file_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_CNN_DATA", str(tmp_path / "a-file"))
    (tmp_path / "a-file").write_text("")
    with pytest.raises(NotADirectoryError, match="MNIST_CNN_DATA"):
        mnist_cnn.load_mnist()
    with pytest.raises(NotADirectoryError, match="data_dir"):
        mnist_cnn.load_mnist(tmp_path / "a-file")


def test_an_unreadable_data_file_says_so(tiny_mnist, monkeypatch):
    def refuse(path, capacity):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(data, "_gunzip_into", refuse)
    with pytest.raises(PermissionError, match="cannot read .*chmod"):
        data.load_mnist(tiny_mnist.folder, download=False)


def test_a_model_for_other_inputs_is_named(small_split):
    other = keras.Sequential(
        [keras.Input((32, 32)), keras.layers.Flatten(), keras.layers.Dense(10)]
    )
    _, (test_images, test_labels) = small_split
    for call in (
        lambda: mnist_cnn.evaluate(other, test_images, test_labels),
        lambda: mnist_cnn.predict(other, test_images),
        lambda: mnist_cnn.predict_digit(other, test_images[0]),
        lambda: train(other, test_images, test_labels, live_plot=False),
    ):
        with pytest.raises(ValueError, match=r"model reads inputs of shape \(32, 32\)"):
            call()
    with pytest.raises(TypeError, match="model must be a Keras model"):
        mnist_cnn.evaluate("tutorial_cnn.keras", test_images, test_labels)


# -- messages that name the right thing ----------------------------------------------------


@pytest.mark.parametrize("fraction", [1.0, -0.1, float("nan"), "a tenth"])
def test_validation_fraction_is_named(small_split, fraction):
    (train_images, train_labels), _ = small_split
    with pytest.raises(ValueError, match="^validation_fraction must be"):
        train(build_cnn(), train_images, train_labels, validation_fraction=fraction)


def test_a_validation_split_too_small_names_validation_fraction():
    images, labels = mnist_cnn.load_sample(20, seed=0)
    with pytest.raises(ValueError, match="validation_fraction=0.1 of 20") as error:
        train(build_cnn(), images, labels, live_plot=False)
    assert "train_fraction" not in str(error.value)


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, "0", True])
def test_a_bad_seed_is_named(seed):
    images, labels = mnist_cnn.load_sample(100, seed=0)
    for call in (
        lambda: mnist_cnn.load_sample(100, seed=seed),
        lambda: mnist_cnn.train_test_split(images, labels, seed=seed),
        lambda: build_cnn(seed=seed),
        lambda: train(build_cnn(), images, labels, seed=seed),
    ):
        with pytest.raises(ValueError, match="^seed must be"):
            call()


def test_build_cnn_with_a_preset_name_says_how():
    with pytest.raises(TypeError, match=r"PRESETS\['fast'\].model"):
        build_cnn("fast")


def test_an_unknown_preset_lists_the_presets():
    with pytest.raises(KeyError) as error:
        mnist_cnn.PRESETS["bogus"]
    assert str(error.value) == "no preset named 'bogus'; the presets are 'tutorial', 'fast', " + (
        "'accurate'."
    )


def test_the_offline_error_says_the_fix_first_and_tries_each_mirror_once(
    tiny_mnist, monkeypatch, tmp_path
):
    from conftest import closed_port

    mirrors = (f"http://127.0.0.1:{closed_port()}/", f"http://127.0.0.1:{closed_port()}/")
    monkeypatch.setattr(data, "MIRRORS", mirrors)
    with pytest.raises(FileNotFoundError) as error:
        data.load_mnist(tmp_path / "empty")
    lines = str(error.value).splitlines()
    assert lines[0].startswith("MNIST files missing from") and lines[1].startswith("Fix: copy")
    tried = [line for line in lines if line.startswith("  - http")]
    assert len(tried) == 2  # each unreachable mirror once, not once per file


# -- found by the adversarial pass ------------------------------------------------------------


def test_a_model_you_compiled_refuses_settings_it_would_ignore(small_split):
    (train_images, train_labels), _ = small_split
    model = build_cnn(seed=0)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="sparse_categorical_crossentropy")
    for settings in (
        {"learning_rate": 0.5},
        {"optimizer": "adam"},
        {"schedule": "cosine"},
        {"config": mnist_cnn.PRESETS["fast"].training},
    ):
        with pytest.raises(ValueError, match="train\\(\\) keeps a compile of yours"):
            train(model, train_images, train_labels, epochs=1, live_plot=False, **settings)
    assert int(model.optimizer.iterations) == 0  # refused before any training
    # Without optimizer settings, your compile trains: the same SGD object, at its own rate.
    optimizer = model.optimizer
    train(model, train_images, train_labels, epochs=1, live_plot=False, verbose=0)
    assert model.optimizer is optimizer and int(optimizer.iterations) > 0
    assert float(optimizer.learning_rate) == pytest.approx(0.05)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"learning_rate": True}, "^learning_rate must be"),
        ({"optimizer": None}, "^optimizer must be a name"),
        ({"optimizer": 3}, "^optimizer must be"),
        ({"optimizer": "bogus"}, "^optimizer must be"),
        ({"callbacks": ["x"]}, "^callbacks must be Keras callbacks"),
        ({"validation_fraction": "abc", "validation_data": "checked first"}, "^validation_"),
    ],
)
def test_training_settings_are_named(small_split, settings, message):
    (train_images, train_labels), _ = small_split
    with pytest.raises(ValueError, match=message):
        train(build_cnn(), train_images, train_labels, live_plot=False, **settings)


def test_numpy_numbers_are_numbers(small_split):
    config = mnist_cnn.CNNConfig(filters=np.array([8, 16]), kernel_size=np.int64(5))
    assert build_cnn(config).count_params() == 5_994
    (train_images, train_labels), _ = small_split
    train(
        build_cnn(config),
        train_images[:64],
        train_labels[:64],
        epochs=1,
        learning_rate=np.float32(0.003),
        validation_fraction=0,
        live_plot=False,
    )


def test_a_diverged_model_is_refused_everywhere(trained, small_split, tmp_path):
    _, (test_images, test_labels) = small_split
    broken = keras.models.clone_model(trained)
    broken.set_weights([np.full_like(w, np.nan) for w in trained.get_weights()])
    for call in (
        lambda: mnist_cnn.evaluate(broken, test_images, test_labels),
        lambda: mnist_cnn.predict(broken, test_images),
        lambda: mnist_cnn.predict_digit(broken, test_images[0]),
        lambda: mnist_cnn.save_model(broken, tmp_path / "broken.keras"),
    ):
        with pytest.raises(ValueError, match="NaN or infinite weights"):
            call()
    assert not (tmp_path / "broken.keras").exists()


def test_a_0_1_integer_mask_is_not_taken_for_pixels(small_split):
    (train_images, train_labels), _ = small_split
    with pytest.raises(ValueError, match=r"images \* 255"):
        mnist_cnn.check_images((train_images > 127).astype(np.int64))


def test_almost_1_floats_suggest_clipping():
    with pytest.raises(ValueError, match=r"np.clip\(images, 0, 1\)"):
        mnist_cnn.check_images(np.full((1, 28, 28), 1.000001))


@pytest.mark.parametrize("settings", [{"image_size": 32}, {"num_classes": 5}])
def test_configs_for_other_data_are_refused_at_once(settings):
    with pytest.raises(ValueError, match="for MNIST"):
        mnist_cnn.CNNConfig(**settings)


def test_a_matrix_of_no_images_is_refused():
    for call in (mnist_cnn.class_report, mnist_cnn.plot_per_class_accuracy):
        with pytest.raises(ValueError, match="counts no images"):
            call(np.zeros((10, 10), int))


@pytest.mark.parametrize(
    "drawing, message",
    [
        (np.full((3, 3), 200, np.uint8), "at least 28 pixels"),
        (np.full((280, 280), 128, np.uint8), "no clear background"),
        (np.zeros((280, 280, 3), np.uint8), "colour picture"),
    ],
)
def test_drawings_that_cannot_be_read(drawing, message):
    with pytest.raises(ValueError, match=message):
        mnist_cnn.preprocess_drawing(drawing)


def test_functions_of_a_model_check_the_model(trained):
    dense_only = keras.Sequential(
        [keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, "softmax")]
    )
    with pytest.raises(ValueError, match="no convolution layers"):
        mnist_cnn.conv_filters(dense_only)
    with pytest.raises(ValueError, match="no convolution layers"):
        mnist_cnn.feature_maps(dense_only, np.zeros((28, 28), np.uint8))
    for call in (
        lambda: mnist_cnn.conv_filters(None),
        lambda: mnist_cnn.save_model("model"),
        lambda: mnist_cnn.model_record(None),
    ):
        with pytest.raises(TypeError, match="must be a Keras model"):
            call()
    with pytest.raises(ValueError, match="^test must be the result of evaluate"):
        mnist_cnn.save_model(trained, test="0.9")


def test_load_model_on_files_that_are_not_models(tmp_path, trained):
    import zipfile

    (tmp_path / "notes.txt").write_text("not a model")
    with pytest.raises(ValueError, match="Check that it is a .keras file") as error:
        mnist_cnn.load_model(tmp_path / "notes.txt")
    assert "Delete" not in str(error.value)
    with pytest.raises(IsADirectoryError, match="is a folder"):
        mnist_cnn.load_model(tmp_path)
    path = mnist_cnn.save_model(trained, tmp_path / "m.keras")
    with zipfile.ZipFile(path, "a") as archive:  # a second, broken record entry
        archive.writestr("mnist_cnn_record.json", "{broken")
    with pytest.warns(UserWarning, match="is damaged"):
        model = mnist_cnn.load_model(path)
    assert mnist_cnn.model_record(model) is None and model.count_params() == 5_994


def test_short_probabilities_are_named(small_split):
    _, (test_images, test_labels) = small_split
    probabilities = np.full((5, 10), 0.1)
    with pytest.raises(ValueError, match="^probabilities must have shape"):
        mnist_cnn.mistakes_browser(test_images, test_labels, test_labels, probabilities)
    with pytest.raises(ValueError, match="^probabilities must have shape"):
        mnist_cnn.plot_mistakes(test_images, test_labels, test_labels, probabilities, [50])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: mnist_cnn.confusion_matrix([1], [1], num_classes=2.5), "^num_classes must be"),
        (lambda: mnist_cnn.confusion_matrix([1], [1], num_classes=0), "^num_classes must be"),
        (lambda: mnist_cnn.digit_browser(np.zeros((2, 28, 28), np.uint8), None), "^labels must"),
        (lambda: mnist_cnn.check_images([[0, 1], [0]]), "^images must be an array"),
        (lambda: mnist_cnn.check_images(np.zeros((2, 28, 28)), np.array(["3", "5"])), "astype"),
        (lambda: mnist_cnn.load_mnist(123), "^data_dir must be a file or folder name"),
    ],
)
def test_more_messages_name_the_argument(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_the_inside_browser_needs_images(trained):
    with pytest.raises(ValueError, match="images is empty"):
        mnist_cnn.inside_browser(trained, np.zeros((0, 28, 28), np.uint8), np.zeros(0, int))
