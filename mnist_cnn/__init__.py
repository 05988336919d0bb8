"""mnist_cnn: the code behind the notebook series "Teach a computer to tell a 5 from a 3".

Data loading, splitting and widgets import in about a second. The names that need
TensorFlow (the model, training, evaluation) are imported on first use, so
`import mnist_cnn` alone never starts TensorFlow.
"""

from __future__ import annotations

import importlib
import os

# TensorFlow's C++ start-up lines would show as red stderr in notebook cells; this must
# be set before TensorFlow is first imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from .checks import IMAGE_SIZE, NUM_CLASSES, check_images, check_labels, check_pixels  # noqa: E402
from .data import MNISTFileError, default_data_dir, load_mnist, load_sample  # noqa: E402
from .split import train_test_split  # noqa: E402

__version__ = "0.1.0"

# name -> module, imported on first attribute access (PEP 562).
_LAZY = {
    "digit_browser": "widgets",
    "plot_digit": "plots",
    "plot_digits": "plots",
    "plot_pixel_values": "plots",
    "plot_class_balance": "plots",
    "plot_layer_shapes": "plots",
    "plot_receptive_fields": "plots",
    "series_style": "plots",
    "plot_confusion_matrix": "plots",
    "plot_confusion_matrix_static": "plots",
    "plot_per_class_accuracy": "plots",
    "plot_mistakes": "plots",
    "plot_time_to_accuracy": "plots",
    "plot_confidence": "plots",
    "plot_top_activations": "plots",
    "plot_occlusion": "plots",
    "plot_robustness": "plots",
    "mistakes_browser": "widgets",
    "drawing_pad": "widgets",
    "digit_reader": "widgets",
    "inside_browser": "widgets",
    "plot_filters": "plots",
    "plot_weight_sharing": "plots",
    "plot_inside": "plots",
    "plot_drawing_and_prediction": "plots",
    "preprocess_drawing": "drawing",
    "predict_digit": "drawing",
    "feature_maps": "inside",
    "conv_filters": "inside",
    "saliency_map": "inside",
    "occlusion_map": "inside",
    "top_activations": "inside",
    "confusion_matrix": "evaluation",
    "normalize_matrix": "evaluation",
    "class_report": "evaluation",
    "most_confused": "evaluation",
    "mistakes": "evaluation",
    "CNNConfig": "config",
    "TrainingConfig": "config",
    "Preset": "config",
    "PRESETS": "config",
    "load_benchmark_results": "config",
    # These import TensorFlow (a few seconds, once).
    "keras": "_tensorflow",
    "build_cnn": "model",
    "layer_table": "model",
    "save_model": "saving",
    "load_model": "saving",
    "model_record": "saving",
    "TrainingDivergedError": "training",
    "train": "training",
    "plot_history": "live_chart",
    "LiveCurves": "live_chart",
    "load_or_train": "training",
    "evaluate": "evaluation",
    "predict": "evaluation",
}


def __getattr__(name: str):
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "IMAGE_SIZE",
    "NUM_CLASSES",
    "MNISTFileError",
    "check_images",
    "check_labels",
    "check_pixels",
    "default_data_dir",
    "load_mnist",
    "load_sample",
    "train_test_split",
    *_LAZY,
]
