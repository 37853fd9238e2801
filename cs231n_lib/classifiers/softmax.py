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
    # TODO: with explicit loops over the N examples and the C classes, compute the mean
    # cross-entropy (a float) and its gradient dW (D, C), with no overflow for large scores.
    ### BEGIN SOLUTION
    for i in range(num_train):
        scores = X[i].dot(W)
        scores = scores - np.max(scores)  # now every exp(scores[j]) <= 1
        sum_exp = 0.0
        for j in range(num_classes):
            sum_exp += np.exp(scores[j])
        loss += np.log(sum_exp) - scores[y[i]]
        for j in range(num_classes):
            p_j = np.exp(scores[j]) / sum_exp
            if j == y[i]:
                dW[:, j] += (p_j - 1) * X[i]
            else:
                dW[:, j] += p_j * X[i]
    loss /= num_train
    dW /= num_train
    ### END SOLUTION
    reg_loss, reg_grad = l2_penalty(W, reg)
    return loss + reg_loss, dW + reg_grad


def softmax_loss_on_scores(scores, y):
    """Mean cross-entropy of given scores, and its gradient with respect to the scores.

    The loss part of :func:`softmax_loss_vectorized`, for callers that already
    hold the scores: the stacked hyperparameter search (:mod:`cs231n_lib.course.tuning`),
    the blocked full-batch loss (:mod:`cs231n_lib.course.full_batch`), a network's last
    layer (:func:`cs231n_lib.layers.softmax_loss`). It adds no regularization.

    Parameters
    ----------
    scores : ndarray of shape (N, C)
        Class scores, one row per example.
    y : ndarray of shape (N,)
        Integer labels, ``y[i]`` in [0, C).

    Returns
    -------
    loss : float scalar
        Mean over the N rows of ``log(sum_j exp(s_j)) - s_{y_i}``.
    dscores : ndarray of shape (N, C)
        Gradient of ``loss`` with respect to ``scores`` (already divided by N).
    """
    num_train = scores.shape[0]
    loss = 0.0
    dscores = np.zeros_like(scores)
    # TODO: compute the mean cross-entropy of the scores (N, C) and its gradient
    # dscores (N, C), with no loop over examples or classes and no overflow for
    # scores in the thousands.
    ### BEGIN SOLUTION
    rows = np.arange(num_train)                                # (N,)
    shifted = scores - scores.max(axis=1, keepdims=True)       # (N, C) - (N, 1)
    with np.errstate(under="ignore"):                          # exp(-1e4) is exactly 0: fine
        probs = np.exp(shifted)                                # (N, C)
    sum_exp = probs.sum(axis=1, keepdims=True)                 # (N, 1), >= 1
    losses = np.log(sum_exp[:, 0]) - shifted[rows, y]          # (N,)
    loss = losses.sum() / num_train
    probs /= sum_exp                                           # (N, C) / (N, 1)
    dscores = probs                                            # dL/ds = probs - one_hot(y), in place
    dscores[rows, y] -= 1
    dscores /= num_train
    ### END SOLUTION
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
    loss = 0.0
    dW = np.zeros_like(W)
    # TODO: the same loss and gradient as softmax_loss_naive with no loop over examples
    # or classes: the scores (N, C), their loss and gradient from softmax_loss_on_scores
    # (write it first, above), then dW (D, C) from the gradient of the scores.
    ### BEGIN SOLUTION
    scores = X @ W                                             # (N, D) @ (D, C) -> (N, C)
    loss, dscores = softmax_loss_on_scores(scores, y)
    dW = X.T @ dscores                                         # (D, N) @ (N, C) -> (D, C)
    ### END SOLUTION
    reg_loss, reg_grad = l2_penalty(W, reg)
    return loss + reg_loss, dW + reg_grad
