"""Full-batch losses that read X from memory once: group by group, while each group is in cache.

Letters: N examples, D features (3073 with the bias column), C classes, B rows
per block, G blocks per group. ``W`` is (D, C), ``X`` is (N, D), ``y`` is
(N,) integers in [0, C).

The vectorized losses do two matrix products, ``scores = X @ W`` and
``dW = X.T @ dscores``, and each streams all of ``X`` from memory (1.2 GB for
the 49000 x 3073 training set in float64). Here the rows are taken a group
at a time (G blocks of B rows): the group's scores, their gradient
(``svm_loss_on_scores`` / ``softmax_loss_on_scores``) and the group's share
of ``dW`` are computed while the group is still in cache, so ``X`` leaves
memory once instead of twice. The result is the same sum, grouped by
blocks: it agrees with the vectorized loss to rounding (about 1e-15
relative).

With C = 10 the products do about one multiply-add per number read, and
products that thin are slow in any BLAS when they are large (packing, a
kernel shaped for square matrices); on blocks of a few dozen rows the BLAS
takes its small-matrix path, about four times faster per row here. So each
block's products are BLAS ``gemm`` calls, made for a whole group by one
numpy ``matmul`` on the stacked blocks (:class:`_GroupProducts`), which
releases the GIL for the group. The rows are split into one contiguous
range per thread, and the BLAS is held to one thread meanwhile, so the
products run on the thread that calls them, at the same time on every core.

B is chosen for the machine and G follows from its cache sizes
(:mod:`cs231n_lib.course._block_rows`): the block sizes that fit in one core's
L2 cache are timed once and the fastest is remembered, in the user's cache
folder; ``CS231N_BLOCK_ROWS`` or ``block_rows=`` override it.

Use these where the whole training set goes through the loss at once:
L-BFGS (``second_order.lbfgs_train(softmax_loss_full_batch, ...)``), the
full-batch gradient, the training loss of a finished model.
"""

import numbers
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..classifiers import linear_svm, softmax
from ..regularizers import l2_penalty
from . import _block_rows
from ._checks import DeferredInputScan, check_loss_inputs

_controller = None                     # threadpoolctl's handle on the loaded BLAS libraries, made on first use
_controller_lock = threading.Lock()


def blas_threads():
    """How many threads the BLAS may use: ``OPENBLAS_NUM_THREADS`` or ``OMP_NUM_THREADS``, else every core."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(var, "")
        if value.isdigit() and int(value) >= 1:
            return int(value)
    return os.cpu_count() or 1


def _one_blas_thread():
    """A context in which every loaded BLAS runs each call on the calling thread (threadpoolctl).

    A block's products are too small to share between cores, and the row
    ranges already keep every core busy: BLAS threads of their own would only
    compete with them. The setting is the process's, restored on exit.
    """
    global _controller
    with _controller_lock:
        if _controller is None:
            import scipy.linalg.blas  # noqa: F401  (loaded first, so the controller sees its BLAS)
            from threadpoolctl import ThreadpoolController
            _controller = ThreadpoolController()
    return _controller.limit(limits=1, user_api="blas")


class _GroupProducts:
    """The two products of a group of blocks in ``dtype``: one BLAS ``gemm`` per block, one numpy call per group.

    A group is G blocks of B rows, taken from ``X`` together. numpy's
    ``matmul`` on the stacked blocks, ``(G, B, D) @ (D, C)``, calls the BLAS
    once per block, in C, with the GIL released for the whole group; so the
    threads of :func:`blocked_loss` multiply at the same time instead of
    taking turns at the Python work between blocks (a loop that called the
    BLAS block by block, with the same B, took 0.64-0.83x of the two-matmul
    floor on two threads, where the groups take 0.38-0.41x: CONTRIBUTING,
    "Full-batch losses"). Each block's product is small
    enough for the BLAS's small-matrix path, which the one product of a whole
    group would not take.

    The gradient is kept transposed, ``dW.T`` (C, D): each block's share is
    ``dscores_b.T (C, B) @ X_b (B, D)``, a product the BLAS runs faster than
    ``X_b.T @ dscores_b`` for these shapes, especially in float32. The G
    shares go into one (G, C, D) buffer and are added up with one ``sum``:
    G * C * D additions per group, C / B of the products' work.

    Parameters
    ----------
    dtype : numpy dtype
        The dtype of the products, ``np.result_type(W, X)``.
    shape : tuple
        (D, C), the shape of ``W``.
    block_rows : int
        B, rows per block (per BLAS call).
    group_blocks : int
        G, blocks per group.
    """

    def __init__(self, dtype, shape, block_rows, group_blocks):
        dim, num_classes = shape
        self.dtype = np.dtype(dtype)
        self.block_rows = block_rows
        self.shares = np.empty((group_blocks, num_classes, dim), dtype=self.dtype)  # (G, C, D)
        self.total = np.empty((num_classes, dim), dtype=self.dtype)                 # (C, D)

    def new_gradient(self, shape):
        """A zero accumulator for ``dW.T``: (C, D) for ``W`` of shape (D, C)."""
        return np.zeros(shape[::-1], dtype=self.dtype)

    def _split(self, rows):
        """Whole blocks and the rows left over: (blocks, rows in whole blocks)."""
        blocks = rows // self.block_rows
        return blocks, blocks * self.block_rows

    def scores(self, out, X_group, W):
        """``X_group (n, D) @ W (D, C)`` into ``out`` (n, C), block by block; ``X_group`` C-ordered in ``dtype``."""
        rows, dim = X_group.shape
        blocks, whole = self._split(rows)
        if blocks:
            np.matmul(X_group[:whole].reshape(blocks, self.block_rows, dim), W,
                      out=out[:whole].reshape(blocks, self.block_rows, W.shape[1]))  # (G, B, D) @ (D, C)
        if whole < rows:
            np.matmul(X_group[whole:], W, out=out[whole:])                            # the last, shorter block
        return out

    def add_gradient(self, dW_T, X_group, dscores, share):
        """``dW_T (C, D) += share * dscores.T (C, n) @ X_group (n, D)``, in place, block by block."""
        rows, dim = X_group.shape
        weights = np.multiply(dscores, share, dtype=self.dtype)                      # (n, C)
        blocks, whole = self._split(rows)
        if blocks:
            stacked = weights[:whole].reshape(blocks, self.block_rows, -1).transpose(0, 2, 1)  # (G, C, B)
            shares = np.matmul(stacked, X_group[:whole].reshape(blocks, self.block_rows, dim),
                               out=self.shares[:blocks])                               # (G, C, D)
            dW_T += np.sum(shares, axis=0, out=self.total)
        if whole < rows:
            dW_T += np.matmul(weights[whole:].T, X_group[whole:], out=self.total)      # (C, b) @ (b, D)
        return dW_T


def _blocked_pass(loss_on_scores, W, X, y, start, stop, block_rows, group_blocks, num_train, scan, dtype):
    """Sum the groups of rows ``start:stop``: (their share of the loss, their share of dW (D, C)).

    ``W`` is C-ordered in ``dtype``, the dtype of the products.
    """
    products = _GroupProducts(dtype, W.shape, block_rows, group_blocks)  # its buffers are this pass's (thread's) own
    group_rows = block_rows * group_blocks
    loss = 0.0
    dW_T = products.new_gradient(W.shape)                       # (C, D)
    scores_buffer = np.empty((min(group_rows, stop - start), W.shape[1]), dtype=products.dtype)  # (n, C)
    with scan.recording():                                      # errstate is per thread
        for first in range(start, stop, group_rows):
            last = min(first + group_rows, stop)
            X_group = np.ascontiguousarray(X[first:last], dtype=dtype)  # (n, D): a view when X is C-ordered in dtype
            scores = products.scores(scores_buffer[:last - first], X_group, W)  # (n, C)
            group_loss, dscores = loss_on_scores(scores, y[first:last])
            # The group's mean over n rows becomes its share of the mean over N rows.
            share = (last - first) / num_train
            loss += share * group_loss
            dW_T = products.add_gradient(dW_T, X_group, dscores, share)  # X_group read again, from cache
    return loss, dW_T.T


def group_blocks_for(block_rows, W, X, num_threads):
    """G, blocks per group, for B = ``block_rows`` rows per block: from the cache sizes the system reports
    (:func:`cs231n_lib.course._block_rows.group_blocks`).

    Parameters
    ----------
    block_rows : int
    W : ndarray of shape (D, C)
    X : ndarray of shape (N, D)
    num_threads : int
    """
    itemsize = np.result_type(W, X).itemsize
    dim, num_classes = W.shape
    return _block_rows.group_blocks(block_rows, dim * itemsize, dim * num_classes * itemsize, num_threads)


def choose_block_rows(loss_on_scores, W, X):
    """The rows per block the default setting uses for this loss, dtype, D and C, and where the choice came from.

    On first use for a (loss, dtype, D, C) the candidate block sizes are timed
    (:func:`cs231n_lib.course._block_rows.choose`) by passes over a random
    sample larger than the last-level cache, so that each pass reads its rows
    from memory as a real pass does, under the settings of a real pass (one
    BLAS thread, groups sized for :func:`blas_threads` threads), in CPU time
    of the calling thread: ~1 s, once per machine.

    Parameters
    ----------
    loss_on_scores : callable
        As for :func:`blocked_loss`.
    W : ndarray of shape (D, C)
    X : ndarray of shape (N, D)

    Returns
    -------
    block_rows : int
    source : str
        ``"environment"``, ``"this process"``, ``"cache file"`` or ``"measured"``.
    """
    dtype = np.result_type(W, X)
    dim, num_classes = W.shape
    key = _block_rows.problem_key(loss_on_scores, dtype, dim, num_classes)
    W_work = np.ascontiguousarray(W, dtype=dtype)               # (D, C)
    threads = blas_threads()
    sample = {}

    def time_rows(block_rows, rows):
        if sample.get("rows", 0) < rows:
            rng = np.random.default_rng(0)
            sample.update(rows=rows, X=rng.standard_normal((rows, dim)).astype(dtype),  # (rows, D)
                          y=rng.integers(0, num_classes, rows))  # (rows,)
        X_sample, y_sample = sample["X"][:rows], sample["y"][:rows]
        group_blocks = group_blocks_for(block_rows, W_work, X_sample, threads)
        with np.errstate(all="ignore"), _one_blas_thread():
            # This thread's CPU time: all the work is on it (one BLAS thread), and
            # other users' processes on a shared machine do not count.
            begin = time.thread_time()
            _blocked_pass(loss_on_scores, W_work, X_sample, y_sample, 0, rows, block_rows, group_blocks, rows,
                          DeferredInputScan(X_sample), dtype)
            return time.thread_time() - begin

    itemsize = dtype.itemsize
    return _block_rows.choose(key, dim * itemsize, time_rows, weight_bytes=2 * dim * num_classes * itemsize)


def blocked_loss(loss_on_scores, W, X, y, reg, block_rows=None, num_threads=None, group_blocks=None):
    """Mean data loss plus ``reg * sum(W * W)`` and its gradient, reading ``X`` once in row blocks.

    The rows are split into ``num_threads`` contiguous ranges of whole groups,
    each summed group by group in a thread of its own (numpy releases the GIL
    for a group's products, and the BLAS is held to one thread meanwhile);
    the partial sums are added in a fixed order, so the result does not
    depend on the timing.

    Parameters
    ----------
    loss_on_scores : callable
        ``loss_on_scores(scores (B, C), y (B,)) -> (mean loss, dscores (B, C))``,
        e.g. :func:`cs231n_lib.classifiers.linear_svm.svm_loss_on_scores`.
    W : ndarray of shape (D, C)
        Weights.
    X : ndarray of shape (N, D)
        All the examples (C-contiguous rows make each block one piece of
        memory; other layouts are copied group by group).
    y : ndarray of shape (N,)
        Integer labels in [0, C).
    reg : float
        L2 regularization strength, >= 0.
    block_rows : int or None
        B, the rows per block, >= 1; None takes the machine's choice
        (:func:`choose_block_rows`: ``CS231N_BLOCK_ROWS``, else measured once).
    num_threads : int or None
        Threads summing row ranges in parallel; None uses :func:`blas_threads`
        (the BLAS thread setting, so ``OPENBLAS_NUM_THREADS=1`` means one).
    group_blocks : int or None
        G, blocks per group, >= 1; None follows from the cache sizes
        (:func:`group_blocks_for`). 1 calls the BLAS block by block from Python.

    Returns
    -------
    loss : float scalar
    dW : ndarray of shape (D, C)
        The dtype of ``W``.
    """
    for value, name, example in ((block_rows, "block_rows", 32), (num_threads, "num_threads", 2),
                                 (group_blocks, "group_blocks", 8)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1):
            raise ValueError(f"{name} must be a positive integer, got {value!r}; "
                             f"pass e.g. {example}, or None to let the machine choose.")
    reg = check_loss_inputs(W, X, y, reg, scan_X=False)
    if block_rows is None:
        block_rows = choose_block_rows(loss_on_scores, W, X)[0]
    dtype = np.result_type(W, X)
    W_work = np.ascontiguousarray(W, dtype=dtype)               # (D, C)
    num_train = X.shape[0]
    num_threads = blas_threads() if num_threads is None else num_threads
    if group_blocks is None:
        group_blocks = group_blocks_for(block_rows, W_work, X, num_threads)
    group_rows = block_rows * group_blocks
    # Contiguous row ranges of whole groups, one per thread.
    num_groups = -(-num_train // group_rows)
    bounds = [min(num_train, (num_groups * t // num_threads) * group_rows) for t in range(num_threads + 1)]
    ranges = [(start, stop) for start, stop in zip(bounds, bounds[1:]) if stop > start]
    with DeferredInputScan(X) as scan, _one_blas_thread():
        if len(ranges) == 1:
            parts = [_blocked_pass(loss_on_scores, W_work, X, y, *ranges[0], block_rows, group_blocks, num_train,
                                   scan, dtype)]
        else:
            with ThreadPoolExecutor(max_workers=len(ranges)) as pool:
                futures = [pool.submit(_blocked_pass, loss_on_scores, W_work, X, y, start, stop, block_rows,
                                       group_blocks, num_train, scan, dtype) for start, stop in ranges]
                parts = [future.result() for future in futures]  # in range order: a fixed sum
        loss = 0.0
        dW = np.zeros(W.shape, dtype=dtype)                     # (D, C)
        for part_loss, part_dW in parts:
            loss += part_loss
            dW += part_dW
    dW = dW.astype(W.dtype, copy=False)
    reg_loss, reg_grad = l2_penalty(W, reg)
    dW += reg_grad
    loss = loss + reg_loss
    scan.check(loss, dW)
    return loss, dW


def svm_loss_full_batch(W, X, y, reg):
    """:func:`cs231n_lib.classifiers.linear_svm.svm_loss_vectorized`, reading ``X`` once in row blocks.

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
    """:func:`cs231n_lib.classifiers.softmax.softmax_loss_vectorized`, reading ``X`` once in row blocks.

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
