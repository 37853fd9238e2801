"""The models students write, where CS231n keeps them: ``linear_svm``, ``softmax``, ``linear_classifier``, ``fc_net``.

A CS231n notebook's imports work with ``cs231n.`` changed to ``cs231n_lib.``:
``from cs231n_lib.classifiers import LinearSVM, Softmax`` (assignment 1),
``from cs231n_lib.classifiers.linear_svm import svm_loss_naive``,
``from cs231n_lib.classifiers.fc_net import *`` (assignment 2).

The three classes are read from ``linear_classifier`` on first use, so importing
one model (``cs231n_lib.classifiers.linear_svm``) runs no other student file:
an error in one file stays that file's.
"""

_FROM_LINEAR_CLASSIFIER = ("LinearClassifier", "LinearSVM", "Softmax")


def __getattr__(name):
    """``LinearClassifier``, ``LinearSVM`` or ``Softmax``, imported from ``linear_classifier`` on first access."""
    if name in _FROM_LINEAR_CLASSIFIER:
        from . import linear_classifier

        return getattr(linear_classifier, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    """The lazy names next to the module's own (for tab completion)."""
    return sorted(set(globals()) | set(_FROM_LINEAR_CLASSIFIER))
