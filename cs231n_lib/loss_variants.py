"""Variants of the multiclass SVM loss that the lecture asks about, for demonstration.

Letters: N examples, D features (3073 with the bias column), C classes.
``W`` is (D, C), ``X`` is (N, D), ``y`` is (N,) integers in [0, C).

Not part of the main API (not re-exported by ``cs231n_lib``): import them from
``cs231n_lib.loss_variants``. They answer the lecture's questions:

* :func:`squared_hinge_loss` -- ``max(0, m)**2`` instead of ``max(0, m)``: a
  different loss (it punishes large violations much more), not a rescaling.
* :func:`svm_loss_all_classes` -- summing over all j, including j = y_i: every
  example gains exactly 1 (its own margin ``s_y - s_y + 1``); the gradient and
  the minimizer do not change.
* :func:`svm_loss_sum` -- sum over examples instead of mean: the loss and data
  gradient scale by N (so the learning rate and ``reg`` would have to change).

All three are thin wrappers of :func:`hinge_loss`, which with its defaults is
the standard SVM loss of :mod:`cs231n_lib.linear_svm`. All add the L2 penalty
``reg * sum(W * W)`` and return ``(loss, dW)``.
"""

import numpy as np

from ._checks import check_loss_inputs
from .regularizers import l2_penalty


def hinge_loss(W, X, y, reg, *, squared=False, include_correct=False, reduction="mean"):
    """Multiclass hinge loss with the lecture's knobs, vectorized.

    ``L_i = sum over j in J of phi(s_j - s_{y_i} + 1)`` with ``phi(m) = max(0, m)``
    (or ``max(0, m)**2`` if ``squared``) and ``J`` all classes but ``y_i``
    (or all classes if ``include_correct``).

    Parameters
    ----------
    W : ndarray of shape (D, C)
        Weights.
    X : ndarray of shape (N, D)
        Examples.
    y : ndarray of shape (N,)
        Integer labels in [0, C).
    reg : float
        L2 regularization strength, >= 0.
    squared : bool
        Square each clipped margin.
    include_correct : bool
        Also sum the term j = y_i (always exactly 1).
    reduction : {'mean', 'sum'}
        Average or sum the per-example losses.

    Returns
    -------
    loss : float scalar
    dW : ndarray of shape (D, C)
    """
    reg = check_loss_inputs(W, X, y, reg)
    if reduction not in ("mean", "sum"):
        raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}; pick one of those.")
    num_train = X.shape[0]
    rows = np.arange(num_train)                        # (N,)
    scores = X @ W                                     # (N, C)
    margins = scores - scores[rows, y][:, None]        # (N, C) - (N, 1)
    margins += 1
    if not include_correct:
        margins[rows, y] = 0
    np.maximum(margins, 0, out=margins)
    per_class = margins * margins if squared else margins            # (N, C)
    dscores = 2 * margins if squared else (margins > 0).astype(scores.dtype)  # dphi/dm, (N, C)
    # In the term j = y_i the score s_{y_i} cancels, so that term adds nothing to the gradient.
    dscores[rows, y] = 0
    dscores[rows, y] = -dscores.sum(axis=1)
    scale = 1.0 / num_train if reduction == "mean" else 1.0
    dscores *= scale
    data_loss = per_class.sum() * scale
    reg_loss, reg_grad = l2_penalty(W, reg)
    dW = X.T @ dscores                                 # (D, N) @ (N, C) -> (D, C)
    dW += reg_grad
    return data_loss + reg_loss, dW


def squared_hinge_loss(W, X, y, reg):
    """Squared hinge (L2-SVM): ``sum over j != y_i of max(0, s_j - s_{y_i} + 1)**2``, mean over examples.

    Parameters and returns as in :func:`hinge_loss`.
    """
    return hinge_loss(W, X, y, reg, squared=True)


def svm_loss_all_classes(W, X, y, reg):
    """SVM loss summed over all classes including j = y_i: the standard loss plus exactly 1.

    Parameters and returns as in :func:`hinge_loss`.
    """
    return hinge_loss(W, X, y, reg, include_correct=True)


def svm_loss_sum(W, X, y, reg):
    """SVM loss summed over the examples instead of averaged: N times the data loss, plus the penalty.

    Parameters and returns as in :func:`hinge_loss`.
    """
    return hinge_loss(W, X, y, reg, reduction="sum")
