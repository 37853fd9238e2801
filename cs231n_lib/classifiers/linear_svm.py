"""``cs231n.classifiers.linear_svm`` under its CS231n name: what :mod:`cs231n_lib.linear_svm` holds."""

from ..linear_svm import svm_loss_naive, svm_loss_on_scores, svm_loss_vectorized  # noqa: F401
