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
    for n in range(num_train):
        s = W.T.dot(X[n])                      # (C,) class scores of example n
        s_true = s[y[n]]
        for c in range(num_classes):
            if c != y[n]:
                violation = max(0.0, s[c] - s_true + 1.0)
                if violation > 0.0:
                    loss = loss + violation
                    dW[:, c] = dW[:, c] + X[n]
                    dW[:, y[n]] = dW[:, y[n]] - X[n]
    loss = loss / num_train
    dW = dW / num_train
    reg_loss, reg_grad = l2_penalty(W, reg)
    return loss + reg_loss, dW + reg_grad


def svm_loss_on_scores(scores, y):
    """Mean multiclass SVM data loss of ``scores`` (N, C) with labels ``y`` (N,), and d loss / d scores (N, C).

    Returns ``(loss, dscores)``. No validation and no regularization (the caller's job).
    """
    num, classes = scores.shape
    hot = np.eye(classes, dtype=scores.dtype)[y]             # (N, C) one-hot labels
    own = np.einsum("nc,nc->n", scores, hot)                 # (N,) score of the true class
    margins = np.maximum(0, scores - own[:, None] + 1) * (1 - hot)   # (N, C), 0 at y_i
    losses = np.einsum("nc->n", margins)                     # (N,)
    fired = (margins > 0).astype(scores.dtype)               # (N, C)
    dscores = (fired - hot * fired.sum(axis=1, keepdims=True)) / num   # (N, C)
    loss = losses.sum() / num
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
    dt = X.dtype
    C = W.shape[1]
    onehot = (y[:, None] == np.arange(C)[None, :]).astype(dt)            # (N, C), 1 at j = y_i
    scores = np.einsum("nd,dc->nc", X, W, optimize=True)                  # (N, C)
    s_true = np.einsum("nc,nc->n", scores, onehot)                        # (N,)
    hinge = np.maximum(dt.type(0), scores - s_true[:, None] + dt.type(1)) * (dt.type(1) - onehot)  # (N, C)
    per_example = hinge.sum(axis=1)                                        # (N,)
    loss = per_example.sum() / dt.type(num_train)
    active = (hinge > 0).astype(dt)                                        # (N, C)
    dscores = active - onehot * active.sum(axis=1, keepdims=True)          # (N, C) - (N, C) * (N, 1)
    dW = np.einsum("nd,nc->dc", X, dscores, optimize=True) / dt.type(num_train)  # (D, C)
    reg_loss, reg_grad = l2_penalty(W, reg)
    dW += reg_grad
    loss = loss + reg_loss
    return loss, dW
