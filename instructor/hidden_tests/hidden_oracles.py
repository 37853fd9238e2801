"""Independent oracles for the hidden tests (not a test module: never collected).

Written differently from the reference solutions on purpose (one-hot
matrices, log-sum-exp from scipy, centered differences), so a test compares
two implementations rather than one with itself.
"""

import contextlib
import time

import numpy as np
from scipy.special import logsumexp


def problem(seed, N=7, D=5, C=4, scale=1.0, dtype=np.float64):
    """Return W (D, C), X (N, D), y (N,) from a fixed seed."""
    rng = np.random.default_rng(seed)
    W = (scale * rng.standard_normal((D, C))).astype(dtype)
    X = rng.standard_normal((N, D)).astype(dtype)
    y = rng.integers(0, C, size=N)
    return W, X, y


def one_hot(y, C):
    """Return the (N, C) matrix with a 1 at (i, y[i])."""
    return (np.arange(C)[None, :] == y[:, None]).astype(float)  # (N, C)


def svm(W, X, y, reg):
    """Multiclass SVM loss (mean hinge + reg * sum W^2) and gradient, via a one-hot mask."""
    N, C = X.shape[0], W.shape[1]
    Y = one_hot(y, C)                                      # (N, C)
    S = X @ W                                              # (N, C)
    correct = (S * Y).sum(axis=1, keepdims=True)           # (N, 1)
    M = np.clip(S - correct + 1, 0, None) * (1 - Y)        # (N, C)
    active = (M > 0).astype(float)                         # (N, C)
    G = active - Y * active.sum(axis=1, keepdims=True)     # (N, C)
    loss = M.sum() / N + reg * (W ** 2).sum()
    return loss, X.T @ G / N + 2 * reg * W


def softmax(W, X, y, reg):
    """Cross-entropy loss (mean + reg * sum W^2) and gradient, via log-sum-exp."""
    N, C = X.shape[0], W.shape[1]
    S = X @ W                                              # (N, C)
    log_p = S - logsumexp(S, axis=1, keepdims=True)        # (N, C)
    Y = one_hot(y, C)                                      # (N, C)
    loss = -(log_p * Y).sum() / N + reg * (W ** 2).sum()
    return loss, X.T @ (np.exp(log_p) - Y) / N + 2 * reg * W


def numeric_gradient(f, W, h=1e-6):
    """Centered differences of the scalar f at every entry of W."""
    grad = np.zeros_like(W, dtype=float)
    for index in np.ndindex(W.shape):
        old = W[index]
        W[index] = old + h
        plus = f(W)
        W[index] = old - h
        minus = f(W)
        W[index] = old
        grad[index] = (plus - minus) / (2 * h)
    return grad


def adam(w, dw, config):
    """Adam with bias correction, written from the paper's algorithm 1."""
    config = dict(config)
    lr, b1, b2, eps = (config.get(k, d) for k, d in
                       (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8)))
    t = config.get("t", 0) + 1
    m = b1 * config.get("m", np.zeros_like(w)) + (1 - b1) * dw
    v = b2 * config.get("v", np.zeros_like(w)) + (1 - b2) * dw ** 2
    step = lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
    config.update(t=t, m=m, v=v, learning_rate=lr, beta1=b1, beta2=b2, epsilon=eps)
    return w - step, config


def close(a, b, rtol=1e-7, atol=1e-9):
    """True when a and b agree to the given tolerances."""
    return np.allclose(a, b, rtol=rtol, atol=atol)


def loops_svm(W, X, y, reg):
    """The SVM loss with explicit loops over N and C: the speed yardstick of the "vectorized" items."""
    N, C = X.shape[0], W.shape[1]
    loss, dW = 0.0, np.zeros_like(W)
    for i in range(N):
        scores = X[i] @ W
        for j in range(C):
            if j != y[i]:
                margin = scores[j] - scores[y[i]] + 1
                if margin > 0:
                    loss += margin
                    dW[:, j] += X[i]
                    dW[:, y[i]] -= X[i]
    return loss / N + reg * (W ** 2).sum(), dW / N + 2 * reg * W


def loops_softmax(W, X, y, reg):
    """The softmax loss with explicit loops over N and C: the speed yardstick of the "vectorized" items."""
    N, C = X.shape[0], W.shape[1]
    loss, dW = 0.0, np.zeros_like(W)
    for i in range(N):
        scores = X[i] @ W
        scores = scores - scores.max()
        total = sum(np.exp(scores[j]) for j in range(C))
        loss -= scores[y[i]] - np.log(total)
        for j in range(C):
            dW[:, j] += (np.exp(scores[j]) / total - (j == y[i])) * X[i]
    return loss / N + reg * (W ** 2).sum(), dW / N + 2 * reg * W


def _student_frozen():
    """The worker's box stopped for a ``with`` block inside a grading run (harness.student().frozen()); nothing
    outside one (the hidden tests run against the reference in the instructor's own test suite)."""
    from instructor.grading.harness import student

    try:
        return student().frozen()
    except RuntimeError:  # not in a grading run
        return contextlib.nullcontext()


def speed_ratio(vectorized, loops_fn, oracle_fn, rounds=7, N=2000, D=20, C=10):
    """(seconds of the trusted loops) / (seconds of one call of the student's vectorized function), minima.

    The yardstick is ``loops_fn``, run here on the trusted side, never the student's naive function (a
    naive function could sleep to make loops look fast). Each round draws a fresh problem from the
    operating system's entropy (nothing to precompute), sends its arrays inside the timed call (nothing
    kept in the worker beforehand), times the loops on the same arrays right before, with every process of
    the student's box stopped (a submission could leave processes that load the machine only then), and checks the
    result against the oracle (computed before the call). Returns None on a wrong result.

    D is small on purpose: the loops' time grows with N * C, the transfer's with N * D, and on a loaded
    machine every 64 KB of a pipe costs a wake-up of the reader; X of 2000 x 20 is 320 KB.
    """
    entropy = np.random.default_rng()
    loops_best = vec_best = float("inf")
    for _ in range(rounds):
        W, X, y = problem(int(entropy.integers(2**62)), N, D, C, scale=0.01)
        expected_loss, expected_dW = oracle_fn(W, X, y, 0.1)
        with _student_frozen():  # the student's processes stopped: they cannot load the machine only now
            started = time.perf_counter()
            loops_fn(W, X, y, 0.1)
            loops_best = min(loops_best, time.perf_counter() - started)
        started = time.perf_counter()
        loss, dW = vectorized(W, X, y, 0.1)
        vec_best = min(vec_best, time.perf_counter() - started)
        if not (np.isclose(loss, expected_loss) and close(np.asarray(dW), expected_dW, rtol=1e-6, atol=1e-8)):
            return None
    return loops_best / vec_best
