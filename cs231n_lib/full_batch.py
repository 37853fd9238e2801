"""Full-batch losses that read X from memory once: block by block, while each block is in cache.

Letters: N examples, D features (3073 with the bias column), C classes, B rows
per block. ``W`` is (D, C), ``X`` is (N, D), ``y`` is (N,) integers in [0, C).

The vectorized losses do two matrix products, ``scores = X @ W`` and
``dW = X.T @ dscores``, and each streams all of ``X`` from memory (1.2 GB for
the 49000 x 3073 training set in float64). With C = 10 the products do about
one multiply-add per number read, so memory, not arithmetic, sets their speed.
Here the rows are taken B at a time: the block's scores, their gradient
(``svm_loss_on_scores`` / ``softmax_loss_on_scores``) and the block's share of
``dW`` are computed while the block is still in cache, so ``X`` leaves memory
once instead of twice. The result is the same sum, grouped by blocks: it
agrees with the vectorized loss to rounding (about 1e-15 relative).

Use these where the whole training set goes through the loss at once:
L-BFGS (``second_order.lbfgs_train(softmax_loss_full_batch, ...)``), the
full-batch gradient, the training loss of a finished model.
"""

import numbers

import numpy as np

from . import linear_svm, softmax
from ._checks import DeferredInputScan, check_loss_inputs
from .regularizers import l2_penalty

# 32 rows of 3073 float64 numbers are 0.8 MB: the block and its products stay in
# a 2-4 MB per-core cache. Measured in `make bench` (section 3): 32 to 256 rows
# are within a few percent of each other; the Python work per block is what
# makes much smaller blocks slower.
DEFAULT_BLOCK_ROWS = 32


def blocked_loss(loss_on_scores, W, X, y, reg, block_rows=DEFAULT_BLOCK_ROWS):
    """Mean data loss plus ``reg * sum(W * W)`` and its gradient, reading ``X`` once in row blocks.

    Parameters
    ----------
    loss_on_scores : callable
        ``loss_on_scores(scores (B, C), y (B,)) -> (mean loss, dscores (B, C))``,
        e.g. :func:`cs231n_lib.linear_svm.svm_loss_on_scores`.
    W : ndarray of shape (D, C)
        Weights.
    X : ndarray of shape (N, D)
        All the examples (C-contiguous rows make each block one piece of memory).
    y : ndarray of shape (N,)
        Integer labels in [0, C).
    reg : float
        L2 regularization strength, >= 0.
    block_rows : int
        B, the rows per block, >= 1.

    Returns
    -------
    loss : float scalar
    dW : ndarray of shape (D, C)
        The dtype of ``W``.
    """
    if isinstance(block_rows, bool) or not isinstance(block_rows, numbers.Integral) or block_rows < 1:
        raise ValueError(f"block_rows must be a positive integer, got {block_rows!r}; "
                         f"pass e.g. {DEFAULT_BLOCK_ROWS}.")
    reg = check_loss_inputs(W, X, y, reg, scan_X=False)
    num_train = X.shape[0]
    loss = 0.0
    dW = np.zeros_like(W)                                  # (D, C)
    with DeferredInputScan(X) as scan:
        for start in range(0, num_train, block_rows):
            X_block = X[start:start + block_rows]          # (B, D), a view
            y_block = y[start:start + block_rows]          # (B,)
            scores = X_block @ W                           # (B, D) @ (D, C) -> (B, C)
            block_loss, dscores = loss_on_scores(scores, y_block)
            # The block's mean over B rows becomes its share of the mean over N rows.
            share = X_block.shape[0] / num_train
            loss += share * block_loss
            dscores *= share                               # (B, C)
            dW += X_block.T @ dscores                      # (D, B) @ (B, C) -> (D, C)
    reg_loss, reg_grad = l2_penalty(W, reg)
    dW += reg_grad
    loss = loss + reg_loss
    scan.check(loss, dW)
    return loss, dW


def svm_loss_full_batch(W, X, y, reg):
    """:func:`cs231n_lib.linear_svm.svm_loss_vectorized`, reading ``X`` once in row blocks.

    Parameters
    ----------
    W : ndarray of shape (D, C)
    X : ndarray of shape (N, D)
    y : ndarray of shape (N,)
    reg : float

    Returns
    -------
    loss : float scalar
    dW : ndarray of shape (D, C)
    """
    return blocked_loss(linear_svm.svm_loss_on_scores, W, X, y, reg)


def softmax_loss_full_batch(W, X, y, reg):
    """:func:`cs231n_lib.softmax.softmax_loss_vectorized`, reading ``X`` once in row blocks.

    Parameters
    ----------
    W : ndarray of shape (D, C)
    X : ndarray of shape (N, D)
    y : ndarray of shape (N,)
    reg : float

    Returns
    -------
    loss : float scalar
    dW : ndarray of shape (D, C)
    """
    return blocked_loss(softmax.softmax_loss_on_scores, W, X, y, reg)
