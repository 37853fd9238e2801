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
    for n in range(num_train):
        s = W.T.dot(X[n])                      # (C,)
        s = s - np.max(s)                      # largest score 0: exp never overflows
        e = np.zeros(num_classes, dtype=W.dtype)
        for c in range(num_classes):
            e[c] = np.exp(s[c])
        z = np.sum(e)
        loss = loss + (np.log(z) - s[y[n]])
        for c in range(num_classes):
            p = e[c] / z
            target = 1.0 if c == y[n] else 0.0
            dW[:, c] = dW[:, c] + (p - target) * X[n]
    loss = loss / num_train
    dW = dW / num_train
    reg_loss, reg_grad = l2_penalty(W, reg)
    return loss + reg_loss, dW + reg_grad


def softmax_loss_on_scores(scores, y):
    """Mean cross-entropy of ``scores`` (N, C) with labels ``y`` (N,), and d loss / d scores (N, C).

    Returns ``(loss, dscores)``. No validation and no regularization (the caller's job).
    """
    num, classes = scores.shape
    hot = np.eye(classes, dtype=scores.dtype)[y]             # (N, C) one-hot labels
    shifted = scores - scores.max(axis=1, keepdims=True)     # (N, C), largest entry 0
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))   # (N, C)
    probs = np.exp(log_probs)                                # (N, C)
    losses = -np.einsum("nc,nc->n", hot, log_probs)          # (N,)
    dscores = (probs - hot) / num                            # (N, C)
    loss = losses.sum() / num
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
    dt = X.dtype
    C = W.shape[1]
    onehot = np.eye(C, dtype=dt)[y]                                       # (N, C)
    scores = np.einsum("nd,dc->nc", X, W, optimize=True)                  # (N, C)
    z = scores - np.max(scores, axis=1)[:, None]                          # (N, C) - (N, 1)
    e = np.exp(z)                                                         # (N, C), in (0, 1]
    total = np.sum(e, axis=1)                                             # (N,), >= 1
    probs = e / total[:, None]                                            # (N, C)
    per_example = np.log(total) - np.einsum("nc,nc->n", z, onehot)        # (N,)
    loss = np.mean(per_example)
    dW = np.einsum("nd,nc->dc", X, probs - onehot, optimize=True) / dt.type(num_train)  # (D, C)
    reg_loss, reg_grad = l2_penalty(W, reg)
    dW += reg_grad
    loss = loss + reg_loss
    return loss, dW
