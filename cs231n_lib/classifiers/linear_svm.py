"""Multiclass SVM (Weston-Watkins hinge) loss: a naive and a vectorized version, side by side.

Letters: N examples, D features (3073 with the bias column), C classes.
``W`` is (D, C), ``X`` is (N, D), ``y`` is (N,) integers in [0, C).

For example i with scores ``s = X[i] @ W`` the data loss is

    L_i = sum over j != y_i of max(0, s_j - s_{y_i} + 1)

and the full loss is the mean of L_i over the N examples plus the L2 penalty
``reg * sum(W * W)`` (see :mod:`cs231n_lib.regularizers`).

Both functions return ``(loss, dW)`` with ``dW`` the shape and dtype of ``W``.
Where a margin is exactly 0 the hinge has a kink; the gradient used there is
the one from ``max(0, m)`` with derivative 0 at ``m = 0``.
"""

import numpy as np

from ..course._checks import checks_loss_inputs, checks_loss_inputs_lazily
from ..regularizers import l2_penalty


@checks_loss_inputs
def svm_loss_naive(W, X, y, reg):
    """Multiclass SVM loss and gradient with explicit loops over examples and classes.

    Parameters
    ----------
    W : ndarray of shape (D, C)
        Weights.
    X : ndarray of shape (N, D)
        A minibatch of N examples.
    y : ndarray of shape (N,)
        Integer labels, ``y[i]`` in [0, C).
    reg : float
        L2 regularization strength, >= 0.

    Returns
    -------
    loss : float scalar
        Mean hinge loss plus ``reg * sum(W * W)``.
    dW : ndarray of shape (D, C)
        Gradient of ``loss`` with respect to ``W``.
    """
    num_train = X.shape[0]
    num_classes = W.shape[1]
    loss = 0.0
    dW = np.zeros_like(W)
    # TODO: with explicit loops over the N examples and the C classes, compute the mean
    # hinge loss (a float) and its gradient dW (D, C).
    ### BEGIN SOLUTION
    for i in range(num_train):
        scores = X[i].dot(W)
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss /= num_train
    dW /= num_train
    ### END SOLUTION
    reg_loss, reg_grad = l2_penalty(W, reg)
    return loss + reg_loss, dW + reg_grad


def svm_loss_on_scores(scores, y):
    """Mean multiclass SVM data loss of given scores, and its gradient with respect to the scores.

    The loss part of :func:`svm_loss_vectorized`, for callers that already hold
    the scores: the stacked hyperparameter search (:mod:`cs231n_lib.course.tuning`),
    the blocked full-batch loss (:mod:`cs231n_lib.course.full_batch`), a network's last
    layer (:func:`cs231n_lib.layers.svm_loss`). It adds no regularization.

    Parameters
    ----------
    scores : ndarray of shape (N, C)
        Class scores, one row per example.
    y : ndarray of shape (N,)
        Integer labels, ``y[i]`` in [0, C).

    Returns
    -------
    loss : float scalar
        Mean over the N rows of ``sum over j != y_i of max(0, s_j - s_{y_i} + 1)``.
    dscores : ndarray of shape (N, C)
        Gradient of ``loss`` with respect to ``scores`` (already divided by N).
    """
    num_train = scores.shape[0]
    loss = 0.0
    dscores = np.zeros_like(scores)
    # TODO: compute the mean hinge loss of the scores (N, C) and its gradient dscores
    # (N, C), with no loop over examples or classes.
    ### BEGIN SOLUTION
    rows = np.arange(num_train)                        # (N,)
    margins = scores - scores[rows, y][:, None]        # (N, C) - (N, 1)
    margins += 1
    margins[rows, y] = 0
    np.maximum(margins, 0, out=margins)
    losses = margins.sum(axis=1)                       # (N,)
    loss = losses.sum() / num_train
    # dL/ds: 1 for each positive margin, minus their count in the correct column.
    dscores = (margins > 0).astype(scores.dtype)       # (N, C)
    dscores[rows, y] = -dscores.sum(axis=1)
    dscores /= num_train
    ### END SOLUTION
    return loss, dscores


@checks_loss_inputs_lazily
def svm_loss_vectorized(W, X, y, reg):
    """Multiclass SVM loss and gradient without Python loops over examples or classes.

    Same inputs and outputs as :func:`svm_loss_naive`. Runs in the dtype of
    the inputs (float32 in, float32 out).

    Parameters
    ----------
    W : ndarray of shape (D, C)
        Weights.
    X : ndarray of shape (N, D)
        A minibatch of N examples.
    y : ndarray of shape (N,)
        Integer labels, ``y[i]`` in [0, C).
    reg : float
        L2 regularization strength, >= 0.

    Returns
    -------
    loss : float scalar
    dW : ndarray of shape (D, C)
    """
    loss = 0.0
    dW = np.zeros_like(W)
    # TODO: the same loss and gradient as svm_loss_naive with no loop over examples or
    # classes: the scores (N, C), their loss and gradient from svm_loss_on_scores (write
    # it first, above), then dW (D, C) from the gradient of the scores.
    ### BEGIN SOLUTION
    scores = X @ W                                     # (N, D) @ (D, C) -> (N, C)
    loss, dscores = svm_loss_on_scores(scores, y)
    dW = X.T @ dscores                                 # (D, N) @ (N, C) -> (D, C)
    ### END SOLUTION
    reg_loss, reg_grad = l2_penalty(W, reg)
    return loss + reg_loss, dW + reg_grad
