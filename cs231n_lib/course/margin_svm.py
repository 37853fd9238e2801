"""A linear SVM trained with a margin ``delta`` other than 1: the lecture's "Delta is arbitrary", run.

Letters: N examples, D features (3073 with the bias column), C classes.
``W`` is (D, C), ``X`` is (N, D), ``y`` is (N,) integers in [0, C).

Its own module, not in :mod:`cs231n_lib.course.loss_variants`, because it subclasses your
``LinearSVM``: importing the loss variants runs no ``linear_classifier.py``.
"""

import functools

from ..classifiers.linear_classifier import LinearSVM
from ._checks import check_margin
from .loss_variants import svm_loss_margin


class MarginSVM(LinearSVM):
    """A :class:`~cs231n_lib.classifiers.linear_classifier.LinearSVM` trained with margin ``delta``.

    Its data loss is :func:`~cs231n_lib.course.loss_variants.svm_loss_margin`; ``train`` and
    ``predict`` are your ``LinearClassifier``'s.

    Parameters
    ----------
    delta : float
        The margin, > 0 (1 is :class:`LinearSVM`).
    weight_scale : float
        As in :class:`~cs231n_lib.classifiers.linear_classifier.LinearClassifier`.
    """

    def __init__(self, delta=1.0, weight_scale=1e-3):
        super().__init__(weight_scale=weight_scale)
        self.delta = check_margin(delta)
        self.data_loss = functools.partial(svm_loss_margin, delta=self.delta)  # (W, X, y, reg) -> (loss, dW)
        self.scores_loss = None  # the stacked search (course.tuning) knows only the margin 1
