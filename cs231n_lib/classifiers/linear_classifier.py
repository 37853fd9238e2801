"""``cs231n.classifiers.linear_classifier`` under its CS231n name: what :mod:`cs231n_lib.linear_classifier` holds."""

from ..linear_classifier import LinearClassifier, LinearSVM, Softmax  # noqa: F401
