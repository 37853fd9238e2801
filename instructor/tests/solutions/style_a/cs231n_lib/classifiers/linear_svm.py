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
    # TODO: loop over the examples i and the classes j != y[i]; add each positive
    # margin s_j - s_{y_i} + 1 to the loss and its gradient to the columns j and
    # y[i] of dW; then divide loss and dW by the number of examples.
    # Classes in the outer loop, examples in the inner one: every (i, j) pair is visited once either way.
    for j in range(num_classes):
        for i in range(num_train):
            if j == y[i]:
                continue
            score_j = X[i].dot(W[:, j])          # scalar s_j for example i
            score_correct = X[i].dot(W[:, y[i]])  # scalar s_{y_i}
            margin = score_j - score_correct + 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss /= num_train
    dW /= num_train
    reg_loss, reg_grad = l2_penalty(W, reg)
    return loss + reg_loss, dW + reg_grad


def svm_loss_on_scores(scores, y):
    """Mean multiclass SVM data loss of ``scores`` (N, C) with labels ``y`` (N,), and d loss / d scores (N, C).

    Returns ``(loss, dscores)``. No validation and no regularization (the caller's job).
    """
    n = scores.shape[0]
    rows = np.arange(n)
    margins = scores - scores[rows, y][:, None] + 1          # (N, C)
    margins[rows, y] = 0
    active = margins > 0                                     # (N, C) bool
    margins = margins * active                               # (N, C), zero where inactive
    losses = margins.sum(axis=1)                             # (N,)
    dscores = active.astype(scores.dtype)                    # (N, C)
    dscores[rows, y] = -np.bincount(rows, weights=active.sum(axis=1), minlength=n).astype(scores.dtype)
    dscores /= n
    loss = losses.mean()
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
    num_train = X.shape[0]
    loss = 0.0
    dW = np.zeros_like(W)
    # TODO: compute the same loss and gradient as svm_loss_naive with no loop over
    # examples or classes.
    rows = np.arange(num_train)                       # (N,)
    scores = X @ W                                    # (N, D) @ (D, C) -> (N, C)
    correct = scores[rows, y]                         # (N,)
    margins = scores - correct[:, None] + 1           # (N, C) - (N, 1)
    margins[rows, y] = 0                              # j = y_i is not a margin
    positive = margins > 0                            # (N, C) boolean mask of the active hinges
    margins[~positive] = 0
    losses = margins.sum(axis=1)                      # (N,)
    loss = losses.mean().astype(X.dtype)
    # Each active hinge adds +X[i] to column j and -X[i] to column y_i.
    coeff = positive.astype(X.dtype)                  # (N, C)
    active_per_row = np.bincount(np.nonzero(positive)[0], minlength=num_train)   # (N,) hinges active in row i
    np.add.at(coeff, (rows, y), -active_per_row.astype(X.dtype))
    dW = (X.T @ coeff / num_train).astype(X.dtype)    # (D, N) @ (N, C) -> (D, C)
    reg_loss, reg_grad = l2_penalty(W, reg)
    dW += reg_grad
    loss = loss + reg_loss
    return loss, dW
