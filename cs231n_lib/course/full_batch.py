"""Full-batch losses that read X from memory once: block by block, while each block is in cache.

Letters: N examples, D features (3073 with the bias column), C classes, B rows
per block. ``W`` is (D, C), ``X`` is (N, D), ``y`` is (N,) integers in [0, C).

The vectorized losses do two matrix products, ``scores = X @ W`` and
``dW = X.T @ dscores``, and each streams all of ``X`` from memory (1.2 GB for
the 49000 x 3073 training set in float64). Here the rows are taken B at a
time: the block's scores, their gradient (``svm_loss_on_scores`` /
``softmax_loss_on_scores``) and the block's share of ``dW`` are computed while
the block is still in the core's cache, so ``X`` leaves memory once instead of
twice. The result is the same sum, grouped by blocks: it agrees with the
vectorized loss to rounding (about 1e-15 relative).

With C = 10 the products do about one multiply-add per number read, and
products that thin are slow in any BLAS when they are large (packing, a
kernel shaped for square matrices); on blocks that fit in cache the BLAS
takes its small-matrix path. So each block's two products are BLAS ``gemm``
calls (through numpy's ``matmul``) that write into arrays made once per
pass: the scores into one (B, C) buffer, the gradient into one (D, C)
buffer added to ``dW``. The rows are split into one contiguous range per
thread, and the BLAS is held to one thread meanwhile, so the block
products run on the thread that calls them; numpy releases the GIL while
the BLAS runs, so the threads multiply at the same time.

B is chosen for the machine (:mod:`cs231n_lib.course._block_rows`): the block sizes
that fit in one core's L2 cache (or in the size of ``W`` and ``dW`` when
those outgrow it) are timed once and the fastest is remembered, in the
user's cache folder; ``CS231N_BLOCK_ROWS`` or ``block_rows=`` override it.

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


class _BlockProducts:
    """A block's two products in ``dtype``, writing into arrays the caller made once.

    numpy's ``matmul`` with ``out=``: for float32 and float64 it hands the
    C-ordered block and its transpose (a Fortran-ordered view) to the BLAS
    ``gemm`` without copying them, and it releases the GIL while the BLAS
    runs, so the threads of :func:`blocked_loss` multiply at the same time.
    (``scipy.linalg.blas.dgemm`` holds the GIL for the whole call: threads
    calling it take turns.) The gradient product goes into a (D, C) buffer
    that is then added to ``dW``: D * C additions per block, ~1/B of the
    product's work.

    Parameters
    ----------
    dtype : numpy dtype
        The dtype of the products, ``np.result_type(W, X)``.
    shape : tuple
        (D, C), the shape of ``W``.
    """

    def __init__(self, dtype, shape):
        self.dtype = np.dtype(dtype)
        self.product = np.empty(shape, dtype=self.dtype)        # (D, C)

    def new_gradient(self, shape):
        """A zero (D, C) accumulator."""
        return np.zeros(shape, dtype=self.dtype)

    def scores(self, out, X_block, W):
        """``X_block (B, D) @ W (D, C)`` into ``out`` (B, C)."""
        return np.matmul(X_block.astype(self.dtype, copy=False), W, out=out)

    def add_gradient(self, dW, X_block, dscores, share):
        """``dW (D, C) += share * X_block.T (D, B) @ dscores (B, C)``, in place."""
        weights = np.multiply(dscores, share, dtype=self.dtype)  # (B, C)
        dW += np.matmul(X_block.astype(self.dtype, copy=False).T, weights, out=self.product)  # (D, B) @ (B, C)
        return dW


def _blocked_pass(loss_on_scores, W, X, y, start, stop, block_rows, num_train, scan, dtype):
    """Sum the blocks of rows ``start:stop``: (their share of the loss, their share of dW (D, C)).

    ``W`` is C-ordered in ``dtype``, the dtype of the products.
    """
    products = _BlockProducts(dtype, W.shape)                   # its buffer is this pass's (thread's) own
    loss = 0.0
    dW = products.new_gradient(W.shape)                         # (D, C)
    scores_buffer = np.empty((min(block_rows, stop - start), W.shape[1]), dtype=products.dtype)  # (B, C)
    with scan.recording():                                      # errstate is per thread
        for first in range(start, stop, block_rows):
            last = min(first + block_rows, stop)
            X_block = X[first:last]                             # (B, D), a view
            scores = products.scores(scores_buffer[:last - first], X_block, W)  # (B, C)
            block_loss, dscores = loss_on_scores(scores, y[first:last])
            # The block's mean over B rows becomes its share of the mean over N rows.
            share = (last - first) / num_train
            loss += share * block_loss
            dW = products.add_gradient(dW, X_block, dscores, share)  # X_block read again, from cache
    return loss, dW


def choose_block_rows(loss_on_scores, W, X):
    """The rows per block the default setting uses for this loss, dtype, D and C, and where the choice came from.

    On first use for a (loss, dtype, D, C) the candidate block sizes are timed
    on a random sample a few blocks long (:func:`cs231n_lib.course._block_rows.choose`),
    under the settings of a real pass (one BLAS thread), in CPU time of the
    calling thread: ~0.1-1 s, once per machine.

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
    sample = {}

    def time_rows(block_rows, rows):
        if sample.get("rows", 0) < rows:
            rng = np.random.default_rng(0)
            sample.update(rows=rows, X=rng.standard_normal((rows, dim)).astype(dtype),  # (rows, D)
                          y=rng.integers(0, num_classes, rows))  # (rows,)
        X_sample, y_sample = sample["X"][:rows], sample["y"][:rows]
        with np.errstate(all="ignore"), _one_blas_thread():
            # This thread's CPU time: all the work is on it (one BLAS thread), and
            # other users' processes on a shared machine do not count.
            begin = time.thread_time()
            _blocked_pass(loss_on_scores, W_work, X_sample, y_sample, 0, rows, block_rows, rows,
                          DeferredInputScan(X_sample), dtype)
            return time.thread_time() - begin

    itemsize = dtype.itemsize
    return _block_rows.choose(key, dim * itemsize, time_rows, weight_bytes=2 * dim * num_classes * itemsize)


def blocked_loss(loss_on_scores, W, X, y, reg, block_rows=None, num_threads=None):
    """Mean data loss plus ``reg * sum(W * W)`` and its gradient, reading ``X`` once in row blocks.

    The rows are split into ``num_threads`` contiguous ranges, each summed
    block by block in a thread of its own (the BLAS releases the GIL, and is
    held to one thread meanwhile); the partial sums are added in a fixed
    order, so the result does not depend on the timing.

    Parameters
    ----------
    loss_on_scores : callable
        ``loss_on_scores(scores (B, C), y (B,)) -> (mean loss, dscores (B, C))``,
        e.g. :func:`cs231n_lib.classifiers.linear_svm.svm_loss_on_scores`.
    W : ndarray of shape (D, C)
        Weights.
    X : ndarray of shape (N, D)
        All the examples (C-contiguous rows make each block one piece of
        memory; other layouts are copied block by block).
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

    Returns
    -------
    loss : float scalar
    dW : ndarray of shape (D, C)
        The dtype of ``W``.
    """
    for value, name in ((block_rows, "block_rows"), (num_threads, "num_threads")):
        if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1):
            raise ValueError(f"{name} must be a positive integer, got {value!r}; "
                             f"pass e.g. {32 if name == 'block_rows' else 2}, or None to let the machine choose.")
    reg = check_loss_inputs(W, X, y, reg, scan_X=False)
    if block_rows is None:
        block_rows = choose_block_rows(loss_on_scores, W, X)[0]
    dtype = np.result_type(W, X)
    W_work = np.ascontiguousarray(W, dtype=dtype)               # (D, C)
    num_train = X.shape[0]
    num_threads = blas_threads() if num_threads is None else num_threads
    # Contiguous row ranges of whole blocks, one per thread.
    num_blocks = -(-num_train // block_rows)
    bounds = [min(num_train, (num_blocks * t // num_threads) * block_rows) for t in range(num_threads + 1)]
    ranges = [(start, stop) for start, stop in zip(bounds, bounds[1:]) if stop > start]
    with DeferredInputScan(X) as scan, _one_blas_thread():
        if len(ranges) == 1:
            parts = [_blocked_pass(loss_on_scores, W_work, X, y, *ranges[0], block_rows, num_train, scan, dtype)]
        else:
            with ThreadPoolExecutor(max_workers=len(ranges)) as pool:
                futures = [pool.submit(_blocked_pass, loss_on_scores, W_work, X, y, start, stop, block_rows,
                                       num_train, scan, dtype) for start, stop in ranges]
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
