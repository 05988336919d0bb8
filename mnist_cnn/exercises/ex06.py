"""Exercises of notebook 06, Draw a digit."""

from __future__ import annotations

import numpy as np

from . import (
    Exercise,
    Keyword,
    Unchecked,
    Wrong,
    as_array,
    as_number,
    as_numbers,
    given_model,
    isclose,
    plural,
    whole_number,
)

#: A model that reads fewer of these MNIST digits than this share is not trained: fooling
#: it proves nothing (an untrained one reads about 1 in 10).
TRAINED_ACCURACY = 0.8


def _as_image(answer, what: str) -> np.ndarray:
    image = as_array(answer, f"`{what}`", "a 2-D numpy array")
    if image.ndim != 2:
        raise Wrong(f"`{what}` should be an image, a 2-D array; it has shape {image.shape}.")
    return image


def _given_image(value, keyword: str) -> np.ndarray:
    """An image passed by keyword (the drawing, or your answer to an earlier exercise)."""
    try:
        return _as_image(value, keyword)
    except Wrong as reason:
        raise Unchecked(f"{keyword}= cannot be used: {reason}") from None


def _check_invert(answer, *, drawing) -> str:
    drawing = _given_image(drawing, "drawing").astype(float)
    image = _as_image(answer, "white_on_black")
    if image.shape != drawing.shape:
        raise Wrong(
            f"the result has shape {image.shape}; inverting keeps the shape {drawing.shape}."
        )
    values = image.astype(float)
    truth = 255 - drawing

    def same(a, b, top=255):
        return np.allclose(a, b, rtol=0, atol=1e-6 * top)

    if same(values, drawing):
        raise Wrong(
            "this is the drawing unchanged: dark ink on light paper. Turn every value v "
            "into 255 - v."
        )
    if same(values, truth):
        return "ink is now 255 (white) and paper 0 (black), as in MNIST."
    if image.dtype.kind == "f" and same(values, truth / 255, top=1):
        return "ink is now 1 (white) and paper 0 (black), as floats 0-1; MNIST stores 0-255."
    if image.dtype == np.uint8 and np.array_equal(image, (-drawing.astype(int)) % 256):
        raise Wrong(
            "-drawing on uint8 numbers wraps around (0 stays 0, 255 becomes 1): use 255 - drawing."
        )
    if same(values, 256 - drawing):
        raise Wrong("256 - v turns 0 into 256, which does not fit in a byte: use 255 - v.")
    if same(np.floor(values), truth) or same(np.round(values), truth):
        raise Wrong(
            "close, but not whole numbers: each pixel should be exactly 255 - v, with no "
            f"fraction left (up to {np.abs(values - truth).max():.3g} off here)."
        )
    raise Wrong(
        "each pixel should become 255 minus its value: ink (0) becomes 255, paper (255) becomes 0."
    )


def _check_crop(answer, *, white_on_black) -> str:
    image = _given_image(white_on_black, "white_on_black")
    paper = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
    if np.median(paper) != 0:
        raise Unchecked(
            f"white_on_black= is not white ink on black yet: its border is mostly "
            f"{np.median(paper):g}, not 0 (black). Get exercise 1 right first; this one crops "
            "your answer to it"
        )
    rows, columns = np.nonzero(image)
    if rows.size == 0:
        raise Unchecked("white_on_black= holds no ink (every pixel is 0): check exercise 1")
    truth = image[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1]
    cropped = _as_image(answer, "cropped")
    if cropped.shape == truth.shape and np.allclose(cropped, truth, rtol=0, atol=1e-9):
        return (
            f"the ink fits in {truth.shape[0]} rows x {truth.shape[1]} columns; next it is "
            "scaled to fit 20x20."
        )
    if cropped.shape == image.shape:
        raise Wrong("this is the whole image; keep only the rows and columns that hold ink.")
    height, width = truth.shape
    if cropped.shape in ((height - 1, width - 1), (height - 1, width), (height, width - 1)):
        raise Wrong(
            f"you lost the last row or column of ink: shape {cropped.shape} instead of "
            f"{truth.shape}. A slice a:b stops before b, so end it at max() + 1."
        )
    if cropped.shape == (width, height) and height != width:
        raise Wrong("rows and columns are swapped: the first index of an image is the row.")
    if cropped.shape == truth.shape:
        raise Wrong(
            "the crop has the right size but not the right pixels: cut it from "
            "white_on_black, your answer to exercise 1."
        )
    raise Wrong(
        f"the crop has shape {cropped.shape}; the ink spans {height} rows and {width} "
        "columns. Find them with np.nonzero(white_on_black)."
    )


def _check_centre(answer, *, image) -> str:
    image = _given_image(image, "image").astype(float)
    if image.sum() <= 0:
        raise Unchecked("image= holds no ink, so it has no centre of mass")
    centre = as_numbers(answer, "your centre", "(13.5, 13.5)")
    if len(centre) != 2:
        raise Wrong(f"your centre has {len(centre)} numbers; give (row, column), two numbers.")
    row, column = centre
    rows, columns = np.mgrid[0 : image.shape[0], 0 : image.shape[1]]
    total = image.sum()
    truth = ((rows * image).sum() / total, (columns * image).sum() / total)

    def near(a, b):
        return isclose(a[0], b[0], abs_tol=0.01) and isclose(a[1], b[1], abs_tol=0.01)

    if near((row, column), truth):
        middle = (image.shape[0] - 1) / 2
        off = max(abs(truth[0] - middle), abs(truth[1] - middle))
        return (
            f"({truth[0]:.2f}, {truth[1]:.2f}), {off:.2f} pixels or less from the middle of the "
            f"image, ({middle:g}, {middle:g}): the preparation placed the digit there."
        )
    if near((column, row), truth):
        raise Wrong("rows and columns are swapped: give (row, column), row first.")
    ink_rows, ink_columns = np.nonzero(image)
    box = ((ink_rows.min() + ink_rows.max()) / 2, (ink_columns.min() + ink_columns.max()) / 2)
    if near((row, column), box):
        raise Wrong(
            "that is the middle of the digit's bounding box; the centre of mass weighs "
            "every pixel by its ink, so thick strokes pull it their way."
        )
    if near((row, column), (13.5, 13.5)) or near((row, column), (14, 14)):
        raise Wrong(
            "that is the middle of the image; compute the centre of mass from the ink, "
            "then compare."
        )
    raise Wrong(
        f"({row:.2f}, {column:.2f}) is not it: the row of the centre of mass is "
        "sum(row x ink) / sum(ink) over all pixels, and likewise the column."
    )


def _given_digit(meant) -> int:
    """`meant=` as a digit 0-9 (7.0 is 7), or `Unchecked` saying what to pass."""
    try:
        digit = whole_number(as_number(meant, "meant="))
    except Wrong as reason:
        raise Unchecked(f"{reason} Say which digit you drew, e.g. meant=7") from None
    if digit is None or not 0 <= digit <= 9:
        raise Unchecked(f"meant={meant!r}: say which digit you drew, a whole number from 0 to 9")
    return digit


def _reads_mnist(model) -> float:
    """The share of 500 MNIST digits (not the notebooks' test images) `model` reads right."""
    from ..data import load_sample
    from ..evaluation import predict

    images, labels = load_sample(500, seed=1)
    predicted, _ = predict(model, images)
    return float(np.mean(predicted == labels))


def _check_fooled(answer, *, model, meant) -> str:
    from ..drawing import predict_digit, preprocess_drawing

    model = given_model(model, "model")
    meant = _given_digit(meant)
    image = _as_image(answer, "my_drawing")
    if not image.any():
        raise Wrong(
            "the drawing is empty: draw a digit on the pad first, then run "
            "my_drawing = reader.pad.image."
        )
    try:  # read exactly as the pad reads it
        prepared = preprocess_drawing(image)
    except ValueError as reason:
        raise Wrong(f"the model cannot read this drawing at all: {reason}") from None
    digit, probabilities = predict_digit(model, prepared)
    if digit == meant:
        raise Wrong(
            f"the model read your {meant} correctly ({probabilities[digit]:.0%} sure). "
            "Try a style it may not know: a 1 with a long base, a 7 with a crossbar, a 4 "
            "written open, a 9 with a curly tail."
        )
    accuracy = _reads_mnist(model)
    if accuracy < TRAINED_ACCURACY:
        raise Unchecked(
            f"model= reads only {accuracy:.0%} of 500 MNIST digits right, so it is not "
            "trained: fooling it proves nothing. Pass the trained model"
        )
    return (
        f"you meant {meant}, the model read {digit} ({probabilities[digit]:.0%} sure) and "
        f"gave {meant} only {probabilities[meant]:.1%}, though it reads {accuracy:.0%} of "
        "MNIST digits right. Would a person be fooled too?"
    )


q1 = Exercise(
    "ex06.q1",
    "code",
    "white_on_black",
    _check_invert,
    hint="Paper is 255 and ink 0 in the drawing; MNIST has ink 255 and background 0. "
    "Which formula maps 0 to 255 and 255 to 0?",
    solution="white_on_black = 255 - drawing",
    keywords=(Keyword("drawing", "drawing", "the drawing made above"),),
)

q2 = Exercise(
    "ex06.q2",
    "code",
    "cropped",
    _check_crop,
    hint="np.nonzero(white_on_black) gives the row and the column of every inked pixel. Slice "
    "from the smallest to the largest of each, remembering that a slice stops before its end.",
    solution="""
    rows, columns = np.nonzero(white_on_black)
    cropped = white_on_black[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1]
    """,
    keywords=(
        Keyword(
            "white_on_black",
            "white_on_black",
            "your answer to exercise 1",
            blank="answer exercise 1 first: this one crops your answer to it",
        ),
    ),
)

q3 = Exercise(
    "ex06.q3",
    "code",
    "centre",
    _check_centre,
    hint="np.mgrid[0:28, 0:28] gives the row and the column of every pixel. Weigh them by the "
    "ink of `prepared`, add up, and divide by the total ink.",
    solution="""
    rows, columns = np.mgrid[0:28, 0:28]
    ink = prepared.astype(float)
    centre = ((rows * ink).sum() / ink.sum(), (columns * ink).sum() / ink.sum())
    """,
    keywords=(Keyword("image", "prepared", "the prepared 28x28 digit"),),
)

challenge = Exercise(
    "ex06.challenge",
    "challenge",
    "my_drawing",
    _check_fooled,
    hint="Draw on the pad above; the pad's `image` holds your drawing (reader.pad.image). "
    "Check it with meant= the digit you meant. Unusual styles, thin strokes and digits "
    "touching the edge are good places to look.",
    solution="""
    my_drawing = reader.pad.image  # after drawing, e.g., a 7 with a crossbar
    """,
    explanation="There is no single answer: every reader finds their own. Whatever fools it, "
    "ask whether it is the model's fault or whether the drawing is simply unlike MNIST's "
    "American handwriting of the 1990s.",
    keywords=(
        Keyword("model", "model", "the trained model"),
        Keyword("meant", "7", "the digit you drew, 0 to 9"),
    ),
)


# ---- experiment 1: retrain with augmentation, then read the drawings again ------------------

#: Augmentation layers' class names and the `CNNConfig` fields they stand for (the package's
#: RandomAffine does shift, rotation and zoom; a learner may also use Keras' own layers).
_AUGMENTATIONS = {
    "RandomTranslation": "shift",
    "RandomZoom": "zoom",
    "RandomRotation": "rotation",
    "RandomStrokeThickness": "thickness",
    "RandomElasticDistortion": "elastic",
    "RandomGaps": "gaps",
}
#: The experiment is about these two: moving the digit and changing its size.
_SHIFT_OR_ZOOM = ("shift", "zoom")
#: The checker's own test: MNIST test digits moved this many pixels off-centre.
MOVED_PIXELS = 4
_MOVED_COUNT = 500
_moved_digits: dict = {}  # cached in-process: a second check is instant


def recorded_pad_drawings() -> tuple[np.ndarray, np.ndarray]:
    """The 300 drawings recorded in the repository (`data/pad_drawings/`), as the pad holds
    them: `(drawings, meant)`, uint8 (300, 28, 28) and the digit each was drawn as.

    No person drew them: `benchmarks/pad_drawings.py` drew them from stroke templates in
    the styles people use, and paints them with the pad's brush (see the README there).
    """
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "benchmarks" / "pad_drawings.py"
    strokes = script.parents[1] / "data" / "pad_drawings" / "strokes.json"
    if not (script.is_file() and strokes.is_file()):
        raise FileNotFoundError(
            "the recorded pad drawings live in the repository (data/pad_drawings/strokes.json, "
            "painted by benchmarks/pad_drawings.py), which this installation of mnist_cnn does "
            "not include: clone https://github.com/mnist-cnn/mnist-cnn, or use your own "
            "drawings (drawings=[my_drawing], meant=[7])."
        )
    spec = importlib.util.spec_from_file_location("_pad_drawings", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.load_pad_drawings(strokes)


def _augmentation(model) -> list[str]:
    """The random changes `model` makes while it trains, by the `CNNConfig` field names
    ("shift", "zoom", ...), looking inside nested models too."""
    found = []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "RandomAffine":  # build_cnn's shift, rotation and zoom, in one layer
            found += [name for name in ("shift", "rotation", "zoom") if getattr(layer, name)]
        elif kind in _AUGMENTATIONS:
            found.append(_AUGMENTATIONS[kind])
        elif kind.startswith("Random"):  # another of Keras' augmentation layers
            found.append(kind)
        elif hasattr(layer, "layers"):
            found += _augmentation(layer)
    return found


def _given_drawings(drawings, meant) -> tuple[np.ndarray, np.ndarray]:
    """The drawings prepared as the pad prepares them, (N, 28, 28), and the N digits meant."""
    from ..drawing import preprocess_drawing

    if isinstance(drawings, np.ndarray) and drawings.ndim == 2:
        drawings = [drawings]
    elif isinstance(drawings, np.ndarray) and drawings.ndim == 3:
        drawings = list(drawings)
    elif not isinstance(drawings, (list, tuple)) or not drawings:
        raise Unchecked(
            f"drawings= is {type(drawings).__name__} {drawings!r:.60}; pass a list of drawings "
            "as the pad holds them (drawings=[my_drawing]) or the recorded ones "
            "(drawings, meant = ex06.recorded_pad_drawings())"
        )
    if isinstance(meant, (np.ndarray, list, tuple)):
        digits = [_given_digit(digit) for digit in np.asarray(meant, dtype=object).ravel()]
    else:
        digits = [_given_digit(meant)]
        if len(drawings) > 1:
            raise Unchecked(
                f"meant= is one digit ({digits[0]}) for {len(drawings)} drawings: give a list, "
                "the digit each drawing is meant to be, in the same order"
            )
    if len(digits) != len(drawings):
        raise Unchecked(
            f"meant= gives {plural(len(digits), 'digit')} for {plural(len(drawings), 'drawing')}: "
            "say which digit each drawing is meant to be, in the same order"
        )
    prepared = []
    for number, drawing in enumerate(drawings):
        where = "drawings=" if len(drawings) == 1 else f"drawing {number} of drawings="
        try:
            image = _as_image(drawing, where)
            prepared.append(preprocess_drawing(image))
        except (Wrong, ValueError) as reason:
            raise Unchecked(f"{where} cannot be read as the pad reads it: {reason}") from None
    return np.stack(prepared), np.array(digits)


def _moved_test_digits() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """500 MNIST test digits, as they are and each moved `MOVED_PIXELS` pixels in a random
    direction (seeded, as `benchmarks/robustness.py` moves them), and their labels."""
    if not _moved_digits:
        from ..data import load_mnist, move_images

        _, (images, labels) = load_mnist()
        rng = np.random.default_rng(0)
        chosen = rng.choice(len(images), _MOVED_COUNT, replace=False)
        images, labels = images[chosen], labels[chosen]
        angles = rng.uniform(0, 2 * np.pi, len(images))
        downs = np.round(MOVED_PIXELS * np.sin(angles)).astype(int)
        moved = move_images(images, downs, np.round(MOVED_PIXELS * np.cos(angles)).astype(int))
        _moved_digits.update(images=images, moved=moved, labels=labels)
    return _moved_digits["images"], _moved_digits["moved"], _moved_digits["labels"]


def _same_weights(first_model, new_model) -> bool:
    first, new = first_model.get_weights(), new_model.get_weights()
    return len(first) == len(new) and all(
        a.shape == b.shape and np.array_equal(a, b) for a, b in zip(first, new, strict=True)
    )


def _check_roles(first_model, new_model) -> tuple[list[str], list[str]]:
    """`Wrong` unless new_model is a second model, with shift or zoom, and first_model has
    neither; returns the augmentation of each."""
    if first_model is new_model:
        raise Wrong(
            "first_model and new_model are the same model. Build a second one with "
            "augmentation, mnist_cnn.build_cnn(mnist_cnn.CNNConfig(shift=0.1, zoom=0.2)), "
            "train it, and pass it as new_model=."
        )
    first, new = _augmentation(first_model), _augmentation(new_model)
    first_moves = [kind for kind in first if kind in _SHIFT_OR_ZOOM]
    if not any(kind in _SHIFT_OR_ZOOM for kind in new):
        if first_moves:
            raise Wrong(
                f"the roles are swapped: first_model is the one with augmentation "
                f"({', '.join(first)}) and new_model has no shift or zoom. Pass the model "
                "without augmentation as first_model= and the augmented one as new_model=."
            )
        has = f" (it has only {', '.join(new)})" if new else ""
        raise Wrong(
            f"new_model has no shift or zoom augmentation{has}: build it with "
            "mnist_cnn.CNNConfig(shift=0.1, zoom=0.2), train it, and check again."
        )
    if first_moves:
        raise Wrong(
            f"first_model has augmentation already ({', '.join(first)}), as the pad's model "
            "has (notebook 03 trains with it), so the comparison shows nothing. Train "
            "first_model without it, from mnist_cnn.CNNConfig(), on the same images."
        )
    if _same_weights(first_model, new_model):
        raise Wrong(
            "new_model has exactly first_model's weights: it was copied, not trained with "
            "augmentation. Build it with augmentation and train it."
        )
    return first, new


def _check_augmentation_run(*, drawings, meant, first_model, new_model) -> str:
    from ..evaluation import predict

    first_model = given_model(first_model, "first_model")
    new_model = given_model(new_model, "new_model")
    prepared, digits = _given_drawings(drawings, meant)
    first_augmentation, new_augmentation = _check_roles(first_model, new_model)
    for keyword, model in (("first_model", first_model), ("new_model", new_model)):
        accuracy = _reads_mnist(model)
        if accuracy < TRAINED_ACCURACY:
            raise Wrong(
                f"{keyword} reads only {accuracy:.0%} of 500 MNIST digits, so it is not "
                f"trained (an untrained CNN reads about 1 in 10): train it with "
                f"mnist_cnn.train({keyword}, train_images, train_labels) and check again."
            )
    first_right = predict(first_model, prepared)[0] == digits
    new_right = predict(new_model, prepared)[0] == digits
    count, fooled = len(digits), int((~first_right).sum())
    text = (
        f"new_model (with {', '.join(new_augmentation)}) reads {int(new_right.sum())} of "
        f"{plural(count, 'drawing')} as meant, first_model (without) {int(first_right.sum())}"
    )
    if fooled:
        text += (
            f"; of the {plural(fooled, 'drawing')} that fooled first_model, new_model reads "
            f"{int((new_right & ~first_right).sum())} as meant"
        )
    lost = int((first_right & ~new_right).sum())
    if lost:
        text += f", and it misreads {lost} that first_model read right"
    images, moved, labels = _moved_test_digits()
    shares = [
        [float(np.mean(predict(model, digits_)[0] == labels)) for digits_ in (images, moved)]
        for model in (first_model, new_model)
    ]
    text += (
        f". The checker's own test, {_MOVED_COUNT} MNIST test digits moved {MOVED_PIXELS} pixels "
        f"off-centre: first_model reads {shares[0][1]:.0%}, new_model {shares[1][1]:.0%} "
        f"(unmoved: {shares[0][0]:.0%} and {shares[1][0]:.0%})."
    )
    if first_augmentation:
        text += f" (first_model also has {', '.join(first_augmentation)}.)"
    if first_model.count_params() != new_model.count_params():
        text += (
            f" The two models differ in size too ({first_model.count_params():,} and "
            f"{new_model.count_params():,} parameters), so not only augmentation changed."
        )
    return text


e1 = Exercise(
    "ex06.e1",
    "experiment",
    None,
    _check_augmentation_run,
    hint="Train the same CNN twice on the same images: first_model from mnist_cnn.CNNConfig(), "
    "new_model from a CNNConfig with shift= and zoom= (try 0.1 and 0.2). Then pass both, with "
    "the drawings and the digits they were meant to be.",
    solution="""
    images, labels = mnist_cnn.load_sample(10_000, seed=SEED)
    (train_images, train_labels), _ = mnist_cnn.train_test_split(images, labels, seed=SEED)
    first_model = mnist_cnn.build_cnn(mnist_cnn.CNNConfig(), seed=SEED)
    mnist_cnn.train(first_model, train_images, train_labels, live_plot=False, verbose=0)
    new_model = mnist_cnn.build_cnn(mnist_cnn.CNNConfig(shift=0.1, zoom=0.2), seed=SEED)
    mnist_cnn.train(new_model, train_images, train_labels, live_plot=False, verbose=0)
    drawings, meant = ex06.recorded_pad_drawings()  # or your own: [my_drawing], [7]
    """,
    explanation="Both models see the same images for as long; only new_model sees them moved "
    "and resized at random while it trains, so it learns that a digit is the same digit a few "
    "pixels away or a little larger. The pad re-centres and rescales every drawing before the "
    "model reads it, so expect a smaller gain on drawings than on digits moved off-centre.",
    keywords=(
        Keyword("drawings", "drawings", "the drawings to read, as the pad holds them", answer=True),
        Keyword("meant", "meant", "the digit each drawing is meant to be", answer=True),
        Keyword(
            "first_model", "first_model", "the model trained without augmentation", answer=True
        ),
        Keyword("new_model", "new_model", "the model trained with shift and zoom", answer=True),
    ),
)
