"""Softmax (cross-entropy) loss: a naive and a vectorized version, side by side.

Letters: N examples, D features (3073 with the bias column), C classes.
``W`` is (D, C), ``X`` is (N, D), ``y`` is (N,) integers in [0, C).

For example i with scores ``s = X[i] @ W`` the data loss is

    L_i = -log( exp(s_{y_i}) / sum_j exp(s_j) ) = log(sum_j exp(s_j)) - s_{y_i}

(natural log), and the full loss is the mean of L_i over the N examples plus
the L2 penalty ``reg * sum(W * W)`` (see :mod:`cs231n_lib.regularizers`).
Scores are shifted by their row maximum before ``exp``, which changes nothing
mathematically and keeps every ``exp`` in [0, 1], so scores of 1e4 and -1e4
give a finite loss without overflow.

Both functions return ``(loss, dW)`` with ``dW`` the shape and dtype of ``W``.
"""

import numpy as np

from ..course._checks import checks_loss_inputs, checks_loss_inputs_lazily
from ..regularizers import l2_penalty


@checks_loss_inputs
def softmax_loss_naive(W, X, y, reg):
    """Softmax loss and gradient with explicit loops over examples and classes.

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
        Mean cross-entropy plus ``reg * sum(W * W)``.
    dW : ndarray of shape (D, C)
        Gradient of ``loss`` with respect to ``W``.
    """
    num_train = X.shape[0]
    num_classes = W.shape[1]
    loss = 0.0
    dW = np.zeros_like(W)
    # TODO: loop over the examples i: compute the scores, shift them by their
    # maximum, add log(sum_j exp(s_j)) - s_{y_i} to the loss, and add
    # (p_j - [j == y_i]) * X[i] to column j of dW for every class j; then divide
    # loss and dW by the number of examples.
    # Classes outer: first the score table one class column at a time, then per example
    # the log-sum-exp, then the gradient again one class at a time.
    scores = np.zeros((num_train, num_classes), dtype=W.dtype)    # (N, C)
    for j in range(num_classes):
        for i in range(num_train):
            scores[i, j] = X[i].dot(W[:, j])
    log_norms = np.zeros(num_train, dtype=W.dtype)               # (N,)
    for i in range(num_train):
        top = scores[i].max()
        total = 0.0
        for j in range(num_classes):
            total += np.exp(scores[i, j] - top)
        log_norms[i] = top + np.log(total)
        loss += log_norms[i] - scores[i, y[i]]
    for j in range(num_classes):
        for i in range(num_train):
            p_ij = np.exp(scores[i, j] - log_norms[i])
            dW[:, j] += (p_ij - (j == y[i])) * X[i]
    loss /= num_train
    dW /= num_train
    reg_loss, reg_grad = l2_penalty(W, reg)
    return loss + reg_loss, dW + reg_grad


def softmax_loss_on_scores(scores, y):
    """Mean cross-entropy of ``scores`` (N, C) with labels ``y`` (N,), and d loss / d scores (N, C).

    Returns ``(loss, dscores)``. No validation and no regularization (the caller's job).
    """
    n = scores.shape[0]
    rows = np.arange(n)
    top = scores.max(axis=1, keepdims=True)                  # (N, 1)
    lse = top[:, 0] + np.log(np.exp(scores - top).sum(axis=1))   # (N,) log-sum-exp
    losses = lse - scores[rows, y]                           # (N,)
    probs = np.exp(scores - lse[:, None])                    # (N, C)
    dscores = probs.copy()
    dscores[rows, y] -= 1
    dscores /= n
    loss = losses.mean()
    return loss, dscores


@checks_loss_inputs_lazily
def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss and gradient without Python loops over examples or classes.

    Same inputs and outputs as :func:`softmax_loss_naive`. Runs in the dtype of
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
    # TODO: compute the same loss and gradient as softmax_loss_naive with no loop
    # over examples or classes (shift the scores by their row maximum first).
    rows = np.arange(num_train)                                    # (N,)
    scores = X @ W                                                 # (N, C)
    shifted = scores - scores.max(axis=1, keepdims=True)           # (N, C) - (N, 1): max entry 0
    log_sum_exp = np.log(np.exp(shifted).sum(axis=1))              # (N,), >= 0
    log_probs = shifted - log_sum_exp[:, None]                     # (N, C) - (N, 1)
    probs = np.exp(log_probs)                                      # (N, C)
    losses = -log_probs[rows, y]                                   # (N,)
    loss = losses.mean().astype(X.dtype)
    dscores = probs.copy()                                         # (N, C)
    dscores[rows, y] -= 1
    dW = (X.T @ dscores / num_train).astype(X.dtype)               # (D, C)
    reg_loss, reg_grad = l2_penalty(W, reg)
    dW += reg_grad
    loss = loss + reg_loss
    return loss, dW
