"""Variants of the multiclass SVM loss that the lecture asks about, built on your loss on scores.

Letters: N examples, D features (3073 with the bias column), C classes.
``W`` is (D, C), ``X`` is (N, D), ``y`` is (N,) integers in [0, C).

Not part of the main API (not re-exported by ``cs231n_lib``): import them from
``cs231n_lib.course.loss_variants``. They answer the lecture's questions:

* :func:`squared_hinge_loss` -- ``max(0, m)**2`` instead of ``max(0, m)``: a
  different loss (it punishes large violations much more), not a rescaling.
* :func:`svm_loss_all_classes` -- summing over all j, including j = y_i: every
  example gains exactly 1 (its own margin ``s_y - s_y + 1``); the gradient and
  the minimizer do not change.
* :func:`svm_loss_sum` -- sum over examples instead of mean: the loss and data
  gradient scale by N (so the learning rate and ``reg`` would have to change).
* :func:`svm_loss_margin` -- a margin ``delta`` instead of 1: training with
  ``delta = d`` and ``reg / d`` gives ``d`` times the weights of ``delta = 1`` (the
  scale of W absorbs the margin), so only ``reg * delta`` matters
  (:class:`cs231n_lib.course.margin_svm.MarginSVM` trains with it).

Each one calls the functions you write in :mod:`cs231n_lib.classifiers.linear_svm` and
:mod:`cs231n_lib.classifiers.softmax` (so they work once those do), adds the L2 penalty
``reg * sum(W * W)`` and returns ``(loss, dW)``. :func:`per_example_losses`,
:func:`hinge_margins` and :func:`class_probabilities` give the notebooks the
per-example quantities of the lecture's worked examples.
"""

import numpy as np

from ..classifiers import linear_svm as _linear_svm  # read at call time: an earlier release's linear_svm.py still imports
from ..classifiers import softmax as _softmax
from ..regularizers import l2_penalty
from ._checks import check_loss_inputs, check_margin

_FIRST = np.zeros(1, dtype=np.intp)  # the label of a one-row problem whose correct class is column 0


def per_example_losses(loss_on_scores, scores, y):
    """The data loss of each example alone: ``loss_on_scores`` called on one row at a time.

    Parameters
    ----------
    loss_on_scores : callable
        :func:`~cs231n_lib.classifiers.linear_svm.svm_loss_on_scores` or
        :func:`~cs231n_lib.classifiers.softmax.softmax_loss_on_scores`.
    scores : ndarray of shape (N, C)
    y : ndarray of shape (N,)
        Integer labels in [0, C).

    Returns
    -------
    losses : ndarray of shape (N,)
        Their mean is ``loss_on_scores(scores, y)[0]``.
    """
    return np.array([loss_on_scores(scores[i:i + 1], y[i:i + 1])[0] for i in range(scores.shape[0])])


def hinge_margins(scores, y):
    """The clipped margins ``max(0, s_j - s_{y_i} + 1)`` of every example and class, 0 at ``j = y_i``.

    Each margin is itself an SVM loss: that of the two-class problem (the
    correct class, class j), so it is one call of
    :func:`~cs231n_lib.classifiers.linear_svm.svm_loss_on_scores` per pair (N * C calls:
    for the notebooks' small examples).

    Parameters
    ----------
    scores : ndarray of shape (N, C)
    y : ndarray of shape (N,)

    Returns
    -------
    margins : ndarray of shape (N, C)
    slopes : ndarray of shape (N, C)
        1 where the margin is positive, 0 elsewhere: the derivative of the
        margin with respect to ``s_j`` (and minus that with respect to ``s_{y_i}``).
    """
    margins = np.zeros_like(scores)
    slopes = np.zeros_like(scores)
    for example, label in enumerate(y):
        for other in range(scores.shape[1]):
            if other != label:
                pair = scores[example, [label, other]][None, :]   # (1, 2): correct score first
                margin, dpair = _linear_svm.svm_loss_on_scores(pair, _FIRST)
                margins[example, other] = margin
                slopes[example, other] = dpair[0, 1]
    return margins, slopes


def class_probabilities(scores, y):
    """The softmax probabilities of every example, read off your softmax gradient.

    The gradient of the mean cross-entropy with respect to the scores is
    ``(p - one_hot(y)) / N``, so ``p`` follows from one call of
    :func:`~cs231n_lib.classifiers.softmax.softmax_loss_on_scores`.

    Parameters
    ----------
    scores : ndarray of shape (N, C)
    y : ndarray of shape (N,)

    Returns
    -------
    probs : ndarray of shape (N, C)
        Rows sum to 1.
    """
    _, dscores = _softmax.softmax_loss_on_scores(scores, y)
    probs = dscores * scores.shape[0]                 # (N, C): p - one_hot(y)
    probs[np.arange(scores.shape[0]), y] += 1
    return probs


def squared_hinge_loss(W, X, y, reg):
    """Squared hinge (L2-SVM): ``sum over j != y_i of max(0, s_j - s_{y_i} + 1)**2``, mean over examples.

    Parameters
    ----------
    W : ndarray of shape (D, C)
    X : ndarray of shape (N, D)
    y : ndarray of shape (N,)
        Integer labels in [0, C).
    reg : float
        L2 regularization strength, >= 0.

    Returns
    -------
    loss : float scalar
    dW : ndarray of shape (D, C)
    """
    reg = check_loss_inputs(W, X, y, reg)
    num_train = X.shape[0]
    scores = X @ W                                    # (N, D) @ (D, C) -> (N, C)
    margins, slopes = hinge_margins(scores, y)        # (N, C) each
    data_loss = np.sum(margins ** 2) / num_train
    dmargins = 2 * margins * slopes / num_train       # d(loss)/d(s_j) through each margin, (N, C)
    dscores = dmargins.copy()
    # s_{y_i} enters every margin of its row with the opposite sign.
    dscores[np.arange(num_train), y] -= dmargins.sum(axis=1)
    reg_loss, reg_grad = l2_penalty(W, reg)
    return data_loss + reg_loss, X.T @ dscores + reg_grad


def svm_loss_all_classes(W, X, y, reg):
    """SVM loss summed over all classes including j = y_i: the standard loss plus exactly 1.

    Parameters and returns as in :func:`squared_hinge_loss`.
    """
    reg = check_loss_inputs(W, X, y, reg)
    data_loss, dscores = _linear_svm.svm_loss_on_scores(X @ W, y)  # the j = y_i term is the constant 1
    reg_loss, reg_grad = l2_penalty(W, reg)
    return data_loss + 1 + reg_loss, X.T @ dscores + reg_grad


def svm_loss_sum(W, X, y, reg):
    """SVM loss summed over the examples instead of averaged: N times the data loss, plus the penalty.

    Parameters and returns as in :func:`squared_hinge_loss`.
    """
    reg = check_loss_inputs(W, X, y, reg)
    num_train = X.shape[0]
    data_loss, dscores = _linear_svm.svm_loss_on_scores(X @ W, y)
    reg_loss, reg_grad = l2_penalty(W, reg)
    return num_train * data_loss + reg_loss, num_train * (X.T @ dscores) + reg_grad


def svm_loss_margin(W, X, y, reg, delta=1.0):
    """SVM loss with margin ``delta``: ``sum over j != y_i of max(0, s_j - s_{y_i} + delta)``, mean over examples.

    Built on your :func:`~cs231n_lib.classifiers.linear_svm.svm_loss_on_scores` (margin 1)
    by shifting every wrong class's score up by ``delta - 1``: a shift, not a rescaling,
    so nothing here assumes what the lecture claims about the scale of W.

    Parameters
    ----------
    W : ndarray of shape (D, C)
    X : ndarray of shape (N, D)
    y : ndarray of shape (N,)
        Integer labels in [0, C).
    reg : float
        L2 regularization strength, >= 0.
    delta : float
        The margin, > 0.

    Returns
    -------
    loss : float scalar
    dW : ndarray of shape (D, C)
    """
    reg = check_loss_inputs(W, X, y, reg)
    delta = check_margin(delta)
    shifted = X @ W                                            # (N, D) @ (D, C) -> (N, C): the scores, then
    wrong = np.ones_like(shifted)                              # (N, C): 1 for every wrong class
    wrong[np.arange(X.shape[0]), y] = 0
    shifted += (delta - 1) * wrong                             # (N, C): s_j + delta - 1 for j != y_i
    data_loss, dscores = _linear_svm.svm_loss_on_scores(shifted, y)  # a constant shift: same dscores
    reg_loss, reg_grad = l2_penalty(W, reg)
    return data_loss + reg_loss, X.T @ dscores + reg_grad

