"""``cs231n.classifiers.softmax`` under its CS231n name: what :mod:`cs231n_lib.softmax` holds."""

from ..softmax import softmax_loss_naive, softmax_loss_on_scores, softmax_loss_vectorized  # noqa: F401
