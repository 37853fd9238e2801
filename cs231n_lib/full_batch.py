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
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import linear_svm, softmax
from ._checks import DeferredInputScan, check_loss_inputs
from .regularizers import l2_penalty

# 32 rows of 3073 float64 numbers are 0.8 MB: the block and its products stay in
# a 2 MB per-core cache, and products this small run on the calling thread, so
# the row ranges' threads do not compete with OpenBLAS's own. Measured in
# `make bench` (section 3, its block sweep): 64 rows and more are slower (OpenBLAS
# starts threads of its own per product), 8 rows too (Python's work per block).
DEFAULT_BLOCK_ROWS = 32


def blas_threads():
    """How many threads the BLAS may use: ``OPENBLAS_NUM_THREADS`` or ``OMP_NUM_THREADS``, else every core."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(var, "")
        if value.isdigit() and int(value) >= 1:
            return int(value)
    return os.cpu_count() or 1


def _blocked_pass(loss_on_scores, W, X, y, start, stop, block_rows, num_train, scan):
    """Sum the blocks of rows ``start:stop``: (their share of the loss, their share of dW (D, C))."""
    loss = 0.0
    dW = np.zeros_like(W)                                  # (D, C)
    with scan.recording():                                 # errstate is per thread
        for first in range(start, stop, block_rows):
            last = min(first + block_rows, stop)
            X_block = X[first:last]                        # (B, D), a view
            scores = X_block @ W                           # (B, D) @ (D, C) -> (B, C)
            block_loss, dscores = loss_on_scores(scores, y[first:last])
            # The block's mean over B rows becomes its share of the mean over N rows.
            share = (last - first) / num_train
            loss += share * block_loss
            dscores *= share                               # (B, C)
            dW += X_block.T @ dscores                      # (D, B) @ (B, C) -> (D, C)
    return loss, dW


def blocked_loss(loss_on_scores, W, X, y, reg, block_rows=DEFAULT_BLOCK_ROWS, num_threads=None):
    """Mean data loss plus ``reg * sum(W * W)`` and its gradient, reading ``X`` once in row blocks.

    Blocks this small are multiplied on one core, so the rows are split into
    ``num_threads`` contiguous ranges, each summed block by block in a thread
    of its own (NumPy's products release the GIL); the partial sums are added
    in a fixed order, so the result does not depend on the timing.

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
    num_threads : int or None
        Threads summing row ranges in parallel; None uses :func:`blas_threads`
        (the BLAS thread setting, so ``OPENBLAS_NUM_THREADS=1`` means one).

    Returns
    -------
    loss : float scalar
    dW : ndarray of shape (D, C)
        The dtype of ``W``.
    """
    for value, name in ((block_rows, "block_rows"), (1 if num_threads is None else num_threads, "num_threads")):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}; "
                             f"pass e.g. {DEFAULT_BLOCK_ROWS if name == 'block_rows' else 2}.")
    reg = check_loss_inputs(W, X, y, reg, scan_X=False)
    num_train = X.shape[0]
    num_threads = blas_threads() if num_threads is None else num_threads
    # Contiguous row ranges of whole blocks, one per thread.
    num_blocks = -(-num_train // block_rows)
    bounds = [min(num_train, (num_blocks * t // num_threads) * block_rows) for t in range(num_threads + 1)]
    ranges = [(start, stop) for start, stop in zip(bounds, bounds[1:]) if stop > start]
    with DeferredInputScan(X) as scan:
        if len(ranges) == 1:
            parts = [_blocked_pass(loss_on_scores, W, X, y, *ranges[0], block_rows, num_train, scan)]
        else:
            with ThreadPoolExecutor(max_workers=len(ranges)) as pool:
                futures = [pool.submit(_blocked_pass, loss_on_scores, W, X, y, start, stop, block_rows,
                                       num_train, scan) for start, stop in ranges]
                parts = [future.result() for future in futures]  # in range order: a fixed sum
        loss = 0.0
        dW = np.zeros_like(W)                              # (D, C)
        for part_loss, part_dW in parts:
            loss += part_loss
            dW += part_dW
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
